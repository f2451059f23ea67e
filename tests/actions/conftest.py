"""Tracker fixtures, a real SQLite order store with two buyers' orders, and a scripted searcher.

Actions get their services injected (``Services(store=..., searcher=..., clock=...)``); nothing
global is patched. The eligibility engine is the real one (it is pure). Test modules reach the
helpers through the ``kit`` fixture (importlib mode: conftest is not importable).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.services import Services
from bot import db
from bot.availability import AgentAvailability
from bot.config import Settings
from bot.corpus import Article
from bot.identity import turn_metadata
from bot.orders.store import OrderStore
from bot.schemas.base import isoformat_z
from bot.schemas.customers import Customer
from bot.schemas.orders import Order
from bot.search import SearchResponse, SearchResult

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
# Shared by the gateway and the action server in production; here the trackers are signed with it.
ACTIONS_SECRET = "actions-secret-for-the-action-tests"
BUYER = "C-ANA"
OTHER_BUYER = "C-BEN"


def ago(days: float) -> str | None:
    return isoformat_z(NOW - timedelta(days=days))


def ahead(days: float) -> str | None:
    return isoformat_z(NOW + timedelta(days=days))


def demo_orders() -> list[Order]:
    rows: list[dict[str, Any]] = [
        {  # Ana's parcel in transit: can't cancel, dispute only after the deadline
            "order_id": "5001",
            "customer_id": BUYER,
            "status": "shipped",
            "created_at": ago(6),
            "paid_at": ago(6),
            "payment_method": "card",
            "shipped_at": ago(4),
            "delivery_deadline": ahead(21),
            "amount": "49.90",
            "currency": "EUR",
            "items": [{"title": "Wireless earbuds", "quantity": 1}],
        },
        {  # Ana's paid order not shipped yet: cancellable at once
            "order_id": "5002",
            "customer_id": BUYER,
            "status": "awaiting_shipment",
            "created_at": ago(2),
            "paid_at": ago(2),
            "payment_method": "paypal",
            "amount": "18.50",
            "currency": "EUR",
            "items": [{"title": "Phone case", "quantity": 2}],
        },
        {  # Ana's cancelled order with a refund under way
            "order_id": "5003",
            "customer_id": BUYER,
            "status": "cancelled",
            "created_at": ago(5),
            "paid_at": ago(5),
            "payment_method": "card",
            "refund": {"status": "processing", "processed_at": ago(3)},
            "amount": "22.40",
            "currency": "EUR",
            "items": [{"title": "Desk lamp", "quantity": 1}],
        },
        {  # Ben's order with a secret-looking item: must never reach Ana
            "order_id": "7001",
            "customer_id": OTHER_BUYER,
            "status": "shipped",
            "created_at": ago(20),
            "paid_at": ago(20),
            "payment_method": "card",
            "shipped_at": ago(18),
            "delivery_deadline": ago(2),
            "logistics": "held_in_customs",
            "amount": "999.00",
            "currency": "USD",
            "items": [{"title": "Ben's private gadget", "quantity": 1}],
        },
    ]
    return [Order.from_json(row) for row in rows]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrderStore]:
    url = f"sqlite:///{tmp_path_factory.mktemp('actions-db') / 'supportbot.db'}"
    db.migrate(url)
    order_store = OrderStore.from_url(url)
    order_store.upsert_customer(Customer(customer_id=BUYER, name="Ana Silva"))
    order_store.upsert_customer(Customer(customer_id=OTHER_BUYER, name="Ben Okoro"))
    for order in demo_orders():
        order_store.upsert_order(order)
    yield order_store
    db.dispose_engine(url)


def article(article_id: str, title: str, answer: str = "", category: str = "Refund") -> Article:
    return Article(
        id=article_id,
        title=title,
        answer=answer or f"The answer to: {title}",
        category=category,
        sources=("seed.txt",),
    )


ARTICLES = [
    article("when-will-i-get-my-refund", "When will I get my refund?", "Refunds take 3-20 business days."),
    article("what-is-arn", "What is ARN?", "The ARN is a reference number your bank can trace."),
    article("how-to-cancel-my-order", "How to cancel my order?", "Go to My Orders and cancel.", "Ordering"),
    article("how-do-i-track-my-package", "How do I track my package?", "Open My Orders, then Track Order."),
]


@dataclass
class FakeSearcher:
    """Answers every query with ARTICLES; ``confident`` decides whether the top one is trusted."""

    confident: bool = True
    results: list[Article] = field(default_factory=lambda: list(ARTICLES))
    queries: list[str] = field(default_factory=list)

    @property
    def by_id(self) -> dict[str, Article]:
        return {a.id: a for a in self.results}

    def search(self, query: str, k: int = 5) -> SearchResponse:
        self.queries.append(query)
        hits = [
            SearchResult(a, 0.9 - i * 0.1, relevance=0.9 - i * 0.1) for i, a in enumerate(self.results[:k])
        ]
        return SearchResponse(query, hits, self.confident and bool(hits))


@pytest.fixture
def searcher() -> FakeSearcher:
    return FakeSearcher()


AGENT_AVAILABLE = AgentAvailability("available", "every day, around the clock")


@pytest.fixture
def services(store: OrderStore, searcher: FakeSearcher) -> Services:
    return Services(
        settings=action_settings(),
        store=store,
        searcher=searcher,
        clock=lambda: NOW,
        availability=lambda: AGENT_AVAILABLE,
    )


def action_settings() -> Settings:
    """The action server's settings: the secret the gateway signs identities with."""
    return Settings(env="test", actions_secret=ACTIONS_SECRET)  # type: ignore[call-arg]


def make_tracker(
    text: str = "",
    intent: str = "faq",
    *,
    customer_id: str | None = BUYER,
    channel: str = "web",
    slots: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    history: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
    sender_id: str = "session-1",
    active_loop: dict[str, Any] | None = None,
) -> Tracker:
    """A tracker whose latest message is ``text`` with ``intent``, sent by ``customer_id`` (signed
    as the gateway signs it, unless ``metadata`` is given)."""
    if metadata is None:
        metadata = turn_metadata(
            ACTIONS_SECRET, sender_id=sender_id, channel=channel, customer_id=customer_id, now=NOW
        )
    parse_data = {"intent": {"name": intent, "confidence": 0.95}, "entities": entities or [], "text": text}
    latest = {**parse_data, "metadata": metadata}
    events = [*list(history or []), user_event(text, intent, metadata=metadata)]
    return Tracker(
        sender_id,
        {
            "order_id": None,
            "customer_id": None,
            "requested_check": None,
            "requested_slot": None,
            **(slots or {}),
        },
        latest,
        events,
        False,
        None,
        active_loop or {},
        "action_listen",
    )


def user_event(text: str, intent: str, *, metadata: dict[str, Any] | None = None, at: float = 1.7e9) -> dict:
    return {
        "event": "user",
        "text": text,
        "timestamp": at,
        "parse_data": {"intent": {"name": intent, "confidence": 0.95}, "entities": [], "text": text},
        "metadata": metadata or {},
    }


def bot_event(text: str, custom: dict[str, Any] | None = None, at: float = 1.7e9) -> dict:
    return {"event": "bot", "text": text, "timestamp": at, "data": {"custom": custom} if custom else {}}


def slot_values(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The slots the events set (last write wins)."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    return [m["text"] for m in dispatcher.messages if m.get("text")]


def everything_said(dispatcher: CollectingDispatcher) -> str:
    """All text, buttons and payloads, for 'nothing leaked' assertions."""
    return json.dumps(dispatcher.messages, default=str)


class Kit:
    NOW = NOW
    ACTIONS_SECRET = ACTIONS_SECRET
    settings = staticmethod(action_settings)
    BUYER = BUYER
    OTHER_BUYER = OTHER_BUYER
    tracker = staticmethod(make_tracker)
    user_event = staticmethod(user_event)
    bot_event = staticmethod(bot_event)
    slot_values = staticmethod(slot_values)
    texts = staticmethod(texts)
    everything_said = staticmethod(everything_said)
    article = staticmethod(article)
    searcher = FakeSearcher


@pytest.fixture
def kit() -> type[Kit]:
    return Kit
