"""``make bench``: measure madoguchi on the real code paths and write BENCHMARKS.md.

Each scenario returns named figures; every figure is the median of repeated runs. The report
lists the machine and versions, and the last line printed is one JSON object with every figure,
for tools. Speed targets live here, not in unit tests, where a busy CI machine would make them
flaky.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "BENCHMARKS.md"
FULL = os.environ.get("FULL", "") not in ("", "0")
# PROFILE=1: py-spy records a server through the headline burst (an extra run of it, so the
# measured figures are not slowed by the sampler) for "Where the time goes". On by default in
# the full run, whose missed targets need their measured cause; PROFILE=0 turns it off.
PROFILE = (os.environ.get("PROFILE") or ("1" if FULL else "0")) != "0"
REPEATS = 5 if FULL else 3
CALIBRATION_DRIFT = 0.20  # a run whose calibration moved more than this is flagged


@dataclass(frozen=True)
class Figure:
    name: str
    value: float | None  # None: not measured here (the note says why); null in the JSON
    unit: str
    target: str = ""
    met: bool | None = None
    note: str = ""  # printed under the table: what was scaled, why a target was missed


def _median(runs: list[float]) -> float:
    return statistics.median(runs)


def calibrate() -> float:
    """Milliseconds for a fixed pure-Python loop (median of 5): how fast this machine runs
    Python right now, so figures from machines of different speed (or from a machine that got
    busier during the run) can be put side by side. Wall-clock time, on purpose: other load on
    the machine slows it as it slows the scenarios."""
    times = []
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        for number in range(1_000_000):
            total += number * number % 7
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def calibration_line(start: float, end: float) -> str:
    """The report's calibration line; a drift beyond ``CALIBRATION_DRIFT`` is flagged."""
    moved = end / start - 1
    line = (
        f"- CPU calibration: {start:.1f} ms at the start, {end:.1f} ms at the end (a fixed "
        f"pure-Python loop, median of 5; lower is faster), moved {moved:+.0%}"
    )
    if abs(moved) > CALIBRATION_DRIFT:
        line += (
            f". **Flagged: the calibration moved more than {CALIBRATION_DRIFT:.0%} during the "
            "run: the machine's speed or load changed, so figures measured early and late are "
            "not comparable.**"
        )
    return line


def _utterances() -> list[str]:
    from flows.intents.training import CORPUS_DIR, load_corpus

    texts = [e.text for path in sorted(CORPUS_DIR.glob("*.tsv")) for e in load_corpus(path)]
    return texts


def bench_classify() -> list[Figure]:
    """Intent detection: in-process rate and the ``madoguchi classify`` command end to end."""
    from flows.intents import classify

    texts = _utterances()
    batch = texts * (100 if FULL else 3)
    classify("warm up")  # loading the lexicon and model is start-up, not per message
    rates = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        for text in batch:
            classify(text)
        rates.append(len(batch) / (time.perf_counter() - started))

    lines = "\n".join(batch) + "\n"
    command = [sys.executable, "-m", "bot", "classify"]
    cli_rates, startups = [], []
    for _ in range(REPEATS if FULL else 1):  # a start-up is seconds: quick mode makes one
        started = time.perf_counter()
        subprocess.run(command, input="", text=True, capture_output=True, check=True)
        startup = time.perf_counter() - started
        started = time.perf_counter()
        done = subprocess.run(command, input=lines, text=True, capture_output=True, check=True)
        elapsed = time.perf_counter() - started
        assert done.stdout.count("\n") == len(batch)
        startups.append(startup)
        cli_rates.append(len(batch) / max(elapsed - startup, 1e-9))
    rate, cli_rate = _median(rates), _median(cli_rates)
    return [
        Figure("classify_per_second", rate, "utterances/s", "≥ 5,000 on one core", rate >= 5000),
        Figure(
            "classify_cli_per_second",
            cli_rate,
            "utterances/s (after start-up, JSON out)",
            "≥ 5,000 on one core",
            cli_rate >= 5000,
            "" if FULL else "quick mode: one run of the command (its start-up takes seconds)",
        ),
        Figure("classify_cli_startup", _median(startups), "s"),
        Figure("classify_batch", float(len(batch)), "utterances per run"),
    ]


def bench_intent_accuracy() -> list[Figure]:
    """Accuracy is not speed, but the report is where the team looks for both."""
    from flows.intents.training import (
        CORPUS_DIR,
        cross_validate,
        evaluate,
        load_corpus,
        load_training,
    )

    heldout = list(
        {
            e.text: e for p in sorted(CORPUS_DIR.glob("heldout*.tsv")) for e in load_corpus(p)
        }.values()
    )
    held = evaluate(heldout)
    parts = [
        Figure(f"intent_{p.stem}_top1", evaluate(load_corpus(p)).accuracy * 100, "%")
        for p in sorted(CORPUS_DIR.glob("heldout*.tsv"))
    ]
    train = cross_validate(load_training())
    worst = held.worst_request_type()
    return [
        *parts,
        Figure("intent_heldout_all_top1", held.accuracy * 100, "%", "≥ 95%", held.accuracy >= 0.95),
        Figure(
            "intent_heldout_all_worst_request_type",
            worst * 100,
            "%",
            "≥ 90%",
            worst >= 0.90,
        ),
        Figure("intent_train_cv_top1", train.accuracy * 100, "% (5-fold cross-validation)"),
    ]


def _scenario(module: str, function: str) -> Callable[[], list[Figure]]:
    """A scenario kept in its own module (which imports ``Figure`` from here), loaded when it
    runs."""

    def run() -> list[Figure]:
        scenario: Callable[[], list[Figure]] = getattr(
            importlib.import_module(f"tests.bench.{module}"), function
        )
        return scenario()

    return run


SCENARIOS: dict[str, Callable[[], list[Figure]]] = {
    "Intent detection speed": bench_classify,
    "Intent detection accuracy": bench_intent_accuracy,
    "Member burst (SQLite, webhook)": _scenario("burst", "bench_burst"),
    "Where the time goes (server profile)": _scenario("burst", "bench_where"),
    "Baseline: PTB ConversationHandler + PicklePersistence": _scenario(
        "baseline", "bench_baseline"
    ),
    "Crash and restart (SQLite, webhook)": _scenario("crash", "bench_crash"),
    "Delivery under limits (SQLite, webhook, 429s)": _scenario("delivery", "bench_delivery"),
    "PostgreSQL and scale-out (1, 2 and 4 processes)": _scenario("scale_out", "bench_scale_out"),
}


def _machine() -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = ", ".join(
        f"{name} {metadata.version(name)}"
        for name in ("sqlmodel", "SQLAlchemy", "python-telegram-bot", "babel", "jaconv")
        if _installed(name)
    )
    return [
        f"- Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, mode: {'full' if FULL else 'quick'}",
        f"- Machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}; {versions}",
        f"- Commit: {_commit()}",
        f"- Each figure is the median of {REPEATS} runs, unless its section says otherwise.",
    ]


def _commit() -> str:
    """The commit measured, marked when the work tree had changes beside it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown (no git)"
    if not head:
        return "unknown (not a git checkout)"
    return f"{head} (with uncommitted changes)" if changed else head


def _installed(name: str) -> bool:
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def _format(value: float | None) -> str:
    if value is None:
        return "skipped"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.3g}"


def main() -> None:
    sections, everything = [], {}
    calibration_start = calibrate()
    print(f"calibration: {calibration_start:.1f} ms", file=sys.stderr, flush=True)
    began = time.monotonic()
    timings = []
    for title, scenario in SCENARIOS.items():
        print(f"running: {title}", file=sys.stderr, flush=True)
        started = time.monotonic()
        figures = scenario()
        took = time.monotonic() - started
        timings.append(f"{title} {took:.0f} s")
        print(f"  took {took:.0f} s", file=sys.stderr, flush=True)
        rows = ["| figure | value | unit | target | met |", "|---|---|---|---|---|"]
        for f in figures:
            met = "" if f.met is None else ("yes" if f.met else "**no**")
            rows.append(f"| {f.name} | {_format(f.value)} | {f.unit} | {f.target} | {met} |")
            everything[f.name] = None if f.value is None else round(f.value, 3)
        notes = [f"- {f.name}: {f.note}" for f in figures if f.note]
        sections.append(f"## {title}\n\n" + "\n".join(rows + (["", *notes] if notes else [])))
    took = time.monotonic() - began
    calibration_end = calibrate()
    print(f"calibration: {calibration_end:.1f} ms", file=sys.stderr, flush=True)
    everything["calibration_start_ms"] = round(calibration_start, 3)
    everything["calibration_end_ms"] = round(calibration_end, 3)
    REPORT.write_text(
        "# Benchmarks\n\n"
        "Written by `make bench` (quick) or `make bench FULL=1`; do not edit by hand.\n\n"
        + "\n".join(_machine())
        + "\n"
        + calibration_line(calibration_start, calibration_end)
        + f"\n- Took {took:.0f} s: {'; '.join(timings)}."
        + "\n\n"
        + "\n\n".join(sections)
        + "\n"
    )
    print(json.dumps(everything, ensure_ascii=False))


if __name__ == "__main__":
    main()
