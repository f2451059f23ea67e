"""The help-center corpus: one source of truth for everything the assistant says.

``data/faq/articles.yaml`` is built by ``supportbot ingest`` from the documents in
``data/faq/raw/`` and committed; the product serves that file.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import SupportbotError

KINDS = ("faq", "passage")


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    answer: str
    category: str
    sources: tuple[str, ...]
    kind: str = "faq"
    # Other wordings of the same question found in other documents (merged near-duplicates).
    aliases: tuple[str, ...] = field(default_factory=tuple)
    # Facts on which the merged copies disagree, each prefixed with the document it comes from.
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["sources"] = list(self.sources)
        data["aliases"] = list(self.aliases)
        data["notes"] = list(self.notes)
        return data

    def full_text(self) -> str:
        """The answer as a buyer should read it: the notes on disagreeing sources included."""
        if not self.notes:
            return self.answer
        return self.answer + "\n\n" + "\n".join(self.notes)


def article_from_dict(data: dict[str, Any]) -> Article:
    missing = [key for key in ("id", "title", "answer", "category", "sources") if not data.get(key)]
    if missing:
        raise ValueError(f"article {data.get('id', '?')!r} lacks {', '.join(missing)}")
    kind = data.get("kind", "faq")
    if kind not in KINDS:
        raise ValueError(f"article {data['id']!r} has unknown kind {kind!r}")
    return Article(
        id=str(data["id"]),
        title=str(data["title"]),
        answer=str(data["answer"]),
        category=str(data["category"]),
        sources=tuple(str(s) for s in data["sources"]),
        kind=kind,
        aliases=tuple(str(a) for a in data.get("aliases") or ()),
        notes=tuple(str(n) for n in data.get("notes") or ()),
    )


def load_articles(path: Path | str) -> list[Article]:
    """Read the committed corpus; a missing or corrupt file names the command that rebuilds it."""
    import yaml

    path = Path(path)
    hint = "run `supportbot ingest` to rebuild it"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SupportbotError(f"the corpus {path} does not exist: {hint}") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SupportbotError(
            f"the corpus {path} cannot be read ({exc.__class__.__name__}): {hint}"
        ) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("articles"), list):
        raise SupportbotError(f"the corpus {path} has no 'articles' list: {hint}")
    try:
        articles = [article_from_dict(item) for item in raw["articles"]]
    except (TypeError, ValueError, AttributeError) as exc:
        raise SupportbotError(f"the corpus {path} is invalid ({exc}): {hint}") from None
    ids = [a.id for a in articles]
    if len(set(ids)) != len(ids):
        raise SupportbotError(f"the corpus {path} has duplicate article ids: {hint}")
    return articles


def corpus_hash(path: Path | str) -> str:
    """Content hash of the corpus file; the search index is rebuilt when it changes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def articles_by_id(articles: list[Article]) -> dict[str, Article]:
    return {article.id: article for article in articles}


_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def normalise_source_text(text: str) -> str:
    """Lower-case, quotes and dashes unified, whitespace squeezed: how a quoted source is compared."""
    return " ".join(text.translate(_QUOTES).lower().split())


def articles_holding(articles: list[Article], text: str) -> list[Article]:
    """The articles whose title, an alias or the body contains ``text`` (a verbatim heading or
    sentence from the raw help-center documents).

    Evaluation and training data name the help-center text an answer lives in rather than an
    article id, so they survive re-ingesting (ids and merges change, the documents do not).
    """
    wanted = normalise_source_text(text)
    if not wanted:
        return []
    return [
        article
        for article in articles
        if any(
            wanted in normalise_source_text(part)
            for part in (article.title, *article.aliases, article.full_text())
        )
    ]
