"""`make run` without a token runs the offline demo and prints real briefings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_launcher_without_token_runs_the_demo(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "BRIEFBOT_TELEGRAM_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli.launch"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "BRIEFBOT_TELEGRAM_TOKEN" in out.splitlines()[0]
    assert "new article" in out and "new version" in out
    # The missile-strike sample: conflicting figures with who said each, and the update.
    assert "Where sources differ" in out
    assert "more than a dozen" in out and "15" in out and "22" in out
    assert "What changed" in out
    # The demo writes nothing outside a temporary folder.
    assert list(tmp_path.iterdir()) == []
