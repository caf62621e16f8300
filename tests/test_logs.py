"""Logs never show a bot token."""

from __future__ import annotations

from bot.logs import scrub

TOKEN = "123456789:AAHfakefakefakefakefakefakefakefake1"


def test_tokens_are_scrubbed_from_log_text() -> None:
    line = f"POST https://api.telegram.org/bot{TOKEN}/sendMessage failed"
    assert TOKEN not in scrub(line)
    assert "<token>" in scrub(line)
