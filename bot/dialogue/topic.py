"""The conversation's current topic, and what a single message names.

A ``Topic`` is what the assistant last answered: the question (standalone, already resolved
against the topic before it), its subject and details, the article and section it answered from,
how many "MORE" bubbles were shown, and the order check and order number in play. It lives in
Rasa's ``topic`` slot as a plain dict (``to_slot`` / ``from_slot``); it holds no order data, only
the number, which every action looks up again for the verified buyer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from bot.dialogue.lexicon import CODE_PATTERN, INTENT_SUBJECTS, compiled_details, compiled_subjects

# A slot value is buyer-influenced data coming back from Rasa: cap what is kept of it.
MAX_QUERY_CHARS = 1000
_CODE = re.compile(CODE_PATTERN)


@dataclass(frozen=True)
class Mention:
    """What one message names: its subjects (in priority order) and its details by kind."""

    subjects: tuple[str, ...] = ()
    details: dict[str, str] = field(default_factory=dict)

    @property
    def subject(self) -> str | None:
        return self.subjects[0] if self.subjects else None


@lru_cache(maxsize=1)
def _subjects() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return compiled_subjects()


@lru_cache(maxsize=1)
def _details() -> dict[str, tuple[tuple[str, re.Pattern[str]], ...]]:
    return compiled_details()


def mention(text: str) -> Mention:
    """The subjects and details ``text`` names (the first value of each kind)."""
    subjects = tuple(name for name, pattern in _subjects() if pattern.search(text))
    details: dict[str, str] = {}
    codes = _CODE.findall(text)
    if codes:
        prefix, digits = codes[-1]
        details["code"] = f"{prefix.upper()}_{digits}"
    for kind, values in _details().items():
        found = [(match.start(), value) for value, pattern in values if (match := pattern.search(text))]
        if found:
            details[kind] = min(found)[1]
    return Mention(subjects, details)


def without_details(text: str, kinds: set[str] | frozenset[str]) -> str:
    """``text`` with every value of the given detail kinds taken out ("customs phone number
    mexico" without ``country`` is "customs phone number"), so a new value can take their place."""
    for kind in kinds:
        if kind == "code":
            text = _CODE.sub(" ", text)
            continue
        for _, pattern in _details().get(kind, ()):
            text = pattern.sub(" ", text)
    return " ".join(text.split())


def subject_of(text: str, intent: str | None) -> str | None:
    """What a question is about: the first subject its words name, else its intent's subject."""
    return mention(text).subject or INTENT_SUBJECTS.get(intent or "")


@dataclass(frozen=True)
class Topic:
    """What the conversation is about now (see the module docstring)."""

    query: str
    subject: str | None = None
    intent: str | None = None
    details: dict[str, str] = field(default_factory=dict)
    article_id: str | None = None
    section: str | None = None
    pages: int = 0  # "MORE" bubbles shown after the first answer
    check: str | None = None  # the order check last run or asked for
    order_id: str | None = None
    # A follow-up's own words ("what about an order that cost $1.50?"): ``query`` carries the
    # topic's words too, which pull the answer towards the part of the article answered before.
    latest: str | None = None

    @classmethod
    def of_question(
        cls, query: str, *, intent: str | None = None, subject: str | None = None, **fields: Any
    ) -> Topic:
        """A new topic started by ``query``: its subject and details are read from its words."""
        named = mention(query)
        return cls(
            query=query[:MAX_QUERY_CHARS],
            subject=subject or named.subject or INTENT_SUBJECTS.get(intent or ""),
            intent=intent,
            details=named.details,
            **fields,
        )

    def answered(self, article_id: str | None, section: str | None) -> Topic:
        return replace(self, article_id=article_id, section=section or None, pages=0)

    def to_slot(self) -> dict[str, Any]:
        data: dict[str, Any] = {"query": self.query, "pages": self.pages, "details": dict(self.details)}
        for name in ("subject", "intent", "article_id", "section", "check", "order_id", "latest"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        return data

    @classmethod
    def from_slot(cls, value: Any) -> Topic | None:
        """The topic in a slot value, or None for no topic or anything malformed (never raises)."""
        if not isinstance(value, dict):
            return None
        query = value.get("query")
        if not isinstance(query, str) or not query.strip():
            return None

        def text(name: str) -> str | None:
            item = value.get(name)
            return item[:MAX_QUERY_CHARS] if isinstance(item, str) and item else None

        raw_details = value.get("details")
        details = (
            {str(k): str(v) for k, v in raw_details.items() if isinstance(v, str)}
            if isinstance(raw_details, dict)
            else {}
        )
        pages = value.get("pages")
        return cls(
            query=query[:MAX_QUERY_CHARS],
            subject=text("subject"),
            intent=text("intent"),
            details=details,
            article_id=text("article_id"),
            section=text("section"),
            pages=pages if isinstance(pages, int) and not isinstance(pages, bool) and pages >= 0 else 0,
            check=text("check"),
            order_id=text("order_id"),
            latest=text("latest"),
        )
