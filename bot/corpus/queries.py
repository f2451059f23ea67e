"""Question sets over the corpus: the encoder's training paraphrases and the retrieval evaluations.

One file shape serves both (see the contracts): ``queries`` with a question ``q`` and the help-center
text that answers it (``sources``: a verbatim heading or sentence), optional ``negatives`` that the
help center does not cover. Older evaluation files name article ``ids`` instead of sources; both
are read. Sources are resolved to articles here, once, so a file written before re-ingesting still
means the same thing after it, and a source no article holds is an error, not a silent miss.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.corpus import Article, normalise_source_text, source_holders
from bot.errors import UsageError

MIN_SOURCE_CHARS = 15


@dataclass(frozen=True)
class Query:
    text: str
    # Every article holding one of the sources: any of them answers the question (a hit).
    article_ids: tuple[str, ...]
    # The articles the sources point at most directly (a title or alias before a passing mention in
    # another article's body): what a training pair should pull the question towards.
    primary_ids: tuple[str, ...]
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuerySet:
    path: Path
    queries: tuple[Query, ...]
    negatives: tuple[str, ...]


def _holding_rank(article: Article, wanted: str) -> int:
    """0 when the text is the article's title or an alias, 1 when it is inside one or is a section
    heading, 2 for the body."""
    heads = [normalise_source_text(part) for part in (article.title, *article.aliases)]
    if wanted in heads:
        return 0
    headings = [normalise_source_text(s.heading) for s in article.sections if s.heading]
    if wanted in headings or any(f" {wanted} " in f" {head} " for head in heads):
        return 1
    return 2


def resolve_sources(
    articles: list[Article],
    sources: list[str],
    holding: Callable[[str], list[Article]] | None = None,
) -> tuple[list[str], list[str]]:
    """(all article ids holding a source, the most direct holders); raises on an unheld source.
    ``holding`` is ``source_holders(articles)`` when the caller resolves many sources."""
    holding = holding or source_holders(articles)
    every: dict[str, None] = {}
    primary: dict[str, None] = {}
    for source in sources:
        if len(source.strip()) < MIN_SOURCE_CHARS:
            raise UsageError(f"source {source!r} is shorter than {MIN_SOURCE_CHARS} characters")
        held = holding(source)
        if not held:
            raise UsageError(
                f"no article holds the source {source!r}: was it copied verbatim from data/faq/raw/?"
            )
        wanted = normalise_source_text(source)
        best = min(_holding_rank(article, wanted) for article in held)
        every.update((article.id, None) for article in held)
        primary.update((article.id, None) for article in held if _holding_rank(article, wanted) == best)
    return list(every), list(primary)


def load_query_set(path: Path | str, articles: list[Article]) -> QuerySet:
    """Read and resolve a question file; any problem is a UsageError naming the file and entry."""
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"no question file at {path}") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UsageError(f"{path} cannot be read: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("queries"), list):
        raise UsageError(f"{path} has no 'queries' list")
    known = {article.id for article in articles}
    holding = source_holders(articles)
    queries = []
    for number, item in enumerate(data["queries"], 1):
        try:
            text = str(item["q"]).strip()
            if not text:
                raise ValueError("empty question")
            if "sources" in item:
                sources = [str(source) for source in item["sources"]]
                every, primary = resolve_sources(articles, sources, holding)
            else:
                every = primary = [str(i) for i in item["ids"]]
                sources = []
                unknown = [i for i in every if i not in known]
                if unknown:
                    raise ValueError(f"unknown article ids {', '.join(unknown)}")
            if not every:
                raise ValueError("no sources")
        except UsageError as exc:
            raise UsageError(f"{path}, question {number}: {exc}") from None
        except (KeyError, TypeError, ValueError) as exc:
            raise UsageError(f"{path}, question {number} is malformed: {exc}") from None
        queries.append(Query(text, tuple(every), tuple(primary), tuple(sources)))
    negatives = tuple(str(n) for n in data.get("negatives") or [] if str(n).strip())
    return QuerySet(path, tuple(queries), negatives)
