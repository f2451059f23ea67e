"""`supportbot ingest` and `supportbot faq show`."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.errors import UsageError


def register(commands: Any, groups: dict[str, Any]) -> None:
    ingest = commands.add_parser(
        "ingest", help="Rebuild data/faq/articles.yaml from the raw help-center documents."
    )
    ingest.add_argument("--out", help="write here instead of data/faq/articles.yaml")
    ingest.set_defaults(func=_ingest)

    show = groups["faq"].add_parser("show", help="Print one article as JSON.")
    show.add_argument("article_id")
    show.set_defaults(func=_show)


def _ingest(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.config import get_settings
    from bot.corpus.ingest import ingest

    settings = get_settings()
    faq_dir = settings.articles_file.parent
    out = Path(args.out) if args.out else settings.articles_file
    articles = ingest(faq_dir, out)
    kinds = {k: sum(1 for a in articles if a.kind == k) for k in ("faq", "passage")}
    print(f"wrote {len(articles)} articles ({kinds['faq']} questions, {kinds['passage']} passages) to {out}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from bot.config import get_settings
    from bot.corpus import load_articles

    for article in load_articles(get_settings().articles_file):
        if article.id == args.article_id:
            print(json.dumps(article.to_dict(), ensure_ascii=False, indent=2))
            return 0
    raise UsageError(f"no article with id {args.article_id!r}")
