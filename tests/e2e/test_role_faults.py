"""kill -9 of the process holding each role on its own, through real processes, in the middle
of a digest sweep and its delivery, a poll cycle and an ingest batch (tests.fakes.role_faults):
every message delivered, duplicates only inside the acknowledged-but-not-recorded window, no
article lost or left unplaced, no event alerted twice, the role taken over within 15 s."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.fakes.role_faults import MAX_IN_FLIGHT, ROLES, kill_role_holder

PG_ENV = "BRIEFBOT_TEST_DATABASE_URL"
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get(PG_ENV), reason=f"{PG_ENV} is not set"),
]
# Small enough for every test run (the digests go out at Telegram's pace, ~30 a second); the
# benchmark runs the same scenario with 1,000 chats.
CHATS = 150


@pytest.mark.parametrize("role", ROLES)
async def test_kill_9_of_one_role_holder_mid_work_loses_nothing(tmp_path: Path, role: str) -> None:
    base = os.environ[PG_ENV]
    scratch = f"{make_url(base).database}_role_{role}"
    fault = await kill_role_holder(base, scratch, role, tmp_path, chats=CHATS)
    print(fault)
    assert fault.takeover < 15, fault.takeover
    assert fault.lost == 0 and fault.duplicated <= MAX_IN_FLIGHT, (fault.lost, fault.duplicated)
    assert fault.articles == fault.articles_wanted and fault.unplaced == 0
    assert not fault.alerted_twice and not fault.not_alerted and not fault.split
    # The new holder goes on at once with what the dead one left (its feeds, its sweep):
    # the feeds' own delay, the digests at Telegram's pace and some slack, not a job's tick.
    assert fault.done_after < 50, fault.done_after
    assert not fault.unanswered
    assert fault.answered_twice <= MAX_IN_FLIGHT
    assert "Traceback" not in fault.stderr, fault.stderr
