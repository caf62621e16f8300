"""Read article files (.txt .md .html .json), folders of them and uploaded documents."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path, PurePosixPath

from bot.briefing.text import normalize_space, split_sentences
from bot.ingest.dates import parse_date, split_stamp
from bot.ingest.extract import MIN_ARTICLE_CHARS, DecodeError, decode_text, extract_page
from bot.ingest.model import IngestResult, Outcome, ParsedArticle
from bot.ingest.urls import canonical_url

log = logging.getLogger(__name__)

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
JSON_SUFFIXES = frozenset({".json"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES
UNKNOWN_SOURCE = "unknown"
# The source of a document sent to the bot without a `Source:` header.
UPLOAD_SOURCE = "upload"

# `NAME=value` lines naming a secret, or a Telegram bot token: a configuration file, not news.
_SECRET = re.compile(
    r"^\s*(?:export\s+)?[A-Z0-9_]*(?:TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY)[A-Z0-9_]*\s*=|"
    r"\b\d{5,}:[A-Za-z0-9_-]{30,}\b|-----BEGIN [A-Z ]*PRIVATE KEY-----",
    re.MULTILINE,
)
_HEADER = re.compile(r"^(?P<key>source|url|link):\s*(?P<value>.*?)\s*$", re.IGNORECASE)
_DATE_HEADER = re.compile(r"^(?:date|published|updated)\s*:\s*(?P<value>.*?)\s*$", re.IGNORECASE)
# A `Date:` header whose value cannot be read is still a header when it is this short.
_SHORT_HEADER_WORDS = 6
# A headline this long with more than one sentence in it also holds the start of the body.
_LONG_HEADLINE_CHARS = 200
# Where a run-on first line with no sentence end is cut to give the headline.
_HEADLINE_CUT_CHARS = 100


def _reject(location: str, reason: str) -> IngestResult:
    log.info("rejected %s: %s", location, reason)
    return IngestResult(location, Outcome.REJECTED, reason=reason)


def _web_url(value: str | None) -> str | None:
    if value and value.strip().lower().startswith(("http://", "https://")):
        return value.strip()
    return None


def _body(lines: Sequence[str]) -> str:
    """Join body lines, keeping paragraph breaks and dropping runs of blank lines."""
    out: list[str] = []
    for line in lines:
        clean = line.rstrip()
        if clean.strip() or (out and out[-1]):
            out.append(clean.strip())
    return "\n".join(out).strip()


_FRONT_MATTER_KEYS = frozenset({"title", "source", "url", "link", "date", "published", "updated"})
_FRONT_MATTER_FENCE = "---"


def _front_matter(lines: Sequence[str]) -> tuple[dict[str, str | datetime | None], int] | None:
    """Read a Markdown front matter block (``---`` lines around ``key: value`` lines).

    Return its known fields and the index of the first line after it, or None without one.
    """
    start = next((n for n, line in enumerate(lines) if line.strip()), None)
    if start is None or lines[start].strip() != _FRONT_MATTER_FENCE:
        return None
    end = next(
        (n for n in range(start + 1, len(lines)) if lines[n].strip() in ("---", "...")), None
    )
    if end is None:
        return None
    fields: dict[str, str | datetime | None] = {}
    for line in lines[start + 1 : end]:
        key, colon, value = line.partition(":")
        key = key.strip().lower()
        if colon and key in _FRONT_MATTER_KEYS and value.strip():
            fields.setdefault(key, value.strip().strip("\"'").strip())
    return fields, end + 1


def _is_underline(line: str) -> bool:
    """Return True for a Markdown setext underline (``===`` or ``---`` under a headline)."""
    return (len(line) >= 2 and set(line) <= {"="}) or (len(line) >= 3 and set(line) <= {"-"})


Fields = dict[str, str | datetime | None]


def _take_stamp(line: str, fields: Fields) -> str | None:
    """Record the dates a line starts with; return the rest of it, or None when it has none.

    The rest is the article's own text when a stamp opens a paragraph (`Published: April 10,
    2007 A man who…`), and empty when the line is only a stamp.
    """
    stamp = split_stamp(line)
    if stamp is None:
        header = _DATE_HEADER.match(line)
        if header and len(header.group("value").split()) <= _SHORT_HEADER_WORDS:
            fields.setdefault("date", header.group("value"))
            return ""
        return None
    for key, value in (("published", stamp.published), ("updated", stamp.updated)):
        if value is not None:
            fields[key] = _sharper(_as_date(fields.get(key)), value)
    return line[stamp.end :].strip()


def _split_headline(headline: str, body: str) -> tuple[str, str]:
    """Split a first line that holds the headline and the body's start at its first sentence."""
    if body and len(headline) <= _LONG_HEADLINE_CHARS:
        return headline, body
    sentences = split_sentences(headline)
    if len(sentences) >= 2:
        first, rest = sentences[0], " ".join(sentences[1:])
    elif not body and len(headline) > _LONG_HEADLINE_CHARS:
        # One long run-on line and nothing else: keep all of its text, the start as headline.
        cut = headline.rfind(" ", 0, _HEADLINE_CUT_CHARS)
        first, rest = headline[:cut].rstrip(" ,;:-"), headline[cut:].strip()
    else:
        return headline, body
    return first, f"{rest}\n{body}" if body else rest


def _parse_plain(text: str, *, markdown: bool) -> Fields:
    """Split a text or Markdown article into headline, header fields, dates and body."""
    lines = text.splitlines()
    fields: Fields = {}
    i = 0
    front = _front_matter(lines) if markdown else None
    if front is not None:
        fields, i = front
    headline = str(fields.pop("title", None) or "")
    if markdown:
        headline = headline.lstrip("#").strip()
    while not headline and i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line:
            continue
        header = _HEADER.match(line)
        if header:
            fields.setdefault(header.group("key").lower(), header.group("value"))
            continue
        rest = _take_stamp(line, fields)
        if rest == "":
            continue
        line = line if rest is None else rest
        headline = line.lstrip("#").strip() if markdown else line
    first_body: str | None = None
    while i < len(lines):
        line = lines[i].strip()
        header = _HEADER.match(line)
        if markdown and i > 0 and _is_underline(line) and lines[i - 1].strip() == headline:
            pass  # the underline of a setext headline
        elif markdown and front is not None and line.lstrip("#").strip() == headline:
            pass  # the front matter's title repeated as the first heading
        elif header:
            fields.setdefault(header.group("key").lower(), header.group("value"))
        elif line:
            rest = _take_stamp(line, fields)
            if rest is None:
                break
            if rest:
                # A stamp opening the first paragraph: the rest of it is the body's start.
                first_body = rest
                i += 1
                break
        i += 1
    body = _body(([first_body] if first_body else []) + lines[i:])
    fields["title"], fields["text"] = _split_headline(headline, body)
    return fields


def _as_date(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    return parse_date(value) if isinstance(value, str) else None


def _parse_json(text: str) -> dict[str, str | datetime | None] | str:
    """Read a JSON article, or return why it cannot be one."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"invalid JSON: {exc.msg} at line {exc.lineno}"
    except RecursionError:
        return "JSON nested too deeply to be an article"
    if not isinstance(data, dict):
        return "JSON must be one object with `title` and `text`"
    fields: dict[str, str | datetime | None] = {}
    for key in ("title", "text", "source", "url", "published", "updated", "date"):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            return f"JSON field `{key}` must be a string"
        fields[key] = value
    return fields


def parse_document(
    data: bytes,
    *,
    filename: str,
    source: str | None,
    identity_path: str,
    location: str,
    max_bytes: int,
) -> ParsedArticle | IngestResult:
    """Parse one article file's bytes, or return a rejection saying why it is not one."""
    suffix = PurePosixPath(filename).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kinds = " ".join(sorted(SUPPORTED_SUFFIXES))
        return _reject(location, f"unsupported file type {suffix or '(none)'!r}; use {kinds}")
    if len(data) > max_bytes:
        return _reject(location, f"file is {len(data):,} bytes, over the limit of {max_bytes:,}")
    if not data.strip():
        return _reject(location, "empty file")
    try:
        text = decode_text(data)
    except DecodeError as exc:
        return _reject(location, str(exc))
    if _SECRET.search(text):
        return _reject(location, "looks like a file of secrets (a token or a password), not news")
    fields: dict[str, str | datetime | None]
    if suffix in JSON_SUFFIXES:
        parsed = _parse_json(text)
        if isinstance(parsed, str):
            return _reject(location, parsed)
        fields = parsed
    elif suffix in HTML_SUFFIXES:
        page = extract_page(text)
        if len(page.text) < MIN_ARTICLE_CHARS:
            return _reject(location, "no article text found in the HTML")
        fields = {
            "title": page.title,
            "text": page.text,
            "url": page.canonical,
            "published": page.published,
        }
    else:
        fields = _parse_plain(text, markdown=suffix != ".txt")
    title = normalize_space(str(fields.get("title") or ""))
    body = str(fields.get("text") or "").strip()
    if not title:
        return _reject(location, "no headline (the first non-empty line, or `title` in JSON)")
    if not body:
        return _reject(location, "no article text below the headline")
    name = normalize_space(str(fields.get("source") or "")) or source or UNKNOWN_SOURCE
    url = _web_url(str(fields.get("url") or fields.get("link") or "") or None)
    identity = canonical_url(url) if url else f"file:{name}/{identity_path}"
    return ParsedArticle(
        title=title,
        text=body,
        source=name,
        location=url or location,
        identity=identity,
        published=_sharper(_as_date(fields.get("published")), _as_date(fields.get("date"))),
        updated=_as_date(fields.get("updated")),
    )


def _sharper(first: datetime | None, later: datetime | None) -> datetime | None:
    """Return the first date an article gives, or a later one that tells the same day's time.

    A dateline names a day only (`LISBON, March 4, 2016`); a stamp or `Date:` header of that
    day with a time orders the day's reports.
    """
    if first is None or later is None:
        return first or later
    midnight = (first.hour, first.minute, first.second, first.microsecond) == (0, 0, 0, 0)
    return later if midnight and later.date() == first.date() else first


def is_hidden(path: Path, root: Path) -> bool:
    """Return True when any part of ``path`` below ``root`` starts with a dot."""
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def inside(path: Path, root: Path) -> bool:
    """Return True when ``path``, with every link followed, is below the folder ``root``."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a loop of links
        return False


def _walk(folder: Path) -> Iterator[Path | IngestResult]:
    """Yield the files below ``folder``; a link that leaves it is refused (as in the inbox)."""
    for path in sorted(folder.rglob("*")):
        if is_hidden(path, folder):
            continue
        if path.is_symlink() and not inside(path, folder):
            yield _reject(str(path), "a link to outside the folder (not followed)")
        elif path.is_file():
            yield path


def source_and_path(path: Path, root: Path) -> tuple[str | None, str]:
    """Return the folder-given source and the path below it for a file found under ``root``."""
    parts = path.relative_to(root).parts
    if len(parts) > 1:
        return parts[0], "/".join(parts[1:])
    return None, "/".join(parts)


def read_file(
    path: Path, *, source: str | None, identity_path: str, max_bytes: int
) -> ParsedArticle | IngestResult:
    """Read and parse one file, never raising for a bad one."""
    location = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return _reject(location, f"file is {size:,} bytes, over the limit of {max_bytes:,}")
        data = path.read_bytes()
    except OSError as exc:
        return _reject(location, f"cannot read file: {exc.strerror or exc}")
    item = safe_parse_document(
        data,
        filename=path.name,
        source=source,
        identity_path=identity_path,
        location=location,
        max_bytes=max_bytes,
    )
    return replace(item, path=location) if isinstance(item, ParsedArticle) else item


def safe_parse_document(
    data: bytes,
    *,
    filename: str,
    source: str | None,
    identity_path: str,
    location: str,
    max_bytes: int,
) -> ParsedArticle | IngestResult:
    """Parse like parse_document; a file that breaks the parser is rejected, never raised.

    One such file must not take the other files of a folder, a batch or a scan down with it.
    """
    try:
        return parse_document(
            data,
            filename=filename,
            source=source,
            identity_path=identity_path,
            location=location,
            max_bytes=max_bytes,
        )
    except Exception as exc:  # a parser bug or a pathological file
        log.warning("could not parse %s", location, exc_info=True)
        return _reject(location, f"cannot be read as an article ({type(exc).__name__})")


def _origin(path: Path, *, folder: Path | None, inbox: Path | None) -> tuple[str | None, str]:
    """Return the folder-given source and identity path of a file named on the command line.

    Below the inbox, both come from the file's place in the inbox, however it was named (the
    same as the inbox watcher gives it). Elsewhere: the first folder below ``folder`` (the
    folder given) and the path below that; a file given directly takes its parent's name.
    """
    if inbox is not None:
        resolved = path.resolve()
        if resolved.is_relative_to(inbox):
            return source_and_path(resolved, inbox)
    if folder is not None:
        return source_and_path(path, folder)
    return path.resolve().parent.name or None, path.name


def read_paths(
    paths: Sequence[Path], *, max_bytes: int, inbox: Path | None = None
) -> Iterator[ParsedArticle | IngestResult]:
    """Read files and folders (recursively, sorted, hidden files skipped) in the order given.

    Files are read one at a time as the caller asks for them. ``inbox`` is the inbox folder:
    files below it get the identity the inbox watcher gives them.
    """
    anchor = inbox.resolve() if inbox is not None else None
    for given in paths:
        if given.is_dir():
            for path in _walk(given):
                if isinstance(path, IngestResult):
                    yield path
                    continue
                source, below = _origin(path, folder=given, inbox=anchor)
                yield read_file(path, source=source, identity_path=below, max_bytes=max_bytes)
        elif given.is_file():
            source, below = _origin(given, folder=None, inbox=anchor)
            yield read_file(given, source=source, identity_path=below, max_bytes=max_bytes)
        else:
            yield _reject(str(given), "no such file or folder")
