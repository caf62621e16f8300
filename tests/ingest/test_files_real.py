"""Every real ECB+ article with text beyond one line is read, whatever datelines it carries."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.ingest.files import read_paths
from bot.ingest.model import ParsedArticle
from tests.shared import shared_path

pytestmark = pytest.mark.shared_data

_URL_LIKE = re.compile(r"^\s*(?:https?\s*:|www\s*\.)", re.IGNORECASE)


def test_real_articles_with_a_body_are_all_read(tmp_path: Path) -> None:
    path = shared_path("ecbplus", "ecbplus_docs.jsonl")
    multi: set[str] = set()
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            sentences = [s for s in row["sentences"] if not _URL_LIKE.match(s)]
            # Written as a user would save it: headline line, blank line, one body paragraph.
            file = tmp_path / "corpus" / f"{row['doc_id']}.txt"
            file.parent.mkdir(exist_ok=True)
            file.write_text(f"{sentences[0]}\n\n{' '.join(sentences[1:])}\n", encoding="utf-8")
            if len(sentences) > 2:
                multi.add(str(file))
    items = list(read_paths([tmp_path / "corpus"], max_bytes=1_000_000))
    read = {item.location for item in items if isinstance(item, ParsedArticle)}
    assert multi - read == set()
    dated = [i for i in items if isinstance(i, ParsedArticle) and i.published is not None]
    assert len(dated) > 250
