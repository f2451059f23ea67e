"""The turns that are about the conversation itself: NLU unsure, out of scope, "MORE", "that
didn't help", and the question back to a vague "problem with my order". Each reads the tracker,
asks ``bot.dialogue``'s help desk and utters its reply (docs/dialogue.md, "Turn flow")."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import SupportAction, ask_of, identity_events, topic_of, utter_reply
from bot.assistant import replies


class ActionFallback(SupportAction):
    """NLU was unsure (``nlu_fallback``): a follow-up, a question between two close intents, a
    help-center answer, or the closest articles and a person; never "I didn't understand"."""

    def name(self) -> str:
        return "action_fallback"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reply = self.services.desk().fallback(ask_of(tracker))
        return [*utter_reply(dispatcher, reply), *identity_events(tracker, self.services)]


class ActionOutOfScope(SupportAction):
    """Out of scope, unless it clearly continues the topic ("and Italy?" looks like small talk
    to the classifier) or names a help subject the help center answers confidently."""

    def name(self) -> str:
        return "action_out_of_scope"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reply = self.services.desk().out_of_scope(ask_of(tracker))
        if reply is not None:
            return [*utter_reply(dispatcher, reply), *identity_events(tracker, self.services)]
        dispatcher.utter_message(text=replies.OUT_OF_SCOPE)
        return identity_events(tracker, self.services)


class ActionShowMore(SupportAction):
    """ "MORE": the next bubble of the article last answered."""

    def name(self) -> str:
        return "action_show_more"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reply = self.services.desk().more(topic_of(tracker), ask_of(tracker).channel)
        return [*utter_reply(dispatcher, reply), *identity_events(tracker, self.services)]


class ActionNotHelpful(SupportAction):
    """ "That doesn't answer my question": the next-best articles and a person, and the previous
    answer rated unhelpful (the reply's ``feedback`` payload; the gateway records it)."""

    def name(self) -> str:
        return "action_not_helpful"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reply = self.services.desk().recover(topic_of(tracker), ask_of(tracker).channel)
        return [*utter_reply(dispatcher, reply), *identity_events(tracker, self.services)]


class ActionAskOrderProblem(SupportAction):
    """ "I have a problem with my order": which problem, with the usual ones as buttons."""

    def name(self) -> str:
        return "action_ask_order_problem"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reply = self.services.desk().order_problem(ask_of(tracker))
        return [*utter_reply(dispatcher, reply), *identity_events(tracker, self.services)]


class ActionOrderNumberMissing(SupportAction):
    """``inform_order_id`` without a number: a follow-up the classifier took for one ("and in
    Spain, what number?") is answered in the topic; otherwise the order number is asked for."""

    def name(self) -> str:
        return "action_order_number_missing"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reply = self.services.desk().without_order_number(ask_of(tracker))
        if reply is not None:
            return [*utter_reply(dispatcher, reply), *identity_events(tracker, self.services)]
        dispatcher.utter_message(response="utter_ask_order_id")
        return identity_events(tracker, self.services)
