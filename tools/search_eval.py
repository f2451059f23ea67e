"""Retrieval quality (`supportbot eval retrieval`) and speed (`supportbot bench search`).

Quality is reported on question files in the contract's shape (``bot.corpus.queries``): the frozen
held-out set written blind by another engineer (``eval/retrieval_heldout.yaml``, when present) and
the project's older paraphrase set (``tests/data/retrieval_eval.yaml``, a dev set: weights were
looked at on it). k-fold cross-validation over the training questions is ``tools.retrieval_cv``
(``--cv K``).
A result is a hit when the article holds any of the question's sources.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.corpus.queries import load_query_set
from bot.errors import UsageError

if TYPE_CHECKING:
    from bot.config import Settings

DEFAULT_DATA = Path("tests/data/retrieval_eval.yaml")
HELDOUT_DATA = Path("eval/retrieval_heldout.yaml")
SWEEP = [step / 100 for step in range(25, 71, 5)]


def register(commands: argparse._SubParsersAction, groups: dict[str, argparse._SubParsersAction]) -> None:
    retrieval = groups["eval"].add_parser(
        "retrieval",
        help="hit@1/3/5 and MRR vs BM25, and out-of-scope refusal, on the held-out and dev question sets.",
        description=(
            "Without --data: eval/retrieval_heldout.yaml (when present), then tests/data/retrieval_eval.yaml. "
            "--cv K adds K-fold cross-validation over data/faq/paraphrases.yaml (trains K encoders: minutes)."
        ),
    )
    retrieval.add_argument("--data", help="one question YAML instead of the default sets")
    retrieval.add_argument(
        "--cv", type=int, metavar="K", help="also K-fold cross-validation over the training questions"
    )
    retrieval.add_argument(
        "--encoder",
        choices=["tuned", "base"],
        default="tuned",
        help="for --cv: fine-tune per fold (tuned, default) or use the base MiniLM",
    )
    retrieval.add_argument("--json", action="store_true", help="machine-readable output")
    retrieval.set_defaults(func=_eval)

    bench = groups["bench"].add_parser("search", help="Single-query latency (p50/p95) and batch throughput.")
    bench.add_argument("--queries", type=int, default=200, help="single queries to time (default 200)")
    bench.add_argument("--batch", type=int, default=64, help="batch size for the throughput run (default 64)")
    bench.set_defaults(func=_bench)


def _eval(args: argparse.Namespace) -> int:
    from bot.config import get_settings
    from bot.search import load_searcher

    if args.cv is not None and not 2 <= args.cv <= 20:
        raise UsageError("--cv must be between 2 and 20")
    settings = get_settings()
    searcher = load_searcher(settings)
    paths = [Path(args.data)] if args.data else default_data(settings)
    reports = [evaluate_retrieval(settings, path, searcher) for path in paths]
    if args.cv is not None:
        from tools.retrieval_cv import cross_validate

        reports.append(cross_validate(settings, folds=args.cv, tuned=args.encoder == "tuned"))
    if args.json:
        print(json.dumps(reports, indent=2))
        return 0
    for report in reports:
        if "folds" in report:
            from tools.retrieval_cv import format_cv

            print(format_cv(report))
        else:
            print(format_report(report))
        print()
    return 0


def _bench(args: argparse.Namespace) -> int:
    from bot.config import get_settings

    if args.queries < 10 or args.batch < 1:
        raise UsageError("--queries must be at least 10 and --batch at least 1")
    print(format_bench(bench_search(get_settings(), args.queries, args.batch)))
    return 0


def ranking_metrics(ranked: list[list[str]], expected: list[tuple[str, ...]]) -> dict[str, float]:
    """hit@1, hit@3, hit@5 and MRR (over the ranks given; a miss counts 0)."""
    hits = {1: 0.0, 3: 0.0, 5: 0.0}
    rr = 0.0
    for ids, wanted in zip(ranked, expected, strict=True):
        ranks = [i for i, article_id in enumerate(ids) if article_id in wanted]
        if ranks:
            first = ranks[0]
            for cut in hits:
                hits[cut] += first < cut
            rr += 1.0 / (first + 1)
    n = max(1, len(expected))
    return {**{f"hit@{cut}": round(v / n, 4) for cut, v in hits.items()}, "mrr": round(rr / n, 4)}


def threshold_sweep(
    top_in: list[tuple[float, bool]], top_out: list[float], thresholds: list[float]
) -> list[dict[str, float]]:
    """For each threshold: the share of in-scope questions answered, how many of those are right,
    and the share of out-of-scope requests declined."""
    rows = []
    for t in sorted(set(thresholds)):
        answered = [ok for score, ok in top_in if score >= t]
        rows.append(
            {
                "threshold": t,
                "answered": round(len(answered) / max(1, len(top_in)), 4),
                "answered_correct": round(sum(answered) / max(1, len(answered)), 4),
                "negatives_refused": round(sum(s < t for s in top_out) / max(1, len(top_out)), 4),
            }
        )
    return rows


def score_questions(searcher: Any, queries: list[Any], negatives: list[str]) -> dict[str, Any]:
    """Rankings, top relevances and misses of ``searcher`` on resolved questions and negatives.

    Each question is searched as a buyer would be answered (ended campaigns left out), except
    questions about an ended campaign only: those are searched as an agent would look it up.
    """
    texts = [q.text for q in queries]
    expected = [q.article_ids for q in queries]
    today = searcher.clock()
    current = {a.id for a in searcher.articles if a.is_current(today)}
    agent = [not (set(ids) & current) for ids in expected]
    by_index: dict[int, Any] = {}
    for mode in (False, True):
        picked = [i for i, flag in enumerate(agent) if flag is mode]
        if picked:
            found = searcher.search_batch([texts[i] for i in picked], k=10, include_expired=mode)
            by_index.update(zip(picked, found, strict=True))
    responses = [by_index[i] for i in range(len(texts))]
    ranked = [[r.article.id for r in resp.results] for resp in responses]
    top_in = [
        (resp.results[0].relevance, ids[0] in wanted)
        for resp, ids, wanted in zip(responses, ranked, expected, strict=True)
    ]
    top_out = (
        [resp.results[0].relevance for resp in searcher.search_batch(negatives, k=1)] if negatives else []
    )
    misses = [
        {"query": q.text, "expected": q.article_ids[0], "got": ids[0]}
        for q, ids in zip(queries, ranked, strict=True)
        if ids[0] not in q.article_ids
    ]
    return {
        "ranked": ranked,
        "expected": expected,
        "agent": agent,
        "top_in": top_in,
        "top_out": top_out,
        "misses": misses,
    }


def evaluate_retrieval(
    settings: Settings, data_path: str | Path | None = None, searcher: Any = None
) -> dict[str, Any]:
    from bot.search import load_searcher

    path = Path(data_path) if data_path else settings.home / DEFAULT_DATA
    searcher = searcher or load_searcher(settings)
    questions = load_query_set(path, searcher.articles)
    queries, negatives = list(questions.queries), list(questions.negatives)
    scored = score_questions(searcher, queries, negatives)
    lexical = [
        [r.article.id for r in searcher.lexical_search(q.text, 10, include_expired=flag)]
        for q, flag in zip(queries, scored["agent"], strict=True)
    ]
    return {
        "data": str(path),
        "queries": len(queries),
        "negatives": len(negatives),
        "hybrid": ranking_metrics(scored["ranked"], scored["expected"]),
        "bm25": ranking_metrics(lexical, scored["expected"]),
        "threshold": searcher.threshold,
        "negatives_refused": round(
            sum(s < searcher.threshold for s in scored["top_out"]) / max(1, len(negatives)), 4
        ),
        "sweep": threshold_sweep(scored["top_in"], scored["top_out"], [*SWEEP, searcher.threshold]),
        "misses": scored["misses"],
    }


def default_data(settings: Settings) -> list[Path]:
    """The held-out set first when it exists, then the dev set."""
    paths = [settings.home / HELDOUT_DATA, settings.home / DEFAULT_DATA]
    return [path for path in paths if path.is_file()] or [settings.home / DEFAULT_DATA]


def format_report(report: dict[str, Any]) -> str:
    lines = [
        f"retrieval on {report['queries']} questions ({report['data']})",
        "",
        f"{'':14}{'hybrid (ours)':>16}{'BM25 only':>12}",
    ]
    for metric in ("hit@1", "hit@3", "hit@5", "mrr"):
        lines.append(f"{metric:14}{report['hybrid'][metric]:>16.3f}{report['bm25'][metric]:>12.3f}")
    lines += [
        "",
        f"confidence threshold in use: {report['threshold']}; out-of-scope requests declined: "
        f"{report['negatives_refused']:.3f} of {report['negatives']}",
        *format_sweep(report["sweep"], report["threshold"]),
    ]
    if report["misses"]:
        lines += ["", "top-1 misses:"]
        lines += [f"  {m['query']!r}: expected {m['expected']}, got {m['got']}" for m in report["misses"]]
    return "\n".join(lines)


def format_sweep(sweep: list[dict[str, float]], in_use: float) -> list[str]:
    lines = [f"{'threshold':>10}{'answered':>10}{'correct':>10}{'refused oos':>13}"]
    for row in sweep:
        marker = "  <- in use" if abs(row["threshold"] - in_use) < 1e-9 else ""
        lines.append(
            f"{row['threshold']:>10.2f}{row['answered']:>10.3f}{row['answered_correct']:>10.3f}"
            f"{row['negatives_refused']:>13.3f}{marker}"
        )
    return lines


def bench_search(settings: Settings, n_queries: int, batch: int) -> dict[str, Any]:
    from bot.search import build_index, index_status, load_searcher

    started = time.perf_counter()
    if index_status(settings) != "ok":
        build_index(settings)
    searcher = load_searcher(settings)
    load_seconds = time.perf_counter() - started
    texts = [q.text for q in load_query_set(settings.home / DEFAULT_DATA, searcher.articles).queries]
    for q in texts[:10]:  # warm the model, allocator and caches
        searcher.search(q)
    latencies = []
    for i in range(n_queries):
        t0 = time.perf_counter()
        searcher.search(texts[i % len(texts)])
        latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    batch_texts = (texts * (1 + batch * 4 // len(texts)))[: batch * 4]
    t0 = time.perf_counter()
    for i in range(0, len(batch_texts), batch):
        searcher.search_batch(batch_texts[i : i + batch])
    throughput = len(batch_texts) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    meta = build_index(settings)
    rebuild = time.perf_counter() - t0
    return {
        "queries": n_queries,
        "p50_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 2),
        "batch_size": batch,
        "batch_qps": round(throughput, 1),
        "load_seconds": round(load_seconds, 2),
        "index_build_seconds": round(rebuild, 2),
        "chunks": meta["chunks"],
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
    }


def format_bench(result: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"search latency, model warm, {result['queries']} single queries: "
            f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms",
            f"batch throughput (batches of {result['batch_size']}): {result['batch_qps']} queries/s",
            f"index build: {result['index_build_seconds']} s for {result['chunks']} chunks; "
            f"load (incl. model): {result['load_seconds']} s",
            f"machine: {result['machine']}",
        ]
    )
