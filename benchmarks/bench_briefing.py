"""Time to brief one event of 50 articles (claims, version diffs, summary), cold and memoised."""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from benchmarks.shared import peak_rss_mib, shared_path
from bot.briefing.build import analyse_event, article_claims, build_briefing, version_changes
from bot.briefing.features import strip_url_lead
from bot.briefing.model import Article, Change, Claim, Version

EVENT_SIZE = 50
RUNS = 5
T0 = datetime(2026, 3, 4, 6, 0, tzinfo=UTC)


def ecbplus_event() -> list[Article] | None:
    """Return 50 real articles of the largest ECB+ topic (its two look-alike events together)."""
    path = shared_path("ecbplus", "ecbplus_docs.jsonl")
    if path is None:
        return None
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    topic, _ = Counter(r["topic"] for r in rows).most_common(1)[0]
    articles = []
    for i, row in enumerate(r for r in rows if r["topic"] == topic):
        sentences = strip_url_lead(row["sentences"])
        if len(sentences) < 2:
            continue
        versions = [Version(1, sentences[0], " ".join(sentences[1:]), fetched=T0)]
        if i % 5 == 0:  # every fifth article was updated once: a changed figure and a new line
            text = " ".join(sentences[1:]).replace("1", "2", 1) + " Officials gave a new update."
            versions.append(Version(2, sentences[0], text, fetched=T0 + timedelta(hours=1)))
        articles.append(
            Article(
                id=i + 1,
                source=f"outlet-{i % 12}",
                location=f"https://example.org/{row['doc_id']}",
                versions=tuple(versions),
                first_seen=T0 + timedelta(minutes=i),
            )
        )
    # Repeat the topic's articles if it has fewer than 50.
    while len(articles) < EVENT_SIZE:
        a = articles[len(articles) % len(articles)]
        articles.append(
            Article(len(articles) + 1, a.source + "-b", a.location + "b", a.versions, a.first_seen)
        )
    return articles[:EVENT_SIZE]


def _timed(fn: object, *args: object, **kwargs: object) -> float:
    start = time.perf_counter()
    fn(*args, **kwargs)  # type: ignore[operator]
    return time.perf_counter() - start


def run() -> str:
    articles = ecbplus_event()
    if articles is None:
        return "## Briefing time\n\nSkipped: ECB+ data not found.\n"
    cold = [_timed(build_briefing, 1, articles) for _ in range(RUNS)]
    claims: dict[int, list[Claim]] = {a.id: article_claims(a) for a in articles}
    changes: dict[int, list[Change]] = {a.id: version_changes(a) for a in articles}
    warm = [
        _timed(
            build_briefing,
            1,
            articles,
            claims_of=lambda a: claims[a.id],
            changes_of=lambda a: changes[a.id],
        )
        for _ in range(RUNS)
    ]
    refresh = [
        _timed(
            analyse_event,
            articles,
            claims_of=lambda a: claims[a.id],
            changes_of=lambda a: changes[a.id],
        )
        for _ in range(RUNS)
    ]
    briefing = build_briefing(1, articles)
    words = sum(len(s.text.split()) for s in briefing.summary)
    return "\n".join(
        [
            "## Briefing time (one event of 50 articles)",
            "",
            f"50 real ECB+ articles of one topic, 12 sources, {sum(len(a.versions) > 1 for a in articles)}"
            " of them with a second version; median of 5 runs.",
            "",
            "| what | median | min |",
            "|---|---|---|",
            f"| full briefing, cold (claims + diffs + summary) | {statistics.median(cold) * 1000:.0f} ms | {min(cold) * 1000:.0f} ms |",
            f"| full briefing, claims and diffs memoised (as the bot does) | {statistics.median(warm) * 1000:.0f} ms | {min(warm) * 1000:.0f} ms |",
            f"| re-analysis after a new article (no summary, memoised) | {statistics.median(refresh) * 1000:.1f} ms | {min(refresh) * 1000:.1f} ms |",
            "",
            f"Result: {len(briefing.summary)} summary sentences ({words} words), "
            f"{len(briefing.differences)} differences, {len(briefing.changes)} changes. "
            f"Peak memory {peak_rss_mib():.0f} MiB.",
            "",
        ]
    )
