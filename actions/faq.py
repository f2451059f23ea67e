"""Help questions: answered from the help-center articles through ``bot.dialogue``'s help desk,
which resolves follow-ups against the conversation's topic and cites the article it used."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import SupportAction, ask_of, identity_events, utter_reply


class ActionAnswerFaq(SupportAction):
    def name(self) -> str:
        return "action_answer_faq"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reply = self.services.desk().answer(ask_of(tracker))
        return [*utter_reply(dispatcher, reply), *identity_events(tracker, self.services)]
