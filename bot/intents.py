"""Which order check each buyer intent runs: one table for the Rasa rules, the actions and agent assist.

Only intents that run an order check are here (a help question or a greeting runs none).
``data/rules.yml`` maps each of them to ``ACTION_FOR_CHECK[check]``, the custom actions are named
after the same table, and agent assist leads its suggestions with the same check;
``tests/bot/test_intents.py`` holds the rules and the actions to it.
"""

from __future__ import annotations

from typing import Literal

from bot.schemas.decisions import CHECKS, Check

OrderCheck = Literal["status", "cancel", "dispute", "refund", "return"]

CHECK_FOR_INTENT: dict[str, OrderCheck] = {
    "track_order": "status",
    "inform_order_id": "status",  # an order number on its own: what is its status?
    "cancel_order": "cancel",
    "open_dispute": "dispute",
    "order_not_received": "dispute",  # a parcel that never came is a dispute question
    "request_refund": "refund",
    "refund_status": "refund",
    "return_item": "return",
    "item_not_as_described": "return",  # wrong or damaged: send it back (Refund & Return)
}

ACTION_FOR_CHECK: dict[OrderCheck, str] = {
    "status": "action_order_status",
    "cancel": "action_check_cancel",
    "dispute": "action_check_dispute",
    "refund": "action_check_refund",
    "return": "action_check_return",
}


def intents_for(check: OrderCheck) -> tuple[str, ...]:
    """The buyer intents that ``check`` answers, in table order."""
    return tuple(intent for intent, wanted in CHECK_FOR_INTENT.items() if wanted == check)


def eligibility_check_for(intent: str | None) -> Check | None:
    """The eligibility check (cancel, dispute, refund, return) an intent asks about, if any."""
    check = CHECK_FOR_INTENT.get(intent or "")
    return check if check in CHECKS else None
