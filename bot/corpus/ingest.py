"""Turn the raw help-center documents into structured, dated, platform-labelled articles.

The documents are scraped pages with different shapes and different owners (see
``data/faq/sources.yaml``): WISHALIVE's buyer help center, AliExpress's help pages and Q&A, Wish's
merchant policy and a third-party guide to AliExpress disputes. How each is read is declared there
(debris lines, repairs, section headings, table shapes, validity dates); this module applies those
rules. The same raw files always give the same ``articles.yaml``.

What ingest never does: merge pages of two platforms (their rules differ: WISHALIVE cancels a paid
order by itself within 7 days, AliExpress asks the seller), or put a file name into article text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.corpus import Article, Block, Row, Section, Validity, validity_from_dict
from bot.corpus.structure import ArticleRules, Line, TableRule, build_sections
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
    "back to category",
    "show more",
    "comments",
    "labels",
    "q",
    "category",
    "pc",
    "app",
}
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
_RATING = re.compile(r"^\d+ \(\d+\)$")
_BULLET_GLYPH = re.compile(r"^[•●▪◦·]\s*")
_QA = re.compile(r"^(?:\d+\s*)?Q\d*\s*[:.]\s*(.+)$")
_ANSWER_PREFIX = re.compile(r"^(?:A\d*\s*[:.]\s*)")
# "Q1. What does ..." / "1. What is ..." / "I. What is ...": list numbering is not part of the question.
_TITLE_NUMBER = re.compile(r"^(?:Q\d+|\d+|[IVX]+)\s*[.)]\s+")
# "lShare your feedback" / "l/We are ...": list bullets that lost their glyph in the scrape.
_LOST_BULLET = re.compile(r"^l/(?=\S)|^l(?=[A-Z])")

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


# --- reading a document -----------------------------------------------------------------------


def clean_text(text: str) -> str:
    """Normalise one line: Unicode NFC, no control characters, single spaces."""
    text = unicodedata.normalize("NFC", text.replace("\xa0", " ").replace("\u200b", ""))
    text = "".join(ch for ch in text if ch in "\t" or unicodedata.category(ch)[0] != "C")
    return re.sub(r"[ \t]+", " ", text).strip()


def is_chrome(line: str) -> bool:
    lowered = line.lower()
    return lowered in CHROME or bool(_CJK.search(line)) or bool(_RATING.match(line))


def is_caption(line: str, previous: str) -> bool:
    """Photo captions in the help center sit alone after a '-' separator and start lower-case."""
    return (
        previous == "-"
        and len(line) < 60
        and line[:1].islower()
        and not line.endswith((".", ":", ";", "?", ","))
        and not line.startswith(("-", "http"))
    )


@dataclass
class DocRules:
    """Everything ``sources.yaml`` says about one document."""

    name: str
    title: str
    format: str
    platform: str | None
    config: dict[str, Any]
    replacements: list[tuple[str, str]]
    drop_exact: set[str]
    drop_patterns: list[re.Pattern[str]]
    article_rules: ArticleRules

    @classmethod
    def from_config(cls, name: str, config: dict[str, Any]) -> DocRules:
        headings: dict[str, str] = {}
        for entry in config.get("headings") or ():
            if isinstance(entry, dict):
                headings[str(entry["text"])] = str(entry.get("parent") or "")
            else:
                headings[str(entry)] = ""
        tables = [TableRule.from_config(t) for t in config.get("tables") or ()]
        starts = config.get("section_starts")
        drop = [str(d) for d in config.get("drop") or ()]
        return cls(
            name=name,
            title=str(config.get("title") or name),
            format=str(config.get("format") or ""),
            platform=config.get("platform"),
            config=config,
            replacements=[(str(r["find"]), str(r["to"])) for r in config.get("replace") or ()],
            drop_exact={d for d in drop if not d.startswith("re:")},
            drop_patterns=[re.compile(d[3:]) for d in drop if d.startswith("re:")],
            article_rules=ArticleRules(
                headings=headings,
                heading_patterns=tuple(re.compile(p) for p in config.get("heading_patterns") or ()),
                tables=tables,
                section_starts=re.compile(starts) if starts else None,
                wrapped=bool(config.get("wrapped_lines", False)),
            ),
        )

    def is_debris(self, text: str) -> bool:
        return text in self.drop_exact or any(p.fullmatch(text) for p in self.drop_patterns)


def read_lines(text: str, rules: DocRules, *, whole: bool = False) -> list[Line]:
    """The document's lines, cleaned and repaired, chrome and debris dropped, up to ``end_at``
    (or all of it with ``whole``: the page footer holds the customer-care numbers)."""
    out: list[Line] = []
    end_at = rules.config.get("end_at")
    previous = ""
    for raw in text.splitlines():
        expanded = raw.replace("\xa0", " ").expandtabs(4)
        indent = len(expanded) - len(expanded.lstrip(" "))
        line = clean_text(expanded)
        if end_at and line == end_at and not whole:
            break
        bullet = bool(_BULLET_GLYPH.match(line))
        line = _BULLET_GLYPH.sub("", line)
        for find, to in rules.replacements:
            line = line.replace(find, to)
        for part in line.split("\n"):
            part = part.strip()
            if _LOST_BULLET.match(part):
                part, bullet = _LOST_BULLET.sub("", part), True
            if part and (is_chrome(part) or rules.is_debris(part) or is_caption(part, previous)):
                previous = part
                continue
            previous = part
            out.append(Line(part, indent, bullet))
            bullet = False
    return out


def check_rules_match(text: str, rules: DocRules) -> None:
    """A repair or debris rule that matches nothing is stale (the page changed): say so."""
    cleaned = [clean_text(line) for line in text.splitlines()]
    joined = "\n".join(cleaned)
    unused = [find for find, _ in rules.replacements if find not in joined]
    unused += [
        d
        for d in rules.drop_exact
        if d not in cleaned
        and _BULLET_GLYPH.sub("", d) == d
        and not any(_BULLET_GLYPH.sub("", c) == d for c in cleaned)
    ]
    unused += [p.pattern for p in rules.drop_patterns if not any(p.fullmatch(c) for c in cleaned)]
    if unused:
        raise SupportbotError(f"{rules.name}: rules in sources.yaml that match nothing (stale?): {unused}")


# --- splitting a document into articles -------------------------------------------------------


@dataclass
class Draft:
    title: str
    source: str
    category: str | None
    lines: list[Line] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    kind: str = "faq"
    id_prefix: str = ""
    container: bool = False

    def has_content(self) -> bool:
        return any(line.text not in ("", "-") for line in self.lines)


def strip_numbering(title: str) -> str:
    return _TITLE_NUMBER.sub("", title)


def _is_question_heading(line: Line, config: dict[str, Any]) -> bool:
    text = line.text
    if text in (config.get("extra_headings") or ()):
        return True
    if line.indent > 0 or len(text) > 200 or not text.endswith("?"):
        return False
    if re.match(r"^(solution|note|scenario|step)\b", text, re.IGNORECASE) or text.startswith("-"):
        return False
    return bool(re.match(r"^[A-Z0-9\"“]", text))


def _category_for(text: str, config: dict[str, Any]) -> str | None:
    bare = text.rstrip(":").strip()
    for category in config.get("categories") or ():
        if bare == category:
            return str(category)
    return None


def parse_faq(rules: DocRules, lines: list[Line]) -> list[Draft]:
    config = rules.config
    containers = {str(c["start"]): c for c in config.get("containers") or ()}
    subheadings = set(rules.article_rules.headings)
    drafts: list[Draft] = []
    category: str | None = None
    current: Draft | None = None
    container: dict[str, Any] | None = None
    for line in lines:
        text = line.text
        if container is not None:
            if text == container.get("end_before"):
                container, current = None, None
            elif text == container.get("end_with"):
                current.lines.append(line)  # type: ignore[union-attr]
                container, current = None, None
                continue
            else:
                current.lines.append(line)  # type: ignore[union-attr]
                continue
        found_category = _category_for(text, config)
        if text in containers:
            container = containers[text]
            category = found_category or category
            current = Draft(
                title=str(container["title"]),
                source=rules.name,
                category=container.get("category") or category,
                container=True,
            )
            current.aliases.extend(str(a) for a in container.get("aliases") or ())
            drafts.append(current)
            continue
        if found_category is not None:
            category, current = found_category, None
            continue
        if text not in subheadings and _is_question_heading(line, config):
            current = Draft(title=strip_numbering(text), source=rules.name, category=category)
            drafts.append(current)
            continue
        if current is not None:
            current.lines.append(line)
    return _merge_empty_headings(drafts)


def _merge_empty_headings(drafts: list[Draft]) -> list[Draft]:
    """A heading directly followed by another one is another wording of the same question."""
    merged: list[Draft] = []
    pending: list[Draft] = []
    answered = {normalise_question(d.title) for d in drafts if d.has_content()}
    for draft in drafts:
        if not draft.has_content():
            # A repeated heading of a question answered elsewhere on the page is not a wording
            # of whatever happens to follow it.
            if normalise_question(draft.title) not in answered:
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


def parse_qa(rules: DocRules, lines: list[Line]) -> list[Draft]:
    drafts: list[Draft] = []
    current: Draft | None = None
    for line in lines:
        match = _QA.match(line.text)
        if match:
            current = Draft(title=match.group(1).strip(), source=rules.name, category=None)
            drafts.append(current)
            continue
        if current is None:
            continue
        text = _ANSWER_PREFIX.sub("", line.text)
        # The Q:/A: page packs numbered methods into one line with double spaces between them.
        for part in re.split(r"\s+(?=Method \d)", text):
            current.lines.append(Line(part.strip(), line.indent, line.bullet))
    # A trailing paragraph with no question of its own belongs to the last answer already.
    return [d for d in drafts if d.has_content()]


def parse_passages(rules: DocRules, lines: list[Line], max_chars: int = 1200) -> list[Draft]:
    """Cut a prose document into passages of whole paragraphs, each titled by its first sentence."""
    config = rules.config
    paragraphs: list[list[Line]] = []
    for line in lines:
        text = line.text
        if not text or text == rules.title:
            continue
        is_item = line.bullet
        if paragraphs and (is_item or paragraphs[-1][-1].text.endswith(":")):
            paragraphs[-1].append(line)
        else:
            paragraphs.append([line])
    groups: list[list[list[Line]]] = []
    for paragraph in paragraphs:
        size = sum(len(line.text) for p in groups[-1] for line in p) if groups else 0
        if groups and size + sum(len(line.text) for line in paragraph) <= max_chars:
            groups[-1].append(paragraph)
        else:
            groups.append([paragraph])
    drafts = []
    for group in groups:
        title = f"{rules.title}: {_first_sentence(group[0][0].text)}"
        body: list[Line] = []
        for paragraph in group:
            body.extend(paragraph)
            body.append(Line(""))
        drafts.append(
            Draft(
                title=title,
                source=rules.name,
                category=config.get("category"),
                lines=body,
                kind="passage",
                id_prefix=str(config.get("id_prefix", "")),
            )
        )
    return drafts


def _first_sentence(text: str, max_len: int = 90) -> str:
    sentence = re.split(r"(?<=[.!?:])\s", text.split("\n")[0], maxsplit=1)[0].rstrip(".:")
    if len(sentence) > max_len:
        sentence = sentence[:max_len].rsplit(" ", 1)[0] + "…"
    return sentence


PARSERS = {"faq": parse_faq, "qa": parse_qa, "passages": parse_passages}


# --- articles the page states but does not lay out as a question ------------------------------


def extra_articles(rules: DocRules, text: str) -> list[tuple[Draft, tuple[Section, ...]]]:
    """Articles assembled from lines of the page that no question heads, e.g. the customer-care
    numbers in the page footer. Every cell is a line (or a quote) found in the document."""
    everything = read_lines(text, rules, whole=True)
    plain = "\n".join(line.text for line in everything)
    out: list[tuple[Draft, tuple[Section, ...]]] = []
    for spec in rules.config.get("extra_articles") or ():
        where = f"{rules.name}: extra article {spec['title']!r}"
        rows: list[Row] = []
        for row in spec["rows"]:
            if "line" in row:
                matches = [line.text for line in everything if line.text == row["line"]]
                if not matches:
                    raise SupportbotError(f"{where}: line {row['line']!r} is not in the document")
                key, _, value = matches[0].partition(": ")
                rows.append(Row(key=f"{row['key']} ({key})", cells=(value,)))
            else:
                quote = str(row["quote"])
                if quote not in plain:
                    raise SupportbotError(f"{where}: {quote!r} is not in the document")
                rows.append(Row(key=str(row["key"]), cells=(quote,)))
        blocks: list[Block] = []
        if spec.get("intro"):
            intro = str(spec["intro"])
            if intro not in plain:
                raise SupportbotError(f"{where}: {intro!r} is not in the document")
            blocks.append(Block("paragraph", text=intro))
        blocks.append(Block("table", rows=tuple(rows)))
        draft = Draft(title=str(spec["title"]), source=rules.name, category=spec.get("category"))
        draft.aliases.extend(str(a) for a in spec.get("aliases") or ())
        out.append((draft, (Section("", tuple(blocks)),)))
    return out


# --- merging copies of one question -----------------------------------------------------------


def normalise_question(text: str) -> str:
    text = text.lower().replace("’", "'")
    for short, long in (("haven't", "have not"), ("can't", "cannot"), ("don't", "do not"), ("i'm", "i am")):
        text = text.replace(short, long)
    return " ".join(re.findall(r"[a-z0-9%]+", text))


def _body_key(sections: tuple[Section, ...]) -> str:
    return normalise_question(" ".join(s.plain_text() for s in sections))


@dataclass
class Built:
    draft: Draft
    sections: tuple[Section, ...]
    platform: str | None
    sources: list[str]


def merge_same_platform(items: list[Built], alias_of: dict[str, str]) -> list[Built]:
    """Copies of one question on one platform's pages become one article.

    Same question wording, or the very same answer, on the same platform: the first copy stays,
    the others add their wordings as aliases (and, from another document of that platform, the
    sections it words differently). Pages of different platforms are never merged.
    """
    out: list[Built] = []
    redirected = [item for item in items if item.draft.title in alias_of]
    for item in items:
        if item.draft.title in alias_of:
            continue
        target = None
        for candidate in out:
            if (
                candidate.platform != item.platform
                or candidate.draft.kind != "faq"
                or item.draft.kind != "faq"
            ):
                continue
            titles = {normalise_question(t) for t in (candidate.draft.title, *candidate.draft.aliases)}
            same_title = normalise_question(item.draft.title) in titles
            same_body = _body_key(candidate.sections) == _body_key(item.sections)
            if same_title or same_body:
                target = candidate
                break
        if target is None:
            out.append(item)
            continue
        _add_wordings(target, item)
        if item.draft.source != target.draft.source:
            seen = {_body_key((s,)) for s in target.sections}
            target.sections = target.sections + tuple(s for s in item.sections if _body_key((s,)) not in seen)
    for item in redirected:
        # The page put another question's answer under this heading (a scrape mix-up): the heading
        # is a wording of the named article and its copied answer is dropped.
        wanted = alias_of[item.draft.title]
        target = next((c for c in out if c.platform == item.platform and c.draft.title == wanted), None)
        if target is None:
            raise SupportbotError(f"alias_of: no article {wanted!r} for {item.draft.title!r}")
        _add_wordings(target, item)
    return out


def _add_wordings(target: Built, item: Built) -> None:
    known = {normalise_question(t) for t in (target.draft.title, *target.draft.aliases)}
    for title in (item.draft.title, *item.draft.aliases):
        if normalise_question(title) not in known:
            target.draft.aliases.append(title)
            known.add(normalise_question(title))
    if item.draft.source not in target.sources:
        target.sources.append(item.draft.source)


def _category(built: Built, by_title: dict[str, str]) -> str:
    """The page section the question sits in; on pages without sections, the section the same
    question has on another platform's page, else what the question is about."""
    if built.draft.category:
        return built.draft.category
    for title in (built.draft.title, *built.draft.aliases):
        if normalise_question(title) in by_title:
            return by_title[normalise_question(title)]
    text = (built.draft.title + " " + " ".join(built.draft.aliases)).lower()
    for keywords, category in KEYWORD_CATEGORIES:
        if any(k in text for k in keywords):
            return category
    return DEFAULT_CATEGORY


def slugify(title: str, max_len: int = 72) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    text = text.replace("'", "").replace("’", "")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(slug) > max_len:
        slug = slug[:max_len].rsplit("-", 1)[0]
    return slug or "article"


def _validity(spec: dict[str, Any] | None, plain: str, where: str) -> Validity | None:
    if not spec:
        return None
    validity = validity_from_dict(spec)
    assert validity is not None
    if normalise_question(validity.stated) not in normalise_question(plain):
        raise SupportbotError(f"{where}: the validity statement is not in the article: {validity.stated!r}")
    return validity


def _check_fallbacks(article: Article) -> None:
    """A table's advice for unknown keys must be the page's own words, found in the article."""
    text = normalise_question(article.full_text())
    for section in article.sections:
        for block in section.blocks:
            if block.fallback and normalise_question(block.fallback) not in text:
                raise SupportbotError(
                    f"{article.id}: table fallback is not the page's wording: {block.fallback!r}"
                )


def build_articles(
    raw_dir: Path, manifest: dict[str, Any], *, texts: dict[str, str] | None = None
) -> list[Article]:
    """Every article of the documents in ``sources.yaml``; ``texts`` replaces the text of some
    documents (an admin importing a changed help-center page) without touching ``raw_dir``."""
    sources = manifest.get("sources") or {}
    unknown_pages = sorted(set(texts or {}) - set(sources))
    if unknown_pages:
        raise SupportbotError(f"no help-center page {unknown_pages[0]!r} in sources.yaml")
    built: list[Built] = []
    alias_of: dict[str, str] = {}
    per_article: dict[str, dict[str, Any]] = {}
    for name in sorted(sources):
        rules = DocRules.from_config(name, sources[name] or {})
        path = raw_dir / name
        try:
            text = (texts or {})[name] if name in (texts or {}) else path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SupportbotError(f"cannot read {path}: {exc.strerror or exc}") from None
        parser = PARSERS.get(rules.format)
        if parser is None:
            raise SupportbotError(f"{name}: unknown format {rules.format!r} in sources.yaml")
        alias_of.update({str(k): str(v) for k, v in (rules.config.get("alias_of") or {}).items()})
        for title, spec in (rules.config.get("articles") or {}).items():
            per_article[f"{rules.platform}|{title}"] = spec or {}
        check_rules_match(text, rules)
        for draft in parser(rules, read_lines(text, rules)):
            inside = rules.article_rules
            starts = per_article.get(f"{rules.platform}|{draft.title}", {}).get("section_starts")
            if starts:
                # A terms page: each numbered clause or "Article n" is a section of its own.
                inside = replace(inside, section_starts=re.compile(str(starts)))
            sections = build_sections(draft.lines, inside, f"{name}: {draft.title!r}")
            if not sections:
                continue
            built.append(Built(draft, sections, rules.platform, [name]))
        for draft, sections in extra_articles(rules, text):
            built.append(Built(draft, sections, rules.platform, [name]))

    articles: list[Article] = []
    used: set[str] = set()
    merged = merge_same_platform(built, alias_of)
    by_title = {
        normalise_question(t): item.draft.category
        for item in merged
        if item.draft.category
        for t in (item.draft.title, *item.draft.aliases)
    }
    for item in merged:
        draft = item.draft
        base = slugify(draft.title)
        if draft.id_prefix:
            base = f"{draft.id_prefix}-{slugify(draft.title.split(': ', 1)[-1], 56)}"
        if base in used and item.platform:
            # The same question on another platform's page: its own article, named by platform.
            base = f"{base}-{slugify(item.platform)}"
        article_id, n = base, 2
        while article_id in used:
            article_id, n = f"{base}-{n}", n + 1
        used.add(article_id)
        spec = per_article.get(f"{item.platform}|{draft.title}", {})
        article = Article(
            id=article_id,
            title=str(spec.get("title") or draft.title),
            category=str(spec.get("category") or _category(item, by_title)),
            sources=tuple(item.sources),
            kind=draft.kind,
            aliases=tuple(dict.fromkeys(a for a in draft.aliases if a != draft.title)),
            platform=item.platform,
            sections=item.sections,
        )
        if spec.get("title"):
            article = replace(article, aliases=tuple(dict.fromkeys((draft.title, *article.aliases))))
        validity = _validity(spec.get("validity"), article.full_text(), article_id)
        if validity is not None:
            article = replace(article, validity=validity)
        _check_fallbacks(article)
        articles.append(article)
    unknown = set(per_article) - {f"{a.platform}|{t}" for a in articles for t in (a.title, *a.aliases)}
    if unknown:
        raise SupportbotError(f"sources.yaml: rules for articles that do not exist: {sorted(unknown)}")
    return articles


# --- what the coverage checks look for --------------------------------------------------------


def question_headings(raw_dir: Path, manifest: dict[str, Any]) -> list[tuple[str, str]]:
    """Every question heading in the raw documents as (file, heading): what coverage checks.

    Headings inside a page count too ("What's the dispute process ...?" under another question, the
    numbered questions of a campaign or an FAQ block), with their list numbering removed."""
    from bot.corpus.structure import _question

    found: list[tuple[str, str]] = []
    for name, config in sorted((manifest.get("sources") or {}).items()):
        rules = DocRules.from_config(name, config or {})
        text = (raw_dir / name).read_text(encoding="utf-8")
        for line in read_lines(text, rules):
            if rules.format == "qa":
                match = _QA.match(line.text)
                if match:
                    found.append((name, match.group(1).strip()))
            elif rules.format == "faq":
                question = _question(line.text)
                if _is_question_heading(line, rules.config) or line.text in rules.article_rules.headings:
                    found.append((name, strip_numbering(line.text)))
                elif question is not None:
                    found.append((name, question))
    return found


# --- writing ----------------------------------------------------------------------------------


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


def load_aliases(path: Path) -> dict[str, list[str]]:
    """``{article_id: [buyer wording, ...]}`` from the reviewed aliases file (``supportbot review
    export`` writes it; people review and commit it). A missing file has no aliases."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, yaml.YAMLError) as exc:
        raise SupportbotError(f"cannot read the aliases file {path}: {exc}") from None
    articles = (data or {}).get("articles") if isinstance(data, dict) else None
    if data and not isinstance(articles, dict):
        raise SupportbotError(f"{path} must have an 'articles' mapping of article id to wordings")
    return {str(key): [str(text) for text in texts or ()] for key, texts in (articles or {}).items()}


def apply_aliases(articles: list[Article], aliases: dict[str, list[str]], where: str) -> list[Article]:
    """Each article with the reviewed wordings it lacks added as aliases (in file order)."""
    known = {article.id for article in articles}
    missing = sorted(set(aliases) - known)
    if missing:
        raise SupportbotError(f"{where}: no article {missing[0]!r} (was it renamed by ingest?)")
    out = []
    for article in articles:
        seen = {normalise_question(text) for text in (article.title, *article.aliases)}
        added = []
        for text in aliases.get(article.id) or []:
            if normalise_question(text) not in seen:
                seen.add(normalise_question(text))
                added.append(text)
        out.append(replace(article, aliases=(*article.aliases, *added)) if added else article)
    return out


def build_corpus(faq_dir: Path, *, texts: dict[str, str] | None = None) -> list[Article]:
    """What ``supportbot ingest`` writes: the documents' articles with the reviewed aliases
    (``sources.yaml``'s ``aliases:`` file, e.g. ``aliases.yaml``)."""
    manifest = load_manifest(faq_dir / "sources.yaml")
    articles = build_articles(faq_dir / "raw", manifest, texts=texts)
    aliases_name = manifest.get("aliases")
    if aliases_name:
        path = faq_dir / str(aliases_name)
        articles = apply_aliases(articles, load_aliases(path), path.name)
    return articles


def ingest(faq_dir: Path, out: Path | None = None) -> list[Article]:
    articles = build_corpus(faq_dir)
    target = out or faq_dir / "articles.yaml"
    target.write_text(dump_articles(articles), encoding="utf-8")
    return articles
