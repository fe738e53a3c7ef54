"""Run every benchmark script and keep one table of their numbers.

Why one runner: speed claims are only worth something next to the machine they came from and
the baseline they are compared to. Each ``bench/*.py`` prints ``RESULT`` lines (protocol in
``bench/README.md``); this script runs each one in its own process (so one crash or hang does
not take the others down), gathers the lines, prints a table and writes ``bench/RESULTS.md``
atomically.

Usage::

    python bench/run_all.py                 # all scripts, writes bench/RESULTS.md
    python bench/run_all.py --only planner  # scripts whose name contains "planner"
    python bench/run_all.py --no-write      # print only
"""

from __future__ import annotations

import argparse
import datetime as _dt
import math
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULT_RE = re.compile(
    r"^RESULT\s+(?P<name>\S+)\s+(?P<value>[-+0-9.eE]+|nan|inf|-inf)\s+(?P<unit>\S+)(?P<rest>.*)$"
)
OPTION_RE = re.compile(r"(ratio|baseline)=(\S+)")
TIMEOUT_S = 2700  # detection.py scores six detectors on three flights: about 20 min on 2 cores


@dataclass(frozen=True)
class Result:
    """One number a bench script printed."""

    script: str
    name: str
    value: float
    unit: str
    ratio: float | None = None
    baseline: float | None = None


@dataclass
class ScriptRun:
    """How one script went: its results, exit status and wall time."""

    script: str
    results: list[Result] = field(default_factory=list)
    status: str = "ok"
    seconds: float = 0.0
    tail: str = ""


def _num(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def parse_results(script: str, output: str) -> list[Result]:
    """The ``RESULT`` lines of one script's output; other lines and malformed ones are ignored."""
    found = []
    for line in output.splitlines():
        m = RESULT_RE.match(line.strip())
        if not m:
            continue
        value = _num(m["value"])
        if value is None:
            continue
        opts = dict(OPTION_RE.findall(m["rest"]))
        found.append(Result(script, m["name"], value, m["unit"],
                            _num(opts["ratio"]) if "ratio" in opts else None,
                            _num(opts["baseline"]) if "baseline" in opts else None))
    return found


def discover(only: str | None = None) -> list[Path]:
    """Every bench script except this runner, sorted by name."""
    me = Path(__file__).resolve().name
    scripts = sorted(p for p in HERE.glob("*.py") if p.name != me and not p.name.startswith("_"))
    if only:
        scripts = [p for p in scripts if only in p.name]
    return scripts


def run_script(path: Path, timeout_s: float = TIMEOUT_S) -> ScriptRun:
    """Run one script in its own Python process from the repository root and parse its numbers."""
    run = ScriptRun(path.name)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, str(path)], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=timeout_s)
        out, err, code = proc.stdout, proc.stderr, proc.returncode
        run.status = "ok" if code == 0 else f"failed (exit {code})"
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        run.status = f"timed out after {timeout_s:.0f} s"
    run.seconds = time.perf_counter() - t0
    run.results = parse_results(path.name, out)
    if run.status != "ok":
        run.tail = "\n".join((err or out).strip().splitlines()[-5:])
    return run


def machine() -> dict[str, str]:
    """What this ran on: numbers mean little without it."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        commit = ""
    return {
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "host": platform.node(),
        "os": f"{platform.system()} {platform.release()}",
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": mem,
        "python": platform.python_version(),
        "commit": commit,
    }


def _fmt(x: float | None) -> str:
    if x is None:
        return ""
    if math.isnan(x) or math.isinf(x):
        return str(x)
    if x == int(x) and abs(x) < 1e12:
        return str(int(x))
    return f"{x:.4g}" if abs(x) < 1e5 else f"{x:.0f}"


def table(runs: list[ScriptRun]) -> list[list[str]]:
    """Rows: script, name, value, unit, baseline, ratio (a header row first)."""
    rows = [["script", "result", "value", "unit", "baseline", "ratio"]]
    for run in runs:
        if not run.results:
            rows.append([run.script, f"(no results: {run.status})", "", "", "", ""])
        for r in run.results:
            rows.append([run.script, r.name, _fmt(r.value), r.unit, _fmt(r.baseline),
                         f"{_fmt(r.ratio)}x" if r.ratio is not None else ""])
    return rows


def render_text(rows: list[list[str]]) -> str:
    """A plain aligned table for the terminal."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_markdown(rows: list[list[str]], runs: list[ScriptRun], info: dict[str, str]) -> str:
    """RESULTS.md: the machine, the table and how each script went."""
    out = ["# Benchmark results", "", "Written by `make bench` (`bench/run_all.py`). Protocol: `bench/README.md`.",
           "", "## Machine", ""]
    out += [f"- {k}: {v}" for k, v in info.items() if v]
    out += ["", "## Results", "", "| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows[1:]]
    out += ["", "## Scripts", ""]
    for run in runs:
        out.append(f"- `{run.script}`: {run.status}, {run.seconds:.1f} s, {len(run.results)} results")
        if run.tail:
            out += ["", "  ```", *("  " + t for t in run.tail.splitlines()), "  ```"]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", help="run only scripts whose file name contains this")
    ap.add_argument("--no-write", action="store_true", help="do not write bench/RESULTS.md")
    ap.add_argument("--out", default=str(HERE / "RESULTS.md"), help="where to write the results")
    ap.add_argument("--timeout", type=float, default=TIMEOUT_S, help="seconds allowed per script")
    args = ap.parse_args(argv)
    scripts = discover(args.only)
    if not scripts:
        print("no bench scripts found", file=sys.stderr)
        return 1
    runs = []
    for path in scripts:
        print(f"running {path.name} ...", flush=True)
        run = run_script(path, args.timeout)
        print(f"  {run.status}, {run.seconds:.1f} s, {len(run.results)} results", flush=True)
        runs.append(run)
    rows = table(runs)
    print()
    print(render_text(rows))
    if not args.no_write:
        sys.path.insert(0, str(ROOT))
        from search_patterns.atomic import write_atomic

        write_atomic(args.out, render_markdown(rows, runs, machine()))
        print(f"\nwrote {args.out}")
    return 0 if all(r.status == "ok" for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
