"""The keyword search's SQL: events whose headline or an article title contains every word.

A word matches as a case-insensitive substring, as users expect of "/summary strike antwerp";
the text index (storage/tables.py) finds the rows holding a word of three characters or more:
FTS5 trigrams on SQLite, pg_trgm GIN indexes on PostgreSQL. Shorter words have no trigram and
only narrow what the others found (or, alone, the newest events).

What a search reads is bounded by the index, never by the whole history:
- each word's matching headlines and titles come from the index as row ids;
- the candidates are the events of the rarest word (its rows counted up to ``RARE + 1``), or
  the newest ``WINDOW`` events first (readers ask after recent news, and matches among them are
  the newest of all; only when they fall short do the rarest word's events follow): on SQLite
  when every word is common, on PostgreSQL always, as its trigram counts of common words cost
  more than the search they would spare;
- the other words are checked against the candidates' version ids, read from covering indexes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import TextClause, text

# Rows of the text index a word may match and still be "rare": its events are read one by one.
RARE = 1_000
# How many of the newest events a search of common (or only short) words tries first.
WINDOW = 500
# Words shorter than this have no trigram to look up.
INDEXED_CHARS = 3

_ORDER = "e.last_reported DESC, e.id DESC"
_COLUMNS = "e.id, e.headline, e.last_reported"


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

    def _matches(self, n: int) -> str:
        """Return the condition that a candidate ``e`` holds word ``n``."""
        if self.dialect != "sqlite":
            return self._like_candidates(f"q{n}")
        # SQLite would compute a subquery inside a correlated one again for every row: the
        # word's index rows are read once instead, from the candidates' first id on (the
        # index seeks there), and the candidates' version ids looked up among them.
        headlines = f"{self._headlines(n)} AND rowid >= (SELECT min(id) FROM candidates)"
        titles = f"{self._titles(n)} AND rowid >= (SELECT min(id) FROM versions)"
        return (
            f"(e.id IN ({headlines}) OR e.id IN (SELECT event_id FROM versions"
            f" WHERE id IN ({titles})))"
        )

    @staticmethod
    def _like(name: str) -> str:
        return (
            f"(lower(e.headline) LIKE :{name} ESCAPE '\\' OR EXISTS (SELECT 1 FROM articles a"
            " JOIN article_versions v ON v.article_id = a.id"
            f" WHERE a.event_id = e.id AND lower(v.title) LIKE :{name} ESCAPE '\\'))"
        )

    @staticmethod
    def _like_candidates(name: str) -> str:
        """Return the condition that ``e``'s headline or one of the candidates' titles holds
        the pattern ``name`` (PostgreSQL).

        The titles are read once, through the candidates' version ids (a hashed subplan): as
        a correlated EXISTS, PostgreSQL scanned every title of the history again for each
        candidate whose headline did not match (115 s for "kai" at 100,000 events).
        """
        return (
            f"(lower(e.headline) LIKE :{name} ESCAPE '\\' OR e.id IN (SELECT w.event_id"
            " FROM versions w JOIN article_versions v ON v.id = w.id"
            f" WHERE lower(v.title) LIKE :{name} ESCAPE '\\'))"
        )

    def _count_columns(self) -> list[str]:
        return [
            f"(SELECT count(*) FROM ({self._headlines(n)} LIMIT {RARE + 1}) h{n})"
            f" + (SELECT count(*) FROM ({self._titles(n)} LIMIT {RARE + 1}) t{n})"
            for n in range(len(self.indexed))
        ]

    def counts(self) -> TextClause:
        """Return one statement counting each indexed word's headlines and titles, up to
        RARE + 1 each (a column a word, in the order of ``indexed``)."""
        return text(f"SELECT {', '.join(self._count_columns())}")

    def search(self, *, driver: int | None, limit: int) -> TextClause:
        """Return the search among word ``driver``'s events, or among the newest WINDOW events."""
        return text(
            f"{self._found(driver)} SELECT e.id FROM found e ORDER BY {_ORDER} LIMIT {int(limit)}"
        )

    def newest_or_counts(self, *, limit: int) -> TextClause:
        """Return the search among the newest WINDOW events, with the words' counts when it
        finds fewer than ``limit`` (PostgreSQL; NULL counts otherwise): one round trip.

        The counts are subqueries of a CASE branch not taken when the newest events hold
        enough matches, so PostgreSQL never runs them then.
        """
        assert self.indexed, "a search of short words alone needs no counts"
        counts = ", ".join(self._count_columns())
        return text(
            f"{self._found(None)} SELECT"
            f" ARRAY(SELECT e.id FROM found e ORDER BY {_ORDER} LIMIT {int(limit)}) AS ids,"
            f" CASE WHEN (SELECT count(*) FROM (SELECT 1 FROM found LIMIT {int(limit)}) f)"
            f" >= {int(limit)} THEN NULL ELSE ARRAY[{counts}] END AS counts"
        )

    def _found(self, driver: int | None) -> str:
        """Return the WITH clause whose ``found`` holds the matching candidates.

        The candidates (word ``driver``'s events, or the newest WINDOW) and their versions' ids
        (through covering indexes) are computed once; the other words are checked on them alone.
        """
        if driver is not None:
            ids = (
                f"{self._headlines(driver)} UNION SELECT a.event_id FROM article_versions v"
                " JOIN articles a ON a.id = v.article_id"
                f" WHERE v.id IN ({self._titles(driver)})"
            )
            candidates = f"SELECT {_COLUMNS} FROM events e WHERE e.id IN ({ids})"
        else:
            candidates = f"SELECT {_COLUMNS} FROM events e ORDER BY {_ORDER} LIMIT {WINDOW}"
        conditions = []
        for n in range(len(self.indexed)):
            if n != driver:
                conditions.append(self._matches(n))
        for n in range(len(self.short)):
            # No trigram: read the candidates' own headlines and titles.
            like = self._like if self.dialect == "sqlite" else self._like_candidates
            conditions.append(like(f"s{n}"))
        conditions.append("NOT EXISTS (SELECT 1 FROM event_aliases x WHERE x.event_id = e.id)")
        return (
            # The candidates' rows are read once, headlines included, and the words checked on
            # them alone: joined to ``events`` again, PostgreSQL would rather scan every
            # headline of the history (it prices lower() ... LIKE as cheap).
            f"WITH candidates AS MATERIALIZED ({candidates}),"
            " versions(event_id, id) AS MATERIALIZED (SELECT a.event_id, v.id FROM articles a"
            " JOIN article_versions v ON v.article_id = a.id"
            " WHERE a.event_id IN (SELECT id FROM candidates))"
            # Matched as a whole, then ordered: under an ORDER BY ... LIMIT PostgreSQL would walk
            # every event newest first instead, hashing each word's matches over all of them.
            ", found AS MATERIALIZED (SELECT e.id, e.last_reported FROM candidates e"
            f" WHERE {' AND '.join(conditions)})"
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
