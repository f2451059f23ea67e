"""Order actions: status and the four eligibility checks, the order-number form and its question.

Each check decides between three answers (docs/dialogue.md):
- no verified customer: ask to sign in and answer from the help center instead;
- no order number yet: set ``requested_check`` and say nothing; the rules start ``order_form``,
  which asks for it, and run this check again once it is known;
- an order number: look it up *for this customer only*. Unknown and someone else's orders get
  the same "I can't find that order in your account" and the form asks again; nothing else
  about the order is said.
"""

from __future__ import annotations

import json
import logging
from abc import abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.common import (
    SupportAction,
    answer_from_articles,
    identity_events,
    last_question,
    parse_order_id,
    verified_customer_id,
)
from actions.services import Services, default_services
from bot.assistant import replies
from bot.intents import ACTION_FOR_CHECK, OrderCheck, intents_for
from bot.schemas.decisions import Check
from bot.schemas.orders import Order

log = logging.getLogger(__name__)

RECENT_ORDER_BUTTONS = 5


class OrderAction(SupportAction):
    """An answer about one of the buyer's orders (``check`` names which, as in requested_check).

    The action's name and the buyer questions it answers come from ``bot.intents``; the latest of
    those questions is what the help center answers for a buyer who is not signed in.
    """

    @property
    @abstractmethod
    def check(self) -> OrderCheck:
        """The check this action runs (a class attribute of each concrete action). Abstract, so
        rasa-sdk, which registers every concrete Action subclass, skips the intermediate classes."""

    def name(self) -> str:
        return ACTION_FOR_CHECK[self.check]

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events = identity_events(tracker, self.services)
        customer_id = verified_customer_id(tracker, self.services)
        if customer_id is None:
            dispatcher.utter_message(text=replies.SIGN_IN_ARTICLES)
            question = last_question(tracker, intents_for(self.check)) or replies.CHECK_QUESTIONS[self.check]
            answer_from_articles(dispatcher, self.services.searcher(), question)
            return [*events, SlotSet("order_id", None), SlotSet("requested_check", None)]

        order_id = parse_order_id(tracker.get_slot("order_id"))
        if order_id is None:
            return [*events, SlotSet("order_id", None), SlotSet("requested_check", self.check)]

        order = self.services.store().get_customer_order(customer_id, order_id)
        if order is None:
            dispatcher.utter_message(text=replies.ORDER_NOT_FOUND)
            return [*events, SlotSet("order_id", None), SlotSet("requested_check", self.check)]

        self.answer(dispatcher, order)
        return [*events, SlotSet("order_id", order.order_id), SlotSet("requested_check", None)]

    @abstractmethod
    def answer(self, dispatcher: CollectingDispatcher, order: Order) -> None:
        """Tell the buyer about their own ``order``."""

    def fallback_events(self, tracker: Tracker) -> list[EventType]:
        return [SlotSet("requested_check", None)]


class ActionOrderStatus(OrderAction):
    check = "status"

    def answer(self, dispatcher: CollectingDispatcher, order: Order) -> None:
        dispatcher.utter_message(
            text=replies.status_text(order, self.services.now()), json_message=replies.status_payload(order)
        )


class EligibilityAction(OrderAction):
    """Answers from the eligibility engine's decision for the order, now, in the renderer's words."""

    check: Check

    def answer(self, dispatcher: CollectingDispatcher, order: Order) -> None:
        verdicts = replies.eligibility(order, self.services.evaluate(order, self.services.now()))
        dispatcher.utter_message(
            text=replies.check_text(self.check, order, verdicts),
            json_message=replies.check_payload(self.check, order, verdicts),
        )


class ActionCheckCancel(EligibilityAction):
    check = "cancel"


class ActionCheckDispute(EligibilityAction):
    check = "dispute"


class ActionCheckRefund(EligibilityAction):
    check = "refund"


class ActionCheckReturn(EligibilityAction):
    check = "return"


class ActionAskOrderId(SupportAction):
    """order_form's question: the buyer's recent orders as quick replies, since few know the number."""

    def name(self) -> str:
        return "action_ask_order_id"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        customer_id = verified_customer_id(tracker, self.services)
        if customer_id is None:
            dispatcher.utter_message(text=replies.ASK_ORDER_ID)
            return []
        orders = self.services.store().list_customer_orders(customer_id)[:RECENT_ORDER_BUTTONS]
        if not orders:
            dispatcher.utter_message(text=replies.NO_ORDERS)
            return []
        buttons = [
            {
                "title": replies.order_button_title(order),
                "payload": "/inform_order_id" + json.dumps({"order_id": order.order_id}),
            }
            for order in orders
        ]
        dispatcher.utter_message(text=replies.ASK_ORDER_ID_RECENT, buttons=buttons)
        return []

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        # Even when the store is down the form must still ask its question.
        collected = CollectingDispatcher()
        try:
            events = self.respond(collected, tracker, domain)
        except Exception:
            log.exception("action_ask_order_id failed for conversation %s", tracker.sender_id)
            dispatcher.utter_message(text=replies.ASK_ORDER_ID)
            return []
        dispatcher.messages.extend(collected.messages)
        return events


class ValidateOrderForm(FormValidationAction):
    """Accepts an order number only when it is one of the verified customer's orders."""

    def __init__(self, services: Services | None = None) -> None:
        self._services = services

    @property
    def services(self) -> Services:
        return self._services or default_services()

    def name(self) -> str:
        return "validate_order_form"

    def validate_order_id(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        customer_id = verified_customer_id(tracker, self.services)
        if customer_id is None:
            # Ending the form runs the pending check, which asks an anonymous buyer to sign in
            # and answers from the articles.
            return {"order_id": None, "requested_slot": None}
        if slot_value is None:
            return {"order_id": None}
        # At activation Rasa re-extracts the message the check action just answered: a bad
        # number in it was already reported, so it is dropped without saying so twice.
        activating = not _answers_the_form(tracker)
        order_id = parse_order_id(slot_value)
        if order_id is None:
            if not activating:
                dispatcher.utter_message(text=replies.NO_ORDER_NUMBER)
            return {"order_id": None}
        try:
            order = self.services.store().get_customer_order(customer_id, order_id)
        except Exception:
            # The pending check looks the order up again and tells the buyer if the store is down;
            # failing here too would only loop the form.
            log.exception("validate_order_form could not look up an order for %s", tracker.sender_id)
            return {"order_id": order_id}
        if order is None:
            if not activating:
                dispatcher.utter_message(text=replies.ORDER_NOT_FOUND)
            return {"order_id": None}
        return {"order_id": order.order_id}


def _answers_the_form(tracker: Tracker) -> bool:
    """True when the buyer's latest message replies to the form's question.

    Rasa validates with the form's own ActionExecuted appended; the action before it is
    ``action_listen`` when the buyer just answered, and the check action that started the
    form when the form is being activated.
    """
    actions = [event.get("name") for event in reversed(tracker.events) if event.get("event") == "action"]
    return len(actions) >= 2 and actions[1] == "action_listen"
