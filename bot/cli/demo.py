"""The offline demo: brief the bundled sample articles without Telegram or a real database."""

from __future__ import annotations

import tempfile
from importlib import resources
from pathlib import Path
from typing import TextIO

from bot.cli.actions import opened
from bot.cli.output import format_result, format_totals
from bot.config import Settings
from bot.render.text import briefing_to_text

SAMPLES = "samples"


def sample_paths() -> list[Path]:
    """Return the bundled sample article files in the order they are ingested."""
    root = Path(str(resources.files("bot") / SAMPLES))
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))


async def run_demo(settings: Settings, *, out: TextIO) -> None:
    """Ingest the samples into a database in a temporary folder and print every briefing."""
    with tempfile.TemporaryDirectory(prefix="briefbot-demo-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.db'}"
        async with opened(settings, database_url=url) as services:
            root = Path(str(resources.files("bot") / SAMPLES))
            results = [r async for r in services.uploads.ingest_paths([root])]
            print("Ingested the bundled sample articles:", file=out)
            for result in results:
                print("  " + format_result(result).replace(str(root) + "/", ""), file=out)
            print("  " + format_totals(results), file=out)
            briefings = await services.lookup.latest(limit=20)
    print(f"\n{len(briefings)} event(s), most recently updated first:\n", file=out)
    for briefing in briefings:
        print(briefing_to_text(briefing, tz=settings.zone), file=out)
        print(file=out)
