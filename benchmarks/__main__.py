"""Run every ``benchmarks/bench_*.py`` (or those named) and write ``benchmarks/RESULTS.md``.

Each module exposes ``run() -> str`` returning a Markdown section. Every benchmark runs in its own
process so that peak-memory figures are its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _run_one(name: str) -> str:
    module = importlib.import_module(f"benchmarks.{name}")
    return str(module.run())


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("names", nargs="*", help="benchmark modules to run (default: all)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true", help="print, do not write RESULTS.md")
    args = parser.parse_args()
    if args.one:
        print(_run_one(args.one))
        return 0
    names = args.names or sorted(p.stem for p in HERE.glob("bench_*.py"))
    sections = []
    for name in names:
        print(f"== {name}", file=sys.stderr, flush=True)
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks", "--one", name],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            sections.append(f"## {name}\n\nFAILED:\n\n```\n{proc.stderr[-3000:]}\n```\n")
        else:
            sections.append(proc.stdout.strip() + "\n")
        print(sections[-1], flush=True)
    header = (
        "# Benchmark results\n\n"
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d} on {platform.machine()}, "
        f"Python {platform.python_version()}, by `make bench`.\n\n"
    )
    if not args.no_write and not args.names:
        (HERE / "RESULTS.md").write_text(header + "\n".join(sections), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
