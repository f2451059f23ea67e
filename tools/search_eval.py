"""Retrieval quality (`supportbot eval retrieval`) and speed (`supportbot bench search`)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import UsageError

if TYPE_CHECKING:
    from bot.config import Settings

DEFAULT_DATA = Path("tests/data/retrieval_eval.yaml")


def register(commands: argparse._SubParsersAction, groups: dict[str, argparse._SubParsersAction]) -> None:
    retrieval = groups["eval"].add_parser(
        "retrieval", help="hit@1, hit@3 and MRR on the paraphrase set, vs BM25."
    )
    retrieval.add_argument("--data", help="eval YAML (default tests/data/retrieval_eval.yaml)")
    retrieval.add_argument("--json", action="store_true", help="machine-readable output")
    retrieval.set_defaults(func=_eval)

    bench = groups["bench"].add_parser("search", help="Single-query latency (p50/p95) and batch throughput.")
    bench.add_argument("--queries", type=int, default=200, help="single queries to time (default 200)")
    bench.add_argument("--batch", type=int, default=64, help="batch size for the throughput run (default 64)")
    bench.set_defaults(func=_bench)


def _eval(args: argparse.Namespace) -> int:
    from bot.config import get_settings

    report = evaluate_retrieval(get_settings(), args.data)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


def _bench(args: argparse.Namespace) -> int:
    from bot.config import get_settings

    if args.queries < 10 or args.batch < 1:
        raise UsageError("--queries must be at least 10 and --batch at least 1")
    print(format_bench(bench_search(get_settings(), args.queries, args.batch)))
    return 0


def load_eval(path: Path) -> tuple[list[tuple[str, list[str]]], list[str]]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        queries = [(str(item["q"]), [str(i) for i in item["ids"]]) for item in data["queries"]]
        negatives = [str(q) for q in data.get("negatives") or []]
    except FileNotFoundError:
        raise UsageError(f"no evaluation file at {path}") from None
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise UsageError(f"{path} is not a retrieval evaluation file: {exc}") from None
    return queries, negatives


def _metrics(ranked: list[list[str]], expected: list[list[str]]) -> dict[str, float]:
    hit1 = hit3 = rr = 0.0
    for ids, wanted in zip(ranked, expected, strict=True):
        ranks = [i for i, article_id in enumerate(ids) if article_id in wanted]
        if ranks:
            first = ranks[0]
            hit1 += first == 0
            hit3 += first < 3
            rr += 1.0 / (first + 1)
    n = max(1, len(expected))
    return {"hit@1": round(hit1 / n, 4), "hit@3": round(hit3 / n, 4), "mrr": round(rr / n, 4)}


def evaluate_retrieval(
    settings: Settings, data_path: str | None = None, searcher: Any = None
) -> dict[str, Any]:
    from bot.search import load_searcher

    path = Path(data_path) if data_path else settings.home / DEFAULT_DATA
    queries, negatives = load_eval(path)
    searcher = searcher or load_searcher(settings)
    known = set(searcher.by_id)
    unknown = sorted({i for _, ids in queries for i in ids} - known)
    if unknown:
        raise UsageError(f"{path} names articles that do not exist: {', '.join(unknown)}")
    texts = [q for q, _ in queries]
    expected = [ids for _, ids in queries]
    # Each question is searched as a buyer would be answered (ended campaigns left out), except
    # questions about an ended campaign only: those are searched as an agent would look it up.
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
    hybrid = [[r.article.id for r in resp.results] for resp in responses]
    lexical = [
        [r.article.id for r in searcher.lexical_search(q, 10, include_expired=flag)]
        for q, flag in zip(texts, agent, strict=True)
    ]
    misses = [
        {"query": q, "expected": ids[0], "got": ranked[0]}
        for (q, ids), ranked in zip(queries, hybrid, strict=True)
        if ranked[0] not in ids
    ]
    # Threshold sweep: in-scope questions answered correctly vs out-of-scope ones refused.
    top_in = [
        (resp.results[0].score, resp.results[0].article.id in ids)
        for resp, ids in zip(responses, expected, strict=True)
    ]
    top_out = [resp.results[0].score for resp in searcher.search_batch(negatives, k=1)] if negatives else []
    sweep = []
    for t in sorted({step / 100 for step in range(25, 71, 5)} | {searcher.threshold}):
        answered = [ok for score, ok in top_in if score >= t]
        sweep.append(
            {
                "threshold": t,
                "answered": round(len(answered) / max(1, len(top_in)), 4),
                "answered_correct": round(sum(answered) / max(1, len(answered)), 4),
                "negatives_refused": round(sum(s < t for s in top_out) / max(1, len(top_out)), 4),
            }
        )
    return {
        "data": str(path),
        "queries": len(queries),
        "negatives": len(negatives),
        "hybrid": _metrics(hybrid, expected),
        "bm25": _metrics(lexical, expected),
        "threshold": searcher.threshold,
        "sweep": sweep,
        "misses": misses,
    }


def format_report(report: dict[str, Any]) -> str:
    lines = [
        f"retrieval on {report['queries']} paraphrased questions ({report['data']})",
        "",
        f"{'':14}{'hybrid (ours)':>16}{'BM25 only':>12}",
    ]
    for metric in ("hit@1", "hit@3", "mrr"):
        lines.append(f"{metric:14}{report['hybrid'][metric]:>16.3f}{report['bm25'][metric]:>12.3f}")
    lines += [
        "",
        f"confidence threshold in use: {report['threshold']}  ({report['negatives']} out-of-scope questions)",
        f"{'threshold':>10}{'answered':>10}{'correct':>10}{'refused oos':>13}",
    ]
    for row in report["sweep"]:
        marker = "  <- in use" if abs(row["threshold"] - report["threshold"]) < 1e-9 else ""
        lines.append(
            f"{row['threshold']:>10.2f}{row['answered']:>10.3f}{row['answered_correct']:>10.3f}"
            f"{row['negatives_refused']:>13.3f}{marker}"
        )
    if report["misses"]:
        lines += ["", "top-1 misses:"]
        lines += [f"  {m['query']!r}: expected {m['expected']}, got {m['got']}" for m in report["misses"]]
    return "\n".join(lines)


def bench_search(settings: Settings, n_queries: int, batch: int) -> dict[str, Any]:
    from bot.search import build_index, index_status, load_searcher

    started = time.perf_counter()
    if index_status(settings) != "ok":
        build_index(settings)
    searcher = load_searcher(settings)
    load_seconds = time.perf_counter() - started
    queries, _ = load_eval(settings.home / DEFAULT_DATA)
    texts = [q for q, _ in queries]
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
