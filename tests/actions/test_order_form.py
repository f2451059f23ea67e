"""validate_order_form: only the verified buyer's own orders fill the form."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.orders import ValidateOrderForm
from actions.services import Services
from bot.assistant import replies

DOMAIN = {
    "forms": {"order_form": {"required_slots": ["order_id"]}},
    "slots": {
        "order_id": {"type": "text", "mappings": [{"type": "from_entity", "entity": "order_id"}]},
        "requested_check": {"type": "categorical", "mappings": [{"type": "custom"}]},
    },
}


async def validate(
    services: Services,
    kit: Any,
    value: str | None,
    *,
    customer_id: str | None = "C-ANA",
    activating: bool = False,
) -> tuple[CollectingDispatcher, dict[str, Any]]:
    """Validate ``value`` with the events Rasa sends: after the buyer answered, or at activation."""
    tracker = kit.tracker(
        value or "",
        "inform_order_id",
        customer_id=customer_id,
        slots={"requested_check": "cancel", "requested_slot": "order_id"},
        active_loop={"name": "order_form"},
    )
    if activating:
        # The check action ran on this message and started the form.
        tracker.events += [
            {"event": "action", "name": "action_check_cancel"},
            {"event": "slot", "name": "requested_check", "value": "cancel"},
            {"event": "active_loop", "name": "order_form"},
        ]
    else:
        tracker.events.insert(len(tracker.events) - 1, {"event": "action", "name": "action_listen"})
    tracker.events += [
        {"event": "slot", "name": "requested_slot", "value": "order_id"},
        {"event": "action", "name": "order_form"},
        # The extracted candidate comes last: that is what gets validated.
        {"event": "slot", "name": "order_id", "value": value},
    ]
    dispatcher = CollectingDispatcher()
    events = await ValidateOrderForm(services).run(dispatcher, tracker, DOMAIN)
    return dispatcher, kit.slot_values(events)


@pytest.mark.parametrize("value", ["5001", "#5001", " 5001 ", "it's order #5001 I think"])
async def test_own_order_fills_the_form(value: str, services: Services, kit: Any) -> None:
    dispatcher, slots = await validate(services, kit, value)

    assert slots == {"order_id": "5001"}
    assert dispatcher.messages == []


@pytest.mark.parametrize("value", ["7001", "123456"], ids=["someone-elses", "unknown"])
async def test_other_or_unknown_order_is_rejected_without_details(
    value: str, services: Services, kit: Any
) -> None:
    dispatcher, slots = await validate(services, kit, value)

    assert slots == {"order_id": None}
    assert kit.texts(dispatcher) == [replies.ORDER_NOT_FOUND]
    assert "Ben" not in kit.everything_said(dispatcher)


async def test_text_without_an_order_number_is_asked_again(services: Services, kit: Any) -> None:
    dispatcher, slots = await validate(services, kit, "the blue one from last week")

    assert slots == {"order_id": None}
    assert kit.texts(dispatcher) == [replies.NO_ORDER_NUMBER]


async def test_anonymous_buyer_ends_the_form_so_the_check_asks_to_sign_in(
    services: Services, kit: Any
) -> None:
    dispatcher, slots = await validate(services, kit, "5001", customer_id=None)

    assert slots == {"order_id": None, "requested_slot": None}
    assert dispatcher.messages == []


async def test_store_outage_lets_the_check_report_it_instead_of_looping(kit: Any, searcher: Any) -> None:
    class DownStore:
        def get_customer_order(self, customer_id: str, order_id: str) -> None:
            raise RuntimeError("database is down")

    services = Services(settings=kit.settings(), store=DownStore(), searcher=searcher, clock=lambda: kit.NOW)  # type: ignore[arg-type]

    dispatcher, slots = await validate(services, kit, "5001")

    assert slots == {"order_id": "5001"}
    assert dispatcher.messages == []


@pytest.mark.parametrize("value", ["7001", "my order please"], ids=["someone-elses", "no-number"])
async def test_at_activation_a_bad_number_already_reported_by_the_check_is_dropped_silently(
    value: str, services: Services, kit: Any
) -> None:
    dispatcher, slots = await validate(services, kit, value, activating=True)

    assert slots == {"order_id": None}
    assert dispatcher.messages == []


async def test_at_activation_the_reset_slot_is_not_a_candidate_to_complain_about(
    services: Services, kit: Any
) -> None:
    dispatcher, slots = await validate(services, kit, None, activating=True)

    assert slots == {"order_id": None}
    assert dispatcher.messages == []
