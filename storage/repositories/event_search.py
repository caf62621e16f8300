"""The keyword search's SQL: events whose headline or an article title contains every word.

A word matches as a case-insensitive substring, as users expect of "/summary strike antwerp";
the text index (storage/tables.py) finds the rows holding a word of three characters or more:
FTS5 trigrams on SQLite, pg_trgm GIN indexes on PostgreSQL. Shorter words have no trigram and
only narrow what the others found (or, alone, the newest events).

What a search costs never grows with the whole history:
- each word's matching headlines and titles come from the index (row ids only, cheap);
- when the rarest word matches at most ``RARE`` rows, its events are the candidates;
- when every word is common, the newest ``WINDOW`` events are tried first (a common word is
  almost always among them), and only if none matches do the rarest word's events follow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import TextClause, text

# Rows of the text index a word may match and still be "rare": its events are read one by one.
RARE = 1_000
# How many of the newest events a search of common (or only short) words tries first.
WINDOW = 2_000
# Words shorter than this have no trigram to look up.
INDEXED_CHARS = 3

_ORDER = "e.last_reported DESC, e.id DESC"


@dataclass(frozen=True, slots=True)
class SearchSQL:
    """The statements of one search, for one database dialect."""

    dialect: str
    words: tuple[str, ...]

    @property
    def indexed(self) -> tuple[str, ...]:
        """Return the words the text index can look up, longest (likely rarest) first."""
        return tuple(sorted({w for w in self.words if len(w) >= INDEXED_CHARS}, key=len)[::-1])

    @property
    def short(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(w for w in self.words if len(w) < INDEXED_CHARS))

    def params(self) -> dict[str, str]:
        """Return every word's bound values: an FTS5 phrase and a LIKE pattern."""
        values: dict[str, str] = {}
        for n, word in enumerate(self.indexed):
            values[f"q{n}"] = _phrase(word) if self.dialect == "sqlite" else _pattern(word)
        for n, word in enumerate(self.short):
            values[f"s{n}"] = _pattern(word)
        return values

    def _headlines(self, n: int) -> str:
        if self.dialect == "sqlite":
            return f"SELECT rowid AS id FROM events_fts WHERE events_fts MATCH :q{n}"
        return f"SELECT id FROM events WHERE lower(headline) LIKE :q{n} ESCAPE '\\'"

    def _titles(self, n: int) -> str:
        if self.dialect == "sqlite":
            return (
                "SELECT rowid AS id FROM article_versions_fts"
                f" WHERE article_versions_fts MATCH :q{n}"
            )
        return f"SELECT id FROM article_versions WHERE lower(title) LIKE :q{n} ESCAPE '\\'"

    def count(self, n: int) -> TextClause:
        """Return a statement counting word ``n``'s headlines and titles, up to RARE + 1 each."""
        return text(
            f"SELECT (SELECT count(*) FROM ({self._headlines(n)} LIMIT {RARE + 1}) h)"
            f" + (SELECT count(*) FROM ({self._titles(n)} LIMIT {RARE + 1}) t)"
        )

    def search(self, *, driver: int | None, limit: int) -> TextClause:
        """Return the search among word ``driver``'s events, or among the newest WINDOW events."""
        ctes = []
        for n in range(len(self.indexed)):
            # Materialised once each: the row ids of the word's headlines and titles.
            ctes.append(f"h{n} AS MATERIALIZED ({self._headlines(n)})")
            ctes.append(f"t{n} AS MATERIALIZED ({self._titles(n)})")
        if driver is not None:
            candidates = (
                f"SELECT id FROM h{driver} UNION SELECT a.event_id FROM t{driver} m"
                " JOIN article_versions v ON v.id = m.id JOIN articles a ON a.id = v.article_id"
            )
        else:
            candidates = f"SELECT id FROM events e ORDER BY {_ORDER} LIMIT {WINDOW}"
        conditions = [f"e.id IN ({candidates})"]
        for n in range(len(self.indexed)):
            if n != driver:
                # Through the covering indexes from an event to its versions' ids: no row read.
                conditions.append(
                    f"(e.id IN (SELECT id FROM h{n}) OR EXISTS (SELECT 1 FROM articles a"
                    " JOIN article_versions v ON v.article_id = a.id"
                    f" WHERE a.event_id = e.id AND v.id IN (SELECT id FROM t{n})))"
                )
        for n in range(len(self.short)):
            conditions.append(
                f"(lower(e.headline) LIKE :s{n} ESCAPE '\\' OR EXISTS (SELECT 1 FROM articles a"
                " JOIN article_versions v ON v.article_id = a.id"
                f" WHERE a.event_id = e.id AND lower(v.title) LIKE :s{n} ESCAPE '\\'))"
            )
        conditions.append("NOT EXISTS (SELECT 1 FROM event_aliases x WHERE x.event_id = e.id)")
        with_ = f"WITH {', '.join(ctes)} " if ctes else ""
        return text(
            f"{with_}SELECT e.id FROM events e WHERE {' AND '.join(conditions)}"
            f" ORDER BY {_ORDER} LIMIT {int(limit)}"
        )


def _phrase(word: str) -> str:
    """Return an FTS5 phrase matching ``word`` literally (quotes doubled)."""
    return '"' + word.replace('"', '""') + '"'


def _pattern(word: str) -> str:
    """Return a LIKE pattern (escape ``\\``) matching ``word`` literally, lowered."""
    escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def rarest(counts: Sequence[int]) -> int | None:
    """Return the indexed word matching the fewest rows (None when there is none)."""
    return min(range(len(counts)), key=counts.__getitem__) if counts else None
