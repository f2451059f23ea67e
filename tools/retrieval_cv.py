"""k-fold cross-validation of FAQ search over the training questions (`supportbot eval retrieval --cv K`).

The questions of ``data/faq/paraphrases.yaml`` are split into K folds, stratified by article (each
article's questions are spread over the folds in a seeded order). For each fold, an encoder is
fine-tuned on the other folds with the production recipe and a searcher remembers only those
questions; the held-out fold and the negatives are then searched. No figure here comes from a
question the model or the search memory saw. Paraphrases of one sentence by one writer are more
alike than another writer's would be, so these figures lean optimistic next to the blind held-out
set; they are for choosing between designs, not for the record alone.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.corpus import load_articles
from bot.corpus.queries import Query, load_query_set
from bot.errors import UsageError
from bot.search import CONFIDENCE_THRESHOLD, Embedder, build_searcher
from tools.encoder import DEFAULT_CONFIG, EncoderConfig, train_model, training_pairs
from tools.search_eval import SWEEP, format_sweep, ranking_metrics, score_questions, threshold_sweep

if TYPE_CHECKING:
    from bot.config import Settings

FOLD_SEED = 13


def assign_folds(queries: list[Query] | tuple[Query, ...], folds: int, seed: int = FOLD_SEED) -> list[int]:
    """Fold number of each question: every article's questions dealt round the folds in a seeded
    order, continuing where the previous article stopped so the folds stay the same size."""
    rng = random.Random(seed)
    by_article: dict[str, list[int]] = {}
    for i, query in enumerate(queries):
        by_article.setdefault(query.primary_ids[0], []).append(i)
    fold_of = [0] * len(queries)
    dealt = 0
    for article_id in sorted(by_article):
        members = by_article[article_id]
        rng.shuffle(members)
        for i in members:
            fold_of[i] = dealt % folds
            dealt += 1
    return fold_of


def cross_validate(
    settings: Settings, *, folds: int = 5, tuned: bool = True, config: EncoderConfig = DEFAULT_CONFIG
) -> dict[str, Any]:
    articles = load_articles(settings.articles_file)
    questions = load_query_set(settings.paraphrases_file, articles)
    queries = list(questions.queries)
    if len(queries) < folds:
        raise UsageError(f"{settings.paraphrases_file} has fewer questions than folds")
    fold_of = assign_folds(queries, folds)
    base = None if tuned else Embedder()
    ranked: list[list[str]] = []
    expected: list[tuple[str, ...]] = []
    top_in: list[tuple[float, bool]] = []
    top_out: list[float] = []
    misses: list[dict[str, Any]] = []
    per_fold = []
    train_seconds = []
    for fold in range(folds):
        train = [q for q, f in zip(queries, fold_of, strict=True) if f != fold]
        test = [q for q, f in zip(queries, fold_of, strict=True) if f == fold]
        with tempfile.TemporaryDirectory(prefix="encoder-cv-") as scratch:
            if base is None:
                started = time.perf_counter()
                train_model(training_pairs(articles, train), Path(scratch), config)
                train_seconds.append(round(time.perf_counter() - started, 1))
                embedder = Embedder(Path(scratch))
            else:
                embedder = base
            searcher = build_searcher(articles, train, embedder, parts=False)
            scored = score_questions(searcher, test, list(questions.negatives))
        per_fold.append(
            {"fold": fold, "queries": len(test), **ranking_metrics(scored["ranked"], scored["expected"])}
        )
        ranked += scored["ranked"]
        expected += scored["expected"]
        top_in += scored["top_in"]
        top_out += scored["top_out"]
        misses += scored["misses"]
    return {
        "data": str(settings.paraphrases_file),
        "encoder": "fine-tuned per fold" if tuned else "base MiniLM",
        "folds": per_fold,
        "queries": len(queries),
        "negatives": len(questions.negatives),
        "hybrid": ranking_metrics(ranked, expected),
        "threshold": CONFIDENCE_THRESHOLD,
        "sweep": threshold_sweep(top_in, top_out, [*SWEEP, CONFIDENCE_THRESHOLD]),
        "train_seconds": train_seconds,
        "misses": misses,
    }


def format_cv(report: dict[str, Any]) -> str:
    h = report["hybrid"]
    lines = [
        f"{len(report['folds'])}-fold cross-validation over {report['queries']} training questions "
        f"({report['data']}; {report['encoder']})",
        "",
        f"hit@1 {h['hit@1']:.3f}  hit@3 {h['hit@3']:.3f}  hit@5 {h['hit@5']:.3f}  MRR {h['mrr']:.3f}",
        "per fold: " + ", ".join(f"{f['hit@1']:.3f}/{f['hit@3']:.3f}" for f in report["folds"]),
    ]
    if report["train_seconds"]:
        lines.append(f"encoder training per fold (s): {report['train_seconds']}")
    lines += [
        "",
        f"threshold sweep (in-scope: held-out folds; out-of-scope: {report['negatives']} negatives, every fold)",
        *format_sweep(report["sweep"], report["threshold"]),
    ]
    return "\n".join(lines)
