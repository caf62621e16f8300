"""A large stored history written in bulk, for the scale benchmarks (memory, /summary).

The rows go straight into the tables with one executemany per table, as if the bot had stored
and clustered them over the past days; the bot measured afterwards starts and runs the real way
over them. The articles are made-up news: each event has its own names, places, numbers and
topic words drawn from a large made-up vocabulary, told by several outlets in different words.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

_SYLLABLES = [c + v for c in "bcdfghklmnprstvz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]
_COMMON = (  # noqa: SIM905
    "said officials on the of and in to a that was were after before during police city "
    "council government minister report reports people local region state national week "
    "day night morning evening year month new old first last "
    "two three four five several many some most told agency statement press residents"
).split()


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(syllables))


@dataclass(frozen=True, slots=True)
class Story:
    """What every article of one made-up event talks about."""

    names: tuple[str, ...]
    words: tuple[str, ...]
    numbers: tuple[str, ...]


class Corpus:
    """Deterministic made-up stories and articles about them."""

    def __init__(self, seed: int = 0, vocabulary: int = 30_000) -> None:
        self._rng = random.Random(seed)
        rng = self._rng
        self._vocabulary = list({_word(rng, rng.randint(2, 4)) for _ in range(vocabulary)})
        self._names = list({_word(rng, rng.randint(2, 3)).title() for _ in range(vocabulary // 3)})

    def story(self) -> Story:
        rng = self._rng
        return Story(
            names=tuple(rng.sample(self._names, 5)),
            words=tuple(rng.sample(self._vocabulary, 14)),
            numbers=tuple(str(rng.randint(2, 5000)) for _ in range(3)),
        )

    def article(self, story: Story, words: int = 110) -> tuple[str, str]:
        """Return (headline, body) of one outlet's telling of the story."""
        rng = self._rng
        topic = [*story.words, *story.names]
        headline = " ".join(
            [rng.choice(story.names), *rng.sample(story.words, 4), rng.choice(story.names)]
        ).capitalize()
        sentences = []
        count = 0
        while count < words:
            length = rng.randint(9, 18)
            parts = []
            for _ in range(length):
                roll = rng.random()
                if roll < 0.35:
                    parts.append(rng.choice(topic))
                elif roll < 0.40:
                    parts.append(rng.choice(story.numbers))
                elif roll < 0.70:
                    parts.append(rng.choice(_COMMON))
                else:
                    parts.append(rng.choice(self._vocabulary))
            sentences.append(" ".join(parts).capitalize() + ".")
            count += length
        return headline, " ".join(sentences)


@dataclass(frozen=True, slots=True)
class History:
    """How many rows a bulk history wrote."""

    articles: int
    events: int
    undated: int
    in_window: int


def write_history(
    url: str,
    *,
    articles: int,
    now: datetime,
    days: float,
    per_event: int = 5,
    undated_share: float = 0.5,
    sources: int = 40,
    window: timedelta = timedelta(days=7),
    seed: int = 0,
) -> History:
    """Write ``articles`` clustered articles that arrived evenly over the last ``days`` days.

    A share of them carries no date (as many feed entries and inbox files do); the others are
    dated a few hours before they arrived. The database at ``url`` must be migrated already.
    """
    from sqlalchemy import create_engine, insert

    from storage.db import sync_url
    from storage.tables import ArticleRow, ArticleVersionRow, EventRow, SourceRow

    corpus = Corpus(seed)
    rng = random.Random(seed + 1)
    span = timedelta(days=days)
    source_rows = [{"id": n + 1, "name": f"Outlet {n + 1}", "created_at": now - span} for n in range(sources)]  # fmt: skip
    event_rows: list[dict[str, object]] = []
    article_rows: list[dict[str, object]] = []
    version_rows: list[dict[str, object]] = []
    undated = in_window = 0
    events = (articles + per_event - 1) // per_event
    for e in range(events):
        story = corpus.story()
        start = now - span + span * (e / events)
        members = min(per_event, articles - e * per_event)
        times = sorted(start + timedelta(minutes=rng.uniform(0, 90)) for _ in range(members))
        times = [min(t, now) for t in times]
        published: list[datetime | None] = []
        for n, at in enumerate(times):
            article_id = e * per_event + n + 1
            title, text = corpus.article(story)
            dated = rng.random() >= undated_share
            stamp = at - timedelta(hours=rng.uniform(0, 6)) if dated else None
            published.append(stamp)
            undated += not dated
            in_window += at >= now - window
            source = rng.randint(1, sources)
            identity = f"https://outlet{source}.example.net/{article_id}"
            article_rows.append({"id": article_id, "identity": identity, "source_id": source, "location": identity, "event_id": e + 1, "fingerprint": rng.randbytes(1024), "first_seen": at, "next_refetch_at": None})  # fmt: skip
            version_rows.append({"article_id": article_id, "number": 1, "title": title, "text": text, "content_hash": f"{article_id:064x}", "published": stamp, "updated": None, "fetched": at})  # fmt: skip
        dates = [p for p in published if p is not None]
        event_rows.append({"id": e + 1, "headline": title, "first_seen": times[0], "last_updated": times[-1], "changed_at": times[-1], "first_reported": min(dates, default=times[0]), "last_reported": max(dates, default=times[-1]), "article_count": members, "source_count": members, "signature": f"{e:x}"})  # fmt: skip
    tables = [
        (SourceRow, source_rows), (EventRow, event_rows), (ArticleRow, article_rows),
        (ArticleVersionRow, version_rows),
    ]  # fmt: skip
    engine = create_engine(sync_url(url))
    if engine.dialect.name == "postgresql":
        _copy(engine, tables)
    else:
        with engine.begin() as conn:
            for row, rows in tables:
                conn.execute(insert(row.__table__), rows)  # type: ignore[attr-defined]
    engine.dispose()
    return History(articles=articles, events=events, undated=undated, in_window=in_window)


def _copy(engine: Any, tables: list[tuple[Any, list[dict[str, object]]]]) -> None:
    """Write the rows with PostgreSQL's COPY, then analyse the tables and move the id
    sequences past them (a running database has statistics: autovacuum analyses within a
    minute)."""
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        with conn.cursor() as cursor:
            for row, rows in tables:
                name = row.__tablename__
                columns = list(rows[0])
                with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                    for values in rows:
                        copy.write_row([values[c] for c in columns])
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT max(id) FROM {name}))"
                )
        conn.commit()
        conn.autocommit = True
        with conn.cursor() as cursor:
            for row, _ in tables:
                cursor.execute(f"ANALYZE {row.__tablename__}")
        conn.autocommit = False
    finally:
        raw.close()
