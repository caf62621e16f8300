"""HH:MM times of day and IANA zone names: clear errors for anything else."""

from __future__ import annotations

from datetime import time

import pytest

from bot.times import parse_hhmm, parse_timezone


def test_time_and_zone_parsers() -> None:
    assert parse_hhmm("23:59") == time(23, 59)
    for bad in ("24:00", "7", "07:60", "aa:bb", ""):
        with pytest.raises(ValueError, match="HH:MM"):
            parse_hhmm(bad)
    assert parse_timezone("America/New_York").key == "America/New_York"
    for bad in ("", "../etc/passwd", "/etc/localtime", "Nowhere/City"):
        with pytest.raises(ValueError, match="IANA"):
            parse_timezone(bad)
