"""Two questions in one message: "which account gets the refund, and how long does it take?".

Buyers often ask two things at once, and the two facts can sit in two articles (the refund-method
table and the refund times) or in two rows of one table (the post-office and the customs number
of one country). ``asks`` splits such a message into its questions, each carrying the message's
statements ("I am in Ukraine.", "Spain:") as context, so each can be searched on its own. A
message that is one question comes back whole; the rules are data below, tested on their own.
"""

from __future__ import annotations

import re

from bot.dialogue.followup import content_words

# A second question starts after "and" / ", and" / "; " when a question word or an auxiliary
# opens it: "..., and how long does it take?", "... and where do I see it".
_QUESTION_START = (
    r"(?:how|what|which|when|where|who|why|whom|whose|is|are|can|could|do|does|did|will|would|should|must)"
)
_SECOND = re.compile(
    rf"(?:,\s*|\s+)(?:and|also|plus)\s+(?={_QUESTION_START}\b)|;\s*(?={_QUESTION_START}\b)", re.I
)
# "both the post office number ... and the customs number": two things asked for.
_BOTH = re.compile(r"\bboth\s+(?P<a>.+?)\s+and\s+(?P<b>.+?)\s*[?.!]*$", re.I)
# A sentence that asks: ends in "?", opens with a question word or an imperative to tell or give.
_ASKING = re.compile(rf"\?\s*$|^\W*(?:{_QUESTION_START}|please|tell|give|send|show|explain)\b", re.I)
# "Spain: what's ..." — a short label before a colon is context, not a question.
_LABEL = re.compile(r"^\s*([^:?]{2,30}):\s+(?=\S)")
_SENTENCE = re.compile(r"(?<=[.?!])\s+(?=[A-Z])")
# Each question must say something on its own.
MIN_WORDS = 2
MAX_ASKS = 2
# A later question that points back ("how long does *it* take?") or says little carries the
# first question's words: it is about the same thing.
_POINTS_BACK = re.compile(r"\b(?:it|its|they|them|this|that|these|those|each|one)\b", re.I)
SHORT = 3


def asks(text: str) -> list[str]:
    """The questions ``text`` asks, each with the message's statements in front; ``[text]`` when
    it asks one thing (or more than MAX_ASKS, which read as one long story)."""
    text = " ".join(text.split())
    label = _LABEL.match(text)
    context: list[str] = [label.group(1)] if label else []
    body = text[label.end() :] if label else text
    questions: list[str] = []
    for sentence in _SENTENCE.split(body):
        if not _ASKING.search(sentence):
            context.append(sentence)
            continue
        both = _BOTH.search(sentence)
        if both:
            head = sentence[: both.start()].strip()
            questions.extend(f"{head} {both.group(part)}".strip() for part in ("a", "b"))
            continue
        questions.extend(piece.strip(" ,;") for piece in _SECOND.split(sentence) if piece.strip(" ,;"))
    if not 2 <= len(questions) <= MAX_ASKS or any(len(content_words(q)) < MIN_WORDS for q in questions):
        return [text]
    first = questions[0]
    questions[1:] = [
        f"{q} {first}" if _POINTS_BACK.search(q) or len(content_words(q)) < SHORT else q
        for q in questions[1:]
    ]
    prefix = " ".join(context)
    return [f"{prefix} {q}".strip() for q in questions]
