"""Order actions: status and the four eligibility checks, the order-number form and its question.

Each check decides between four answers (docs/dialogue.md):
- a general question, or no verified customer: the help center's answer (and, when the question
  was about the buyer's own order, the request to sign in after it);
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
from dataclasses import replace
from typing import Any, cast

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    SupportAction,
    ThreadedFormValidationAction,
    ask_of,
    identity_events,
    latest_text,
    parse_order_id,
    utter_reply,
    verified_customer_id,
)
from actions.services import Services, default_services
from bot.assistant import replies
from bot.dialogue import Ask, Reply, Topic, Utterance, needs_order, read
from bot.dialogue.clarify import INTENT_QUESTIONS, Option, intent_payload
from bot.dialogue.followup import STRONG_RULES, content_words
from bot.intents import ACTION_FOR_CHECK, OrderCheck, intents_for
from bot.schemas.decisions import CHECKS
from bot.schemas.orders import Order

log = logging.getLogger(__name__)

RECENT_ORDER_BUTTONS = 5
ELIGIBILITY_CHECKS: frozenset[str] = frozenset(CHECKS)


class OrderAction(SupportAction):
    """An answer about one of the buyer's orders (``check`` names which, as in requested_check).

    A general question ("how long do refunds take?") is answered from the help center for
    everyone, with a "Check my order" button for a signed-in buyer; a question about the buyer's
    own order gets the check, or, for an anonymous buyer, the help center's answer and then the
    sign-in request (``bot.dialogue.scope``). The action's name comes from ``bot.intents``.
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
        ask = ask_of(tracker)
        order_id = parse_order_id(tracker.get_slot("order_id"))
        check = self.check_for(ask)
        own_order = needs_order(latest_text(tracker), order_id=order_id, chosen=ask.chosen is not None)
        if customer_id is None or not own_order:
            reply = self.services.desk().answer(_with_a_question(ask, tracker, check, order_id))
            if customer_id is None and own_order:
                reply = reply.then(Utterance(replies.SIGN_IN_FOR_ORDER))
            elif customer_id is not None and reply.answered:
                reply = _with_button(reply, Option(replies.CHECK_MY_ORDER, intent_payload(_intent_of(check))))
            topic = replace(reply.topic, check=check) if reply.topic is not None else None
            return [
                *events,
                *utter_reply(dispatcher, replace(reply, topic=topic)),
                SlotSet("order_id", None),
                SlotSet("requested_check", None),
            ]

        topic = _order_topic(ask, check, order_id)
        if order_id is None:
            return [
                *events,
                _topic_event(topic),
                SlotSet("order_id", None),
                SlotSet("requested_check", check),
            ]

        order = self.services.store().get_customer_order(customer_id, order_id)
        if order is None:
            dispatcher.utter_message(text=replies.ORDER_NOT_FOUND)
            return [*events, SlotSet("order_id", None), SlotSet("requested_check", check)]

        self.answer(dispatcher, order, check)
        return [
            *events,
            _topic_event(replace(topic, order_id=order.order_id)),
            SlotSet("order_id", order.order_id),
            SlotSet("requested_check", None),
        ]

    def check_for(self, ask: Ask) -> OrderCheck:
        """The check to run: this action's, except that an order number given as a follow-up
        ("and for 1002?") continues the check the topic was about."""
        topic = ask.topic
        if (
            self.check == "status"
            and topic is not None
            and topic.check in ELIGIBILITY_CHECKS
            and ask.text
            and read(ask.text, topic).rule in STRONG_RULES
        ):
            return cast(OrderCheck, topic.check)
        return self.check

    def answer(self, dispatcher: CollectingDispatcher, order: Order, check: OrderCheck) -> None:
        """Tell the buyer about their own ``order``: its status, or the eligibility ``check``."""
        now = self.services.now()
        if check == "status":
            dispatcher.utter_message(
                text=replies.status_text(order, now), json_message=replies.status_payload(order)
            )
            return
        verdicts = replies.eligibility(order, self.services.evaluate(order, now))
        dispatcher.utter_message(
            text=replies.check_text(check, order, verdicts),
            json_message=replies.check_payload(check, order, verdicts),
        )

    def fallback_events(self, tracker: Tracker) -> list[EventType]:
        return [SlotSet("requested_check", None)]


def _with_a_question(ask: Ask, tracker: Tracker, check: OrderCheck, order_id: str | None) -> Ask:
    """A message that is only an order number ("5002") asks nothing the help center could answer:
    the buyer's latest question of this check is answered instead (or the check's own question)."""
    if ask.chosen is not None or content_words(ask.text.replace(order_id or "", " ")):
        return ask
    for event in reversed(tracker.events[:-1]):
        text = str(event.get("text") or "").strip() if event.get("event") == "user" else ""
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if text and not text.startswith("/") and intent in intents_for(check):
            return replace(ask, text=text)
    return replace(ask, text="", chosen=_intent_of(check))


def _intent_of(check: OrderCheck) -> str:
    return intents_for(check)[0]


def _with_button(reply: Reply, button: Option) -> Reply:
    *before, last = reply.utterances
    return replace(reply, utterances=(*before, replace(last, buttons=(*last.buttons, button))))


def _order_topic(ask: Ask, check: OrderCheck, order_id: str | None) -> Topic:
    """The topic of an order check: the buyer's question, or the topic already in play when the
    message only gives the order number or presses a button."""
    text = ask.text if ask.chosen is None else ""
    if text and content_words(text.replace(order_id or "", " ")):
        topic = Topic.of_question(text, intent=ask.intent)
    elif ask.topic is not None:
        topic = ask.topic
    else:
        topic = Topic.of_question(
            INTENT_QUESTIONS.get(_intent_of(check), _intent_of(check)), intent=_intent_of(check)
        )
    return replace(topic, check=check, order_id=order_id, article_id=None, section=None, pages=0)


def _topic_event(topic: Topic) -> EventType:
    return SlotSet("topic", topic.to_slot())


class ActionOrderStatus(OrderAction):
    check: OrderCheck = "status"


class ActionCheckCancel(OrderAction):
    check: OrderCheck = "cancel"


class ActionCheckDispute(OrderAction):
    check: OrderCheck = "dispute"


class ActionCheckRefund(OrderAction):
    check: OrderCheck = "refund"


class ActionCheckReturn(OrderAction):
    check: OrderCheck = "return"


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

    def on_failure(self, dispatcher: CollectingDispatcher) -> None:
        # Even when the store is down the form must still ask its question.
        dispatcher.utter_message(text=replies.ASK_ORDER_ID)

    def fallback_events(self, tracker: Tracker) -> list[EventType]:
        return []


class ValidateOrderForm(ThreadedFormValidationAction):
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
