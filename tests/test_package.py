"""The package as co-op IT staff install it: an sdist built from this checkout, a wheel built
from that sdist, installed into a new virtual environment and run from outside the repo.

Nothing is downloaded. The wheel is built with ``pip wheel --no-deps --no-build-isolation``:
the project venv holds the build requirements (setuptools from the dev extra, babel a
dependency). The new venv reaches the project venv's installed dependencies through a
``.pth`` file, which only appends that directory to ``sys.path`` (its own ``.pth`` files, the
editable install's finder among them, are not read): madoguchi itself comes from the wheel,
as the first test asserts.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PIP = (sys.executable, "-m", "pip", "-q")
BUILD_SDIST = (
    "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))"
)


def _run(
    command: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    input: str | None = None,
) -> str:
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        input=input,
        capture_output=True,
        encoding="utf-8",  # the desk's Japanese, whatever the test run's locale
        timeout=120,
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    outside: Path  # a directory outside the repo, the working directory of every run

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def madoguchi(self) -> Path:
        return self.venv / "bin" / "madoguchi"

    def env(self, database: str) -> dict[str, str]:
        """Only what a fresh shell has: no settings, no PYTHONPATH from the test run."""
        return {
            "PATH": f"{self.venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": str(self.outside),
            "LANG": "C.UTF-8",
            "DATABASE_URL": f"sqlite:///{self.outside / database}",
        }

    def chat(self, lang: str, lines: Sequence[str]) -> str:
        return _run(
            [self.madoguchi, "chat", "--org", "coopdeli", "--lang", lang, "--poll", "0"],
            input="".join(f"{line}\n" for line in lines),
            cwd=self.outside,
            env=self.env(f"chat-{lang}.sqlite3"),
        )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("package")
    sdist_dir, wheel_dir, venv, outside = (
        work / name for name in ("sdist", "wheel", "venv", "run")
    )
    outside.mkdir()
    name = _run([sys.executable, "-c", BUILD_SDIST, sdist_dir], cwd=ROOT).strip().splitlines()[-1]
    _run(
        [*PIP, "wheel", "--no-deps", "--no-build-isolation", "-w", wheel_dir, sdist_dir / name],
        cwd=outside,
    )
    (wheel,) = wheel_dir.glob("madoguchi-*.whl")
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    new_python = venv / "bin" / "python"
    purelib = _run([new_python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (Path(purelib.strip()) / "_madoguchi_test_deps.pth").write_text("\n".join(sorted(ours)) + "\n")
    _run([*PIP, "--python", new_python, "install", "--no-deps", "--no-index", wheel])
    return Installed(wheel, venv, outside)


def test_the_installed_code_and_catalogs_are_the_wheels_not_the_checkouts(
    installed: Installed,
) -> None:
    where = _run(
        [
            installed.python,
            "-c",
            "import flows.i18n as i; print(i.__file__); print(i.locales_dir())",
        ],
        cwd=installed.outside,
        env=installed.env("unused.sqlite3"),
    ).split()
    assert all(Path(path).is_relative_to(installed.venv) for path in where), where
    assert (Path(where[1]) / "en" / "LC_MESSAGES" / "messages.mo").is_file()


def test_the_wheel_carries_every_file_the_desk_reads_at_run_time(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for expected in (
        "flows/locales/en/LC_MESSAGES/messages.mo",  # compiled from locales/en while building
        "flows/orgs/coopdeli.toml",
        "flows/orgs/seikatsuclub-kyosai.toml",
        "flows/intents/model.json",
        "flows/intents/lexicon.toml",
        "flows/templates/default.toml",
        "storage/migrations/env.py",
        "storage/migrations/script.py.mako",
        "storage/migrations/versions/0001_initial.py",
        "bot/channels/webchat/static/chat.js",
        "bot/channels/webchat/static/chat.css",
    ):
        assert expected in names, expected
    assert not any(name.startswith(("tests/", "locales/")) for name in names)


def test_uvloop_is_required_only_where_it_runs_and_httptools_everywhere(
    installed: Installed,
) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        (metadata,) = (name for name in wheel.namelist() if name.endswith(".dist-info/METADATA"))
        lines = wheel.read(metadata).decode().splitlines()
    requirements = [
        Requirement(line.partition(":")[2].strip())
        for line in lines
        if line.startswith("Requires-Dist:")
    ]
    requires = {
        requirement.name: requirement
        for requirement in requirements
        if "extra" not in str(requirement.marker or "")  # the dev extra is not installed
    }
    windows = {"sys_platform": "win32", "platform_python_implementation": "CPython"}
    pypy = {"sys_platform": "linux", "platform_python_implementation": "PyPy"}
    linux = {"sys_platform": "linux", "platform_python_implementation": "CPython"}
    macos = {"sys_platform": "darwin", "platform_python_implementation": "CPython"}
    uvloop = requires["uvloop"].marker
    assert uvloop is not None
    assert [uvloop.evaluate(where) for where in (windows, pypy, linux, macos)] == [
        False,
        False,
        True,
        True,
    ]
    assert requires["httptools"].marker is None


def test_the_installed_command_answers_help_from_outside_the_repo(installed: Installed) -> None:
    out = _run([installed.madoguchi, "--help"], cwd=installed.outside, env=installed.env("h.db"))
    assert "chat" in out and "serve" in out and "staff" in out


def test_an_english_member_is_answered_in_english_from_the_packaged_catalog(
    installed: Installed,
) -> None:
    # The purposes of use, for everything: then the desk asks who is asking.
    out = installed.chat("en", ["2", "1"])
    assert "Coop Deli uses your information for these purposes" in out
    assert "Who is making this request?" in out
    assert "どなたからのお申し出ですか" not in out


def test_a_japanese_member_is_answered_in_japanese(installed: Installed) -> None:
    out = installed.chat("ja", ["2", "1"])
    assert "どなたからのお申し出ですか" in out
    assert "Who is making this request?" not in out
