"""The briefing core and the renderers stay pure: no I/O, network, database, Telegram,
environment or clock."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import bot.briefing
import bot.render

FORBIDDEN_MODULES = frozenset(
    {
        "telegram",
        "sqlmodel",
        "sqlalchemy",
        "httpx",
        "asyncio",
        "aiohttp",
        "requests",
        "handlers",
        "storage",
        "os",
        "time",
    }
)
CLOCK_CALLS = frozenset({"now", "utcnow", "today"})
PURE_PACKAGES = (Path(bot.briefing.__file__).parent, Path(bot.render.__file__).parent)


def impurities(path: Path) -> list[str]:
    """Return what makes a module impure: forbidden imports and clock reads, with line numbers."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            modules = [base] if base else [alias.name for alias in node.names]
            if node.level:  # relative: any part may name a forbidden package
                modules = [part for m in modules for part in m.split(".")]
        for module in modules:
            if module.split(".")[0] in FORBIDDEN_MODULES:
                found.append(f"{path.name}:{node.lineno} imports {module}")  # type: ignore[attr-defined]
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in CLOCK_CALLS
        ):
            found.append(f"{path.name}:{node.lineno} reads the clock ({ast.unparse(node.func)})")
    return found


@pytest.mark.parametrize("package", PURE_PACKAGES, ids=lambda p: p.name)
def test_package_is_pure(package: Path) -> None:
    modules = sorted(package.rglob("*.py"))
    assert len(modules) > 3
    assert [problem for path in modules for problem in impurities(path)] == []


@pytest.mark.parametrize(
    "source",
    [
        "import os\n",
        "import os.path\n",
        "from time import monotonic\n",
        "import telegram.ext as tg\n",
        "from sqlalchemy.orm import Session\n",
        "import sqlmodel\n",
        "import httpx, json\n",
        "import asyncio\n",
        "import aiohttp\n",
        "import requests\n",
        "from handlers.summary import summary\n",
        "from storage import repositories\n",
        "from ..storage import repositories\n",
        "from .. import handlers\n",
        "from datetime import datetime\nstamp = datetime.now()\n",
        "import datetime as dt\nstamp = dt.datetime.now(dt.UTC)\n",
        "import datetime\nstamp = datetime.datetime.utcnow()\n",
        "from datetime import date\nday = date.today()\n",
    ],
)
def test_checker_catches_impure_code(tmp_path: Path, source: str) -> None:
    module = tmp_path / "impure.py"
    module.write_text("from __future__ import annotations\n" + source, encoding="utf-8")

    assert impurities(module) != []


def test_checker_accepts_pure_code(tmp_path: Path) -> None:
    module = tmp_path / "pure.py"
    module.write_text(
        "import math\nfrom datetime import datetime, timedelta\nfrom bot.briefing.text import stem\n"
        "def later(at: datetime) -> datetime:\n    return at + timedelta(days=1)\n",
        encoding="utf-8",
    )

    assert impurities(module) == []
