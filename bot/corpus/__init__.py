"""The help-center corpus: one source of truth for everything the assistant says.

``data/faq/articles.yaml`` is built by ``supportbot ingest`` from the documents in
``data/faq/raw/`` and committed; the product serves that file.

An article keeps the shape of its page: sections (a heading and blocks), and blocks that are
paragraphs, numbered steps, bulleted lists or tables whose rows stay together (an error code with
its meaning and what to do). Answers are composed from that structure (``bot.answers``), search
indexes it per section, and ``answer`` / ``full_text()`` give the whole article as plain text.
``sources`` name the raw files an article came from: internal, never shown to a buyer.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from bot.errors import SupportbotError

KINDS = ("faq", "passage")
BLOCK_KINDS = ("paragraph", "steps", "list", "table")
BlockKind = Literal["paragraph", "steps", "list", "table"]


@dataclass(frozen=True)
class Row:
    """One table row: the thing it is about (``key``, e.g. ``CSC_7200021`` or ``Mexico``) and the
    rest of the row in column order. A row is never split."""

    key: str
    cells: tuple[str, ...] = ()

    def text(self) -> str:
        """``key: cell cell``, with a full stop between cells that lack one."""
        parts: list[str] = []
        for cell in self.cells:
            if parts and not parts[-1].endswith((".", "!", "?", ":", ";")):
                parts[-1] += "."
            parts.append(cell)
        return f"{self.key}: {' '.join(parts)}" if parts else self.key


@dataclass(frozen=True)
class Block:
    """A paragraph (``text``), steps or a list (``items``), or a table (``rows``).

    ``caption`` is a table's header line (``Method of Payment: Method of Refund``) shown with any
    row taken out of it; ``fallback`` is the help center's own advice for a key the table does not
    list (an unknown error code). ``start`` numbers steps continued from an earlier block.
    """

    kind: BlockKind
    text: str = ""
    items: tuple[str, ...] = ()
    rows: tuple[Row, ...] = ()
    caption: str = ""
    fallback: str = ""
    start: int = 1

    def lines(self) -> list[str]:
        """The block as plain-text lines: steps numbered, list items and table rows bulleted."""
        if self.kind == "paragraph":
            return [self.text]
        if self.kind == "steps":
            return [_item_line(f"{self.start + i}.", item) for i, item in enumerate(self.items)]
        if self.kind == "list":
            return [_item_line("-", item) for item in self.items]
        head = [self.caption] if self.caption else []
        return head + [f"- {row.text()}" for row in self.rows]

    def plain_text(self) -> str:
        return "\n".join(self.lines())

    def to_dict(self) -> dict[str, Any]:
        """``{paragraph: text}``, ``{steps: [...]}``, ``{list: [...]}`` or ``{table: [{key: [cells]}]}``:
        the committed corpus should read like the page."""
        if self.kind == "paragraph":
            return {"paragraph": self.text}
        if self.kind in ("steps", "list"):
            data: dict[str, Any] = {self.kind: list(self.items)}
            if self.start != 1:
                data["start"] = self.start
            return data
        data = {}
        if self.caption:
            data["caption"] = self.caption
        data["table"] = [{row.key: list(row.cells)} for row in self.rows]
        if self.fallback:
            data["fallback"] = self.fallback
        return data


def _item_line(marker: str, item: str) -> str:
    # An item may carry its own sub-list on further lines ("Step 2." followed by what to check).
    first, *more = item.split("\n")
    pad = " " * (len(marker) + 1)
    return "\n".join([f"{marker} {first}".rstrip(), *(pad + line for line in more)])


@dataclass(frozen=True)
class Section:
    """A heading and what it says. ``heading`` is empty for an article's opening; ``parent`` is the
    heading of the section this one sits under ("When can you get a refund?" > "Order not shipped
    out"), empty for a top-level section."""

    heading: str
    blocks: tuple[Block, ...] = ()
    parent: str = ""

    def plain_text(self, with_heading: bool = True) -> str:
        lines = [self.heading] if (with_heading and self.heading) else []
        lines.extend(block.plain_text() for block in self.blocks)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.heading:
            data["heading"] = self.heading
        if self.parent:
            data["parent"] = self.parent
        data["blocks"] = [b.to_dict() for b in self.blocks]
        return data


@dataclass(frozen=True)
class Validity:
    """When an article's content holds, with the page's own sentence stating it.

    ``valid_until`` ends campaigns and notices (not current after that day); ``discontinued_on``
    marks a service no longer sold: the page still tells existing holders what to do, so the article
    stays current and every answer from it carries ``stated``. ``yearly`` dates recur every year
    (the page gives a day and month but no year): only month and day count.
    """

    stated: str
    valid_from: date | None = None
    valid_until: date | None = None
    discontinued_on: date | None = None
    yearly: bool = False

    def is_current(self, today: date) -> bool:
        if self.yearly:
            day = (today.month, today.day)
            start = (self.valid_from.month, self.valid_from.day) if self.valid_from else (1, 1)
            end = (self.valid_until.month, self.valid_until.day) if self.valid_until else (12, 31)
            return start <= day <= end if start <= end else (day >= start or day <= end)
        if self.valid_from and today < self.valid_from:
            return False
        return not (self.valid_until and today > self.valid_until)

    def to_dict(self) -> dict[str, Any]:
        def day(value: date | None) -> str | None:
            if value is None:
                return None
            return f"{value.month:02d}-{value.day:02d}" if self.yearly else value.isoformat()

        data: dict[str, Any] = {"stated": self.stated}
        for name in ("valid_from", "valid_until", "discontinued_on"):
            if getattr(self, name) is not None:
                data[name] = day(getattr(self, name))
        if self.yearly:
            data["yearly"] = True
        return data


def cited_title(title: str, platform: str | None) -> str:
    """How buyers see a source, on every channel: the title, and whose help center it is
    (WISHALIVE's and AliExpress's pages differ)."""
    return f"{title} ({platform} help center)" if platform else title


@dataclass(frozen=True)
class Article:
    """One help-center article.

    Built either from ``sections`` (what ingest writes) or, for hand-made articles in tests and
    fakes, from a plain ``answer`` that becomes one untitled section of paragraphs. Either way
    ``answer`` ends up as the whole article in plain text, so ``answer`` and ``sections`` agree.
    """

    id: str
    title: str
    category: str
    sources: tuple[str, ...] = ()  # raw file names: internal, never rendered for a buyer
    kind: str = "faq"
    aliases: tuple[str, ...] = ()  # other wordings of the same question on the same page(s)
    platform: str | None = None  # whose help center says this: "WISHALIVE", "AliExpress", ...
    sections: tuple[Section, ...] = ()
    validity: Validity | None = None
    answer: str = ""

    def __post_init__(self) -> None:
        if not self.sections and self.answer.strip():
            paragraphs = tuple(
                Block("paragraph", text=" ".join(p.split()))
                for p in re.split(r"\n\s*\n", self.answer.strip())
                if p.strip()
            )
            object.__setattr__(self, "sections", (Section("", paragraphs),))
        object.__setattr__(
            self, "answer", "\n\n".join(s.plain_text() for s in self.sections if s.blocks or s.heading)
        )

    def full_text(self) -> str:
        """The whole article as a buyer reads it: headings, paragraphs, numbered steps, bulleted
        lists and one line per table row. No file names."""
        return self.answer

    @property
    def source_title(self) -> str:
        """How a reply cites this article: its title, with the platform whose help center it is."""
        return cited_title(self.title, self.platform)

    def is_current(self, today: date) -> bool:
        """False for an ended campaign or notice: kept for agents, not offered to buyers."""
        return self.validity is None or self.validity.is_current(today)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "category": self.category,
            "platform": self.platform,
            "kind": self.kind,
        }
        if self.aliases:
            data["aliases"] = list(self.aliases)
        if self.validity is not None:
            data["validity"] = self.validity.to_dict()
        data["sources"] = list(self.sources)
        data["sections"] = [s.to_dict() for s in self.sections]
        return data


# --- reading the committed corpus -------------------------------------------------------------


def _block_from_dict(data: dict[str, Any], where: str) -> Block:
    kinds = [k for k in BLOCK_KINDS if k in data]
    if len(kinds) != 1:
        raise ValueError(f"{where}: a block needs exactly one of {', '.join(BLOCK_KINDS)}")
    kind = kinds[0]
    if kind == "paragraph":
        if not str(data["paragraph"] or "").strip():
            raise ValueError(f"{where}: empty paragraph")
        return Block("paragraph", text=str(data["paragraph"]))
    if kind in ("steps", "list"):
        items = tuple(str(i) for i in data[kind] or ())
        if not items:
            raise ValueError(f"{where}: {kind} without items")
        return Block(kind, items=items, start=int(data.get("start", 1)))  # type: ignore[arg-type]
    rows = []
    for row in data["table"] or ():
        if not isinstance(row, dict) or len(row) != 1:
            raise ValueError(f"{where}: a table row is one 'key: [cells]' mapping")
        ((key, cells),) = row.items()
        rows.append(Row(key=str(key), cells=tuple(str(c) for c in cells or ())))
    if not rows:
        raise ValueError(f"{where}: table without rows")
    return Block(
        "table",
        rows=tuple(rows),
        caption=str(data.get("caption") or ""),
        fallback=str(data.get("fallback") or ""),
    )


def _day(value: Any, yearly: bool) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    text = str(value)
    if yearly:
        month, day_of_month = (int(part) for part in text.split("-"))
        return date(2000, month, day_of_month)  # a leap year, so 29 February is representable
    return date.fromisoformat(text)


def validity_from_dict(data: dict[str, Any] | None) -> Validity | None:
    if not data:
        return None
    yearly = bool(data.get("yearly", False))
    if not str(data.get("stated") or "").strip():
        raise ValueError("validity without the page's own statement ('stated')")
    return Validity(
        stated=str(data["stated"]),
        valid_from=_day(data.get("valid_from"), yearly),
        valid_until=_day(data.get("valid_until"), yearly),
        discontinued_on=_day(data.get("discontinued_on"), yearly),
        yearly=yearly,
    )


def article_from_dict(data: dict[str, Any]) -> Article:
    missing = [key for key in ("id", "title", "category", "sources", "sections") if not data.get(key)]
    if missing:
        raise ValueError(f"article {data.get('id', '?')!r} lacks {', '.join(missing)}")
    kind = data.get("kind", "faq")
    if kind not in KINDS:
        raise ValueError(f"article {data['id']!r} has unknown kind {kind!r}")
    sections = []
    for n, section in enumerate(data["sections"]):
        where = f"article {data['id']!r} section {n + 1}"
        blocks = tuple(_block_from_dict(b, where) for b in section.get("blocks") or ())
        sections.append(
            Section(
                heading=str(section.get("heading") or ""),
                blocks=blocks,
                parent=str(section.get("parent") or ""),
            )
        )
    return Article(
        id=str(data["id"]),
        title=str(data["title"]),
        category=str(data["category"]),
        sources=tuple(str(s) for s in data["sources"]),
        kind=kind,
        aliases=tuple(str(a) for a in data.get("aliases") or ()),
        platform=str(data["platform"]) if data.get("platform") else None,
        sections=tuple(sections),
        validity=validity_from_dict(data.get("validity")),
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
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        raise SupportbotError(f"the corpus {path} is invalid ({exc}): {hint}") from None
    ids = [a.id for a in articles]
    if len(set(ids)) != len(ids):
        raise SupportbotError(f"the corpus {path} has duplicate article ids: {hint}")
    return articles


def corpus_hash(path: Path | str) -> str:
    """Content hash of the corpus file; the search index is rebuilt when it changes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass(frozen=True)
class Corpus:
    """The articles a process serves: the committed ``articles.yaml`` (its sha256 is ``base_hash``)
    with the admins' edits applied on top (``edits``: the id of the newest edit, "" for none;
    see ``bot.knowledge``). The search index records both, so it is rebuilt when either changes."""

    articles: tuple[Article, ...]
    base_hash: str
    edits: str = ""

    @property
    def version(self) -> str:
        return f"{self.base_hash[:12]}+{self.edits or '0'}"


def base_corpus(path: Path | str) -> Corpus:
    """``articles.yaml`` alone, without edits (what a process without the database serves)."""
    return Corpus(tuple(load_articles(path)), corpus_hash(path))


def articles_by_id(articles: list[Article]) -> dict[str, Article]:
    return {article.id: article for article in articles}


def current_articles(articles: list[Article], today: date) -> list[Article]:
    return [a for a in articles if a.is_current(today)]


# A list marker the ingest drops or rewrites ("II.", "1.", "Q1:", "Step 3:") is not part of the text.
_ENUMERATION = re.compile(r"^\s*(?:step\s+\d+|q\d*|[ivx]+|\d+)\s*[.):]\s+", re.IGNORECASE)


def normalise_source_text(text: str) -> str:
    """The words of ``text``, lower-case, without a leading list marker: how a quoted source is
    compared. Punctuation, quotes and spacing are what ingest repairs ("Saudi Arabia - Riyadh:"
    becomes "Saudi Arabia: Riyadh:"), so only the words and numbers must match."""
    words = re.findall(r"[a-z0-9]+", _ENUMERATION.sub("", text).lower())
    return " ".join(words)


def _held_texts(article: Article) -> list[str]:
    texts = [article.title, *article.aliases]
    for section in article.sections:
        if section.heading:
            texts.append(section.heading)
        for block in section.blocks:
            texts.append(block.plain_text())
            # A quoted row or item must match without the bullet and numbering of the plain text.
            texts.extend(row.text() for row in block.rows)
            texts.extend(block.items)
    texts.append(article.full_text())
    return texts


def articles_holding(articles: list[Article], text: str) -> list[Article]:
    """The articles whose title, an alias, a section heading or a block contains ``text`` (a
    verbatim heading or sentence from the raw help-center documents).

    Evaluation and training data name the help-center text an answer lives in rather than an
    article id, so they survive re-ingesting (ids and merges change, the documents do not).
    """
    return source_holders(articles)(text)


def source_holders(articles: list[Article]) -> Callable[[str], list[Article]]:
    """``articles_holding`` over fixed articles, each article's texts normalised once: a question
    file resolves hundreds of sources (normalising per source took ~15 s for the paraphrases, and
    the index resolves them on every rebuild, including the gateway's after an admin's edit)."""
    # A normalised source is words and spaces only, so it cannot match across the "|" between texts.
    held = [
        (article, "|".join(f" {normalise_source_text(part)} " for part in _held_texts(article)))
        for article in articles
    ]

    def holding(text: str) -> list[Article]:
        wanted = normalise_source_text(text)
        if not wanted:
            return []
        return [article for article, texts in held if f" {wanted} " in texts]

    return holding
