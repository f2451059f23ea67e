"""What part of an article a buyer's question points at: a named row, a list entry or a section.

Pure and lexical on purpose: the search already chose the article by meaning; inside one article
the words the buyer typed ("CSC_7200021", "PayPal", "Mexico", "China Post", "WhatsApp") are what
tell a row or a section apart, and a code must match exactly, never approximately.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.corpus import Article, Block

# A code as buyers type it: CSC_7200021, csc 7200021, CSC-7200021. Phone numbers have no letters.
_CODE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2,5})[\s_-]?(\d{5,})(?!\d)")

# Other names for what the pages name, as buyers write them. The value must occur in a row key.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "russia": ("russian federation",),
    "uae": ("united arab emirates",),
    "emirates": ("united arab emirates",),
    "dubai": ("united arab emirates",),
    "abu dhabi": ("united arab emirates",),
    "saudi": ("saudi arabia",),
    "ksa": ("saudi arabia",),
    "korea": ("south korea",),
    "usa": ("america", "united states"),
    "us": ("america", "united states"),
    "united states": ("america",),
    "america": ("united states",),
    "uk": ("united kingdom",),
    "britain": ("united kingdom",),
    "england": ("united kingdom",),
    "mastercard": ("master",),
    "american express": ("amex",),
    "ideal": ("ideal",),
    "sofort": ("sofort banking",),
    "boleto": ("ebanx boleto",),
    "yandex": ("yandex money",),
    "cash on delivery": ("cod",),
    "email": ("e mail",),
    "e-mail": ("e mail",),
    "mail": ("e mail",),
    "phone": ("call center",),
    "telephone": ("call center",),
    "call": ("call center",),
    "hotline": ("call center",),
}

_STOPWORD_TEXT = (
    "a an the and or of to in on for with by at from is are was be been it "
    "its this that these those i me my we our you your he she they them do does did can "
    "could should would will shall may might what when where which who whom how why if not no yes please "
    "about as into than then there here have has had get got am so just any some t s "
    "something anything already still thing things really also want need"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split(" "))


def normalise(text: str) -> str:
    """Lower-case words and digits separated by single spaces (punctuation is a separator)."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def codes_in(question: str) -> list[str]:
    """Codes the question names, canonical (``CSC_7200021``)."""
    return [f"{prefix.upper()}_{digits}" for prefix, digits in _CODE.findall(question)]


def _stem(word: str) -> str:
    """Crude, but the same on both sides: "used"/"uses"/"using" -> "use", "opened" -> "open"."""
    if len(word) > 4 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 3 and word.endswith("ed"):
        word = word[:-1] if word[-3] in "aeiosuvz" else word[:-2]
    elif len(word) > 3 and word.endswith("es") and word[-3] in "sxz":
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word.rstrip("e") if len(word) > 3 else word


# Different words for the same thing inside a page ("take part" in a question, "participate" in
# the heading).
_SAME_MEANING = {
    "take part": "participate",
    "join": "participate",
    "eligible": "participate",
    # "before it's paid" is the "Unpaid order" section, not "Paid order".
    "before (?:it s |it is |its |being |i ve |i have )?paid": "unpaid",
    "(?:not|haven t|have not|didn t|did not) (?:yet )?paid(?: yet)?": "unpaid",
}


def content_words(text: str) -> set[str]:
    text = normalise(text)
    for phrase, word in _SAME_MEANING.items():
        text = re.sub(rf"\b{phrase}\b", word, text)
    return {_stem(w) for w in text.split() if w not in STOPWORDS}


def distinctiveness(word: str, groups: Sequence[set[str]]) -> float:
    """How well ``word`` tells ``groups`` (rows, sections, sentences) apart: 1 when one group has
    it, 0 when every group has it (or none does)."""
    df = sum(1 for group in groups if word in group)
    return 0.0 if df == 0 else 1.0 - (df - 1) / len(groups)


def expanded_question(question: str) -> str:
    """The question normalised, padded, with the pages' names for what the buyer called otherwise."""
    text = f" {normalise(question)} "
    extra = [alt for word, alts in SYNONYMS.items() if f" {normalise(word)} " in text for alt in alts]
    return text + " ".join(extra) + " "


# --- naming a row or a list entry -------------------------------------------------------------


@dataclass(frozen=True)
class Named:
    """Rows (or list entries) of one block that the question names, best match first."""

    section: int
    block: int
    indexes: tuple[int, ...]
    score: int


def _key_terms(key: str, all_keys: list[str]) -> list[tuple[str, bool]]:
    """(term, is_whole_key) pairs a question may name a row by: the key, its parts ("Visa" in
    "Debit/Credit Card(Visa/...)"), its runs of two or more words, and words no other row uses."""
    terms: list[tuple[str, bool]] = [(normalise(key), True)]
    parts = [p for p in re.split(r"[/(),;]| - ", key) if p.strip()]
    for part in parts:
        words = normalise(part).split()
        if words:
            terms.append((" ".join(words), False))
        for n in range(2, len(words)):
            for start in range(0, len(words) - n + 1):
                terms.append((" ".join(words[start : start + n]), False))
    others = [set(normalise(k).split()) for k in all_keys if k != key]
    for word in normalise(key).split():
        if len(word) >= 3 and word not in STOPWORDS and not any(word in o for o in others):
            terms.append((word, False))
    return [(t, whole) for t, whole in terms if len(t) >= 2 and t not in STOPWORDS]


def _common_prefix(items: list[str]) -> str:
    if len(items) < 2:
        return ""
    first, last = min(items), max(items)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    prefix = first[:n]
    return prefix[: prefix.rfind(" ") + 1] if " " in prefix else ""


# A place a cell labels ("Riyadh: (+966) 1 289 8217; Jeddah: ...") names its row as well as the
# row's key ("Saudi Arabia") does: buyers ask for the city.
_CELL_LABEL = re.compile(r"(?:^|;\s*)([A-Z][A-Za-z]+(?: [A-Z][A-Za-z]+)?):")


def _names_of(block: Block) -> list[str] | None:
    """What each row or entry of a block is called, or None for blocks that do not name things
    (a list of sentences is prose, not a list of names)."""
    if block.kind == "table":
        return [
            " / ".join([row.key, *(m for cell in row.cells for m in _CELL_LABEL.findall(cell))])
            for row in block.rows
        ]
    if block.kind == "list" and len(block.items) >= 3 and all(len(i) < 120 for i in block.items):
        prefix = _common_prefix(list(block.items))  # "I am in Germany" names Germany
        return [item[len(prefix) :] for item in block.items]
    return None


def named_rows(article: Article, question: str) -> Named | None:
    """The rows or list entries the question names, from the block with the best match."""
    text = expanded_question(question)
    title_words = set(normalise(" ".join((article.title, *article.aliases))).split())
    best: Named | None = None
    for s, section in enumerate(article.sections):
        # In a list of sentences, a word the heading or the title already says ("price" under
        # "How is the price calculated?") is what the whole list is about: it names no entry.
        shared = title_words | set(normalise(f"{section.parent} {section.heading}").split())
        for b, block in enumerate(section.blocks):
            names = _names_of(block)
            if not names:
                continue
            scores = []
            for name in names:
                # How much of the name the question covers, by the terms it names it with:
                # "WhatsApp ... customer care" covers more of "WhatsApp Customer Care" than of
                # "Customer Care Call Center"; the whole name beats any part of it.
                covered: set[str] = set()
                whole_name = False
                for term, whole in _key_terms(name, names):
                    if block.kind == "list" and set(term.split()) <= shared:
                        continue
                    if f" {term} " in text:
                        covered.update(term.split())
                        whole_name = whole_name or whole
                score = sum(len(word) + 1 for word in covered) + (100 if whole_name else 0)
                scores.append(score if covered else 0)
            top = max(scores)
            if top < 4:
                continue
            indexes = tuple(i for i, score in enumerate(scores) if score == top)
            if best is None or top > best.score:
                best = Named(s, b, indexes, top)
    return best


# A table row described rather than named ("currency not supported" for CSC_7200006): its cells
# must share this much distinctive wording with the question, and clearly more than any other row.
DESCRIBED_MIN = 1.5
DESCRIBED_LEAD = 1.5


def described_rows(article: Article, question: str) -> Named | None:
    """The table row the question describes in the row's own words, when one stands out."""
    words = content_words(question)
    best: Named | None = None
    for s, section in enumerate(article.sections):
        for b, block in enumerate(section.blocks):
            if block.kind != "table" or len(block.rows) < 3:
                continue
            # The first cell says what the row is ("Currency selected for this payment is not
            # supported."); the others are advice, whose words ("try again", "pay") a question shares
            # with every row.
            cells = [content_words(row.cells[0] if row.cells else "") for row in block.rows]
            # A word in every row ("card") tells no row apart.
            scores = sorted(
                ((sum(distinctiveness(w, cells) for w in words & c), i) for i, c in enumerate(cells)),
                reverse=True,
            )
            (top, index), second = scores[0], scores[1][0]
            if top >= DESCRIBED_MIN and top >= DESCRIBED_LEAD * second and (best is None or top > best.score):
                best = Named(s, b, (index,), int(top * 100))
    return best


def rows_with_code(article: Article, code: str) -> Named | None:
    """Rows whose key lists ``code`` (keys may list several: "CSC_7200022, CSC_7200051")."""
    digits = code.split("_")[-1]
    for s, section in enumerate(article.sections):
        for b, block in enumerate(section.blocks):
            if block.kind != "table":
                continue
            hits = tuple(
                i
                for i, row in enumerate(block.rows)
                if code in [k.upper() for k in re.split(r",\s*", row.key)]
                or re.search(rf"(?<!\d){digits}(?!\d)", row.key)
            )
            if hits:
                return Named(s, b, hits, 1000)
    return None


def code_table(article: Article, code: str) -> tuple[int, int] | None:
    """(section, block) of a table keyed by codes of the same kind as ``code`` (same prefix)."""
    prefix = code.split("_")[0]
    for s, section in enumerate(article.sections):
        for b, block in enumerate(section.blocks):
            if block.kind == "table" and any(row.key.upper().startswith(prefix + "_") for row in block.rows):
                return s, b
    return None


# --- picking a section ------------------------------------------------------------------------


_DURATION_WORDS = {"long", "soon", "much", "time", "many", "day"}
_ASKS_DURATION = re.compile(r"\bhow (?:long|many days|much time|soon)\b|\bdeadline\b|\btime limit\b")
_DURATION = re.compile(
    r"\b\d+(?:\s*(?:-|–|to)\s*\d+)?[\s-]*(?:business |working |calendar )?(?:days?|hours?|weeks?|months?)\b",
    re.I,
)
_NEGATION = re.compile(r"\b(?:not|cannot|can't|can’t|couldn't|could not|unable|won't|doesn't|don't)\b")


# How much the search's similarity to each section weighs against the question's words: the
# section most similar by meaning gets MEANING_WEIGHT, one MEANING_SPAN less similar gets nothing.
# Chosen on the two development answer sets (docs/corpus.md): weights 1.5-3 and spans 0.02-0.05
# score alike; without the similarities (the search's one best section +1) 6 questions fewer pass.
MEANING_WEIGHT = 2.0
MEANING_SPAN = 0.03
TITLE_ECHO = 0.03  # 0.03 and 0.06 alike on the development sets (+2 of 270 questions)


def meaning_bonus(sims: Sequence[float | None]) -> list[float]:
    """Each section's share of MEANING_WEIGHT from its similarity to the question."""
    known = [s for s in sims if s is not None]
    if not known:
        return [0.0] * len(sims)
    top = max(known)
    return [0.0 if s is None else MEANING_WEIGHT * max(0.0, 1.0 - (top - s) / MEANING_SPAN) for s in sims]


def best_section(
    article: Article, question: str, hint: int | None = None, meaning: Sequence[float | None] = ()
) -> int | None:
    """The section whose heading (weighted double) and text share the most distinctive words with
    the question, helped by how close each section is in meaning (``meaning``: the search's
    similarity per section; without it, the ``hint`` section the search matched gets a bonus);
    None when nothing inside the article stands out (the opening then answers)."""
    # "How long" asks for a duration (see asks_duration below), not for a heading with "long" in it
    # ("As long as I return the goods...").
    words = content_words(question) - (_DURATION_WORDS if _ASKS_DURATION.search(question.lower()) else set())
    bonus = []
    if len(meaning) == len(article.sections):
        # Every chunk carries the article's title, so a section whose heading only restates it
        # ("What is "300% Guarantee"?") looks like every question about the article.
        title = content_words(" ".join((article.title, *article.aliases)))
        adjusted = [
            None
            if sim is None
            else sim - (TITLE_ECHO if section.heading and content_words(section.heading) <= title else 0.0)
            for sim, section in zip(meaning, article.sections, strict=True)
        ]
        bonus = meaning_bonus(adjusted)
    if not words or len(article.sections) < 2:
        return hint
    section_words = []
    for section in article.sections:
        head = content_words(f"{section.parent} {section.heading}")
        body = content_words(section.plain_text(with_heading=False))
        section_words.append((head, body))
    section_text = [head | body for head, body in section_words]
    title_words = content_words(" ".join((article.title, *article.aliases)))
    if words <= title_words and not any(words <= head for head, _ in section_words):
        # The question only repeats the article's title: nothing points inside it.
        return hint

    def weight(word: str) -> float:
        # Words in every section tell none apart; title words are shared by all sections, so
        # they count half ("Open a dispute" still wins "how do I open a dispute").
        weight = distinctiveness(word, section_text)
        return weight / 2 if word in title_words else weight

    # "How do I ...?" asks for a procedure: a section with steps answers it better than one
    # that only mentions the words.
    procedural = bool(re.search(r"\bhow (?:do|can|to|should)\b|\bsteps?\b|\bprocess\b", question.lower()))
    # "How long do I have?" is answered by a section that says how long.
    asks_duration = bool(_ASKS_DURATION.search(question.lower()))
    asked = re.match(r"\W*(why|how|when|what|who|where|which)\b", question.lower())
    negated = bool(_NEGATION.search(question.lower()))
    scores = []
    for section, (head, body) in zip(article.sections, section_words, strict=True):
        score = sum(2 * weight(w) for w in words & head) + sum(weight(w) for w in words & (body - head))
        if score > 0:
            heading = section.heading.lower()
            if procedural and any(b.kind == "steps" for b in section.blocks):
                score += 1.0
            # FAQ headings are questions: "Why can't I ...?" is answered under "Why could not I ...?".
            if asked and heading.startswith(asked.group(1)):
                score += 1.0
            if negated and _NEGATION.search(heading):
                score += 0.5
            if asks_duration and _DURATION.search(section.plain_text(with_heading=False)):
                score += 0.5
        scores.append(score)
    if bonus:
        # The search's similarities: a good guess, not the last word, when the question's own
        # words point elsewhere.
        scores = [score + extra for score, extra in zip(scores, bonus, strict=True)]
    elif hint is not None:
        scores[hint] += 1.0
    top = max(scores)
    if top < 0.5:
        return None
    return scores.index(top)


def section_by_heading(article: Article, heading: str) -> int | None:
    wanted = normalise(heading)
    for s, section in enumerate(article.sections):
        if normalise(section.heading) == wanted:
            return s
    return None
