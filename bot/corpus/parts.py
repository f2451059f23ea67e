"""The parts of an article a reply is cut between: a sentence of a paragraph, an item of steps or
a list, a row of a table.

One definition for the two places that need it: the search embeds every part (so it can say which
sentence of a long page a question means) and the answer composer packs whole parts into a
bubble. Both must enumerate them in the same order, or a similarity would point at the wrong part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.corpus import Article, Block

# "e.g." / "Sep. 1st" / "No." do not end a sentence.
_ABBREVIATIONS = {"e.g", "i.e", "etc", "vs", "no", "mar", "sep", "sept", "jan", "feb", "apr", "jun", "jul", "aug",
                  "oct", "nov", "dec", "mr", "mrs", "ms", "dr", "st", "u.s", "approx"}  # fmt: skip
_BOUNDARY = re.compile(r"[.!?][\"”’)]?(?=\s+[A-Z0-9\"“‘(])")


def sentences(text: str) -> list[str]:
    """Split a paragraph into sentences, not at abbreviations ("Sep. 1st") or list labels ("1.")."""
    out: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        piece = text[start : match.end()]
        word = re.search(r"([A-Za-z][A-Za-z.]*)[.!?][\"”’)]?$", piece)
        if match.group().startswith(".") and word and word.group(1).lower().rstrip(".") in _ABBREVIATIONS:
            continue
        if re.fullmatch(r"\s*(?:\d+|[a-z])[.)]", piece):
            continue
        out.append(piece.strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


@dataclass(frozen=True)
class Part:
    section: int
    block: int
    index: int  # sentence of a paragraph, item of steps or a list, row of a table
    text: str


def block_parts(block: Block, s: int, b: int) -> list[Part]:
    if block.kind == "paragraph":
        return [Part(s, b, i, t) for i, t in enumerate(sentences(block.text))]
    if block.kind in ("steps", "list"):
        return [Part(s, b, i, t) for i, t in enumerate(block.items)]
    return [Part(s, b, i, row.text()) for i, row in enumerate(block.rows)]


def section_parts(article: Article, s: int) -> list[Part]:
    return [p for b, block in enumerate(article.sections[s].blocks) for p in block_parts(block, s, b)]


def article_parts(article: Article) -> list[Part]:
    """Every part of the article in page order."""
    return [p for s in range(len(article.sections)) for p in section_parts(article, s)]


def part_text(article: Article, part: Part) -> str:
    """What the search embeds for a part: the page and the heading it sits under, then the part
    ("Confirmation" alone says nothing; under "How do I confirm delivery?" it does)."""
    section = article.sections[part.section]
    label = " ".join(h for h in (section.parent, section.heading) if h)
    return f"{article.title} {label}: {part.text}" if label else f"{article.title}: {part.text}"
