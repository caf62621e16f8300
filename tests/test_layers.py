"""Layers import one way: briefing <- render <- storage <- events/ingest/delivery <- services
<- handlers <- app/cli; and no module imports itself back through others.

Every import counts: at the top, under ``if TYPE_CHECKING:`` and inside functions. A lazy
import still ties two modules together; it only hides the knot.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "storage")

# Base utilities: any layer may import them; they import only each other (and the version).
BASE = frozenset({"bot", "bot.config", "bot.times", "bot.logs", "bot.health", "bot.i18n"})
# Lowest first; a module may import its own layer and any layer below, never one above.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("bot.briefing",),
    ("bot.render",),
    ("storage",),
    ("bot.events", "bot.ingest", "bot.delivery"),
    ("bot.services",),
    ("handlers",),
    ("bot.app", "bot.runtime", "bot.roles", "bot.webhook", "bot.cli", "bot.__main__"),
)


def module_name(root: Path, path: Path) -> str:
    """Return the dotted name of a source file below ``root``."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files(root: Path) -> Iterator[Path]:
    """Yield every module of our packages (migration scripts are data, not code we import)."""
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if "versions" not in path.relative_to(root).parts:
                yield path


def imports_of(root: Path, path: Path) -> list[tuple[int, str]]:
    """Return (line, module) for every import of our packages in a file, wherever it stands."""
    name = module_name(root, path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # "from bot import config" imports bot.config, not only the package bot.
            for alias in node.names:
                found.append((node.lineno, f"{base}.{alias.name}" if base else alias.name))
    return [(line, m) for line, m in found if m.split(".")[0] in PACKAGES]


def resolve(module: str, known: set[str]) -> str:
    """Return the longest known module a dotted import name refers to."""
    while module not in known and "." in module:
        module = module.rpartition(".")[0]
    return module


def layer_of(module: str) -> int | None:
    """Return the rank of a module's layer (-1 for base utilities), None when it has none."""
    if module in BASE:
        return -1
    for rank, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    return None


def import_graph(root: Path) -> dict[str, dict[str, int]]:
    """Return module -> {imported module: line} over our packages."""
    paths = {module_name(root, p): p for p in source_files(root)}
    known = set(paths)
    graph: dict[str, dict[str, int]] = {}
    for name, path in paths.items():
        edges: dict[str, int] = {}
        for line, imported in imports_of(root, path):
            target = resolve(imported, known)
            if target != name and target in known:
                edges.setdefault(target, line)
        graph[name] = edges
    return graph


def layer_violations(root: Path) -> list[str]:
    """Return each import against the direction of the layers, and each module without one."""
    problems = []
    for name, edges in sorted(import_graph(root).items()):
        rank = layer_of(name)
        if rank is None:
            problems.append(f"{name} belongs to no layer (place it in tests/test_layers.py)")
            continue
        for target, line in sorted(edges.items()):
            target_rank = layer_of(target)
            if target_rank is None:
                continue  # reported as its own module
            if rank == -1 and target_rank != -1:
                problems.append(f"{name}:{line} base utility imports {target}")
            elif target_rank > rank:
                problems.append(f"{name}:{line} imports {target}, a layer above it")
    return problems


def import_cycles(root: Path) -> list[list[str]]:
    """Return the import cycles between modules (strongly connected components of two or more)."""
    graph = import_graph(root)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(cycles)


def test_every_import_follows_the_layers() -> None:
    assert len(list(source_files(ROOT))) > 30
    assert layer_violations(ROOT) == []


def test_no_module_imports_itself_back() -> None:
    assert import_cycles(ROOT) == []


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("from __future__ import annotations\n" + source, encoding="utf-8")
    for package in PACKAGES:
        (tmp_path / package).mkdir(exist_ok=True)
        (tmp_path / package / "__init__.py").touch()
    return tmp_path


@pytest.mark.parametrize(
    "source",
    [
        "from handlers.summary import summary\n",
        "import handlers.summary\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.app import Services\n",
        "def later() -> None:\n    from bot.services.feeds import FeedService\n",
        "from bot.services import feeds\n",
        "from ..services import feeds\n",
    ],
)
def test_checker_catches_an_import_upwards(tmp_path: Path, source: str) -> None:
    root = _tree(
        tmp_path,
        {
            "bot/delivery/__init__.py": "",
            "bot/delivery/alerts.py": source,
            "bot/services/__init__.py": "",
            "bot/services/feeds.py": "",
            "bot/app.py": "",
            "handlers/summary.py": "",
        },
    )

    assert layer_violations(root) != []


def test_checker_accepts_imports_downwards_and_names_loose_modules(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "bot/config.py": "",
            "bot/render/__init__.py": "",
            "bot/render/html.py": "from bot.config import Settings\n",
            "bot/delivery/__init__.py": "",
            "bot/delivery/alerts.py": "from bot.render import html\nfrom storage import db\n",
            "storage/db.py": "from bot.render.html import x\n",
        },
    )
    assert layer_violations(root) == []

    (root / "bot" / "loose.py").write_text("", encoding="utf-8")
    assert layer_violations(root) == [
        "bot.loose belongs to no layer (place it in tests/test_layers.py)"
    ]


def test_checker_finds_a_cycle_through_a_lazy_import(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "bot/app.py": "from handlers import context\n",
            "handlers/context.py": "from bot import jobs\n",
            "bot/jobs.py": "def f() -> None:\n    from bot.app import build\n",
        },
    )

    assert import_cycles(root) == [["bot.app", "bot.jobs", "handlers.context"]]
