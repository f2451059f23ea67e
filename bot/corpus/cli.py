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

    importing = groups["faq"].add_parser(
        "import",
        help="Serve a changed help-center page now (admin): its new and changed articles become edits.",
        description=(
            "Reads FILE as the new text of PAGE (a page of sources.yaml), re-ingests, records every new or "
            "changed article of that page as an edit in the database (served on top of articles.yaml, see "
            "docs/operations.md), then rebuilds and publishes the search index; running processes follow it."
        ),
    )
    importing.add_argument("page", help="the page's name in data/faq/sources.yaml")
    importing.add_argument("file", help="the page's new text ('-' for stdin)")
    importing.set_defaults(func=_import)


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


def _import(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from bot import db
    from bot.config import get_settings
    from bot.knowledge import ArticleEdits, KnowledgeService
    from bot.schemas.agents import CLI_ACTOR, Actor
    from bot.search import build_index

    settings = get_settings()
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {args.file}: {exc}") from None
    knowledge = KnowledgeService(settings, ArticleEdits(db.get_engine(settings.database_url)))
    result = knowledge.import_page(args.page, text, actor=Actor(name=CLI_ACTOR, role="admin", via="cli"))
    print(json.dumps(result.to_dict(), ensure_ascii=False))
    if result.reindexing:
        meta = build_index(settings, corpus=knowledge.corpus())
        print(f"published FAQ index {meta['build']} ({meta['articles']} articles)")
    return 0
