"""Agent assist: what a human agent sees next to a conversation.

For the conversation so far it gives the buyer's intent (Rasa NLU), the three help articles
closest to the buyer's last message (the FAQ search), the eligibility of the order being
discussed (the order store and the policy engine, only for the verified customer's own order)
and reply suggestions built from those articles and decisions. The agent edits before sending:
nothing here is sent to a buyer on its own.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Awaitable, Callable, Optional, Sequence

from bot.errors import SupportbotError, UsageError

logger = logging.getLogger(__name__)

ARTICLE_COUNT = 3
MAX_SUGGESTIONS = 4

# Which eligibility check answers which intent (contract intent names, docs/architecture.md).
CHECK_FOR_INTENT = {
    "cancel_order": "cancel",
    "open_dispute": "dispute",
    "order_not_received": "dispute",
    "item_not_as_described": "dispute",
    "request_refund": "refund",
    "refund_status": "refund",
    "return_item": "return",
}
CHECK_VERBS = {
    "cancel": "cancel order {order_id}",
    "dispute": "open a dispute for order {order_id}",
    "refund": "get a refund for order {order_id}",
    "return": "return order {order_id}",
}


@dataclass(frozen=True)
class ChatLine:
    role: str  # "customer" | "agent" | "bot"
    text: str


ParseIntent = Callable[[str], Awaitable[dict[str, Any]]]


def tidy_text(text: str) -> str:
    """Article text as an agent would paste it: single spaces, no trailing blanks, at most one
    empty line in a row (what the console shows is then exactly what Insert puts in the reply)."""
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _first_sentences(text: str, limit: int = 280) -> str:
    """The opening of an article's answer, cut at a sentence end when one is close enough."""
    flat = " ".join(line.strip(" -*•\t") for line in text.splitlines() if line.strip())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    return cut[: end + 1] if end > limit // 3 else cut.rstrip() + "…"


class AssistService:
    """``parse_intent`` is Rasa's ``/model/parse``; ``searcher`` returns the FAQ ``Searcher``
    (loaded lazily by the caller); ``evaluate`` is ``bot.policy.evaluate``."""

    def __init__(
        self,
        *,
        parse_intent: ParseIntent,
        searcher: Callable[[], Any],
        store: Any,
        evaluate: Callable[[Any, datetime], Any],
        now: Callable[[], datetime],
        extract_order_ids: Callable[[str], list[str]],
    ) -> None:
        self._parse_intent = parse_intent
        self._searcher = searcher
        self._store = store
        self._evaluate = evaluate
        self._now = now
        self._extract_order_ids = extract_order_ids

    async def assist(
        self,
        messages: Sequence[ChatLine],
        *,
        customer_id: Optional[str] = None,
        order_id: Optional[str] = None,
        mentioned_order_ids: Sequence[str] = (),
    ) -> dict[str, Any]:
        """``{"intent": {"name", "confidence"}, "articles": [...], "eligibility": ..., "suggested_replies": [...]}``.

        ``mentioned_order_ids`` are orders the bot already looked up in this conversation
        (newest first); they are only used for ``customer_id``'s own orders.
        """
        customer_lines = [line.text for line in messages if line.role == "customer" and line.text.strip()]
        if not customer_lines:
            raise UsageError("assist needs at least one message from the customer")
        query = customer_lines[-1]
        intent_task = asyncio.create_task(self._intent(query))
        articles = await asyncio.to_thread(self._articles, query)
        intent = await intent_task
        eligibility = await asyncio.to_thread(
            self._eligibility, customer_id, order_id, list(mentioned_order_ids), customer_lines
        )
        return {
            "intent": intent,
            "articles": articles,
            "eligibility": eligibility,
            "suggested_replies": suggest_replies(intent.get("name"), articles, eligibility),
        }

    async def _intent(self, text: str) -> dict[str, Any]:
        try:
            parsed = await self._parse_intent(text)
        except SupportbotError as exc:
            # Articles and eligibility still help the agent while Rasa is down.
            logger.warning("intent unavailable for agent assist: %s", exc)
            return {"name": None, "confidence": 0.0}
        intent = parsed.get("intent") or {}
        name = intent.get("name")
        return {
            "name": name if isinstance(name, str) else None,
            "confidence": float(intent.get("confidence") or 0.0),
        }

    def _articles(self, query: str) -> list[dict[str, Any]]:
        response = self._searcher().search(query, k=ARTICLE_COUNT)
        return [
            {
                "id": result.article.id,
                "title": result.article.title,
                "answer": tidy_text(result.article.full_text()),
                "category": result.article.category,
                "score": round(float(result.score), 4),
            }
            for result in response.results[:ARTICLE_COUNT]
        ]

    def _eligibility(
        self,
        customer_id: Optional[str],
        order_id: Optional[str],
        mentioned: list[str],
        customer_lines: list[str],
    ) -> Optional[dict[str, Any]]:
        """Only ever the verified customer's own order: an id that is not theirs finds nothing."""
        if not customer_id:
            return None
        order = None
        if order_id:
            order = self._store.get_customer_order(customer_id, order_id)
        else:
            candidates = list(mentioned)
            for text in reversed(customer_lines):
                candidates.extend(reversed(self._extract_order_ids(text)))
            for candidate in candidates:
                order = self._store.get_customer_order(customer_id, candidate)
                if order is not None:
                    break
            if order is None:
                orders = self._store.list_customer_orders(customer_id)
                # With a single order there is no doubt which one the buyer means.
                order = orders[0] if len(orders) == 1 else None
        if order is None:
            return None
        try:
            decision = self._evaluate(order, self._now()).to_dict()
        except ValueError as exc:  # OrderValidationError: the stored order has a date after now
            logger.warning("no eligibility for order %s: %s", order.order_id, exc)
            return None
        return {**decision, "order_id": order.order_id, "status": order.status}


def suggest_replies(
    intent: Optional[str],
    articles: Sequence[dict[str, Any]],
    eligibility: Optional[dict[str, Any]],
) -> list[str]:
    """Drafts for the agent: the decision that answers the buyer's intent, then the best articles."""
    suggestions: list[str] = []
    if eligibility:
        order_id = eligibility.get("order_id")
        wanted = CHECK_FOR_INTENT.get(intent or "")
        names = [wanted] if wanted else []
        names += [name for name in CHECK_VERBS if name not in names]
        for name in names[: 1 if wanted else 2]:
            decision = eligibility.get(name)
            if not isinstance(decision, dict):
                continue
            action = CHECK_VERBS[name].format(order_id=order_id)
            reason = str(decision.get("reason") or "").strip()
            if "allowed" not in decision:  # refunds have a state, not a verdict
                text = f"About your refund for order {order_id}: {reason}" if reason else ""
            elif decision.get("allowed"):
                text = f"Good news: you can {action}. {reason}".strip()
            else:
                text = f"I'm sorry, but you can't {action} right now. {reason}".strip()
            if not text:
                continue
            suggestions.append(text)
    for article in articles[:2]:
        excerpt = _first_sentences(str(article.get("answer") or ""))
        if excerpt:
            suggestions.append(f"{excerpt} (Help center: {article.get('title')})")
    suggestions.append("Is there anything else I can help you with today?")
    return suggestions[:MAX_SUGGESTIONS]
