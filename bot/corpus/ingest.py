"""Turn the raw help-center documents into one clean, cited, de-duplicated list of articles.

The documents are scraped pages with different shapes (see ``data/faq/sources.yaml``): a help
center with section titles and question headings, a Q:/A: page, and two long prose documents.
Everything here is deterministic: the same raw files always give the same ``articles.yaml``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from bot.corpus import Article
from bot.errors import SupportbotError

# Page chrome shared by the scraped pages: navigation, rating widgets, repeated page titles.
CHROME = {
    "topics",
    "more topics",
    "is this helpful for you?",
    "skip to main content",
    "buyers helpcenter information!?!",
    "customer service",
    "11. customer service",
    "back to home",
    "show more",
    "comments",
    "labels",
    "q",
    "category",
    "questions you may concern a",
    "pc",
    "app",
    "文章评分 (无评分)",
}
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
_RATING = re.compile(r"^\d+ \(\d+\)$")
_BULLET = re.compile(r"^(?:[•●▪◦·]|\*(?!\*))\s*")
_QA = re.compile(r"^(?:\d+\s*)?Q\d*\s*[:.]\s*(.+)$")
_ANSWER_PREFIX = re.compile(r"^(?:A\d*\s*[:.]\s*)")
# "Q1. What does ..." / "1. What is ..." / "I. What is ...": list numbering is not part of the question.
_TITLE_NUMBER = re.compile(r"^(?:Q\d+|\d+|[IVX]+)\s*[.)]\s+")
_AD_PREFIX = re.compile(r"^(?:Super Deals on Aliexpress)+", re.IGNORECASE)
# "lShare your feedback" / "l/We are ...": list bullets that lost their glyph in the scrape.
_LOST_BULLET = re.compile(r"^l/?(?=[A-Z])|^l/")

# Documents without section titles: the category comes from what the question is about.
KEYWORD_CATEGORIES = (
    (("dispute", "protection", "guarantee", "evidence"), "Disputes"),
    (("refund",), "Refund"),
    (("return", "warranty", "exchange"), "Aftersales"),
    (("coupon", "discount", "promo", "coins"), "Coupon & Promotion"),
    (("pay", "paid", "bank", "card", "cancel"), "Ordering & Payment"),
    (("account", "sign", "email", "password"), "Account Management"),
    (
        (
            "parcel",
            "package",
            "deliver",
            "ship",
            "track",
            "logistic",
            "customs",
            "received",
            "late",
            "coronavirus",
        ),
        "Awaiting Order Arrival",
    ),
    (("seller", "contact", "message"), "Communication"),
    (("feedback",), "Feedback"),
)
DEFAULT_CATEGORY = "General"


@dataclass
class Draft:
    title: str
    source: str
    category: str | None
    lines: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    kind: str = "faq"
    id_prefix: str = ""

    @property
    def answer(self) -> str:
        return tidy(join_code_rows(self.lines))


_ERROR_CODES = re.compile(r"^CSC_\d+(?:,\s*CSC_\d+)*$")


def join_code_rows(lines: list[str]) -> list[str]:
    """Payment error tables arrive as code / meaning / advice on separate lines: make one row each."""
    out: list[str] = []
    row: list[str] | None = None
    for line in lines:
        if _ERROR_CODES.match(line):
            row = [line + ":"]
            out.append("")
            continue
        if row is not None and line and not line.endswith(":"):
            if len(row) > 1 and not row[-1].endswith((".", ":", ";", "!", "?")):
                row[-1] += "."
            row.append(line)
            out[-1] = "- " + " ".join(row)
            continue
        row = None
        out.append(line)
    return out


def clean_text(text: str) -> str:
    """Normalise one line: Unicode NFC, no control characters, single spaces."""
    text = unicodedata.normalize("NFC", text.replace("\xa0", " ").replace("\u200b", ""))
    text = "".join(ch for ch in text if ch in "\t" or unicodedata.category(ch)[0] != "C")
    return re.sub(r"[ \t]+", " ", text).strip()


def tidy(lines: list[str]) -> str:
    """Join answer lines, keeping list and step structure and at most one blank line in a row."""
    out: list[str] = []
    for line in lines:
        if line == "":
            if out and out[-1] != "":
                out.append("")
            continue
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out).strip()


def slugify(title: str, max_len: int = 72) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    text = text.replace("'", "").replace("’", "")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(slug) > max_len:
        slug = slug[:max_len].rsplit("-", 1)[0]
    return slug or "article"


def normalise_question(text: str) -> str:
    text = text.lower().replace("’", "'")
    for short, long in (("haven't", "have not"), ("can't", "cannot"), ("don't", "do not"), ("i'm", "i am")):
        text = text.replace(short, long)
    return " ".join(re.findall(r"[a-z0-9%]+", text))


def is_chrome(line: str) -> bool:
    lowered = line.lower()
    return lowered in CHROME or bool(_CJK.search(line)) or bool(_RATING.match(line))


def is_caption(line: str, previous: str) -> bool:
    """Photo captions in the help center sit alone between '-' separators and start lower-case."""
    return (
        previous == "-"
        and len(line) < 60
        and line[:1].islower()
        and not line.endswith((".", ":", ";", "?", ","))
        and not line.startswith(("-", "http"))
    )


def _is_question_heading(line: str, indent: int, config: dict[str, Any]) -> bool:
    if line in config.get("extra_headings", ()):
        return True
    if line in config.get("subheadings", ()) or indent > 2 or len(line) > 200:
        return False
    if not line.rstrip().endswith("?"):
        return False
    if re.match(r"^(solution|note|scenario|step)\b", line, re.IGNORECASE) or line.startswith("-"):
        return False
    return bool(re.match(r"^[A-Z0-9\"“]", line))


def _category_for(line: str, config: dict[str, Any]) -> str | None:
    bare = line.rstrip(":").strip()
    for category in config.get("categories", ()):
        if bare == category:
            return str(category)
    return None


def _raw_lines(text: str, config: dict[str, Any]) -> list[tuple[int, str]]:
    """(indent, cleaned line) pairs up to the document's end marker; blank lines kept as ''."""
    out: list[tuple[int, str]] = []
    end_at = config.get("end_at")
    for raw in text.splitlines():
        expanded = raw.replace("\xa0", " ").expandtabs(4)
        indent = len(expanded) - len(expanded.lstrip(" "))
        line = clean_text(expanded)
        if end_at and line == end_at:
            break
        out.append((indent, line))
    return out


def parse_faq(name: str, text: str, config: dict[str, Any]) -> list[Draft]:
    drafts: list[Draft] = []
    category: str | None = None
    current: Draft | None = None
    previous = ""
    for indent, raw_line in _raw_lines(text, config):
        line = _BULLET.sub("", raw_line).strip()
        if not line:
            if current is not None:
                current.lines.append("")
            previous = ""
            continue
        if is_chrome(line) or is_caption(line, previous):
            previous = line
            continue
        previous = line
        found_category = _category_for(line, config)
        if found_category is not None:
            category = found_category
            current = None
            continue
        if _is_question_heading(line, indent, config):
            current = Draft(title=_TITLE_NUMBER.sub("", line), source=name, category=category)
            drafts.append(current)
            continue
        if current is None or line == "-":
            if current is not None:
                current.lines.append("")
            continue
        current.lines.append(_format_line(line, raw_line))
    return _merge_empty_headings(drafts)


def _format_line(line: str, raw_line: str) -> str:
    if _LOST_BULLET.match(line):
        return "- " + _LOST_BULLET.sub("", line)
    if raw_line.startswith(("•", "●", "▪")):
        return "- " + line
    return line


def _merge_empty_headings(drafts: list[Draft]) -> list[Draft]:
    """A heading directly followed by another one is another wording of the same question."""
    merged: list[Draft] = []
    pending: list[Draft] = []
    for draft in drafts:
        if not draft.answer:
            pending.append(draft)
            continue
        if pending:
            first = pending[0]
            draft.aliases.extend([draft.title] + [p.title for p in pending[1:]])
            draft.title = first.title
            draft.category = draft.category or first.category
            pending = []
        merged.append(draft)
    # Headings at the very end with nothing under them carry no answer and are dropped.
    return merged


def parse_qa(name: str, text: str, config: dict[str, Any]) -> list[Draft]:
    drafts: list[Draft] = []
    current: Draft | None = None
    for _indent, line in _raw_lines(text, config):
        if not line or is_chrome(line):
            if current is not None:
                current.lines.append("")
            continue
        match = _QA.match(line)
        if match:
            current = Draft(title=match.group(1).strip(), source=name, category=None)
            drafts.append(current)
            continue
        if current is None:
            continue
        line = _ANSWER_PREFIX.sub("", line)
        # The Q:/A: page packs numbered methods into one line with double spaces between them.
        for part in re.split(r"\s{2,}(?=Method \d)", line):
            current.lines.append(_BULLET.sub("", part).strip())
    # A trailing paragraph with no question of its own belongs to the last answer already.
    return [d for d in drafts if d.answer]


def parse_passages(name: str, text: str, config: dict[str, Any], max_chars: int = 1200) -> list[Draft]:
    """Cut a prose document into passages of whole paragraphs, each titled by its first sentence."""
    paragraphs: list[str] = []
    for _indent, raw_line in _raw_lines(text, config):
        line = _AD_PREFIX.sub("", raw_line).strip()
        if not line or is_chrome(line) or line == config.get("title"):
            continue
        if raw_line.startswith(("•", "●")):
            line = "- " + _BULLET.sub("", line)
        if paragraphs and (line.startswith("- ") or paragraphs[-1].endswith(":")):
            paragraphs[-1] += "\n" + line
        else:
            paragraphs.append(line)
    groups: list[list[str]] = []
    for paragraph in paragraphs:
        if groups and sum(len(p) for p in groups[-1]) + len(paragraph) <= max_chars:
            groups[-1].append(paragraph)
        else:
            groups.append([paragraph])
    drafts = []
    for group in groups:
        title = f"{config['title']}: {_first_sentence(group[0])}"
        drafts.append(
            Draft(
                title=title,
                source=name,
                category=config.get("category"),
                lines=["\n\n".join(group)],
                kind="passage",
                id_prefix=str(config.get("id_prefix", "")),
            )
        )
    return drafts


def strip_numbering(title: str) -> str:
    return _TITLE_NUMBER.sub("", title)


def _first_sentence(text: str, max_len: int = 90) -> str:
    sentence = re.split(r"(?<=[.!?:])\s", text.split("\n")[0], maxsplit=1)[0].rstrip(".:")
    if len(sentence) > max_len:
        sentence = sentence[:max_len].rsplit(" ", 1)[0] + "…"
    return sentence


PARSERS = {"faq": parse_faq, "qa": parse_qa, "passages": parse_passages}


# --- merging near-duplicates ------------------------------------------------------------------


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def _similar_answers(a: str, b: str) -> bool:
    ta, tb = _tokens(a), _tokens(b)
    if min(len(ta), len(tb)) < 8:
        return a.strip() == b.strip()
    return len(ta & tb) / len(ta | tb) >= 0.8


# What a question is about; two questions about different ones are never merged.
TOPIC_WORDS = {
    "order",
    "refund",
    "dispute",
    "coupon",
    "coupons",
    "parcel",
    "package",
    "feedback",
    "seller",
    "account",
    "payment",
    "return",
    "price",
    "coins",
    "email",
    "birthday",
    "product",
    # what the buyer wants to do with it: "get coupons" and "use a coupon" are different questions
    "use",
    "get",
    "change",
    "cancel",
    "track",
    "find",
    "leave",
    "contact",
    "open",
    "extend",
    "stop",
    "confirm",
    "pay",
}


def _answer_overlap(a: str, b: str) -> float:
    ta, tb = _tokens(a), _tokens(b)
    return len(ta & tb) / max(1, len(ta | tb))


def _same_question(title_a: str, answer_a: str, title_b: str, answer_b: str) -> bool:
    """Same wording, or close wording with answers on the same subject.

    Close wording alone is not enough: "I have not received my order" and "... my refund" differ
    by one word and are different questions.
    """
    na, nb = normalise_question(title_a), normalise_question(title_b)
    if na == nb:
        return True
    topics_a, topics_b = set(na.split()) & TOPIC_WORDS, set(nb.split()) & TOPIC_WORDS
    if not (topics_a <= topics_b or topics_b <= topics_a):
        return False
    ratio = SequenceMatcher(None, na, nb).ratio()
    return ratio >= 0.75 and _answer_overlap(answer_a, answer_b) >= 0.1


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+|\n+", text)
    return [p.strip() for p in parts if p.strip()]


def _disagreements(primary: str, other: str) -> list[str]:
    """Sentences of ``other`` stating a number that ``primary`` does not state (e.g. 3-15 days)."""
    primary_numbers = set(re.findall(r"\d+(?:\s*-\s*\d+)?", primary))
    found = []
    for sentence in _sentences(other):
        numbers = set(re.findall(r"\d+(?:\s*-\s*\d+)?", sentence))
        if re.search(r"\b(days?|hours?|%|\$)", sentence) and numbers - primary_numbers:
            found.append(sentence)
    return found


@dataclass
class Merged:
    draft: Draft
    sources: list[str]
    aliases: list[str]
    notes: list[str]
    extra: list[tuple[str, str]]  # (source, answer) of copies worded differently


def merge_drafts(drafts: list[Draft]) -> list[Merged]:
    merged: list[Merged] = []
    for draft in drafts:
        target = None
        if draft.kind == "faq":
            for candidate in merged:
                if candidate.draft.kind != "faq":
                    continue
                same_title = any(
                    _same_question(draft.title, draft.answer, t, candidate.draft.answer)
                    for t in [candidate.draft.title, *candidate.aliases]
                )
                if same_title or _similar_answers(draft.answer, candidate.draft.answer):
                    target = candidate
                    break
        if target is None:
            merged.append(Merged(draft, [draft.source], list(draft.aliases), [], []))
            continue
        _absorb(target, draft)
    return merged


def _absorb(target: Merged, draft: Draft) -> None:
    if draft.source not in target.sources:
        target.sources.append(draft.source)
    for title in [draft.title, *draft.aliases]:
        known = [target.draft.title, *target.aliases]
        if all(normalise_question(title) != normalise_question(k) for k in known):
            target.aliases.append(title)
    if target.draft.category is None and draft.category is not None:
        target.draft.category = draft.category
    if draft.source == target.draft.source or _similar_answers(draft.answer, target.draft.answer):
        if draft.source != target.draft.source:
            for sentence in _disagreements(target.draft.answer, draft.answer):
                target.notes.append(f"Another help page ({draft.source}) says: {sentence}")
        return
    # Same question, answered differently elsewhere: keep that answer too, with its source.
    target.extra.append((draft.source, draft.answer))
    for sentence in _disagreements(target.draft.answer, draft.answer):
        target.notes.append(f"Another help page ({draft.source}) says: {sentence}")


def _category(merged: Merged) -> str:
    if merged.draft.category:
        return merged.draft.category
    text = (merged.draft.title + " " + " ".join(merged.aliases)).lower()
    for keywords, category in KEYWORD_CATEGORIES:
        if any(k in text for k in keywords):
            return category
    return DEFAULT_CATEGORY


def build_articles(raw_dir: Path, manifest: dict[str, Any]) -> list[Article]:
    sources = manifest.get("sources") or {}
    drafts: list[Draft] = []
    for name in sorted(sources):
        config = sources[name] or {}
        path = raw_dir / name
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SupportbotError(f"cannot read {path}: {exc.strerror or exc}") from None
        parser = PARSERS.get(config.get("format", ""))
        if parser is None:
            raise SupportbotError(f"{name}: unknown format {config.get('format')!r} in sources.yaml")
        drafts.extend(parser(name, text, config))

    articles: list[Article] = []
    used: set[str] = set()
    for item in merge_drafts(drafts):
        draft = item.draft
        answer = draft.answer
        for source, other in item.extra:
            answer += f"\n\nAs another help page ({source}) puts it:\n{other}"
        base = slugify(draft.title)
        if draft.id_prefix:
            base = f"{draft.id_prefix}-{slugify(draft.title.split(': ', 1)[-1], 56)}"
        article_id, n = base, 2
        while article_id in used:
            article_id, n = f"{base}-{n}", n + 1
        used.add(article_id)
        articles.append(
            Article(
                id=article_id,
                title=draft.title,
                answer=answer,
                category=_category(item),
                sources=tuple(item.sources),
                kind=draft.kind,
                aliases=tuple(item.aliases),
                notes=tuple(dict.fromkeys(item.notes)),
            )
        )
    return articles


def question_headings(raw_dir: Path, manifest: dict[str, Any]) -> list[tuple[str, str]]:
    """Every question heading in the raw documents as (file, heading): what coverage checks."""
    found: list[tuple[str, str]] = []
    for name, config in sorted((manifest.get("sources") or {}).items()):
        config = config or {}
        text = (raw_dir / name).read_text(encoding="utf-8")
        for indent, raw_line in _raw_lines(text, config):
            line = _BULLET.sub("", raw_line).strip()
            if is_chrome(line):
                continue
            match = _QA.match(line)
            if config.get("format") == "qa" and match:
                found.append((name, match.group(1).strip()))
            elif config.get("format") == "faq" and (
                _is_question_heading(line, indent, config) or line in config.get("subheadings", ())
            ):
                found.append((name, line))
    return found


def dump_articles(articles: list[Article]) -> str:
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str)
    header = (
        "# Generated by `supportbot ingest` from data/faq/raw/ (see data/faq/sources.yaml).\n"
        "# Do not edit by hand: change the raw documents or the ingest rules and run it again.\n"
    )
    body = yaml.dump(
        {"articles": [a.to_dict() for a in articles]},
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=100,
    )
    return header + body


def load_manifest(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SupportbotError(f"cannot read the source manifest {path}: {exc}") from None
    if not isinstance(data, dict):
        raise SupportbotError(f"{path} must be a mapping with a 'sources' key")
    return data


def ingest(faq_dir: Path, out: Path | None = None) -> list[Article]:
    manifest = load_manifest(faq_dir / "sources.yaml")
    articles = build_articles(faq_dir / "raw", manifest)
    target = out or faq_dir / "articles.yaml"
    # Trailing whitespace in YAML block scalars would make the output depend on the dumper's style.
    target.write_text(dump_articles(articles), encoding="utf-8")
    return articles
