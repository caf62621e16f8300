"""`pip install .` works with the pip that ships with Python 3.11 (23.2.1).

That pip's resolver stops with "Candidate is not for this requirement lxml[html-clean,html-clean]
vs lxml[html-clean]" when two dependencies name the same extra in two spellings (``html-clean``
and ``html_clean``) and nothing at the top level names it first. Installing in a fresh venv
takes minutes and an index, so this test checks the condition itself on the installed tree.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]


def _direct() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return [Requirement(line) for line in project["dependencies"]]


def _extra_spellings() -> dict[str, dict[str, set[str]]]:
    """Map project -> normalised extra -> the spellings the installed dependency tree uses."""
    seen: set[str] = set()
    todo = [r.name for r in _direct()]
    spellings: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for line in requires:
            req = Requirement(line)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue  # only for an extra of that package, or another Python
            for extra in req.extras:
                spellings[canonicalize_name(req.name)][canonicalize_name(extra)].add(extra)
            todo.append(req.name)
    return spellings


def test_an_extra_spelled_two_ways_below_us_is_named_at_the_top() -> None:
    direct: dict[str, set[str]] = defaultdict(set)
    for req in _direct():
        direct[canonicalize_name(req.name)].update(canonicalize_name(e) for e in req.extras)
    clashes = [
        (project, extra, sorted(forms))
        for project, extras in _extra_spellings().items()
        for extra, forms in extras.items()
        if len(forms) > 1 and extra not in direct[project]
    ]
    assert clashes == [], (
        "pip 23.2.1 cannot resolve these; add `project[extra]==version` to the dependencies"
    )


def test_the_tree_really_has_the_lxml_clash_the_top_level_settles() -> None:
    forms = _extra_spellings()["lxml"]["html-clean"]
    assert forms == {"html-clean", "html_clean"}  # readability-lxml and jusText
