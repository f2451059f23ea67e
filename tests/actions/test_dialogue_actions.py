"""The conversation's own turns: NLU unsure, out of scope, MORE, "that didn't help", a vague order
problem. Each reads the tracker and utters what bot.dialogue decided; none ever raises."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue import (
    ActionAskOrderProblem,
    ActionFallback,
    ActionNotHelpful,
    ActionOrderNumberMissing,
    ActionOutOfScope,
    ActionShowMore,
)
from actions.services import Services
from bot.assistant import replies

HUMAN = {"title": "Talk to a person", "payload": "/human_handoff"}
REFUND_TOPIC = {
    "query": "when will I get my refund",
    "subject": "refund",
    "article_id": "when-will-i-get-my-refund",
}


def run(action: Any, tracker: Any) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher, events


def ranked(tracker: Any, *ranking: tuple[str, float]) -> Any:
    tracker.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.5},
        *({"name": name, "confidence": c} for name, c in ranking),
    ]
    return tracker


def test_nlu_unsure_lets_the_help_center_answer(services: Services, kit: Any) -> None:
    tracker = ranked(kit.tracker("refund card days", "nlu_fallback"), ("refund_status", 0.4), ("faq", 0.1))

    dispatcher, events = run(ActionFallback(services), tracker)

    [message] = dispatcher.messages
    assert message["custom"]["source"]["id"] == "when-will-i-get-my-refund"
    assert kit.slot_values(events)["topic"]["query"] == "refund card days"


def test_nlu_unsure_between_two_order_flows_asks_which_with_buttons(store: Any, kit: Any) -> None:
    services = Services(store=store, searcher=kit.searcher(confident=False), clock=lambda: kit.NOW)
    tracker = ranked(
        kit.tracker("i want it gone and my money", "nlu_fallback"),
        ("cancel_order", 0.41),
        ("request_refund", 0.36),
    )

    dispatcher, _ = run(ActionFallback(services), tracker)

    [message] = dispatcher.messages
    assert message["text"] == replies.WHICH_ONE
    assert message["buttons"] == [
        {"title": "Cancel an order", "payload": "/cancel_order"},
        {"title": "Get a refund", "payload": "/request_refund"},
        HUMAN,
    ]
    assert message["custom"] == {"fallback": "ambiguous"}


def test_out_of_scope_says_what_the_assistant_can_do(services: Services, searcher: Any, kit: Any) -> None:
    dispatcher, _ = run(ActionOutOfScope(services), kit.tracker("tell me a joke", "out_of_scope"))

    assert [m["text"] for m in dispatcher.messages] == [replies.OUT_OF_SCOPE]
    assert searcher.queries == []


def test_out_of_scope_that_clearly_continues_the_topic_is_answered(
    services: Services, searcher: Any, kit: Any
) -> None:
    tracker = kit.tracker("and with PayPal?", "out_of_scope", slots={"topic": REFUND_TOPIC})

    dispatcher, _ = run(ActionOutOfScope(services), tracker)

    assert dispatcher.messages[0]["custom"]["source"]["id"] == "when-will-i-get-my-refund"
    assert searcher.queries[0] == "when will I get my refund with PayPal?"


def test_out_of_scope_with_a_topic_but_no_cue_stays_out_of_scope(services: Services, kit: Any) -> None:
    tracker = kit.tracker("what's the weather in Italy", "out_of_scope", slots={"topic": REFUND_TOPIC})

    dispatcher, _ = run(ActionOutOfScope(services), tracker)

    assert [m["text"] for m in dispatcher.messages] == [replies.OUT_OF_SCOPE]


def test_a_follow_up_taken_for_an_order_number_is_answered_in_the_topic(services: Services, kit: Any) -> None:
    tracker = kit.tracker("and with PayPal, what number?", "inform_order_id", slots={"topic": REFUND_TOPIC})

    dispatcher, _ = run(ActionOrderNumberMissing(services), tracker)

    [message] = dispatcher.messages
    assert message["custom"]["source"]["id"] == "when-will-i-get-my-refund"


@pytest.mark.parametrize("topic", [None, REFUND_TOPIC])
def test_an_order_number_announced_but_not_given_is_asked_for(
    services: Services, kit: Any, topic: Any
) -> None:
    tracker = kit.tracker("I have the order number here", "inform_order_id", slots={"topic": topic})

    dispatcher, _ = run(ActionOrderNumberMissing(services), tracker)

    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_order_id"]


def test_more_continues_the_article_and_counts_the_bubble(store: Any, kit: Any) -> None:
    long_answer = " ".join(f"Sentence number {i} explains one more rule." for i in range(40))
    searcher = kit.searcher(results=[kit.article("coupon-terms", "Coupon terms", long_answer)])
    services = Services(store=store, searcher=searcher, clock=lambda: kit.NOW)
    topic = {"query": "coupon rules", "article_id": "coupon-terms"}

    dispatcher, events = run(
        ActionShowMore(services), kit.tracker("more", "show_more", slots={"topic": topic})
    )

    text = dispatcher.messages[0]["text"]
    assert "Sentence number 0 " not in text  # the first bubble was already shown
    assert "Sentence number 20 " in text
    assert kit.slot_values(events)["topic"]["pages"] == 1


def test_more_without_a_topic_says_so(services: Services, kit: Any) -> None:
    dispatcher, _ = run(ActionShowMore(services), kit.tracker("more", "show_more"))

    assert dispatcher.messages[0]["text"] == replies.NOTHING_TO_CONTINUE


def test_that_didnt_help_offers_other_articles_a_person_and_rates_the_answer(
    services: Services, kit: Any
) -> None:
    tracker = kit.tracker("that's not what I asked", "not_helpful", slots={"topic": REFUND_TOPIC})

    dispatcher, _ = run(ActionNotHelpful(services), tracker)

    [message] = dispatcher.messages
    assert message["custom"] == {"feedback": {"helpful": False}}
    assert "When will I get my refund?" not in message["text"]
    assert message["buttons"][-1] == HUMAN
    assert len(message["buttons"]) == 4


def test_a_vague_order_problem_asks_which_with_buttons(services: Services, kit: Any) -> None:
    dispatcher, events = run(
        ActionAskOrderProblem(services), kit.tracker("problem with my order", "order_problem")
    )

    [message] = dispatcher.messages
    assert message["text"] == replies.ASK_ORDER_PROBLEM
    assert {"title": "Not arrived", "payload": "/order_not_received"} in message["buttons"]
    assert kit.slot_values(events)["topic"]["intent"] == "order_problem"


@pytest.mark.parametrize(
    "action", [ActionFallback, ActionOutOfScope, ActionShowMore, ActionNotHelpful, ActionAskOrderProblem]
)
def test_a_broken_help_center_or_a_junk_topic_never_raises(action: Any, store: Any, kit: Any) -> None:
    class BrokenSearcher:
        @property
        def by_id(self) -> dict[str, Any]:
            return {}

        def search(self, query: str, k: int = 5) -> Any:
            raise RuntimeError("index is corrupt")

    services = Services(store=store, searcher=BrokenSearcher(), clock=lambda: kit.NOW)
    tracker = kit.tracker("and with PayPal?", "faq", slots={"topic": {"query": ["junk"], "pages": "x"}})

    dispatcher, _ = run(action(services), tracker)

    assert dispatcher.messages
    assert all(m["text"] for m in dispatcher.messages)
