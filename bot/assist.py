"""Agent assist: what a human agent sees next to a conversation.

For the conversation so far it gives the buyer's intent (Rasa NLU), the three help articles
closest to the buyer's last message (the FAQ search), the eligibility of the order being
discussed (the order store and the policy engine, only for the verified customer's own order)
and reply suggestions in the words the bot itself would use (``bot.assistant.replies``). The
agent edits before sending: nothing here is sent to a buyer on its own.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from bot.assistant import replies
from bot.errors import InvalidField, SupportbotError, UsageError
from bot.intents import eligibility_check_for
from bot.schemas.chat import Assist, Intent
from bot.schemas.conversations import Conversation, Message
from bot.schemas.decisions import CHECKS, OrderEligibility
from bot.schemas.orders import Order
from bot.schemas.search import SearchHit

if TYPE_CHECKING:
    from bot.search import SearchResponse

logger = logging.getLogger(__name__)

ARTICLE_COUNT = 3
MAX_SUGGESTIONS = 4
# How long the agent console's transcript waits for assist before answering without it.
ASSIST_WAIT_SECONDS = 2.0
CLOSING_LINE = "Is there anything else I can help you with today?"


@dataclass(frozen=True)
class ChatLine:
    role: Literal["customer", "agent"]
    text: str


ParseIntent = Callable[[str], Awaitable[dict[str, Any]]]
# The eligibility of an order at an instant, rendered (``bot.assistant.replies.judge``).
Judge = Callable[[Order, datetime], OrderEligibility]


class OrderLookup(Protocol):
    """The buyer-facing, customer-scoped part of ``bot.orders.store.OrderStore``."""

    def get_customer_order(self, customer_id: str, order_id: str) -> Order | None: ...

    def list_customer_orders(self, customer_id: str) -> list[Order]: ...


class Searcher(Protocol):
    """``bot.search.Searcher`` (or a test's stand-in)."""

    def search(self, query: str, k: int = 5) -> SearchResponse: ...


class AssistPending(Exception):
    """Assist for this conversation is still being computed (e.g. the model is loading)."""


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


class AssistCache:
    """The console refreshes the open conversation every few seconds; assist (Rasa parse and an
    embedding search) only runs again when the conversation has a new message. Entries are
    tasks, so a slow first computation (the model still loading) keeps going between refreshes."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._tasks: OrderedDict[tuple[Any, ...], asyncio.Task[Assist]] = OrderedDict()

    def task(
        self, key: tuple[Any, ...], start: Callable[[], Coroutine[Any, Any, Assist]]
    ) -> asyncio.Task[Assist]:
        found = self._tasks.get(key)
        if found is not None and found.done() and (found.cancelled() or found.exception() is not None):
            found = None  # a failure is reported once, then retried on the next refresh
        if found is None:
            found = asyncio.ensure_future(start())
            self._tasks[key] = found
        self._tasks.move_to_end(key)
        while len(self._tasks) > self.size:
            self._tasks.popitem(last=False)
        return found


@dataclass(kw_only=True)
class AssistService:
    """``parse_intent`` is Rasa's ``/model/parse``; ``searcher`` returns the FAQ ``Searcher``
    (loaded lazily by the caller); ``judge`` decides and renders an order's eligibility."""

    parse_intent: ParseIntent
    searcher: Callable[[], Searcher]
    store: OrderLookup
    judge: Judge
    now: Callable[[], datetime]
    extract_order_ids: Callable[[str], list[str]]
    cache: AssistCache = field(default_factory=AssistCache)

    async def assist(
        self,
        messages: Sequence[ChatLine],
        *,
        customer_id: str | None = None,
        order_id: str | None = None,
        mentioned_order_ids: Sequence[str] = (),
    ) -> Assist:
        """Intent, articles, eligibility and suggested replies for the transcript ``messages``.

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
        return Assist(
            intent=intent,
            articles=articles,
            eligibility=eligibility,
            suggested_replies=suggest_replies(intent.name, articles, eligibility),
        )

    async def for_conversation(
        self, conversation: Conversation, messages: Sequence[Message]
    ) -> Assist | None:
        """Assist for a logged conversation, None without a customer message. ``AssistPending`` while
        it is still being computed: a transcript must not wait for a model that is loading; the
        console picks the result up on its next refresh."""
        lines = [
            ChatLine(role="customer" if message.role == "customer" else "agent", text=message.text)
            for message in messages
            if message.text
        ]
        if not any(line.role == "customer" for line in lines):
            return None
        # Orders the bot already looked up for this buyer, newest first.
        mentioned = [
            str(message.data["order_id"])
            for message in reversed(messages)
            if message.role == "bot" and isinstance(message.data, dict) and message.data.get("order_id")
        ]
        # The minute is part of the key: eligibility windows move with time and orders get updated.
        minute = int(self.now().timestamp() // 60)
        key = (conversation.session_id, messages[-1].id, conversation.customer_id, minute)
        task = self.cache.task(
            key,
            lambda: self.assist(lines, customer_id=conversation.customer_id, mentioned_order_ids=mentioned),
        )
        done, _ = await asyncio.wait({task}, timeout=ASSIST_WAIT_SECONDS)
        if not done:
            raise AssistPending()
        return task.result()

    async def _intent(self, text: str) -> Intent:
        try:
            parsed = await self.parse_intent(text)
        except SupportbotError as exc:
            # Articles and eligibility still help the agent while Rasa is down.
            logger.warning("intent unavailable for agent assist: %s", exc)
            return Intent(name=None, confidence=0.0)
        intent = parsed.get("intent") or {}
        name = intent.get("name")
        return Intent(
            name=name if isinstance(name, str) else None, confidence=float(intent.get("confidence") or 0.0)
        )

    def _articles(self, query: str) -> list[SearchHit]:
        response = self.searcher().search(query, k=ARTICLE_COUNT)
        return [
            SearchHit.of(result, lambda article: tidy_text(article.full_text()))
            for result in response.results[:ARTICLE_COUNT]
        ]

    def _eligibility(
        self,
        customer_id: str | None,
        order_id: str | None,
        mentioned: list[str],
        customer_lines: list[str],
    ) -> OrderEligibility | None:
        """Only ever the verified customer's own order: an id that is not theirs finds nothing."""
        if not customer_id:
            return None
        order = None
        if order_id:
            order = self.store.get_customer_order(customer_id, order_id)
        else:
            candidates = list(mentioned)
            for text in reversed(customer_lines):
                candidates.extend(reversed(self.extract_order_ids(text)))
            for candidate in candidates:
                order = self.store.get_customer_order(customer_id, candidate)
                if order is not None:
                    break
            if order is None:
                orders = self.store.list_customer_orders(customer_id)
                # With a single order there is no doubt which one the buyer means.
                order = orders[0] if len(orders) == 1 else None
        if order is None:
            return None
        try:
            return self.judge(order, self.now())
        except InvalidField as exc:  # the stored order has a date after now
            logger.warning("no eligibility for order %s: %s", order.order_id, exc)
            return None


def suggest_replies(
    intent: str | None, articles: Sequence[SearchHit], eligibility: OrderEligibility | None
) -> list[str]:
    """Drafts for the agent: the decision that answers the buyer's intent, then the best articles."""
    suggestions: list[str] = []
    if eligibility:
        wanted = eligibility_check_for(intent)
        names = [wanted] if wanted else []
        names += [name for name in CHECKS if name not in names]
        for name in names[: 1 if wanted else 2]:
            text = replies.agent_suggestion(name, eligibility.order_id, eligibility.check(name))
            if text:
                suggestions.append(text)
    for article in articles[:2]:
        excerpt = _first_sentences(article.answer)
        if excerpt:
            suggestions.append(f"{excerpt} (Help center: {article.title})")
    suggestions.append(CLOSING_LINE)
    return suggestions[:MAX_SUGGESTIONS]
