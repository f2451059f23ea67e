"""The actions act on a customer id only with the gateway's fresh signature for this conversation.

Rasa's REST webhook and the action server accept requests from anyone on the machine, so a
message posted straight to Rasa with ``metadata.customer_id`` of the attacker's choice, or a forged
tracker posted to the action server, must reach no order data (issue #12).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionHandoff
from actions.orders import ActionAskOrderId, ActionOrderStatus, ValidateOrderForm
from actions.services import Services
from bot.assistant import replies
from bot.config import Settings
from bot.identity import TURN_MAX_AGE_SECONDS, turn_metadata

ANA_ORDER_DETAILS = ("5001", "Wireless earbuds", "49.90")


def signed(
    kit: Any, *, secret: str | None = None, sender: str = "session-1", **changes: Any
) -> dict[str, Any]:
    metadata = turn_metadata(
        secret or kit.ACTIONS_SECRET, sender_id=sender, channel="web", customer_id=kit.BUYER, now=kit.NOW
    )
    return {**metadata, **changes}


def forged_metadata(kit: Any) -> dict[str, dict[str, Any]]:
    stale = turn_metadata(
        kit.ACTIONS_SECRET,
        sender_id="session-1",
        channel="web",
        customer_id=kit.BUYER,
        now=kit.NOW - timedelta(seconds=TURN_MAX_AGE_SECONDS + 1),
    )
    return {
        "unsigned, as posted straight to Rasa": {"customer_id": kit.BUYER, "channel": "web"},
        "signed for another conversation": signed(kit, sender="attackers-session"),
        "signed for another customer": signed(kit, customer_id="C-BEN"),
        "signed with another secret": signed(kit, secret="not-the-actions-secret"),
        "signed long ago (a replay)": stale,
        "signed in the future": signed(kit, issued_at=int(kit.NOW.timestamp()) + 3600),
        "signature as a number": signed(kit, signature=12345),
        "customer id as a number": {**signed(kit), "customer_id": 5001},
        "not an object": "C-ANA",  # type: ignore[dict-item]
    }


def status_reply(services: Services, kit: Any, metadata: Any) -> str:
    tracker = kit.tracker("where is order 5001", "track_order", slots={"order_id": "5001"}, metadata=metadata)
    dispatcher = CollectingDispatcher()
    ActionOrderStatus(services).run(dispatcher, tracker, {})
    return kit.everything_said(dispatcher)


def test_a_signed_identity_reaches_the_customers_order(services: Services, kit: Any) -> None:
    said = status_reply(services, kit, signed(kit))
    assert "Wireless earbuds" in said


FORGERIES = (
    "unsigned, as posted straight to Rasa",
    "signed for another conversation",
    "signed for another customer",
    "signed with another secret",
    "signed long ago (a replay)",
    "signed in the future",
    "signature as a number",
    "customer id as a number",
    "not an object",
)


@pytest.mark.parametrize("forgery", FORGERIES)
def test_forged_identities_reach_no_order(services: Services, kit: Any, forgery: str) -> None:
    said = status_reply(services, kit, forged_metadata(kit)[forgery])
    assert replies.SIGN_IN_ARTICLES in said
    for detail in ANA_ORDER_DETAILS[1:]:
        assert detail not in said


def test_the_order_form_and_its_question_ignore_a_forged_identity(services: Services, kit: Any) -> None:
    unsigned = {"customer_id": kit.BUYER, "channel": "web"}
    tracker = kit.tracker("5001", "inform_order_id", slots={"order_id": "5001"}, metadata=unsigned)
    dispatcher = CollectingDispatcher()
    validated = ValidateOrderForm(services).validate_order_id("5001", dispatcher, tracker, {})
    assert validated["order_id"] is None

    dispatcher = CollectingDispatcher()
    ActionAskOrderId(services).run(dispatcher, tracker, {})
    said = kit.everything_said(dispatcher)
    assert "Wireless earbuds" not in said
    assert "5001" not in said


def test_a_handoff_ticket_carries_no_forged_customer(services: Services, kit: Any, store: Any) -> None:
    tracker = kit.tracker(
        "a person please", "human_handoff", sender_id="forged-handoff", metadata={"customer_id": kit.BUYER}
    )
    events = ActionHandoff(services).run(CollectingDispatcher(), tracker, {})
    [ticket] = [t for t in store.list_tickets() if t.session_id == "forged-handoff"]
    assert ticket.customer_id is None
    assert kit.slot_values(events).get("customer_id") is None


def test_an_action_server_without_the_secret_treats_everyone_as_anonymous(
    store: Any, searcher: Any, kit: Any
) -> None:
    services = Services(settings=Settings(env="test"), store=store, searcher=searcher, clock=lambda: kit.NOW)  # type: ignore[call-arg]
    said = status_reply(services, kit, signed(kit))
    assert replies.SIGN_IN_ARTICLES in said
    assert "Wireless earbuds" not in said
