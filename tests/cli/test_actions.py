"""`briefbot ingest`, `feeds add/list/remove` and `poll --once` as a user runs them."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.actions import BULK_GC_THRESHOLD, collecting_less
from bot.cli.app import app
from tests.e2e.test_revise import write_story
from tests.fakes.feeds import FakeFeedServer, Reply, rss

BODY = (
    "Snow closed the mountain pass on Thursday night and about 300 lorries were stuck on the "
    "approach road until ploughs cleared a single lane early on Friday morning."
)


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout


def test_ingest_prints_one_line_per_file_and_a_total(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    (folder / "Pass Report").mkdir(parents=True)
    (folder / "Pass Report" / "snow.txt").write_text(f"Snow closes pass\n\n{BODY}", "utf-8")
    (folder / "Pass Report" / "empty.md").write_text("", "utf-8")
    code, out = invoke("ingest", str(folder))
    lines = out.strip().splitlines()
    assert code == 1  # one file was rejected
    assert lines[0].startswith("rejected") and "empty.md" in lines[0] and "empty file" in lines[0]
    assert lines[1].startswith("new article") and "snow.txt" in lines[1]
    assert lines[2] == "2 item(s): 1 new article, 1 rejected"
    code, out = invoke("ingest", str(folder / "Pass Report" / "snow.txt"))
    assert code == 0
    assert out.strip().splitlines()[-1] == "1 item(s): 1 unchanged"


def test_feeds_add_list_poll_remove(server: FakeFeedServer) -> None:
    item = {"title": "Snow closes pass", "link": "http://example.test/snow", "content": BODY}
    good = server.feed("/feed.xml", rss([item]))
    bad = server.route("/gone.xml", lambda _r: Reply(404, b"gone"))
    assert invoke("feeds", "add", good, "--name", "Pass Report")[0] == 0
    refused = CliRunner().invoke(app, ["feeds", "add", bad])
    assert refused.exit_code == 1 and "HTTP 404 Not Found" in refused.stderr
    assert "--force" in refused.stderr
    code, out = invoke("feeds", "add", bad, "--force")
    assert code == 0 and "127.0.0.1" in out and "added anyway: HTTP 404" in out

    code, out = invoke("poll", "--once")
    assert code == 0, out
    assert "feed 1 Pass Report" in out and "ok — 1 new, 0 version" in out
    assert "feed 2" in out and "error — HTTP 404 Not Found" in out

    code, out = invoke("feeds", "list")
    assert "Pass Report" in out and good in out and "ERROR (1x): HTTP 404 Not Found" in out
    assert "1 article(s)" in out and "last success never" in out
    code, out = invoke("status")
    assert "failing feed 2" in out

    assert invoke("feeds", "remove", "2") == (0, f"removed feed 2: 127.0.0.1 <{bad}>\n")
    assert invoke("feeds", "remove", "2")[0] == 1
    code, out = invoke("feeds", "list")
    assert "gone.xml" not in out


def test_feeds_named_by_title_and_an_opml_round_trip(
    server: FakeFeedServer, tmp_path: Path
) -> None:
    first = server.feed("/one.xml", rss([], title="Gamma Wire"))
    second = server.feed("/two.xml", rss([], title="Gamma Wire"))
    assert invoke("feeds", "add", first)[1] == f"feed 1: Gamma Wire <{first}>\n"
    assert invoke("feeds", "add", second)[1] == f"feed 2: Gamma Wire (127.0.0.1) <{second}>\n"
    exported = tmp_path / "feeds.opml"
    assert invoke("feeds", "export", str(exported))[0] == 0
    code, out = invoke("feeds", "export")
    assert code == 0 and out == exported.read_text("utf-8")
    assert invoke("feeds", "remove", "1")[0] == 0 and invoke("feeds", "remove", "2")[0] == 0
    code, out = invoke("feeds", "import", str(exported))
    assert code == 0, out
    assert out.strip().splitlines()[-1] == "2 added, 0 already there, 0 refused"
    code, out = invoke("feeds", "list")
    assert f"Gamma Wire  <{first}>" in out and f"Gamma Wire (127.0.0.1)  <{second}>" in out
    code, out = invoke("feeds", "import", str(exported))
    assert out.strip().splitlines()[-1] == "0 added, 2 already there, 0 refused"
    junk = tmp_path / "junk.opml"
    junk.write_text("not a list", "utf-8")
    result = CliRunner().invoke(app, ["feeds", "import", str(junk)])
    assert result.exit_code == 1 and "not an OPML subscription list" in result.stderr


def test_feeds_add_refuses_bad_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFBOT_ALLOW_PRIVATE_FEEDS", "false")
    code, out = invoke("feeds", "add", "http://127.0.0.1:9/feed.xml")
    assert code == 1
    code, out = invoke("feeds", "list")
    assert "No feeds yet" in out


def test_ingest_shows_the_file_behind_a_url_and_repeats_are_no_ops(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"  # BRIEFBOT_INBOX_DIR in the tests
    (inbox / "Pass Report").mkdir(parents=True)
    headed = inbox / "Pass Report" / "snow.md"
    headed.write_text(
        f"URL: https://pass.example/snow?utm_source=x\n\n# Snow closes pass\n\n{BODY}", "utf-8"
    )
    plain = inbox / "Pass Report" / "later.txt"
    plain.write_text(f"Pass reopens\n\n{BODY} Ploughs worked through the night.", "utf-8")
    code, out = invoke("ingest", str(inbox))
    assert code == 0, out
    lines = out.strip().splitlines()
    assert lines[0].startswith("new article") and f"{plain}  (event" in lines[0]
    assert f"{headed} <https://pass.example/snow?utm_source=x>" in lines[1]
    # The same files named another way are the same articles.
    for given in (inbox, inbox / "Pass Report", plain, headed):
        code, out = invoke("ingest", str(given))
        assert code == 0 and "new article" not in out and "new version" not in out, out
        assert out.strip().splitlines()[-1].endswith("unchanged")


def test_poll_once_lists_rejected_entries_and_feeds_add_knows_a_feed(
    server: FakeFeedServer,
) -> None:
    orphan = {"title": "Orphan", "content": BODY}
    item = {"title": "Snow closes pass", "link": "http://example.test/snow", "content": BODY}
    url = server.feed("/feed.xml", rss([item, orphan]))
    assert invoke("feeds", "add", url, "--name", "Pass Report")[0] == 0
    code, out = invoke("feeds", "add", url)
    assert code == 0 and out == f"feed 1 is already there: Pass Report <{url}> (unchanged)\n"
    code, out = invoke("poll", "--once")
    assert code == 0
    lines = out.splitlines()
    assert "1 new, 0 version, 0 unchanged, 0 duplicate, 1 rejected" in lines[0]
    assert lines[1] == f"  rejected {url} — entry 'Orphan' has neither a link nor a guid; skipped"


def test_ingest_regroups_the_batch_at_its_end(tmp_path: Path) -> None:
    write_story(tmp_path / "articles")
    code, _ = invoke("ingest", str(tmp_path / "articles"))
    assert code == 0
    code, out = invoke("brief", "--json")
    (event,) = json.loads(out)["events"]  # the online pass made two events, the revision one
    assert len(event["sources"]) == 4


def test_ingest_imports_no_http_client_nor_feed_parser(tmp_path: Path) -> None:
    """`briefbot ingest` reads files: aiohttp and feedparser cost it a tenth of a second."""
    (tmp_path / "articles").mkdir()
    code = (
        "import sys\n"
        "from bot.cli.app import main\n"
        "sys.argv = ['briefbot', 'ingest', sys.argv[1]]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('aiohttp', 'feedparser')))\n"
    )
    env = {**os.environ, "BRIEFBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}
    root = Path(__file__).resolve().parents[2]
    run = [sys.executable, "-c", code, str(tmp_path / "articles")]
    done = subprocess.run(run, capture_output=True, text=True, check=True, cwd=root, env=env)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_a_bulk_ingest_collects_garbage_less_often_then_as_before() -> None:
    before = gc.get_threshold()
    with collecting_less():
        assert gc.get_threshold()[0] == BULK_GC_THRESHOLD > before[0]
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
