"""The inside of one article: page lines to sections of paragraphs, steps, lists and tables.

The scraped pages keep almost no markup, so structure is read from what is left: question and
label lines become section headings, numbered and bulleted lines become steps and lists, and the
tables declared in ``sources.yaml`` (their first line and shape) become rows that stay together.
Everything is a pure function of the lines and the rules, so ingest stays deterministic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.corpus import Block, Row, Section
from bot.errors import SupportbotError


@dataclass(frozen=True)
class Line:
    text: str
    indent: int = 0
    bullet: bool = False  # the page showed a bullet glyph before it


# "1." "1)" "1," "(1)" "①" "Step 1:" "Method 1." "Q1." "A1." — the label is not part of the text.
_NUMBERED = re.compile(
    r"^(?:(?:Step|Method)\s*(?P<step>\d+)\s*[.:]?|\((?P<paren>\d+)\)|(?P<circle>[\u2460-\u2473])|"
    r"(?P<num>\d+)\s*(?:[.)](?!\d)|,(?!\d)))\s*(?P<rest>.*)$"
)
_LETTERED = re.compile(r"^(?:[a-i]|[ivx]{1,4})[.)]\s*\S")
_ROMAN_HEADING = re.compile(r"^(?:I|II|III|IV|V|VI|VII|VIII|IX|X)\.\s+(?P<rest>.+)$")
_QUESTION_PREFIX = re.compile(r"^(?:\d+\s*[,.]?\s*)?Q\d*\s*[.:]\s*|^\d+\s*,\s*")
_ANSWER_PREFIX = re.compile(r"^A\d*\s*[.:]\s*")
_IMPERATIVE = re.compile(
    r"^(?:Go|Click|Select|Sign|Choose|Enter|Specify|Explain|Attach|Start|Visit|Open|Check|Confirm|Fill|"
    r"Tap|Type|Find|Log|Filter|Narrow|Ask|Describe|Current status|On the next page)\b"
)
_TERMINAL = (".", "!", "?", ":", ";", ")", '"', "”", "’", "'")


@dataclass
class TableRule:
    """How one table in a page is laid out (from ``sources.yaml``)."""

    start: str
    shape: str
    end_before: str | None = None
    key: str | None = None
    skip: int = 0
    caption: str | None = None
    span: str | None = None
    span_until: str | None = None
    span_lines: int = 0
    fallback: str | None = None

    @classmethod
    def from_config(cls, data: dict[str, Any]) -> TableRule:
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise SupportbotError(f"sources.yaml: unknown table rule(s) {sorted(unknown)}")
        return cls(**data)


@dataclass
class ArticleRules:
    """Rules for the inside of the articles of one document."""

    headings: dict[str, str] = field(default_factory=dict)  # heading -> parent heading ("" = top level)
    heading_patterns: tuple[re.Pattern[str], ...] = ()
    tables: list[TableRule] = field(default_factory=list)
    section_starts: re.Pattern[str] | None = None  # each clause of a terms page is a section
    wrapped: bool = False  # the page wraps long paragraphs over several lines


def _bare(text: str) -> str:
    return text.rstrip(":").rstrip()


def _question(text: str) -> str | None:
    """The question a line asks as a heading ("2, I cannot return ...?" -> "I cannot return ...?")."""
    stripped = _QUESTION_PREFIX.sub("", text).strip()
    roman = _ROMAN_HEADING.match(stripped)
    if roman:
        stripped = roman.group("rest")
    stripped = re.sub(r"^\d+\.\s+", "", stripped)
    if not stripped.endswith("?") and not stripped.endswith("?:"):
        return None
    if len(stripped) > 150 or not re.match(r"^[A-Z\"“‘']", stripped):
        return None
    return stripped.rstrip(":").rstrip()


def _label(text: str) -> str | None:
    """A short label line ending in a colon ("Notes:", "For have not received order:")."""
    if not text.endswith(":") or text.startswith("http"):
        return None
    bare = text[:-1].strip()
    bare = re.sub(r"^(?:\(\d+\)|\d+\))\s*", "", bare)
    if (
        not bare
        or len(bare.split()) > 12
        or ":" in bare
        or (len(bare.split()) > 8 and not bare.startswith("For "))
    ):
        return None
    if not re.match(r"^[A-Z]", bare) or re.search(r"[.!?]", bare):
        return None
    if (
        re.match(r"^(?:Please|Below|If|To|When|Here|This|You|As|And|But|Because|Since)\b", bare)
        and len(bare.split()) > 2
    ):
        return None
    # "NOTE:" is shouting, "FAQ:" an acronym.
    return bare[:1] + (bare[1:].lower() if bare.isupper() and len(bare) > 3 else bare[1:])


@dataclass
class _Token:
    kind: str  # heading | para | steps | list | table | sep
    text: str = ""
    parent: str = ""
    number: int | None = None
    block: Block | None = None
    indent: int = 0
    # headings: question | label | numbered | declared; steps: "step" when labelled "Step n"
    style: str = ""


def build_sections(lines: list[Line], rules: ArticleRules, where: str) -> tuple[Section, ...]:
    lines = _drop_table_of_contents(lines, rules)
    tokens = _tokens(lines, rules, where)
    return _assemble(tokens, rules)


# --- tables of contents ---------------------------------------------------------------------


def _heading_key(text: str) -> str:
    text = _QUESTION_PREFIX.sub("", text)
    text = re.sub(r"^(?:\d+\.|[IVX]+\.)\s*", "", text)
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _drop_table_of_contents(lines: list[Line], rules: ArticleRules) -> list[Line]:
    """A run of two or more short lines that all come back later as headings is the page's own
    "In this article" list: the headings themselves follow, so the list is dropped."""
    content = [i for i, line in enumerate(lines) if line.text not in ("", "-")]
    drop: set[int] = set()
    n = 0
    while n < len(content):
        run = []
        m = n
        while m < len(content):
            i = content[m]
            key = _heading_key(lines[i].text)
            later = {_heading_key(lines[j].text) for j in content[m + 1 :]} - {""}
            if key and len(lines[i].text) < 90 and key in later and lines[i].text not in rules.headings:
                run.append(i)
                m += 1
                continue
            break
        if len(run) >= 2:
            drop.update(run)
            n = m
        else:
            n += 1
    return [line for i, line in enumerate(lines) if i not in drop]


# --- lines to tokens ------------------------------------------------------------------------


def _tokens(lines: list[Line], rules: ArticleRules, where: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    tables = {rule.start: rule for rule in rules.tables}
    while i < len(lines):
        line = lines[i]
        text = line.text
        if text in tables:
            block, i = _table(lines, i, tables[text], where)
            tokens.append(_Token("table", block=block))
            continue
        i += 1
        if text == "":
            tokens.append(_Token("sep", text=""))
            continue
        if text == "-":
            tokens.append(_Token("sep", text="-"))
            continue
        tokens.append(_classify(line, rules))
    _opening_bullets_to_paragraphs(tokens)
    _numbered_labels_to_headings(tokens)
    _separated_runs_to_items(tokens)
    _explanations_to_items(tokens)
    _labelled_options_to_items(tokens)
    return tokens


def _opening_bullets_to_paragraphs(tokens: list[_Token]) -> None:
    """Some pages draw a bullet before the first line of every answer: a lone bullet right after a
    heading, followed by prose, is that answer's first paragraph, not a list."""
    previous: _Token | None = None
    for i, token in enumerate(tokens):
        if token.kind == "sep":
            continue
        if token.kind == "list" and (previous is None or previous.kind == "heading"):
            following = _next_content(tokens, i)
            if following is None or following.kind != "list" or following.indent > token.indent:
                token.kind = "para"
        previous = token


def _labelled_options_to_items(tokens: list[_Token]) -> None:
    """'- Find another seller' then a paragraph, '- Cancel the order' then a paragraph, ...: each
    paragraph explains the option above it."""
    content = [t for t in tokens if t.kind != "sep"]
    i = 0
    while i < len(content):
        pairs = 0
        j = i
        while j + 1 < len(content) and content[j].kind == "list" and content[j + 1].kind == "para":
            pairs += 1
            j += 2
        if pairs >= 2:
            for k in range(i + 1, j, 2):
                content[k].kind = "cont"
            i = j
        else:
            i += 1


def _classify(line: Line, rules: ArticleRules) -> _Token:
    text = line.text
    for candidate in (text, _bare(text)):
        if candidate in rules.headings:
            return _Token(
                "heading", text=_bare(candidate), parent=rules.headings[candidate], style="declared"
            )
    if rules.section_starts is not None and rules.section_starts.match(text):
        return _Token("clause", text=re.sub(r"^(\d+\.)(?=[A-Z])", r"\1 ", text))
    if any(p.match(text) for p in rules.heading_patterns):
        return _Token("heading", text=_bare(re.sub(r"^\d+\)\s*", "", text)), style="label")
    question = _question(text)
    if question is not None:
        return _Token("heading", text=question, style="question")
    roman = _ROMAN_HEADING.match(text)
    if roman and len(text) < 80:
        return _Token("heading", text=_bare(roman.group("rest")), style="numbered")
    if text.startswith("- ") and text.endswith(":") and len(text) < 200:
        return _Token("heading", text=_bare(text[2:]), style="label")
    label = _label(text)
    if label is not None:
        return _Token("heading", text=label, style="label")
    text = _ANSWER_PREFIX.sub("", text)
    numbered = _NUMBERED.match(text)
    if numbered and numbered.group("rest").strip() != text:
        if numbered.group("circle"):
            number = ord(numbered.group("circle")) - 0x245F
        else:
            number = next(int(numbered.group(g)) for g in ("step", "paren", "num") if numbered.group(g))
        rest = numbered.group("rest").strip().lstrip(". ").strip()
        style = "step" if numbered.group("step") else ""
        return _Token("steps", text=rest, number=number, indent=line.indent, style=style)
    if _LETTERED.match(text):
        return _Token("list", text=re.sub(r"^(\w{1,4}[.)])(?=\S)", r"\1 ", text), indent=line.indent)
    if line.bullet or text.startswith("- ") or text.startswith("* "):
        return _Token("list", text=re.sub(r"^[-*]\s+", "", text), indent=line.indent)
    if re.match(r"^-[a-z]", text):  # "-when the coupon be available, ..."
        return _Token("list", text=text[1:], indent=line.indent)
    return _Token("para", text=text, indent=line.indent)


def _next_content(tokens: list[_Token], i: int) -> _Token | None:
    for token in tokens[i + 1 :]:
        if token.kind != "sep":
            return token
    return None


def _numbered_labels_to_headings(tokens: list[_Token]) -> None:
    """'1. Unpaid order' followed by prose is a heading of what follows, not a step."""
    for i, token in enumerate(tokens):
        if token.kind != "steps" or token.style == "step" or not token.text or len(token.text) >= 60:
            continue
        following = _next_content(tokens, i)
        if following is not None and following.kind in ("para", "heading"):
            token.kind, token.text, token.style = "heading", _bare(token.text.rstrip(".")), "numbered"


def _separated_runs_to_items(tokens: list[_Token]) -> None:
    """An intro ending in ':' (or ';' or ',') followed by short lines, each after its own '-'
    separator (how the help center draws bullets), is a list; steps when each line tells the
    buyer to do something ("Go to ...", "Click ...")."""
    for i, token in enumerate(tokens):
        after_heading = token.kind == "heading"
        if not after_heading and (token.kind != "para" or not token.text.endswith((":", ";", ","))):
            continue
        run: list[_Token] = []
        separated = True
        j = i + 1
        while j < len(tokens):
            t = tokens[j]
            if t.kind == "sep":
                separated = separated or t.text == "-"
                j += 1
                continue
            if t.kind == "para" and len(t.text) < 200 and (separated or _is_name(t.text)):
                run.append(t)
                separated = False
                j += 1
                continue
            break
        imperative = all(_IMPERATIVE.match(t.text) for t in run)
        # "For following method of payment, ...:" then one name per line: a list of names.
        names = len(run) >= 3 and all(_is_name(t.text) for t in run)
        # Right under a heading, only a run of instructions or of names is more than prose.
        if after_heading and not (len(run) >= 2 and imperative) and not names:
            continue
        if len(run) >= 2 and (imperative or names or all(_has_separator_before(tokens, t) for t in run)):
            for n, t in enumerate(run, start=1):
                t.kind, t.number = ("steps", n) if imperative else ("list", None)


def _is_name(text: str) -> bool:
    return len(text) < 120 and not text.endswith((".", "!", "?", ":", ";", ","))


def _has_separator_before(tokens: list[_Token], token: _Token) -> bool:
    k = tokens.index(token) - 1
    while k >= 0 and tokens[k].kind == "sep":
        if tokens[k].text == "-":
            return True
        k -= 1
    return False


def _explanations_to_items(tokens: list[_Token]) -> None:
    """Paragraphs between step n and step n+1 explain step n: they stay with it."""
    for i, token in enumerate(tokens):
        if token.kind != "steps" or token.number is None:
            continue
        paras = []
        j = i + 1
        while j < len(tokens) and tokens[j].kind in ("para", "sep"):
            if tokens[j].kind == "para":
                paras.append(tokens[j])
            j += 1
        if paras and j < len(tokens) and tokens[j].kind == "steps" and tokens[j].number == token.number + 1:
            for p in paras:
                p.kind = "cont"


# --- tables ---------------------------------------------------------------------------------


def _table(lines: list[Line], i: int, rule: TableRule, where: str) -> tuple[Block, int]:
    """Read the table starting at ``lines[i]``; returns the block and the index after it."""
    end = len(lines)
    if rule.end_before is not None:
        for j in range(i, len(lines)):
            if lines[j].text == rule.end_before:
                end = j
                break
        else:
            raise SupportbotError(
                f"{where}: the table starting {rule.start!r} has no end {rule.end_before!r}"
            )
    body = [line.text for line in lines[i:end] if line.text not in ("", "-")]
    caption = ""
    if rule.caption == "header":
        caption = ": ".join(_bare(t) for t in body[: rule.skip])
    elif rule.caption:
        caption = rule.caption
    if rule.caption and rule.caption != "header" and not rule.skip and body and body[0] == rule.caption:
        body = body[1:]
    body = body[rule.skip :]
    parse = {"keyed": _keyed, "colon": _colon, "pairs": _pairs, "spanned": _spanned, "groups": _groups}.get(
        rule.shape
    )
    if parse is None:
        raise SupportbotError(f"{where}: unknown table shape {rule.shape!r}")
    rows, caption = parse(body, rule, caption, where)
    if not rows:
        raise SupportbotError(f"{where}: the table starting {rule.start!r} has no rows")
    fallback = rule.fallback or ""
    return Block("table", rows=tuple(rows), caption=caption, fallback=fallback), end


def _keyed(body: list[str], rule: TableRule, caption: str, where: str) -> tuple[list[Row], str]:
    key = re.compile(rule.key or r"^\S+$")
    rows: list[Row] = []
    for text in body:
        if key.match(text):
            rows.append(Row(key=re.sub(r",\s*", ", ", text)))
        elif rows:
            rows[-1] = Row(rows[-1].key, (*rows[-1].cells, text))
        else:
            raise SupportbotError(f"{where}: table line {text!r} comes before any key")
    return rows, caption


def _colon(body: list[str], rule: TableRule, caption: str, where: str) -> tuple[list[Row], str]:
    rows: list[Row] = []
    for text in body:
        key, sep, value = text.partition(":")
        if not sep:
            raise SupportbotError(f"{where}: table line {text!r} has no 'key: value'")
        key, value = key.strip(), re.sub(r";(?=\S)", "; ", value.strip())
        # "United Arab Emirates - Dubai: ..." is the country's row, the city part of its contact.
        country, dash, place = key.partition(" - ")
        if dash:
            key, value = country.strip(), f"{place.strip()}: {value}"
        rows.append(Row(key=key, cells=(value,)))
    return rows, caption


def _pairs(body: list[str], rule: TableRule, caption: str, where: str) -> tuple[list[Row], str]:
    if len(body) % 2:
        raise SupportbotError(f"{where}: a two-column table has an odd number of cells ({body[-1]!r})")
    return [Row(key=body[n], cells=(body[n + 1],)) for n in range(0, len(body), 2)], caption


def _spanned(body: list[str], rule: TableRule, caption: str, where: str) -> tuple[list[Row], str]:
    """A second column merged over the rows down to ``span_until``; the extraction put its one
    cell after the first row."""
    if rule.span not in body:
        raise SupportbotError(f"{where}: spanned cell {rule.span!r} not found")
    keys = [t for t in body if t != rule.span]
    if rule.span_until not in keys:
        raise SupportbotError(f"{where}: span end {rule.span_until!r} is not a row")
    last = keys.index(rule.span_until)
    return [Row(key=k, cells=(str(rule.span),) if n <= last else ()) for n, k in enumerate(keys)], caption


def _groups(body: list[str], rule: TableRule, caption: str, where: str) -> tuple[list[Row], str]:
    """Rows grouped under one merged 'resolution' cell each; the extraction put that cell's
    sentences after the first row of its group. The first column is merged over every row."""
    spanned = " ".join(body[: rule.span_lines])
    caption = f"{caption}: {spanned}" if caption else spanned
    cells = body[rule.span_lines :]
    is_text = [t.endswith((".", "!")) for t in cells]
    rows: list[tuple[str, list[str]]] = []  # key and the index of its group
    groups: list[list[str]] = []
    k = 0
    while k < len(cells):
        if is_text[k]:
            group: list[str] = []
            while k < len(cells) and is_text[k]:
                group.append(cells[k])
                k += 1
            groups.append(group)
            if not rows:
                raise SupportbotError(f"{where}: a group's text comes before any row")
            # the row just before the text opens the group
            rows[-1] = (rows[-1][0], groups[-1])
            continue
        # a key row belongs to the latest group, unless the next text opens a new one with it
        rows.append((cells[k], groups[-1] if groups else []))
        k += 1
    out = [Row(key=key, cells=tuple(group)) for key, group in rows]
    if any(not row.cells for row in out):
        raise SupportbotError(f"{where}: table rows without a group: {[r.key for r in out if not r.cells]}")
    return out, caption


# --- tokens to sections ---------------------------------------------------------------------


def _assemble(tokens: list[_Token], rules: ArticleRules) -> tuple[Section, ...]:
    sections: list[Section] = []
    heading, parent = "", ""
    blocks: list[Block] = []
    pending_kind: str | None = None
    pending: list[str] = []
    pending_start = 1
    last_para_open = False  # the previous paragraph line wraps into this one

    def flush_items() -> None:
        nonlocal pending_kind, pending, pending_start
        if pending_kind and pending:
            start = pending_start if pending_kind == "steps" else 1
            blocks.append(Block(pending_kind, items=tuple(pending), start=start))  # type: ignore[arg-type]
        pending_kind, pending, pending_start = None, [], 1

    def flush_section() -> None:
        nonlocal blocks
        flush_items()
        if blocks or heading:
            sections.append(Section(heading, tuple(blocks), parent))
        blocks = []

    owner = False  # the last step is a bare label ("Step 2.") that takes the list below it
    heading_style = ""
    open_parent: tuple[str, str] | None = None
    question: str | None = None
    for n, token in enumerate(tokens):
        if token.kind != "list" and token.kind != "sep":
            owner = False
        if token.kind == "sep":
            if token.text == "" and rules.wrapped:
                last_para_open = False
            continue
        if token.kind in ("heading", "clause"):
            was_empty = not blocks and not pending and bool(heading)
            flush_section()
            if token.kind == "clause":
                heading, parent, open_parent, question = "", "", None, None
                blocks.append(Block("paragraph", text=token.text))
            else:
                parent = token.parent
                if token.style != "declared":
                    # A heading right under another (no text between) sits below it, and so do the
                    # next headings of its own style; a label below a question belongs to it.
                    if was_empty and open_parent is None and heading_style != token.style:
                        open_parent = (heading, heading_style)
                    elif open_parent is not None and token.style == open_parent[1]:
                        open_parent = None
                    if open_parent is not None:
                        parent = open_parent[0]
                    elif question is not None and token.style == "label":
                        parent = question
                    if token.style == "question":
                        question = token.text
                heading, heading_style = token.text, token.style
            last_para_open = False
            continue
        if token.kind == "table":
            flush_items()
            assert token.block is not None
            blocks.append(token.block)
            last_para_open = False
            continue
        if token.kind in ("steps", "list"):
            if not token.text:
                # "Step 2." alone: its content is the bulleted list that follows.
                if pending_kind != token.kind:
                    flush_items()
                    pending_kind, pending_start = token.kind, token.number or 1
                pending.append("")
                owner = True
                continue
            if owner and token.kind == "list":
                pending[-1] = (pending[-1] + "\n" if pending[-1] else "") + "- " + token.text
                continue
            if (
                pending_kind == "steps"
                and pending
                and pending[-1]
                and token.kind == "list"
                and _is_sub_item(tokens, n)
            ):
                pending[-1] += "\n- " + token.text
                continue
            restart = (
                token.kind == "steps"
                and token.number == 1
                and pending
                and _previous_content(tokens, n).kind != "steps"
            )
            if pending_kind != token.kind or restart:
                flush_items()
                pending_kind = token.kind
                pending_start = token.number or 1
            pending.append(token.text)
            last_para_open = False
            continue
        if token.kind == "cont" and pending:
            pending[-1] += "\n" + token.text
            continue
        # paragraph
        if pending_kind == "steps" and pending and pending[-1] == "":
            pending.pop()
        if pending and _continues_item(tokens, n):
            pending[-1] += " " + token.text
            continue
        flush_items()
        if last_para_open and blocks and blocks[-1].kind == "paragraph":
            blocks[-1] = Block("paragraph", text=blocks[-1].text + " " + token.text)
        else:
            blocks.append(Block("paragraph", text=token.text))
        last_para_open = rules.wrapped and not token.text.endswith(_TERMINAL)
    flush_section()
    return _drop_empty(sections)


def _previous_content(tokens: list[_Token], n: int) -> _Token:
    return next((t for t in reversed(tokens[:n]) if t.kind != "sep"), tokens[n])


def _is_sub_item(tokens: list[_Token], n: int) -> bool:
    """A bullet indented under a numbered step belongs to that step."""
    previous = next((t for t in reversed(tokens[:n]) if t.kind in ("steps", "list")), None)
    return previous is not None and tokens[n].indent > previous.indent and previous.kind == "steps"


def _continues_item(tokens: list[_Token], n: int) -> bool:
    """A paragraph indented deeper than the item above it is that item's explanation."""
    previous = next((t for t in reversed(tokens[:n]) if t.kind not in ("sep",)), None)
    return previous is not None and previous.kind in ("steps", "list") and tokens[n].indent > previous.indent


def _drop_empty(sections: list[Section]) -> tuple[Section, ...]:
    """A heading with nothing under it survives only as the parent of the sections that follow."""
    parents = {s.parent for s in sections if s.parent}
    return tuple(s for s in sections if s.blocks or s.heading in parents)
