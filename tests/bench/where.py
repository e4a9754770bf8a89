"""Where the server's time goes: py-spy samples a ``madoguchi serve`` through a burst
(``PROFILE=1``), and the samples are summed two ways that do not go stale as the code changes:
by the package whose code was running (the innermost Python frame: ``sqlalchemy``,
``telegram``, madoguchi's own ``storage/turns`` …) and by the innermost madoguchi function
(with the library code it called: the turn's commit counts for the function that commits).

py-spy is a dev tool (``pip install -e '.[dev]'``); without it the section says so. It samples
from outside the process (``--nonblocking``: the server is never paused), but its own CPU
competes with the server's on a small machine, so the burst it records is an extra run, not
the one the figures come from.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

RATE = 200  # samples a second
OWN = ("bot", "flows", "storage")  # madoguchi's packages, as paths relative to the checkout
# "function (path/to/file.py:123)", one frame of py-spy's raw (collapsed) output
_FRAME = re.compile(r"^(?P<function>.*) \((?P<path>[^()]*?)(?::\d+)?\)$")


def py_spy() -> str | None:
    """The py-spy beside this interpreter (the venv's), else on PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


@contextmanager
def recording(pid: int, output: Path) -> Iterator[None]:
    """py-spy samples ``pid`` while the block runs (the thread holding the GIL: the server is
    bound by it, so these are its Python CPU's shares) and writes its raw stacks to ``output``
    when the block ends."""
    spy = py_spy()
    if spy is None:
        raise RuntimeError("py-spy is not installed")
    command = [spy, "record", "--pid", str(pid), "--rate", str(RATE), "--nonblocking", "--gil"]
    command += ["--format", "raw", "--output", str(output)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield
    finally:
        process.send_signal(signal.SIGINT)  # py-spy writes what it has and stops
        _, errors = process.communicate(timeout=60)
    if not output.exists():
        raise RuntimeError(f"py-spy wrote nothing: {errors.decode(errors='replace')[-500:]}")


@dataclass(frozen=True)
class Profile:
    samples: int
    by_package: list[tuple[str, float]]  # (package, share of samples), largest first
    own_functions: list[tuple[str, float]]  # (innermost madoguchi function, share of samples)


OUTSIDE = "(no madoguchi frame: the event loop, libraries' own threads)"
# Where the process starts: under every sample of the event loop's thread, so none of the work
# is theirs (bot/event_loop.py's run() calls uvloop.run, and everything runs under it).
ENTRY_POINTS = frozenset({"bot/event_loop", "bot/cli", "bot/__main__"})


def package(path: str) -> str:
    """The package of a frame's file as py-spy names it (relative to its ``sys.path`` entry:
    ``sqlalchemy/orm/session.py``, ``storage/turns.py``, ``asyncio/runners.py``): the top-level
    name, with the module for madoguchi's own packages and a mark on the standard library."""
    parts = [part for part in path.lstrip("<").split("/") if part]
    if not parts:
        return path
    top = re.split(r"[ .>-]", parts[0])[0] or parts[0]
    if top in OWN and len(parts) > 1:
        return f"{top}/{parts[1].removesuffix('.py')}"
    return f"{top} (stdlib)" if top in sys.stdlib_module_names else top


def summarize(raw: str, top: int = 8) -> Profile:
    """Shares of py-spy's raw output (``frame;frame;…;leaf count`` per line, outermost
    first): each sample counts once for the package of its innermost frame, and once for its
    innermost madoguchi function (with the library code that function called), so each list
    adds up to at most 100%."""
    samples = 0
    packages: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    for line in raw.splitlines():
        stack, _, count = line.rstrip().rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        samples += n
        frames = [m for f in stack.split(";") if (m := _FRAME.match(f))]
        if not frames:
            continue
        packages[package(frames[-1]["path"])] += n
        own = [
            f
            for f in frames
            if package(f["path"]).split("/")[0] in OWN and package(f["path"]) not in ENTRY_POINTS
        ]
        name = f"{own[-1]['function']} ({own[-1]['path']})" if own else OUTSIDE
        functions[name] += n
    total = max(samples, 1)
    return Profile(
        samples,
        [(name, n / total) for name, n in packages.most_common(top)],
        [(name, n / total) for name, n in functions.most_common(top)],
    )
