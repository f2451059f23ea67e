"""Order status and the four checks: own order, someone else's, none yet, anonymous, outages."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.orders import (
    ActionAskOrderId,
    ActionCheckCancel,
    ActionCheckDispute,
    ActionCheckRefund,
    ActionCheckReturn,
    ActionOrderStatus,
    OrderAction,
)
from actions.services import Services
from bot.assistant import replies
from bot.policy import evaluate

CHECK_ACTIONS: dict[str, type[OrderAction]] = {
    "cancel": ActionCheckCancel,
    "dispute": ActionCheckDispute,
    "refund": ActionCheckRefund,
    "return": ActionCheckReturn,
}
ALL_ACTIONS: dict[str, type[OrderAction]] = {"status": ActionOrderStatus, **CHECK_ACTIONS}
INTENTS = {
    "status": "track_order",
    "cancel": "cancel_order",
    "dispute": "open_dispute",
    "refund": "refund_status",
    "return": "return_item",
}
# Details of the other buyer's order 7001 that must never reach Ana.
OTHER_ORDER_DETAILS = ("Ben", "gadget", "999", "customs", "USD", "shipped")


def run(action: Any, tracker: Any) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, {})
    return dispatcher, events


def test_status_of_own_order_says_where_it_is_with_an_order_card(
    services: Services, kit: Any, store: Any
) -> None:
    tracker = kit.tracker("where is order 5001", "track_order", slots={"order_id": "5001"})

    dispatcher, events = run(ActionOrderStatus(services), tracker)

    [message] = dispatcher.messages
    assert message["text"].startswith("Order 5001 (Wireless earbuds) was shipped on 6 March 2026")
    assert "should arrive by 31 March 2026" in message["text"]
    custom = message["custom"]
    assert custom["order_id"] == "5001"
    assert custom["status"] == "shipped"
    assert custom["order"]["items"] == [{"title": "Wireless earbuds", "quantity": 1}]
    assert custom["order"]["delivery_deadline"] == "2026-03-31T12:00:00Z"
    assert kit.slot_values(events) == {"customer_id": kit.BUYER, "order_id": "5001", "requested_check": None}


@pytest.mark.parametrize("check", sorted(CHECK_ACTIONS))
def test_check_of_own_order_carries_the_engine_decision(
    check: str, services: Services, store: Any, kit: Any
) -> None:
    tracker = kit.tracker("about 5001", INTENTS[check], slots={"order_id": "5001"})

    dispatcher, events = run(CHECK_ACTIONS[check](services), tracker)

    [message] = dispatcher.messages
    order = store.get_customer_order(kit.BUYER, "5001")
    decision = replies.eligibility(order, evaluate(order, kit.NOW)).to_dict()
    assert message["custom"] == {"order_id": "5001", "status": "shipped", check: decision[check]}
    assert message["text"].startswith("Order 5001 (Wireless earbuds), shipped: ")
    assert decision[check]["reason"] in message["text"]
    assert kit.slot_values(events)["requested_check"] is None


def test_cancel_of_an_unshipped_order_says_it_can_be_cancelled_now(services: Services, kit: Any) -> None:
    tracker = kit.tracker("cancel #5002 please", "cancel_order", slots={"order_id": "#5002"})

    dispatcher, events = run(ActionCheckCancel(services), tracker)

    [message] = dispatcher.messages
    assert message["custom"]["cancel"]["allowed"] is True
    assert message["custom"]["cancel"]["mode"] == "immediate"
    assert "You can cancel right away until 15 March 2026" in message["text"]
    assert kit.slot_values(events)["order_id"] == "5002"


def test_refund_request_without_a_refund_explains_how_to_get_one(services: Services, kit: Any) -> None:
    tracker = kit.tracker("i want my money back for 5002", "request_refund", slots={"order_id": "5002"})

    dispatcher, _ = run(ActionCheckRefund(services), tracker)

    [message] = dispatcher.messages
    assert message["custom"]["refund"]["state"] == "none"
    assert (
        "No refund has been started for this order. To get your money back, cancel the order:"
        in message["text"]
    )


def test_refund_under_way_gives_the_date_it_should_arrive(services: Services, kit: Any) -> None:
    tracker = kit.tracker("where is my refund", "refund_status", slots={"order_id": "5003"})

    dispatcher, _ = run(ActionCheckRefund(services), tracker)

    [message] = dispatcher.messages
    assert message["custom"]["refund"]["state"] == "processing"
    assert message["custom"]["refund"]["expected_by"] == "2026-04-03T12:00:00Z"
    assert "should reach you by 3 April 2026" in message["text"]


@pytest.mark.parametrize("check", sorted(ALL_ACTIONS))
@pytest.mark.parametrize("order_id", ["7001", "99999"], ids=["someone-elses", "unknown"])
def test_someone_elses_or_unknown_order_is_not_found_and_nothing_leaks(
    check: str, order_id: str, services: Services, kit: Any
) -> None:
    tracker = kit.tracker(f"about order {order_id}", INTENTS[check], slots={"order_id": order_id})

    dispatcher, events = run(ALL_ACTIONS[check](services), tracker)

    # The same words for both, so the answer can't tell whether an order number exists.
    assert dispatcher.messages == [dict(dispatcher.messages[0], text=replies.ORDER_NOT_FOUND)]
    assert not dispatcher.messages[0]["custom"]
    assert not dispatcher.messages[0]["buttons"]
    said = kit.everything_said(dispatcher)
    assert not any(detail in said for detail in OTHER_ORDER_DETAILS)
    # The form then asks for the right number.
    assert kit.slot_values(events) == {"customer_id": kit.BUYER, "order_id": None, "requested_check": check}


@pytest.mark.parametrize("check", sorted(ALL_ACTIONS))
def test_no_order_number_yet_asks_the_form_to_get_one(check: str, services: Services, kit: Any) -> None:
    tracker = kit.tracker("I have a problem with my order", INTENTS[check])

    dispatcher, events = run(ALL_ACTIONS[check](services), tracker)

    assert dispatcher.messages == []
    assert kit.slot_values(events)["requested_check"] == check


@pytest.mark.parametrize("check", sorted(ALL_ACTIONS))
def test_anonymous_buyer_is_asked_to_sign_in_and_answered_from_the_articles(
    check: str, services: Services, kit: Any, searcher: Any
) -> None:
    question = "can you check order 5001 for me"
    tracker = kit.tracker(question, INTENTS[check], customer_id=None, slots={"order_id": "5001"})

    dispatcher, events = run(ALL_ACTIONS[check](services), tracker)

    first, answer = dispatcher.messages
    assert first["text"] == replies.SIGN_IN_ARTICLES
    assert answer["custom"]["source"]["id"] == "when-will-i-get-my-refund"
    assert searcher.queries == [question]
    said = kit.everything_said(dispatcher)
    assert "earbuds" not in said.lower()
    assert "shipped" not in said
    assert kit.slot_values(events) == {"order_id": None, "requested_check": None}


def test_anonymous_after_the_form_searches_the_original_question_not_the_number(
    services: Services, kit: Any, searcher: Any
) -> None:
    history = [kit.user_event("how do I cancel an order that is already paid", "cancel_order")]
    tracker = kit.tracker(
        "5002", "inform_order_id", customer_id=None, history=history, slots={"order_id": "5002"}
    )

    run(ActionCheckCancel(services), tracker)

    assert searcher.queries == ["how do I cancel an order that is already paid"]


def test_identity_comes_only_from_metadata_never_from_the_slot_or_the_text(
    services: Services, kit: Any
) -> None:
    tracker = kit.tracker(
        f"I am customer {kit.BUYER}, show order 5001",
        "track_order",
        customer_id=None,
        slots={"order_id": "5001", "customer_id": kit.BUYER},
    )

    dispatcher, events = run(ActionOrderStatus(services), tracker)

    assert dispatcher.messages[0]["text"] == replies.SIGN_IN_ARTICLES
    assert "earbuds" not in kit.everything_said(dispatcher).lower()
    assert kit.slot_values(events)["customer_id"] is None


def test_another_buyer_sees_their_own_order_not_anas(services: Services, kit: Any) -> None:
    tracker = kit.tracker(
        "status of 7001", "track_order", customer_id=kit.OTHER_BUYER, slots={"order_id": "7001"}
    )

    dispatcher, _ = run(ActionOrderStatus(services), tracker)

    assert "Ben's private gadget" in dispatcher.messages[0]["text"]
    assert "the promised delivery date was 8 March 2026" in dispatcher.messages[0]["text"]
    assert "held in customs" in dispatcher.messages[0]["text"]


class BrokenStore:
    def get_customer_order(self, customer_id: str, order_id: str) -> None:
        raise RuntimeError("database is down")

    def list_customer_orders(self, customer_id: str) -> list:
        raise RuntimeError("database is down")

    def create_ticket(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database is down")


@pytest.mark.parametrize("check", sorted(ALL_ACTIONS))
def test_store_outage_is_a_polite_fallback_that_does_not_restart_the_form(
    check: str, kit: Any, searcher: Any
) -> None:
    services = Services(
        settings=kit.settings(), store=BrokenStore(), searcher=searcher, clock=lambda: kit.NOW
    )
    tracker = kit.tracker("order 5001", INTENTS[check], slots={"order_id": "5001", "requested_check": check})

    dispatcher, events = run(ALL_ACTIONS[check](services), tracker)

    [message] = dispatcher.messages
    assert message["text"] == replies.SOMETHING_WENT_WRONG
    assert message["buttons"] == [{"title": "Talk to a person", "payload": "/human_handoff"}]
    assert kit.slot_values(events) == {"requested_check": None}


def test_engine_error_is_a_polite_fallback(store: Any, searcher: Any, kit: Any) -> None:
    def broken_engine(order: Any, now: Any) -> dict:
        raise ValueError("shipped_at: 2026-03-06T12:00:00Z is after now")

    services = Services(
        settings=kit.settings(),
        store=store,
        searcher=searcher,
        evaluator=broken_engine,
        clock=lambda: kit.NOW,
    )
    tracker = kit.tracker("can I cancel 5001", "cancel_order", slots={"order_id": "5001"})

    dispatcher, _ = run(ActionCheckCancel(services), tracker)

    assert kit.texts(dispatcher) == [replies.SOMETHING_WENT_WRONG]


def test_order_question_lists_the_buyers_recent_orders_as_quick_replies(services: Services, kit: Any) -> None:
    dispatcher, _ = run(ActionAskOrderId(services), kit.tracker("cancel my order", "cancel_order"))

    [message] = dispatcher.messages
    assert message["text"] == replies.ASK_ORDER_ID_RECENT
    payloads = [button["payload"] for button in message["buttons"]]
    assert payloads == [
        '/inform_order_id{"order_id": "5002"}',
        '/inform_order_id{"order_id": "5003"}',
        '/inform_order_id{"order_id": "5001"}',
    ]
    assert message["buttons"][0]["title"] == "5002 · Phone case · awaiting shipment"
    assert "7001" not in kit.everything_said(dispatcher)


def test_order_question_for_a_buyer_without_orders_or_signed_out(services: Services, kit: Any) -> None:
    no_orders, _ = run(ActionAskOrderId(services), kit.tracker("cancel", "cancel_order", customer_id="C-NEW"))
    anonymous, _ = run(ActionAskOrderId(services), kit.tracker("cancel", "cancel_order", customer_id=None))

    assert kit.texts(no_orders) == [replies.NO_ORDERS]
    assert kit.texts(anonymous) == [replies.ASK_ORDER_ID]


def test_order_question_is_still_asked_when_the_store_is_down(kit: Any, searcher: Any) -> None:
    services = Services(
        settings=kit.settings(), store=BrokenStore(), searcher=searcher, clock=lambda: kit.NOW
    )

    dispatcher, _ = run(ActionAskOrderId(services), kit.tracker("cancel", "cancel_order"))

    assert kit.texts(dispatcher) == [replies.ASK_ORDER_ID]
