"""Questions back: which problem a vague order message means, and which of two intents a buyer meant.

Options are data: a button title of at most 20 characters (WhatsApp reply buttons) and the
payload that continues into the right flow (an intent's order check, its help article, or a
person). ``ambiguous_pair`` decides, from the NLU ranking, when two intents are close enough to
ask instead of guessing, and only when they lead to different flows (two help intents both end in
a help-center search, which then decides).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.intents import CHECK_FOR_INTENT

BUTTON_TITLE_MAX = 20
HANDOFF_PAYLOAD = "/human_handoff"
FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True)
class Option:
    title: str
    payload: str


def intent_payload(intent: str) -> str:
    return f"/{intent}"


def article_payload(article_id: str) -> str:
    """A button that answers from one article (``faq`` with the ``article_id`` entity)."""
    return "/faq" + json.dumps({"article_id": article_id})


# A vague problem with an order ("I have a problem with my order"): what it usually is.
ORDER_PROBLEM_OPTIONS: tuple[Option, ...] = (
    Option("Not arrived", intent_payload("order_not_received")),
    Option("Wrong or damaged", intent_payload("item_not_as_described")),
    Option("Get a refund", intent_payload("request_refund")),
    Option("Cancel the order", intent_payload("cancel_order")),
    Option("Return an item", intent_payload("return_item")),
    Option("Something else", HANDOFF_PAYLOAD),
)

# How each intent is offered when the assistant asks which one the buyer means.
INTENT_LABELS: dict[str, str] = {
    "track_order": "Track my order",
    "order_not_received": "Not arrived",
    "cancel_order": "Cancel an order",
    "open_dispute": "Open a dispute",
    "request_refund": "Get a refund",
    "refund_status": "Refund status",
    "return_item": "Return an item",
    "item_not_as_described": "Wrong or damaged",
    "payment_issue": "Payment problem",
    "change_shipping_address": "Change address",
    "account_help": "My account",
    "coupons": "Coupons",
    "contact_seller": "Contact the seller",
    "leave_feedback": "Feedback",
    "contact_support": "Contact us",
    "human_handoff": "Talk to a person",
    "order_problem": "Order problem",
}

# Help questions a general order question is answered with when the buyer's own words do not
# say more (a button press, "I have a problem with my order" then "Not arrived").
INTENT_QUESTIONS: dict[str, str] = {
    "track_order": "How do I track my package?",
    "order_not_received": "I haven't received my order yet. When can I open a dispute?",
    "cancel_order": "How to cancel my order?",
    "open_dispute": "When can I open a dispute and how?",
    "request_refund": "How do I get a refund and when will I get it?",
    "refund_status": "When will I get my refund?",
    "return_item": "How do I return an item?",
    "item_not_as_described": "The product I received does not match the description. What can I do?",
    "payment_issue": "How to solve payment issues?",
    "contact_support": "How can I contact customer service?",
}

# Intents whose words say nothing a search could use: after them the chosen option's question is
# searched, not the buyer's text.
VAGUE_INTENTS = frozenset({"order_problem"})

# Two intents closer than this (top confidence minus the second) are worth a question.
AMBIGUITY_MARGIN = 0.2
# ... when the second one is at least this likely.
AMBIGUITY_FLOOR = 0.15
# Intents that never need a question between them: small talk is answered by the rules, and
# out_of_scope with a help-center search behind it is handled by the search.
_NOT_ASKED = frozenset({"greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "out_of_scope", "inform_order_id", "faq"})  # fmt: skip


def flow_of(intent: str) -> str:
    """Where an intent leads: its order check, or the help center."""
    return CHECK_FOR_INTENT.get(intent, "help")


@dataclass(frozen=True)
class Ranked:
    intent: str
    confidence: float


def ranking_of(raw: object) -> list[Ranked]:
    """Rasa's ``intent_ranking`` without the fallback pseudo-intent, best first; tolerant of junk."""
    ranked: list[Ranked] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        name, confidence = item.get("name"), item.get("confidence")
        if isinstance(name, str) and name != FALLBACK_INTENT and isinstance(confidence, (int, float)):
            ranked.append(Ranked(name, float(confidence)))
    return sorted(ranked, key=lambda r: -r.confidence)


def ambiguous_pair(ranking: Sequence[Ranked], *, margin: float = AMBIGUITY_MARGIN) -> tuple[str, str] | None:
    """The top two intents when they are close, both worth offering and lead to different flows."""
    if len(ranking) < 2:
        return None
    first, second = ranking[0], ranking[1]
    if first.confidence - second.confidence >= margin or second.confidence < AMBIGUITY_FLOOR:
        return None
    if first.intent in _NOT_ASKED or second.intent in _NOT_ASKED:
        return None
    if first.intent not in INTENT_LABELS or second.intent not in INTENT_LABELS:
        return None
    if flow_of(first.intent) == flow_of(second.intent):
        return None
    return first.intent, second.intent


# "How do I ...", "What can I do if ..." in front of a title say nothing on a 20-character button.
_TITLE_LEAD_INS = re.compile(
    r"^(?:how (?:do|can) i|how to|what (?:can|should) i do if|what should i do (?:if|after)|what if|"
    r"what is|what's|what are|why (?:is|are|does|do|was|my)|when (?:can|will) i|can i|guide to disputes:|"
    r"merchant customer service policy:)\s+",
    re.I,
)


def short_title(title: str, limit: int = BUTTON_TITLE_MAX) -> str:
    """A button title for an article: its question without the lead-in, cut at a word, <= ``limit``."""
    text = re.split(r"(?<=[.?!])\s", title.strip(), maxsplit=1)[0].rstrip(" ?.!")
    text = _TITLE_LEAD_INS.sub("", text).strip() or text
    text = text[:1].upper() + text[1:]
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:-") + "…"
