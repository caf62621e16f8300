"""`briefbot run` on an SQLite file it cannot write refuses to start, in plain words.

The file sits on a read-only bind mount, as on a host where the data volume was mounted read-only.
Permissions alone would not do: the tests may run as root, who writes through them.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.db import upgrade
from tests.fakes.faults import cli
from tests.fakes.telegram import TOKEN


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """Yield (writable source, read-only view of it); skip where bind mounts are not allowed."""
    source, view = tmp_path / "data", tmp_path / "view"
    source.mkdir()
    view.mkdir()
    mounted = subprocess.run(
        ["mount", "--bind", "-o", "ro", str(source), str(view)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("a read-only bind mount needs mount privileges")
    try:
        yield source, view
    finally:
        subprocess.run(["umount", str(view)], check=False)


async def test_run_fails_fast_on_a_read_only_sqlite_file(
    tmp_path: Path, read_only_folder: tuple[Path, Path]
) -> None:
    source, view = read_only_folder
    upgrade(f"sqlite+aiosqlite:///{source / 'bot.db'}")
    env = {
        "BRIEFBOT_TELEGRAM_TOKEN": TOKEN,
        "BRIEFBOT_DATABASE_URL": f"sqlite+aiosqlite:///{view / 'bot.db'}",
    }
    code, _, err = await cli(tmp_path, env, "run")
    assert code == 1, err
    assert "takes no writes" in err and "readonly" in err.replace("-", "")
    assert "Traceback" not in err
