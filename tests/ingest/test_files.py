"""Read article files: formats, sources, identities, and every kind of bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from bot.ingest.files import parse_document, read_paths
from bot.ingest.model import IngestResult, Outcome, ParsedArticle

BODY = (
    "The regional parliament approved the water plan on Monday after two days of debate.\n\n"
    "Farmers' groups said the plan would cut irrigation by a fifth during dry summers."
)
LIMIT = 100_000


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def one(path: Path) -> ParsedArticle:
    [item] = read_paths([path], max_bytes=LIMIT)
    assert isinstance(item, ParsedArticle), item
    return item


def rejected(path: Path, max_bytes: int = LIMIT) -> str:
    [item] = read_paths([path], max_bytes=max_bytes)
    assert isinstance(item, IngestResult) and item.outcome is Outcome.REJECTED, item
    return item.reason


def test_text_with_dateline(tmp_path: Path) -> None:
    path = write(
        tmp_path / "wire" / "plan.txt",
        f"Parliament passes water plan\n\nJanuary 7, 2020 Updated: January 8, 2020\n\n{BODY}\n",
    )
    item = one(path)
    assert item.title == "Parliament passes water plan"
    assert item.text == BODY
    assert item.published == datetime(2020, 1, 7, tzinfo=UTC)
    assert item.updated == datetime(2020, 1, 8, tzinfo=UTC)
    assert item.source == "wire"  # a file given directly takes its parent folder's name
    assert item.identity == "file:wire/plan.txt"
    assert item.location == str(path)


def test_markdown_with_headers_in_any_order(tmp_path: Path) -> None:
    path = write(
        tmp_path / "in" / "x.md",
        "# Water plan passes\nURL: https://News.example/a?utm_source=x\nDate: 2020-01-07T09:30:00Z\n"
        f"Source: Valley Herald\n\n{BODY}",
    )
    item = one(path)
    assert item.title == "Water plan passes"
    assert item.source == "Valley Herald"
    assert item.identity == "https://news.example/a"
    assert item.location == "https://News.example/a?utm_source=x"
    assert item.published == datetime(2020, 1, 7, 9, 30, tzinfo=UTC)


def test_html_and_json_files(tmp_path: Path) -> None:
    paragraphs = "".join(f"<p>{p}</p>" for p in BODY.split("\n\n"))
    html = (
        "<html><head><title>Plan passes | Herald</title>"
        '<link rel="canonical" href="https://herald.example/plan?fbclid=1">'
        f"</head><body><nav>Home Sport</nav><article><h1>Plan passes</h1>{paragraphs}</article>"
        "</body></html>"
    )
    page = one(write(tmp_path / "h" / "page.html", html))
    assert page.title == "Plan passes | Herald"
    assert "irrigation by a fifth" in page.text and "Home Sport" not in page.text
    assert page.identity == "https://herald.example/plan"
    data = {"title": "Plan passes", "text": BODY, "source": "Herald", "published": "2020-01-07"}
    doc = one(write(tmp_path / "j" / "a.json", json.dumps(data)))
    assert (doc.title, doc.source, doc.text) == ("Plan passes", "Herald", BODY)
    assert doc.identity == "file:Herald/a.json"
    assert doc.published == datetime(2020, 1, 7, tzinfo=UTC)


def test_folders_sorted_hidden_skipped_sources_from_first_folder(tmp_path: Path) -> None:
    root = tmp_path / "inbox"
    write(root / "Zeta Post" / "b.txt", f"B story\n\n{BODY}")
    write(root / "Alpha Times" / "2020" / "a.txt", f"A story\n\n{BODY}")
    write(root / "loose.txt", f"Loose story\n\n{BODY}")
    write(root / ".hidden.txt", f"Hidden\n\n{BODY}")
    write(root / ".git" / "x.txt", f"Hidden too\n\n{BODY}")
    items = list(read_paths([root, tmp_path / "missing.txt"], max_bytes=LIMIT))
    articles = [i for i in items if isinstance(i, ParsedArticle)]
    assert [(a.source, a.identity) for a in articles] == [
        ("Alpha Times", "file:Alpha Times/2020/a.txt"),
        ("Zeta Post", "file:Zeta Post/b.txt"),
        ("unknown", "file:unknown/loose.txt"),
    ]
    assert isinstance(items[-1], IngestResult) and "no such file" in items[-1].reason


def test_bad_files_are_rejected_with_reasons(tmp_path: Path) -> None:
    assert rejected(write(tmp_path / "s" / "empty.txt", "  \n\n")) == "empty file"
    assert "binary" in rejected(write(tmp_path / "s" / "img.txt", b"\x89PNG\r\n\x1a\n\x00\x00"))
    big = write(tmp_path / "s" / "big.txt", "Headline\n\n" + "word " * 1000)
    assert "over the limit of 1,000" in rejected(big, max_bytes=1000)
    noise = bytes((i * 37 + 128) % 256 | 0x80 for i in range(400))
    assert "encoding" in rejected(write(tmp_path / "s" / "noise.txt", noise))
    menu = "<html><body><nav><a href='/'>Home</a></nav></body></html>"
    assert "no article text" in rejected(write(tmp_path / "s" / "menu.html", menu))
    assert "invalid JSON" in rejected(write(tmp_path / "s" / "bad.json", "{oops"))
    assert "unsupported file type" in rejected(write(tmp_path / "s" / "x.pdf", "%PDF-1.7"))
    assert "no article text" in rejected(write(tmp_path / "s" / "title.txt", "Only a headline\n"))


def test_other_encodings_are_decoded(tmp_path: Path) -> None:
    text = "Café owners protest\n\n" + "Les propriétaires de café à Zürich ont manifesté. " * 20
    item = one(write(tmp_path / "s" / "latin.txt", text.encode("latin-1")))
    assert item.title == "Café owners protest"
    assert "propriétaires" in item.text


def test_uploaded_document(tmp_path: Path) -> None:
    data = f"Source: Harbour Gazette\nFerry service resumes\n\n{BODY}".encode()
    item = parse_document(
        data,
        filename="ferry.txt",
        source=None,
        identity_path="upload/ferry.txt",
        location="ferry.txt",
        max_bytes=LIMIT,
    )
    assert isinstance(item, ParsedArticle)
    assert (item.source, item.title) == ("Harbour Gazette", "Ferry service resumes")
    assert item.identity == "file:Harbour Gazette/upload/ferry.txt"
    anonymous = parse_document(
        f"Ferry\n\n{BODY}".encode(),
        filename="f.md",
        source=None,
        identity_path="f.md",
        location="f.md",
        max_bytes=LIMIT,
    )
    assert isinstance(anonymous, ParsedArticle) and anonymous.source == "unknown"


def test_markdown_front_matter_is_read_not_taken_for_the_headline(tmp_path: Path) -> None:
    path = write(
        tmp_path / "wire" / "front.md",
        "---\n"
        'title: "Water plan passes"\n'
        "source: Valley Herald\n"
        "url: https://valley.example/water\n"
        "date: 2020-01-07\n"
        "tags: [water, farming]\n"
        "---\n\n"
        f"# Water plan passes\n\n{BODY}\n",
    )
    item = one(path)
    assert item.title == "Water plan passes"
    assert item.source == "Valley Herald"
    assert item.identity == "https://valley.example/water"
    assert item.published == datetime(2020, 1, 7, tzinfo=UTC)
    assert item.text == BODY
    # Without a title in it, the headline is the first line after the front matter.
    untitled = one(
        write(tmp_path / "wire" / "untitled.md", f"---\nauthor: A. Writer\n---\nPlan\n\n{BODY}")
    )
    assert (untitled.title, untitled.text) == ("Plan", BODY)


def test_setext_headline_and_a_dateline_above_the_headline(tmp_path: Path) -> None:
    setext = one(
        write(tmp_path / "s" / "setext.md", f"Water plan passes\n=================\n\n{BODY}")
    )
    assert (setext.title, setext.text) == ("Water plan passes", BODY)
    dated = one(
        write(tmp_path / "s" / "dated.txt", f"January 7, 2020\nWater plan passes\n\n{BODY}")
    )
    assert dated.title == "Water plan passes"
    assert dated.published == datetime(2020, 1, 7, tzinfo=UTC)


def test_files_in_the_inbox_have_one_identity_however_they_are_named(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    deep = write(inbox / "Wire" / "world" / "deep.txt", f"Deep story\n\n{BODY}")
    write(inbox / "Wire" / "top.txt", f"Top story\n\n{BODY}")
    expected = {"deep.txt": "file:Wire/world/deep.txt", "top.txt": "file:Wire/top.txt"}
    for given in (
        inbox,
        inbox / "Wire",
        inbox / "Wire" / "world",
        deep,
        tmp_path / ".." / tmp_path.name / "inbox",
    ):
        items = read_paths([given], max_bytes=LIMIT, inbox=inbox)
        for item in items:
            assert isinstance(item, ParsedArticle)
            assert item.identity == expected[Path(item.location).name], given
            assert item.source == "Wire"


def test_outside_the_inbox_the_folder_given_decides(tmp_path: Path) -> None:
    root = tmp_path / "articles"
    deep = write(root / "Wire" / "world" / "deep.txt", f"Deep story\n\n{BODY}")
    by_root = [
        i.identity
        for i in read_paths([root], max_bytes=LIMIT, inbox=tmp_path / "inbox")
        if isinstance(i, ParsedArticle)
    ]
    by_source = [
        i.identity
        for i in read_paths([root / "Wire"], max_bytes=LIMIT)
        if isinstance(i, ParsedArticle)
    ]
    assert by_root == ["file:Wire/world/deep.txt"]
    assert by_source == ["file:world/deep.txt"]  # the first folder below the one given
    assert one(deep).identity == "file:world/deep.txt"  # a file given directly: its parent


def test_files_are_read_as_they_are_asked_for(tmp_path: Path) -> None:
    root = tmp_path / "in"
    write(root / "Wire" / "a.txt", f"A story\n\n{BODY}")
    second = write(root / "Wire" / "b.txt", f"B story\n\n{BODY}")
    items = read_paths([root], max_bytes=LIMIT)
    first = next(items)
    assert isinstance(first, ParsedArticle) and first.title == "A story"
    write(second, f"B story, as it was when read\n\n{BODY}")  # not read yet: the new text counts
    [later] = list(items)
    assert isinstance(later, ParsedArticle) and later.title == "B story, as it was when read"


LEAD = (
    "A ferry ran aground near the harbour mouth on Tuesday, and all 40 passengers were taken off."
)
MORE = "The coast guard said the tide would lift the ferry by the evening. Nobody was hurt."


def test_a_stamp_opening_the_body_is_a_date_not_a_header(tmp_path: Path) -> None:
    item = one(
        write(
            tmp_path / "coast" / "ferry.txt",
            f"Ferry runs aground off the harbour\n\nPublished: April 2, 2019 {LEAD} {MORE}\n",
        )
    )
    assert item.title == "Ferry runs aground off the harbour"
    assert item.text == f"{LEAD} {MORE}"
    assert item.published == datetime(2019, 4, 2, tzinfo=UTC)
    updated = one(
        write(
            tmp_path / "coast" / "cup.txt",
            "Holder out of the cup\n\nUpdated: May 1, 2018, 10:02 AM ET The holder lost in the "
            "first round on Monday. Her coach said the knee had held up.\n",
        )
    )
    assert updated.text.startswith("The holder lost in the first round")
    assert updated.updated == datetime(2018, 5, 1, 15, 2, tzinfo=UTC)


def test_a_wire_dateline_above_the_headline_is_a_date_sharpened_by_the_header(
    tmp_path: Path,
) -> None:
    item = one(
        write(
            tmp_path / "wire" / "plan.txt",
            f"PORTUGAL, January 7, 2020\nDate: 2020-01-07T08:30:00Z\n\nWater plan passes\n{BODY}",
        )
    )
    assert item.title == "Water plan passes"
    # The dateline names the day; the header that day's time.
    assert item.published == datetime(2020, 1, 7, 8, 30, tzinfo=UTC)
    other_day = one(
        write(
            tmp_path / "wire" / "late.txt",
            f"PORTUGAL, January 7, 2020\nDate: 2020-01-09T08:30:00Z\n\nWater plan passes\n{BODY}",
        )
    )
    assert other_day.published == datetime(2020, 1, 7, tzinfo=UTC)


def test_a_dateline_first_and_the_headline_sharing_a_line_with_the_body(tmp_path: Path) -> None:
    item = one(
        write(
            tmp_path / "coast" / "ferry.txt",
            f"Posted: Apr 2, 2019 9: 40 AM PDT\n\nFerry runs aground off the harbour. {LEAD} {MORE}\n",
        )
    )
    assert item.published == datetime(2019, 4, 2, 16, 40, tzinfo=UTC)
    assert item.title == "Ferry runs aground off the harbour."
    assert item.text == f"{LEAD} {MORE}"
    # No sentence end between headline and body: the start becomes the headline, no text lost.
    run_on = (
        "Ferry runs aground off the harbour a ferry ran aground near the harbour mouth on "
        "Tuesday and all 40 passengers were taken off while the coast guard said the tide would "
        "lift the ferry by the evening and that nobody was hurt"
    )
    item = one(write(tmp_path / "coast" / "run-on.txt", f"2 April 2019\n\n{run_on}\n"))
    assert len(item.title) <= 100
    assert f"{item.title} {item.text}" == run_on


def test_date_headers_that_cannot_be_read_keep_the_body(tmp_path: Path) -> None:
    short = one(write(tmp_path / "s" / "a.txt", f"Plan passes\nDate: sometime soon\n\n{BODY}"))
    assert (short.text, short.published) == (BODY, None)
    long_line = "Published: we tell you what the council decided and why it matters to farmers"
    kept = one(write(tmp_path / "s" / "b.txt", f"Plan passes\n\n{long_line}\n\n{BODY}"))
    assert kept.text.startswith(long_line)


def test_only_a_headline_is_still_rejected(tmp_path: Path) -> None:
    assert rejected(write(tmp_path / "s" / "one.txt", "June 6, 2013\n\nSwimmer dies at 91\n"))
    assert rejected(write(tmp_path / "s" / "two.txt", f"{LEAD}\n"))
