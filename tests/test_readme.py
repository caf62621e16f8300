"""The README's architecture block and the tree agree: every package and top-level module of
bot/ is in it, and everything it names exists."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def architecture_block(readme: str) -> str:
    section = readme.split("## Architecture", 1)[1]
    return section.split("```", 2)[1]


def named_paths(block: str) -> set[str]:
    """Return the paths the block names: top-level folders, and entries below bot/ by indent."""
    paths: set[str] = set()
    for line in block.splitlines():
        match = re.match(r"^(\s*)([\w.]+/?)\s", line + " ")
        if not match or not match.group(2).strip():
            continue
        indent, name = match.groups()
        if not indent:
            top = name
            paths.add(name)
        elif len(indent) == 2 and top == "bot/" and (name.endswith("/") or name.endswith(".py")):
            paths.add("bot/" + name)
    return paths


def test_the_architecture_block_matches_the_tree() -> None:
    named = named_paths(architecture_block((REPO / "README.md").read_text(encoding="utf-8")))
    assert {"bot/", "handlers/", "storage/", "tests/", "bot/app.py", "bot/render/"} <= named
    missing = sorted(p for p in named if not (REPO / p).exists())
    assert missing == []
    below_bot = {
        f"bot/{p.name}/" if p.is_dir() else f"bot/{p.name}"
        for p in (REPO / "bot").iterdir()
        if (p.is_dir() and (p / "__init__.py").exists())
        or (p.suffix == ".py" and not p.name.startswith("__"))
    }
    assert sorted(below_bot - named) == []
