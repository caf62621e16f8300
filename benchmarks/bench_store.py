"""Ingest throughput through the user's path: article files stored by ``briefbot ingest``.

Each run is its own ``briefbot ingest FOLDER`` process on a fresh database (a SQLite file, or
the PostgreSQL database named by ``BRIEFBOT_BENCH_DATABASE_URL``, emptied first), timed from
start to exit: reading, storing, clustering, the event refresh and the revision at the batch's
end. The result lines it prints are timed as they arrive, so a flood's rate can be read at its
start and its end.

``python -m benchmarks.bench_store --compare OLD_CHECKOUT`` runs every scenario with the code
of another checkout too (its ``bot`` package first on the path), alternating old and new in one
run, and prints both with their ratios: the machine is noisy, so before and after are only
compared within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_ingest import ARTICLES_PER_EVENT, SOURCES, _write_files
from benchmarks.shared import REPO_ROOT
from tests.fakes.faults import reset_postgres

PG_ENV = "BRIEFBOT_BENCH_DATABASE_URL"
SIZES = (10_000, 50_000)
PG_SIZES = (10_000,)
FLOOD = 10_000
FLOOD_SOURCES = 40
_BODY = (
    "The harbour authority reopened the northern pier on Wednesday after repairs to storm damage "
    "that had kept fishing boats away for most of the winter season, officials said."
)


def write_flood(root: Path, count: int) -> None:
    """Write ``count`` near-identical articles (one story, a changing last sentence)."""
    rng = random.Random(11)
    for n in range(count):
        folder = root / f"Source {n % FLOOD_SOURCES:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        extra = f"Boat number {n} went out first, {rng.randint(2, 90)} crew aboard."
        (folder / f"pier-{n:05d}.txt").write_text(
            f"Pier reopens {n}\n\n{_BODY} {extra}\n", encoding="utf-8"
        )


def ingest_run(folder: Path, database_url: str, *, code: Path) -> dict[str, Any]:
    """Run ``briefbot ingest folder`` with the ``bot`` package of ``code``; time it."""
    env = {
        **os.environ,
        "PYTHONPATH": str(code),
        "BRIEFBOT_DATABASE_URL": database_url,
        "BRIEFBOT_INBOX_DIR": str(folder.parent / "inbox"),
        "BRIEFBOT_LOG_LEVEL": "WARNING",
    }
    if database_url.startswith("postgresql"):
        reset_postgres(database_url)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "ingest", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=folder.parent,
        env=env,
    )
    assert proc.stdout is not None
    arrivals: list[float] = []
    outcomes: dict[str, int] = {}
    for line in proc.stdout:
        if line.startswith(("new article", "duplicate", "unchanged", "new version", "rejected")):
            arrivals.append(time.perf_counter() - started)
            kind = line[:12].strip()
            outcomes[kind] = outcomes.get(kind, 0) + 1
    stderr = proc.stderr.read() if proc.stderr else ""
    # The child's own CPU time: on a shared machine the wall clock mostly measures the others.
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = code_ = os.waitstatus_to_exitcode(status)
    total = time.perf_counter() - started
    if code_ not in (0, 1):
        raise RuntimeError(f"briefbot ingest failed ({code_}):\n{stderr[-3000:]}")
    quarter = max(1, len(arrivals) // 4)
    first = arrivals[quarter - 1] if arrivals else 0.0
    last = arrivals[-1] - arrivals[-quarter - 1] if len(arrivals) > quarter else 0.0
    return {
        "seconds": total,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "results": len(arrivals),
        "outcomes": outcomes,
        "first_quarter_rate": quarter / first if first else 0.0,
        "last_quarter_rate": quarter / last if last else 0.0,
    }


def scenarios(
    sizes: tuple[int, ...] = SIZES, pg_sizes: tuple[int, ...] = PG_SIZES, flood: int = FLOOD
) -> list[tuple[str, int, str]]:
    """Return (kind, size, backend) of every scenario: files, PostgreSQL files, the flood."""
    out = [("files", n, "sqlite") for n in sizes]
    if os.environ.get(PG_ENV):
        out += [("files", n, "postgresql") for n in pg_sizes]
    if flood:
        out.append(("flood", flood, "sqlite"))
    return out


def run_scenarios(
    codes: dict[str, Path], runs: list[tuple[str, int, str]] | None = None
) -> list[dict[str, Any]]:
    """Run each scenario with each checkout's code, alternating, in one run."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="briefbot-bench-store-") as tmp:
        for kind, size, backend in runs or scenarios():
            folder = Path(tmp) / f"{kind}-{size}" / "articles"
            if kind == "files":
                _write_files(folder, size, seed=size)
            else:
                write_flood(folder, size)
            for label, code in codes.items():
                if backend == "sqlite":
                    url = f"sqlite:///{folder.parent / f'{label}.db'}"
                else:
                    url = os.environ[PG_ENV]
                print(f"{kind} {size} {backend} {label}", file=sys.stderr, flush=True)
                figures = ingest_run(folder, url, code=code)
                rows.append(
                    {"kind": kind, "size": size, "backend": backend, "code": label, **figures}
                )
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
                if backend == "sqlite":
                    Path(url.removeprefix("sqlite:///")).unlink()
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    """Return the Markdown table of the runs (with old/new ratios when two codes ran)."""
    lines = [
        "| articles | kind | database | code | seconds | articles/s | CPU s | articles per CPU s "
        "| first / last quarter /s | outcomes |",
        "|---:|---|---|---|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        outcomes = ", ".join(f"{n} {o}" for o, n in sorted(r["outcomes"].items()))
        lines.append(
            f"| {r['size']:,} | {r['kind']} | {r['backend']} | {r['code']} | {r['seconds']:.1f} "
            f"| {r['size'] / r['seconds']:,.0f} | {r['cpu_seconds']:.1f} "
            f"| {r['size'] / r['cpu_seconds']:,.0f} | {r['first_quarter_rate']:,.0f} / "
            f"{r['last_quarter_rate']:,.0f} | {outcomes} |"
        )
    per_article = {
        (r["kind"], r["size"], r["backend"], r["code"]): r["cpu_seconds"] / r["size"] for r in rows
    }
    notes = []
    for (kind, size, backend, code), cost in sorted(per_article.items()):
        smallest = min(s for k, s, b, c in per_article if (k, b, c) == (kind, backend, code))
        small = per_article[(kind, smallest, backend, code)]
        if kind == "files" and size != smallest:
            notes.append(
                f"- {code}, {backend}: per-article CPU cost {size:,} / {smallest:,} = "
                f"{cost / small:.2f}"
            )
    return "\n".join([*lines, "", *notes])


def run() -> str:
    """Measure this checkout (for ``make bench``); return the Markdown section."""
    rows = run_scenarios({"this": REPO_ROOT})
    return "\n".join(
        [
            "## Ingest throughput through `briefbot ingest`",
            "",
            f"Generated `.txt` articles ({SOURCES} source folders, {ARTICLES_PER_EVENT} "
            f"articles per event), and a flood of {FLOOD:,} near-identical articles from "
            f"{FLOOD_SOURCES} sources; each run is one `briefbot ingest FOLDER` process on a "
            "fresh database, timed from start to exit (the revision at the end included).",
            "",
            markdown(rows),
            "",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_store")
    parser.add_argument("--compare", type=Path, help="another checkout to measure in the same run")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="files, SQLite")
    parser.add_argument("--pg-sizes", default=",".join(map(str, PG_SIZES)), help="files, PG")
    parser.add_argument("--flood", type=int, default=FLOOD, help="near-identical articles")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON too")
    args = parser.parse_args()
    codes = {"before": args.compare.resolve(), "after": REPO_ROOT} if args.compare else None
    runs = scenarios(
        tuple(int(n) for n in args.sizes.split(",") if n),
        tuple(int(n) for n in args.pg_sizes.split(",") if n),
        args.flood,
    )
    rows = run_scenarios(codes or {"this": REPO_ROOT}, runs)
    print(markdown(rows))
    if args.json:
        print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
