"""Help questions: answered from the help-center articles, citing the one used."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import SupportAction, answer_from_articles, identity_events, latest_text, utter_no_article


class ActionAnswerFaq(SupportAction):
    def name(self) -> str:
        return "action_answer_faq"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        query = latest_text(tracker)
        if not query or query.startswith("/"):
            # A bare intent payload (a button) carries no question to search for.
            utter_no_article(dispatcher)
        else:
            answer_from_articles(dispatcher, self.services.searcher(), query)
        return identity_events(tracker, self.services)
