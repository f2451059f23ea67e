"""Compose a chat-sized answer from an article: the part that answers, then where it comes from.

A reply leads with what the question asks for (the row for a named error code, payment method,
country or carrier; the section the question is about; else the article's opening), packed into a
budget of whole sentences, list items and table rows, and keeps the rest for "MORE". It returns
data (``Answer``); ``bot.answers.render`` writes it for a channel.

Budget: 600 characters of lead. A WhatsApp bubble shows about 35 characters a line, so 600 is one
phone screen (about 17 lines) with the heading and the source line; the longest single row or step
in the help center (payment codes, post offices) fits, and the Twilio WhatsApp limit of 1,600
characters is never near. docs/corpus.md gives how many sections fit whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.answers.match import (
    Named,
    best_section,
    code_table,
    codes_in,
    content_words,
    described_rows,
    distinctiveness,
    meaning_bonus,
    named_rows,
    rows_with_code,
    section_by_heading,
)
from bot.answers.model import DEFAULT_BUDGET, Answer
from bot.answers.render import validity_note
from bot.corpus import Article, Block, Row, Section
from bot.corpus.parts import Part, article_parts, block_parts, section_parts, sentences

# --- parts: the units a reply is cut between (bot.corpus.parts) ---------------------------------


@dataclass
class _Picked:
    """Which atoms of which blocks are in the lead; ``first`` is the section the lead starts in."""

    article: Article
    first: int
    chosen: dict[tuple[int, int], list[int]] = field(default_factory=dict)

    def count(self) -> int:
        return sum(len(v) for v in self.chosen.values())

    def add(self, atom: Part) -> None:
        self.chosen.setdefault((atom.section, atom.block), []).append(atom.index)

    def remove(self, atom: Part) -> None:
        key = (atom.section, atom.block)
        self.chosen[key].remove(atom.index)
        if not self.chosen[key]:
            del self.chosen[key]

    def blocks(self) -> tuple[Block, ...]:
        """The lead in article order; a later section taken in shows its heading inside the lead."""
        out: list[Block] = []
        shown = {self.first}
        for (s, b), idx in sorted(self.chosen.items()):
            heading = self.article.sections[s].heading
            if s not in shown:
                shown.add(s)
                if heading:
                    out.append(
                        Block(
                            "paragraph", text=heading if heading.endswith(("?", ":", ".")) else heading + ":"
                        )
                    )
            out.append(_subset(self.article.sections[s].blocks[b], idx))
        return tuple(out)

    def rest(self) -> tuple[Section, ...]:
        out = []
        for s, section in enumerate(self.article.sections):
            blocks = []
            for b, block in enumerate(section.blocks):
                taken = self.chosen.get((s, b), [])
                left = [i for i in range(_size(block)) if i not in taken]
                if not left:
                    continue
                if block.kind == "steps" and taken and left != list(range(left[0], _size(block))):
                    left = list(range(_size(block)))  # a numbered run is not broken into pieces
                blocks.append(_subset(block, left))
            out.append(Section(section.heading, tuple(blocks), section.parent))
        return tuple(_without_orphan_parents(out))


def _without_orphan_parents(sections: list[Section]) -> list[Section]:
    """A heading with nothing left under it stays only as the parent of a section still there."""
    parents = {s.parent for s in sections if s.blocks}
    return [s for s in sections if s.blocks or (s.heading and s.heading in parents)]


def _size(block: Block) -> int:
    if block.kind == "paragraph":
        return len(sentences(block.text))
    return len(block.items) if block.kind in ("steps", "list") else len(block.rows)


def _subset(block: Block, indexes: list[int]) -> Block:
    indexes = sorted(indexes)
    if block.kind == "paragraph":
        parts = sentences(block.text)
        return Block("paragraph", text=" ".join(parts[i] for i in indexes))
    if block.kind in ("steps", "list"):
        start = block.start + indexes[0] if block.kind == "steps" else 1
        return Block(block.kind, items=tuple(block.items[i] for i in indexes), start=start)
    rows: tuple[Row, ...] = tuple(block.rows[i] for i in indexes)
    return Block("table", rows=rows, caption=block.caption, fallback=block.fallback)


def _pack(atoms: list[Part], budget: int, heading: str, picked: _Picked, must: int = 1) -> _Picked:
    """Whole atoms in order while the lead fits the budget. The first ``must`` atoms always go in:
    a single sentence or row longer than the budget is never cut, only sent alone."""
    last: Part | None = None
    for n, atom in enumerate(atoms):
        picked.add(atom)
        if n >= must and _length(heading, picked) > budget:
            picked.remove(atom)
            # "... as below to solve the problem:" without what is below promises nothing: it
            # goes to the rest with what it introduces.
            if last is not None and last.text.endswith(":") and n > must and picked.count() > 1:
                picked.remove(last)
            break
        last = atom
    return picked


def _length(heading: str, picked: _Picked) -> int:
    return len("\n".join([heading, *(b.plain_text() for b in picked.blocks())]).strip())


def _following_atoms(article: Article, start: int) -> list[Part]:
    return [a for s in range(start, len(article.sections)) for a in section_parts(article, s)]


# --- composing ----------------------------------------------------------------------------------


def compose(
    article: Article,
    question: str,
    *,
    section: str | None = None,
    section_sims: Sequence[float | None] = (),
    part_sims: Sequence[float] = (),
    budget: int = DEFAULT_BUDGET,
    today: date | None = None,
) -> Answer:
    """The answer to ``question`` from ``article``.

    ``section`` is the heading the search matched, if it knows (a strong hint, weighed with the
    question's own words); ``section_sims`` and ``part_sims`` are the search's similarities of the
    question to each section and to each part (``article_parts`` order); ``today`` marks an ended campaign
    as such (search already keeps those from buyers; agents may still open them).
    """
    expired = bool(article.validity and today is not None and not article.is_current(today))
    # The note on dated content shares the bubble with the lead.
    note = validity_note(article.validity, expired)
    budget_for_lead = budget - (len(note) + 1 if note else 0)
    base: dict[str, Any] = {
        "article_id": article.id,
        "source_title": article.title,
        "platform": article.platform,
        "validity": article.validity,
        "expired": expired,
        "budget": budget,
    }

    room = budget_for_lead
    codes = codes_in(question)
    hits = [hit for hit in (rows_with_code(article, code) for code in codes) if hit is not None]
    if hits:
        # "First CSC_7200012, now CSC_7200021": every row named, in the order asked.
        same = [h for h in hits if (h.section, h.block) == (hits[0].section, hits[0].block)]
        rows = tuple(dict.fromkeys(i for h in same for i in h.indexes))
        return _from_rows(article, Named(hits[0].section, hits[0].block, rows, 1000), room, "row", base)
    for code in codes:
        table = code_table(article, code)
        if table is not None:
            return _missing(article, code, table, room, base)

    near = meaning_bonus(section_sims) if len(section_sims) == len(article.sections) else []
    parts = article_parts(article)
    meant = dict(zip(parts, part_sims, strict=True)) if len(part_sims) == len(parts) else {}
    named = named_rows(article, question)
    if (
        named is not None
        and _block(article, named).kind == "list"
        and ((near and near[named.section] == 0) or _far_in_meaning(named, parts, meant))
    ):
        # A list of names inside a section the question is not about ("d) Coins" in the order
        # coupons are redeemed in, for "do I get my coins back?"), or an entry much further in
        # meaning than another part ("status" in "Check your order status" for "what is my
        # membership status based on?"), names nothing it asks for.
        named = None
    named = named or described_rows(article, question)
    if named is not None:
        return _from_rows(
            article, named, room, "row" if _block(article, named).kind == "table" else "entry", base
        )

    hint = section_by_heading(article, section) if section else None
    chosen = _by_part(parts, meant, best_section(article, question, hint, section_sims))
    if chosen is not None and article.sections[chosen].blocks:
        return _from_section(article, chosen, room, base, question, meant)
    return _opening(article, room, base)


# A sentence, item or row this much more similar to the question than anything in the section the
# words chose moves the answer to its section. Chosen on the two development answer sets
# (docs/corpus.md): 0.10-0.15 score alike; 0.02 or 0.25 fewer.
PART_SWITCH = 0.10


def _far_in_meaning(named: Named, parts: list[Part], meant: dict[Part, float]) -> bool:
    """Whether another part is more than PART_SWITCH closer in meaning than every part named."""
    if not meant:
        return False
    own = [
        meant[p]
        for p in parts
        if (p.section, p.block) == (named.section, named.block) and p.index in named.indexes
    ]
    return bool(own) and max(meant.values()) - max(own) > PART_SWITCH


def _by_part(parts: list[Part], meant: dict[Part, float], chosen: int | None) -> int | None:
    """The section to answer from: the one the words and the section similarities chose, unless
    one part elsewhere is clearly closer in meaning (the answer is one sentence of a long page: "Hong
    Kong" law in the Free Return rules, "leave feedback once"). When nothing was chosen, the section
    of the closest part answers rather than the opening: its closest part can then lead (``_focus``),
    which the opening cannot (10 of 270 development questions)."""
    if not meant:
        return chosen
    star = max(parts, key=lambda p: meant[p])
    inside = [meant[p] for p in parts if p.section == chosen]
    if chosen is None or not inside or meant[star] - max(inside) > PART_SWITCH:
        return star.section
    return chosen


def _block(article: Article, named: Named) -> Block:
    return article.sections[named.section].blocks[named.block]


def _heading_of(article: Article, s: int) -> tuple[str, str]:
    section = article.sections[s]
    return section.heading, section.parent


def _shown_heading(heading: str, parent: str) -> str:
    """The heading line as the renderer shows it, counted in the budget."""
    return " — ".join(h for h in (parent, heading) if h)


def _from_rows(article: Article, named: Named, budget: int, matched: str, base: dict) -> Answer:
    block = _block(article, named)
    heading, parent = _heading_of(article, named.section)
    picked = _Picked(article, named.section)
    if block.kind == "list" and named.block > 0:
        # A list of names reads only with the sentence that introduces it ("... refer to the
        # Original Account of the Payment:").
        intro = article.sections[named.section].blocks[named.block - 1]
        if intro.kind == "paragraph" and intro.text.endswith(":"):
            for atom in block_parts(intro, named.section, named.block - 1)[-1:]:
                picked.add(atom)
    atoms = [a for a in block_parts(block, named.section, named.block) if a.index in named.indexes]
    picked = _pack(atoms, budget, _shown_heading(heading, parent), picked)
    if block.kind == "list" and picked.count() == len(atoms):
        # Without an introduction, the sentence after a list of names says what the list is
        # ("If you are in other countries: Sorry that we do only support above 16 countries").
        after = article.sections[named.section].blocks[named.block + 1 : named.block + 2]
        if after and after[0].kind == "paragraph" and not _intro_taken(picked, named):
            picked = _pack(
                block_parts(after[0], named.section, named.block + 1)[:1],
                budget,
                _shown_heading(heading, parent),
                picked,
                must=0,
            )
    return Answer(
        lead=picked.blocks(), heading=heading, parent=parent, rest=picked.rest(), matched=matched, **base
    )


def _intro_taken(picked: _Picked, named: Named) -> bool:
    return (named.section, named.block - 1) in picked.chosen


def _missing(article: Article, code: str, where: tuple[int, int], budget: int, base: dict) -> Answer:
    s, b = where
    table = article.sections[s].blocks[b]
    heading, parent = _heading_of(article, s)
    if table.fallback:
        advice = table.fallback[:1].upper() + table.fallback[1:]
        return Answer(
            lead=(Block("paragraph", text=advice),),
            heading=heading,
            parent=parent,
            rest=article.sections,
            matched="missing",
            missing_key=code,
            **base,
        )
    picked = _pack(section_parts(article, s), budget, _shown_heading(heading, parent), _Picked(article, s))
    return Answer(
        lead=picked.blocks(),
        heading=heading,
        parent=parent,
        rest=picked.rest(),
        matched="missing",
        missing_key=code,
        **base,
    )


def _from_section(
    article: Article,
    s: int,
    budget: int,
    base: dict,
    question: str = "",
    meant: dict[Part, float] | None = None,
) -> Answer:
    heading, parent = _heading_of(article, s)
    shown = _shown_heading(heading, parent)
    atoms = section_parts(article, s)
    picked = _pack(atoms, budget, shown, _Picked(article, s))
    focus = _focus(article, atoms, question, meant or {})
    if (
        focus is not None
        and picked.count() < len(atoms)
        and (focus.block, focus.index) not in {(b, i) for (_, b), idx in picked.chosen.items() for i in idx}
    ):
        # The sentence or item the question is about is past the cut ("If the seller rejects
        # ..." at the end of a list of outcomes): lead with the section's first sentence for
        # context, then that part (with the line that introduces its list), in page order.
        focused = _focused(article, atoms, focus)
        context = focused.index(focus)  # the atoms before the focus only set it in context
        picked = _pack(focused, budget, shown, _Picked(article, s), must=context + 1)
        if _length(shown, picked) > budget and context:
            picked = _pack(focused[context:], budget, shown, _Picked(article, s))
    if _ends_with_colon(picked.blocks()):
        # "... you can:" promises what follows: carry on into the next section while it fits.
        picked = _pack(_following_atoms(article, s + 1), budget, shown, picked, must=0)
    return Answer(
        lead=picked.blocks(), heading=heading, parent=parent, rest=picked.rest(), matched="section", **base
    )


# A sentence or list item leads when the question's distinctive words weigh this much in it (a
# word in every atom of the article weighs nothing), and clearly more than in any other atom.
FOCUS_MIN = 1.5
FOCUS_LEAD = 1.2
# The part most similar in meaning adds FOCUS_MEANING to its words' weight; one FOCUS_SPAN less
# similar adds nothing (development sets, docs/corpus.md: weights 1.5-3 alike; spans 0.05-0.10).
FOCUS_MEANING = 2.0
FOCUS_SPAN = 0.05


def _focus(article: Article, atoms: list[Part], question: str, meant: dict[Part, float]) -> Part | None:
    """The sentence or list item of a section the question points at, by its own words and by
    meaning, if one stands out. Steps and table rows are left out: a step alone is out of its
    procedure, rows are named."""
    words = content_words(question) - content_words(" ".join((article.title, *article.aliases)))
    closest = max((meant[a] for a in atoms if a in meant), default=None)

    def meaning(atom: Part) -> float:
        if closest is None or atom not in meant:
            return 0.0
        return FOCUS_MEANING * max(0.0, 1.0 - (closest - meant[atom]) / FOCUS_SPAN)

    if not words and closest is None:
        return None
    everything = [
        content_words(a.text) for s in range(len(article.sections)) for a in section_parts(article, s)
    ]

    blocks = article.sections[atoms[0].section].blocks if atoms else ()
    scored = sorted(
        (
            (sum(distinctiveness(w, everything) for w in words & content_words(a.text)) + meaning(a), -i, a)
            for i, a in enumerate(atoms)
            if blocks[a.block].kind in ("paragraph", "list")
        ),
        key=lambda t: (t[0], t[1]),
        reverse=True,
    )
    if not scored:
        return None
    top, _, atom = scored[0]
    second = scored[1][0] if len(scored) > 1 else 0.0
    return atom if top >= FOCUS_MIN and top >= FOCUS_LEAD * second else None


def _focused(article: Article, atoms: list[Part], focus: Part) -> list[Part]:
    """The section's first atom, the line introducing the focus's list, then the focus and what
    follows it in its block."""
    blocks = article.sections[focus.section].blocks
    out = [atoms[0]] if atoms[0] != focus else []
    if blocks[focus.block].kind == "list" and focus.block > 0:
        intro = [a for a in atoms if a.block == focus.block - 1]
        if intro and intro[-1].text.endswith(":") and intro[-1] not in out:
            out.append(intro[-1])
    out.extend(a for a in atoms if a.block == focus.block and a.index >= focus.index)
    return out


def _opening(article: Article, budget: int, base: dict) -> Answer:
    first = next((s for s, section in enumerate(article.sections) if section.blocks), 0)
    heading, parent = _heading_of(article, first)
    picked = _pack(
        _following_atoms(article, first), budget, _shown_heading(heading, parent), _Picked(article, first)
    )
    return Answer(
        lead=picked.blocks(), heading=heading, parent=parent, rest=picked.rest(), matched="opening", **base
    )


def _ends_with_colon(blocks: tuple[Block, ...]) -> bool:
    return bool(blocks) and blocks[-1].kind == "paragraph" and blocks[-1].text.endswith(":")


def more(answer: Answer, article: Article) -> Answer | None:
    """The next bubble of the same article after ``answer`` (for "MORE"), or None when nothing is
    left. Built from ``answer.rest`` so it continues exactly where the lead stopped."""
    if not answer.rest:
        return None
    rest_article = Article(
        id=article.id,
        title=article.title,
        category=article.category,
        sources=article.sources,
        kind=article.kind,
        platform=article.platform,
        sections=answer.rest,
        validity=article.validity,
    )
    base: dict[str, Any] = {
        "article_id": article.id,
        "source_title": article.title,
        "platform": article.platform,
        "validity": article.validity,
        "expired": answer.expired,
        "budget": answer.budget,
    }
    page = _opening(rest_article, answer.budget, base)
    return Answer(
        lead=page.lead,
        heading=page.heading,
        parent=page.parent,
        rest=page.rest,
        matched="more",
        **base,
    )
