"""`supportbot faq search` (building the index and the encoder: ``tools.train``; evaluation and benchmarks:
``tools.search_eval``)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from bot.errors import UsageError

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.search import SearchResponse


def register(commands: argparse._SubParsersAction, groups: dict[str, argparse._SubParsersAction]) -> None:
    search = groups["faq"].add_parser(
        "search",
        help="Search the help articles.",
        description="Without QUERY, reads one query per line from stdin and prints one JSON object per line.",
    )
    search.add_argument("query", nargs="?", help="the question; omit to read queries from stdin")
    search.add_argument("--k", type=int, default=5, help="number of results (default 5)")
    search.add_argument("--jsonl", action="store_true", help="print JSON lines even for a single QUERY")
    search.set_defaults(func=_search)


def _settings() -> Settings:
    from bot.config import get_settings

    return get_settings()


def _search(args: argparse.Namespace) -> int:
    from bot.search import clean_query, load_searcher

    if args.k < 1 or args.k > 50:
        raise UsageError("--k must be between 1 and 50")
    if args.query is not None:
        clean_query(args.query)  # an empty query is refused before the model loads
        searcher = load_searcher(_settings())
        response = searcher.search(args.query, args.k)
        if args.jsonl:
            print(json.dumps(response.to_dict(), ensure_ascii=False))
        else:
            _print_human(response)
        return 0

    searcher = load_searcher(_settings())
    status = 0
    for line in sys.stdin:
        query = line.rstrip("\n")
        try:
            response = searcher.search(query, args.k)
        except UsageError as exc:
            print(
                json.dumps({"query": query, "results": [], "error": str(exc)}, ensure_ascii=False), flush=True
            )
            status = 2
            continue
        print(json.dumps(response.to_dict(), ensure_ascii=False), flush=True)
    return status


def _print_human(response: SearchResponse) -> None:
    if not response.confident:
        print("(no confident answer; closest articles below)")
    for rank, result in enumerate(response.results, 1):
        a = result.article
        print(f"{rank}. [{result.score:.3f}] {a.title}  ({a.id}; {a.category}; {', '.join(a.sources)})")
    best = response.best
    if best is not None and response.confident:
        print()
        print(best.article.full_text())
