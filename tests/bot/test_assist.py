"""Agent assist without the gateway: which order it picks, what it suggests, how it degrades."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import pytest

from bot.assist import AssistService, ChatLine, suggest_replies, tidy_text
from bot.corpus import Article
from bot.errors import UsageError
from bot.rasa_client import RasaUnavailable
from bot.schemas.decisions import (
    CancelVerdict,
    DisputeVerdict,
    OrderEligibility,
    RefundVerdict,
    ReturnVerdict,
)
from bot.schemas.search import SearchHit
from bot.search import SearchResponse, SearchResult

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


def article(article_id: str, answer: str = "An answer.") -> Article:
    return Article(
        id=article_id,
        title=article_id.replace("-", " ").title() + "?",
        answer=answer,
        category="c",
        sources=("s.md",),
    )


class ListSearcher:
    def __init__(self, *ids: str) -> None:
        self.results = [
            SearchResult(article(i, f"Answer of {i}. More text."), 1.0 - n / 10) for n, i in enumerate(ids)
        ]
        self.queries: list[tuple[str, int]] = []

    def search(self, query: str, k: int = 5) -> SearchResponse:
        self.queries.append((query, k))
        return SearchResponse(query=query, results=self.results[:k], confident=True)


@dataclass(frozen=True)
class FakeOrder:
    order_id: str
    customer_id: str
    status: str = "awaiting_shipment"


class FakeStore:
    def __init__(self, *orders: FakeOrder) -> None:
        self.orders = list(orders)
        self.calls: list[tuple[str, str]] = []

    def get_customer_order(self, customer_id: str, order_id: str) -> FakeOrder | None:
        self.calls.append((customer_id, order_id))
        return next((o for o in self.orders if o.customer_id == customer_id and o.order_id == order_id), None)

    def list_customer_orders(self, customer_id: str) -> list[FakeOrder]:
        return [o for o in self.orders if o.customer_id == customer_id]


def fake_judge(order: FakeOrder, now: datetime) -> OrderEligibility:
    """Verdicts with short reasons, so the tests read what assist does with them."""
    allowed = order.status == "awaiting_shipment"
    return OrderEligibility(
        order_id=order.order_id,
        status=order.status,
        cancel=CancelVerdict(
            allowed=allowed,
            mode="immediate" if allowed else "none",
            article_id="how-to-cancel",
            reason="Not shipped yet." if allowed else "Already shipped.",
        ),
        dispute=DisputeVerdict(
            allowed=False, opens_at=None, closes_at=None, article_id="disputes", reason="Too early."
        ),
        refund=RefundVerdict(
            state="none", expected_by=None, article_id="refunds", reason="No refund has been started."
        ),
        return_=ReturnVerdict(allowed=False, closes_at=None, article_id="returns", reason="Not delivered."),
    )


def hit(article_id: str, title: str, answer: str) -> SearchHit:
    return SearchHit(id=article_id, title=title, answer=answer, category="c", score=1.0)


def service(
    store: FakeStore,
    searcher: ListSearcher | None = None,
    intent: tuple[str, float] = ("cancel_order", 0.9),
    rasa_down: bool = False,
    judge: Any = None,
) -> AssistService:
    async def parse(text: str) -> dict[str, Any]:
        if rasa_down:
            raise RasaUnavailable("Rasa is not reachable")
        return {"intent": {"name": intent[0], "confidence": intent[1]}, "entities": []}

    chosen = searcher or ListSearcher("a", "b", "c", "d")
    return AssistService(
        parse_intent=parse,
        searcher=lambda: chosen,
        store=store,
        judge=judge or fake_judge,
        now=lambda: NOW,
        extract_order_ids=lambda text: [
            word.strip("?.,") for word in text.split() if word.strip("?.,").isdigit()
        ],
    )


def run(coro: Any) -> Any:
    """The assist result as the JSON an agent's console receives."""
    return asyncio.run(coro).to_dict()


ANA = "C1"
STORE = FakeStore(FakeOrder("11", ANA), FakeOrder("12", ANA, "shipped"), FakeOrder("21", "C2"))


def test_three_articles_for_the_last_customer_message() -> None:
    searcher = ListSearcher("a", "b", "c", "d")
    lines = [
        ChatLine("customer", "first question"),
        ChatLine("agent", "hello"),
        ChatLine("customer", "second question"),
    ]
    result = run(service(STORE, searcher).assist(lines))
    assert searcher.queries == [("second question", 3)]
    assert [a["id"] for a in result["articles"]] == ["a", "b", "c"]
    assert result["articles"][0] == {
        "id": "a",
        "title": "A?",
        "answer": "Answer of a. More text.",
        "category": "c",
        "score": 1.0,
    }
    assert result["intent"] == {"name": "cancel_order", "confidence": 0.9}


def test_an_explicit_order_of_the_customer_is_used() -> None:
    result = run(service(STORE).assist([ChatLine("customer", "help")], customer_id=ANA, order_id="12"))
    assert result["eligibility"]["order_id"] == "12"
    assert result["eligibility"]["status"] == "shipped"


def test_an_explicit_order_of_someone_else_gives_nothing() -> None:
    result = run(
        service(STORE).assist([ChatLine("customer", "help with 11")], customer_id=ANA, order_id="21")
    )
    assert result["eligibility"] is None


def test_orders_the_bot_looked_up_come_before_orders_mentioned_in_text() -> None:
    lines = [ChatLine("customer", "what about 11?")]
    result = run(service(STORE).assist(lines, customer_id=ANA, mentioned_order_ids=["21", "12"]))
    assert result["eligibility"]["order_id"] == "12"  # 21 is not Ana's, skipped


def test_the_most_recently_mentioned_order_wins() -> None:
    lines = [ChatLine("customer", "order 11 is fine"), ChatLine("customer", "but 12 is late")]
    assert run(service(STORE).assist(lines, customer_id=ANA))["eligibility"]["order_id"] == "12"


def test_a_customer_with_a_single_order_needs_no_order_number() -> None:
    store = FakeStore(FakeOrder("31", "C3"))
    assert (
        run(service(store).assist([ChatLine("customer", "can I cancel?")], customer_id="C3"))["eligibility"][
            "order_id"
        ]
        == "31"
    )
    assert (
        run(service(STORE).assist([ChatLine("customer", "can I cancel?")], customer_id=ANA))["eligibility"]
        is None
    )


def test_no_customer_means_no_order_lookup_at_all() -> None:
    store = FakeStore(*STORE.orders)
    result = run(service(store).assist([ChatLine("customer", "cancel 11")], order_id="11"))
    assert result["eligibility"] is None
    assert store.calls == []


def test_an_order_the_engine_cannot_judge_gives_no_eligibility() -> None:
    from bot.errors import InvalidField

    def refuse(order: Any, now: datetime) -> Any:
        raise InvalidField("paid_at", "is after now")

    result = run(
        service(STORE, judge=refuse).assist([ChatLine("customer", "x")], customer_id=ANA, order_id="11")
    )
    assert result["eligibility"] is None


def test_rasa_down_leaves_the_intent_empty_but_still_helps() -> None:
    result = run(
        service(STORE, rasa_down=True).assist([ChatLine("customer", "help")], customer_id=ANA, order_id="11")
    )
    assert result["intent"] == {"name": None, "confidence": 0.0}
    assert len(result["articles"]) == 3
    assert result["eligibility"]["order_id"] == "11"


def test_a_transcript_without_a_customer_message_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        asyncio.run(service(STORE).assist([ChatLine("agent", "Hello?"), ChatLine("customer", "   ")]))


def test_suggestions_lead_with_the_decision_for_the_intent() -> None:
    eligibility = fake_judge(FakeOrder("11", ANA), NOW)
    articles = [hit("a", "How to cancel?", "Open the order. Choose Cancel.")]
    replies = suggest_replies("cancel_order", articles, eligibility)
    assert replies[0] == "Good news: you can cancel order 11. Not shipped yet."
    assert replies[1] == "Open the order. Choose Cancel. (Help center: How to cancel?)"
    assert replies[-1] == "Is there anything else I can help you with today?"

    refused = suggest_replies("return_item", [], eligibility)
    assert refused[0] == "I'm sorry, but you can't return order 11 right now. Not delivered."
    refund = suggest_replies("refund_status", [], eligibility)
    assert refund[0] == "About your refund for order 11: No refund has been started."


def test_suggestions_without_an_order_come_from_the_articles() -> None:
    articles = [hit("a", "T", "x" * 1000)]
    [from_article, closing] = suggest_replies("faq", articles, None)
    assert len(from_article) < 400
    assert from_article.endswith("(Help center: T)")
    assert closing.startswith("Is there anything else")


def test_article_text_is_tidied_for_pasting() -> None:
    assert tidy_text("Line  one \n\n\n\n- item\t two  \r\nend ") == "Line one\n\n- item two\nend"
