"""action_handoff: a ticket with the transcript in the real store, and an honest message if not."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionHandoff
from actions.services import Services
from bot.assistant import replies


def hand_off(services: Services, tracker: Any) -> CollectingDispatcher:
    dispatcher = CollectingDispatcher()
    ActionHandoff(services).run(dispatcher, tracker, {})
    return dispatcher


def test_handoff_opens_a_ticket_with_the_transcript_and_tells_the_buyer(
    services: Services, store: Any, kit: Any
) -> None:
    history = [
        kit.user_event("can I cancel 5001", "cancel_order", at=1_772_000_000.0),
        kit.bot_event(
            "Order 5001 (Wireless earbuds), shipped: ...", {"order_id": "5001"}, at=1_772_000_001.0
        ),
    ]
    tracker = kit.tracker(
        "I want a human", "human_handoff", channel="whatsapp", history=history, sender_id="handoff-session-1"
    )

    dispatcher = hand_off(services, tracker)

    [message] = dispatcher.messages
    ticket_id = message["custom"]["handoff"]["ticket_id"]
    assert message["text"] == replies.handoff_text(ticket_id)
    [ticket] = [t for t in store.list_tickets() if t.session_id == "handoff-session-1"]
    assert ticket.ticket_id == ticket_id
    assert ticket.channel == "whatsapp"
    assert ticket.customer_id == kit.BUYER
    assert ticket.reason == "buyer asked for a person (topic: cancel_order)"
    assert [(turn["role"], turn["text"]) for turn in ticket.transcript] == [
        ("customer", "can I cancel 5001"),
        ("bot", "Order 5001 (Wireless earbuds), shipped: ..."),
        ("customer", "I want a human"),
    ]
    assert ticket.transcript[0]["at"] == "2026-02-25T06:13:20Z"
    assert ticket.transcript[1]["data"] == {"order_id": "5001"}


def test_anonymous_handoff_has_no_customer_even_if_the_buyer_types_one(
    services: Services, store: Any, kit: Any
) -> None:
    tracker = kit.tracker(
        f"I'm {kit.OTHER_BUYER}, get me an agent",
        "human_handoff",
        customer_id=None,
        sender_id="handoff-session-2",
    )

    dispatcher = hand_off(services, tracker)

    assert "handoff" in dispatcher.messages[0]["custom"]
    [ticket] = [t for t in store.list_tickets() if t.session_id == "handoff-session-2"]
    assert ticket.customer_id is None
    assert ticket.channel == "web"


def test_store_outage_says_no_one_was_called(kit: Any, searcher: Any) -> None:
    class DownStore:
        def create_ticket(self, *args: Any, **kwargs: Any) -> None:
            raise RuntimeError("database is down")

    services = Services(settings=kit.settings(), store=DownStore(), searcher=searcher, clock=lambda: kit.NOW)  # type: ignore[arg-type]

    dispatcher = hand_off(services, kit.tracker("agent please", "human_handoff"))

    assert kit.texts(dispatcher) == [replies.HANDOFF_FAILED]
    assert not dispatcher.messages[0]["custom"]
