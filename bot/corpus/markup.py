"""Article sections as plain text an admin can edit in the console, and back.

The text keeps the article's structure, so an edited article is still answered row by row and
step by step (``bot.answers``)::

    ## A section heading          (### under the previous ##, #### under the previous ###;
                                   "### Heading (under: Another heading)" names it; "##" alone
                                   starts a section without a heading)
    A paragraph; lines next to each other join into one.

    1. numbered steps
       a continuation line of the step above (indented)
    - list items

    Caption of the table (the line right above its rows, optional)
    | key | cell | cell
    Otherwise: what the page says for a key the table does not list (optional, right below)

Blocks are separated by a blank line (or by starting another kind of block). A line starting
with a backslash is paragraph text whatever follows (``\\1. These Terms`` is not a step).
``sections_to_text`` and ``sections_from_text`` are inverse on every article ingest writes (a test
holds them to that on the committed corpus).
"""

from __future__ import annotations

import re

from bot.corpus import Block, Row, Section
from bot.errors import InvalidField

_STEP = re.compile(r"^(\d{1,3})\.\s+(.*)$")
_HEADING = re.compile(r"^#{2,4}(?: |$)")
UNDER_OPEN = "(under: "
_CELL_SEPARATOR = " | "
FALLBACK_PREFIX = "Otherwise: "
CONTINUATION = "   "
ESCAPE = "\\"  # a line starting with a backslash is a paragraph line, whatever follows


def sections_to_text(sections: tuple[Section, ...] | list[Section]) -> str:
    parts: list[str] = []
    last = {2: "", 3: ""}  # the latest heading at each level: the default parent one level down
    for index, section in enumerate(sections):
        lines: list[str] = []
        if section.heading:
            level, suffix = 2, ""
            if section.parent:
                if section.parent == last[2]:
                    level = 3
                elif section.parent == last[3]:
                    level = 4
                else:
                    level, suffix = 3, f" {UNDER_OPEN}{section.parent})"
            lines.append("#" * level + f" {section.heading}{suffix}")
            if level < 4:
                last[level] = section.heading
                if level == 2:
                    last[3] = ""
        elif index:
            lines.append("##")  # a section of its own without a heading
        for block in section.blocks:
            lines.append(_block_text(block))
        parts.append("\n\n".join(lines))
    return "\n\n".join(part for part in parts if part).strip() + "\n"


def _block_text(block: Block) -> str:
    if block.kind == "paragraph":
        # A paragraph that would read as another kind of line ("1. These Terms ...") is escaped.
        marked = _STEP.match(block.text) or block.text.startswith(("- ", "|", "#", "\\", FALLBACK_PREFIX))
        return ESCAPE + block.text if marked or block.text == "-" else block.text
    if block.kind == "steps":
        return "\n".join(_item(f"{block.start + i}.", item) for i, item in enumerate(block.items))
    if block.kind == "list":
        return "\n".join(_item("-", item) for item in block.items)
    lines = [block.caption] if block.caption else []
    lines += ["| " + _CELL_SEPARATOR.join((row.key, *row.cells)) for row in block.rows]
    if block.fallback:
        lines.append(FALLBACK_PREFIX + block.fallback)
    return "\n".join(lines)


def _item(marker: str, item: str) -> str:
    first, *more = item.split("\n")
    return "\n".join([f"{marker} {first}", *(CONTINUATION + line for line in more)])


def sections_from_text(text: str, *, field: str = "text") -> tuple[Section, ...]:
    """``InvalidField(field)`` for text that has no content or an unreadable line."""
    sections: list[Section] = []
    heading, parent = "", ""
    last = {2: "", 3: ""}
    blocks: list[Block] = []
    started = False
    for chunk in _chunks(text):
        first = chunk[0].strip()
        if _HEADING.match(first):
            if started or blocks:
                sections.append(Section(heading, tuple(blocks), parent))
            level, heading, explicit = _heading(first, field)
            blocks, started = [], True
            if level == 2:
                parent = ""
            elif explicit is not None:
                parent = explicit
            elif not last[level - 1]:
                raise InvalidField(field, f"{first!r} needs a heading one level up above it")
            else:
                parent = last[level - 1]
            if heading and level < 4:
                last[level] = heading
                if level == 2:
                    last[3] = ""
            if len(chunk) > 1:
                blocks.extend(_blocks(chunk[1:], field))
            continue
        blocks.extend(_blocks(chunk, field))
    if started or blocks:
        sections.append(Section(heading, tuple(blocks), parent))
    if not any(section.blocks for section in sections):
        raise InvalidField(field, "must contain the article's text")
    return tuple(sections)


def _chunks(text: str) -> list[list[str]]:
    """Lines grouped by blank lines; a heading always starts a chunk of its own."""
    chunks: list[list[str]] = []
    current: list[str] = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.rstrip()
        if not line.strip():
            if current:
                chunks.append(current)
            current = []
            continue
        if _HEADING.match(line.strip()) and current:
            chunks.append(current)
            current = []
        current.append(line)
    if current:
        chunks.append(current)
    return chunks


def _heading(line: str, field: str) -> tuple[int, str, str | None]:
    """(level, heading, explicit parent or None) of '## H', '### H', '#### H', '### H (under: P)' or '##'."""
    marker, _, title = line.partition(" ")
    title = title.strip()
    level = len(marker)
    if not title:
        if level != 2:
            raise InvalidField(field, f"{line!r}: a heading needs its text")
        return 2, "", None
    if level > 2 and title.endswith(")") and UNDER_OPEN in title:
        heading, _, parent = title[:-1].rpartition(UNDER_OPEN)
        return level, heading.strip(), parent.strip()
    return level, title, None


def _blocks(lines: list[str], field: str) -> list[Block]:
    """One chunk (no blank lines inside) as blocks: a new block starts where the kind changes."""
    blocks: list[Block] = []
    kind = ""
    items: list[str] = []
    paragraph: list[str] = []
    rows: list[Row] = []
    caption = ""
    fallback = ""
    start = 1

    def flush() -> None:
        nonlocal kind, items, paragraph, rows, caption, fallback, start
        if kind == "paragraph" and paragraph:
            blocks.append(Block("paragraph", text=" ".join(paragraph)))
        elif kind in ("steps", "list") and items:
            blocks.append(Block(kind, items=tuple(items), start=start))  # type: ignore[arg-type]
        elif kind == "table" and rows:
            blocks.append(Block("table", rows=tuple(rows), caption=caption, fallback=fallback))
        kind, items, paragraph, rows, caption, fallback, start = "", [], [], [], "", "", 1

    for line in lines:
        stripped = line.strip()
        step = _STEP.match(stripped)
        if stripped.startswith(ESCAPE):
            if kind != "paragraph":
                flush()
                kind = "paragraph"
            paragraph.append(stripped[len(ESCAPE) :])
        elif (
            line.startswith(CONTINUATION)
            and kind in ("steps", "list")
            and items
            and not line.startswith("    -")
        ):
            items[-1] += "\n" + line[len(CONTINUATION) :]
        elif stripped.startswith("|"):
            if kind == "paragraph" and len(paragraph) == 1:  # the line right above the rows
                caption = paragraph[0]
                paragraph = []
                kind = "table"
            elif kind != "table":
                flush()
                kind = "table"
            cells = [cell.strip() for cell in stripped[1:].split("|")]
            if not cells[0]:
                raise InvalidField(field, f"{stripped!r}: a table row starts with its key: '| key | cell'")
            rows.append(Row(key=cells[0], cells=tuple(cell for cell in cells[1:] if cell)))
        elif kind == "table" and stripped.startswith(FALLBACK_PREFIX) and not fallback:
            fallback = stripped[len(FALLBACK_PREFIX) :]
        elif stripped.startswith("- ") or stripped == "-":
            if kind != "list":
                flush()
                kind = "list"
            items.append(stripped[2:].strip())
        elif step is not None:
            if kind != "steps":
                flush()
                kind, start = "steps", int(step.group(1))
            items.append(step.group(2).strip())
        else:
            if kind != "paragraph":
                flush()
                kind = "paragraph"
            paragraph.append(stripped)
    flush()
    return blocks
