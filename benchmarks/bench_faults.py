"""Faults and hostile input: run each fault-injection test and report lost and duplicated counts.

Every delivery test counts what the fake Bot API received and asserts 0 lost and 0 duplicated;
every input test asserts the good items around a bad one were stored and the bad one refused.
A passing test is therefore a measured 0 / 0; a failing one is reported as such.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (fault, how it is injected, test node, what today's main did, what is counted)
FAULTS: list[tuple[str, str, str, str, str]] = [
    (
        "SQLite locked 15 s by another process, `briefbot run`",
        "lock holder process",
        "tests/e2e/test_outbox_faults.py::test_run_keeps_delivering_after_sqlite_is_locked_for_15_seconds",
        "worker died: all 20 undelivered until a restart",
        "20 messages",
    ),
    (
        '"sent" mark fails (SQLite locked 12 s)',
        "lock holder process after Telegram's ack",
        "tests/e2e/test_outbox_faults.py::test_a_failed_sent_mark_is_retried_and_never_resends[lock]",
        "10 of 10 sent twice",
        "10 messages",
    ),
    (
        '"sent" mark fails (disk full 8 s)',
        "trigger refusing writes as a full disk",
        "tests/e2e/test_outbox_faults.py::test_a_failed_sent_mark_is_retried_and_never_resends[disk-full]",
        "10 of 10 sent twice",
        "10 messages",
    ),
    (
        "PostgreSQL restart: every connection cut, refused 10 s, `briefbot run`",
        "loopback TCP proxy",
        "tests/e2e/test_outbox_faults.py::test_run_survives_a_postgres_restart_mid_delivery",
        "worker died: the rest undelivered until a restart",
        "60 messages",
    ),
    (
        "worker crashes",
        "a worker raising twice",
        "tests/e2e/test_outbox_faults.py::test_a_crashed_worker_is_restarted_and_shown_in_status",
        "never restarted; status green",
        "restarted, shown in status",
    ),
    (
        "429 for one chat",
        "fake Bot API",
        "tests/e2e/test_outbox_faults.py::test_a_429_for_one_chat_pauses_only_that_chat",
        "59 other chats waited 5.3 s",
        "60 messages",
    ),
    (
        "group became a supergroup",
        "fake Bot API (ChatMigrated)",
        "tests/e2e/test_outbox_faults.py::test_a_group_that_became_a_supergroup_gets_its_messages_at_the_new_id",
        "retried forever: 1 lost",
        "1 message",
    ),
    (
        "digest fails on a full disk",
        "trigger refusing outbox inserts",
        "tests/delivery/test_digests.py::test_a_digest_failing_on_a_full_disk_is_retried_in_a_minute",
        "postponed an hour",
        "1 digest (retried in 1 min)",
    ),
    (
        "date 9999-12-31T23:00-05:00, JSON nested 200,000 deep",
        "files, `briefbot ingest`",
        "tests/e2e/test_hostile_files.py::test_briefbot_ingest_stores_the_good_file_beside_hostile_ones",
        "0 of 3 files stored",
        "good files",
    ),
    (
        "the same, in the inbox (start-up scan and watcher)",
        "files",
        "tests/e2e/test_hostile_files.py::test_the_inbox_scan_and_watcher_ingest_good_files_beside_hostile_ones",
        "whole batch dropped",
        "good files",
    ),
    (
        "the same, uploaded",
        "fake Bot API document",
        "tests/e2e/test_hostile_files.py::test_an_upload_that_breaks_the_parser_gets_a_plain_answer",
        '"Sorry, something went wrong"',
        "uploads",
    ),
    (
        "an article dated 0001-01-01",
        "files, `briefbot ingest`",
        "tests/e2e/test_hostile_files.py::test_an_article_dated_year_one_does_not_break_the_articles_joining_its_event",
        "the joining article refused",
        "later articles",
    ),
    (
        "a file written slowly into the inbox",
        "12 chunks 0.4 s apart",
        "tests/e2e/test_hostile_files.py::test_a_file_written_slowly_into_the_inbox_is_ingested_once_whole",
        "12 versions",
        "versions (1 expected)",
    ),
    (
        "NUL and lone surrogates (SQLite and PostgreSQL)",
        "JSON escapes",
        "tests/e2e/test_hostile_files.py::test_nul_bytes_and_lone_surrogates_are_stored_cleaned",
        "refused, retried forever (PostgreSQL)",
        "articles",
    ),
]


def _run(node: str) -> tuple[bool, float]:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", node],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env=os.environ.copy(),
    )
    skipped = " skipped" in proc.stdout and " passed" not in proc.stdout
    return (proc.returncode == 0 and not skipped), time.perf_counter() - started


def run() -> str:
    rows = []
    for fault, how, node, before, counted in FAULTS:
        ok, seconds = _run(node)
        result = "0 / 0" if ok else "FAILED or skipped"
        rows.append(f"| {fault} | {how} | {before} | {counted} | {result} | {seconds:.0f} |")
    pg = "set" if os.environ.get("BRIEFBOT_TEST_DATABASE_URL") else "NOT set (PostgreSQL rows skip)"
    return "\n".join(
        [
            "## Faults and hostile input",
            "",
            "Each fault injected from outside briefbot, as a user or an operator meets it; lost /"
            " duplicated counted on what the fake Bot API received (or what was stored)."
            f" BRIEFBOT_TEST_DATABASE_URL {pg}. Outside these: the documented window of a"
            ' `kill -9` between Telegram\'s acknowledgement and the "sent" mark (one duplicate'
            " per kill), and a stop while the database is down (the marks retried for 10 s).",
            "",
            "| fault | injected by | before the fix | counted | lost / duplicated | s |",
            "|---|---|---|---|---|---:|",
            *rows,
        ]
    )
