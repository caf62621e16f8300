"""Summary quality on NeuS: ROUGE of our summaries against two simple baselines, same run."""

from __future__ import annotations

import math
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from benchmarks.shared import peak_rss_mib, shared_path
from bot.briefing.model import Article, Version
from bot.briefing.summary import summarize
from bot.briefing.text import STOP_WORDS, split_sentences, words

CUT_WORDS = 65  # the data README's baselines were measured on summaries cut at 65 words
_PART = re.compile(r"TITLE=>\s*(?P<title>.*?)\s*ARTICLE=>\s*(?P<article>.*)", re.DOTALL)

Summarizer = Callable[[list[Article]], str]


def parse_line(line: str) -> list[tuple[str, str]]:
    """Split one NeuS line into (title, article) pairs."""
    pairs = []
    for part in line.split(" [SEP] "):
        match = _PART.match(part.strip())
        if match:
            pairs.append((match["title"].strip(), match["article"].strip()))
        else:
            pairs.append(("", part.strip()))
    return pairs


def load(split: str) -> list[tuple[list[Article], str, str]] | None:
    """Return (articles, reference article part, reference title) per NeuS line, or None."""
    source = shared_path("neus", f"{split}.source")
    target = shared_path("neus", f"{split}.target")
    if source is None or target is None:
        return None
    return list(zip_lines(source, target))


def zip_lines(source: Path, target: Path) -> list[tuple[list[Article], str, str]]:
    rows = []
    for src, tgt in zip(
        source.read_text(encoding="utf-8").splitlines(),
        target.read_text(encoding="utf-8").splitlines(),
        strict=True,
    ):
        articles = [
            Article(
                id=i + 1,
                source=f"Outlet {i + 1}",
                location=f"neus:{i + 1}",
                versions=(Version(number=1, title=title, text=text),),
            )
            for i, (title, text) in enumerate(parse_line(src))
        ]
        ref_title, ref_article = parse_line(tgt)[0]
        rows.append((articles, ref_article, ref_title))
    return rows


def cut(text: str, limit: int = CUT_WORDS) -> str:
    return " ".join(text.split()[:limit])


def ours(articles: list[Article]) -> str:
    return " ".join(s.text for s in summarize(articles))


def lead_baseline(articles: list[Article]) -> str:
    """Return the first article's lead (the cut keeps its first 65 words)."""
    return articles[0].latest.text


def _tfidf_rows(sentences: Sequence[str]) -> np.ndarray:
    """Return L2-normalised sub-linear TF-IDF rows (smooth idf), as scikit-learn does it."""
    docs = [Counter(w.lower() for w in words(s) if w.lower() not in STOP_WORDS) for s in sentences]
    vocabulary = sorted({w for d in docs for w in d})
    index = {w: i for i, w in enumerate(vocabulary)}
    matrix = np.zeros((len(docs), len(vocabulary)))
    for row, doc in enumerate(docs):
        for w, n in doc.items():
            matrix[row, index[w]] = 1 + math.log(n)
    df = (matrix > 0).sum(axis=0)
    matrix *= np.log((1 + len(docs)) / (1 + df)) + 1
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def centroid_baseline(articles: list[Article]) -> str:
    """Rank all sentences by cosine to the TF-IDF centroid; best first."""
    sentences = [s for a in articles for s in split_sentences(a.latest.text)]
    if not sentences:
        return ""
    rows = _tfidf_rows(sentences)
    scores = rows @ rows.mean(axis=0)
    ranked = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))
    return " ".join(sentences[i] for i in ranked)


def evaluate(
    rows: list[tuple[list[Article], str, str]], summarizer: Summarizer, *, with_title: bool = False
) -> tuple[float, float, float]:
    """Return mean ROUGE-1/2/L F1 (stemmed) of cut summaries against the references."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    totals = {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}
    for articles, ref_article, ref_title in rows:
        reference = f"{ref_title} {ref_article}" if with_title else ref_article
        scores = scorer.score(reference, cut(summarizer(articles)))
        for key in totals:
            totals[key] += scores[key].fmeasure
    n = len(rows) or 1
    return totals["rouge1"] / n, totals["rouge2"] / n, totals["rougeL"] / n


def run() -> str:
    """Measure ROUGE on NeuS test for our summarizer and both baselines."""
    rows = load("test")
    if rows is None:
        return "## Summary quality (NeuS)\n\nSkipped: NeuS data not found.\n"
    started = time.perf_counter()
    summaries = [summarize(articles) for articles, _, _ in rows]
    elapsed = time.perf_counter() - started
    lines = [
        "## Summary quality (NeuS test)",
        "",
        f"{len(rows)} events of 3 articles (title + lead). Summaries cut at {CUT_WORDS} words; "
        "reference = the target's ARTICLE part; ROUGE F1 with stemming (rouge-score 0.1.2).",
        "",
        "| system | ROUGE-1 | ROUGE-2 | ROUGE-L |",
        "|---|---|---|---|",
    ]
    systems: list[tuple[str, Summarizer, bool]] = [
        ("lead of first article", lead_baseline, False),
        ("TF-IDF centroid ranking", centroid_baseline, False),
        ("briefbot summarize()", ours, False),
        ("briefbot summarize(), reference with its title", ours, True),
    ]
    for name, summarizer, with_title in systems:
        r1, r2, rl = evaluate(rows, summarizer, with_title=with_title)
        lines.append(f"| {name} | {r1:.3f} | {r2:.3f} | {rl:.3f} |")
    val = load("val")
    if val is not None:
        r1, r2, rl = evaluate(val, ours)
        lines.append(
            f"| briefbot summarize() on val (where it was tuned) | {r1:.3f} | {r2:.3f} | {rl:.3f} |"
        )
    sentence_counts = [len(s) for s in summaries]
    word_counts = [sum(len(words(x.text)) for x in s) for s in summaries]
    lines += [
        "",
        f"Our summaries: {statistics.mean(sentence_counts):.1f} sentences and "
        f"{statistics.mean(word_counts):.0f} words on average (before the cut), "
        f"{min(sentence_counts)}..{max(sentence_counts)} sentences; "
        f"{sentence_counts.count(0)} events get no summary because every lead sentence is "
        "truncated, a question or boilerplate; "
        f"{1000 * elapsed / len(rows):.1f} ms per event; peak RSS {peak_rss_mib():.0f} MiB.",
    ]
    return "\n".join(lines) + "\n"
