"""What every custom action shares: identity, order numbers, article answers, failure handling."""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.services import Services, default_services
from bot.assist import Searcher
from bot.assistant import replies
from bot.identity import verified_turn_customer
from bot.schemas.conversations import CHANNELS, Channel

log = logging.getLogger(__name__)

# Search reads at most this much of a message; a 10,000-character paste is still answered.
MAX_QUERY_CHARS = 1000
HANDOFF_BUTTON = {"title": replies.TALK_TO_PERSON, "payload": replies.HANDOFF_PAYLOAD}

_WHOLE_ORDER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{2,63}")
_ORDER_NUMBER_IN_TEXT = re.compile(r"(?<![\w$€£.,])#?(\d{4,20})(?![\w.,]\d)")


def verified_customer_id(tracker: Tracker, services: Services) -> str | None:
    """The customer id the gateway verified, from the latest message's metadata, or None.

    The only source of identity: never a slot a message could fill, never the buyer's text, and
    only with the gateway's fresh signature for this conversation (``SUPPORTBOT_ACTIONS_SECRET``),
    since anyone on the machine can post a message with made-up metadata to Rasa's REST webhook
    or a forged tracker to the action server.
    """
    metadata = (tracker.latest_message or {}).get("metadata")
    secret = services.settings.actions_secret
    if not secret and isinstance(metadata, dict) and metadata.get("customer_id"):
        log.error("SUPPORTBOT_ACTIONS_SECRET is not set: every buyer is treated as anonymous")
    return verified_turn_customer(secret, metadata, sender_id=tracker.sender_id, now=services.now())


def channel_of(tracker: Tracker) -> Channel:
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    channel = metadata.get("channel") if isinstance(metadata, dict) else None
    return channel if channel in CHANNELS else "web"


def identity_events(tracker: Tracker, services: Services) -> list[EventType]:
    """Keep the customer_id slot equal to the verified id (for agents and analytics)."""
    customer_id = verified_customer_id(tracker, services)
    if tracker.get_slot("customer_id") == customer_id:
        return []
    return [SlotSet("customer_id", customer_id)]


def parse_order_id(value: Any) -> str | None:
    """The order number in a slot value: an entity ('#1001') or, in the form, a whole message."""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        return None
    text = str(value).strip().lstrip("#").strip()
    if _WHOLE_ORDER_ID.fullmatch(text) and any(ch.isdigit() for ch in text):
        return text
    match = _ORDER_NUMBER_IN_TEXT.search(str(value))
    return match.group(1) if match else None


def latest_text(tracker: Tracker) -> str:
    return str((tracker.latest_message or {}).get("text") or "").strip()


def latest_intent(tracker: Tracker) -> str | None:
    intent = (tracker.latest_message or {}).get("intent") or {}
    name = intent.get("name") if isinstance(intent, dict) else None
    return str(name) if name else None


def last_question(tracker: Tracker, intents: tuple[str, ...]) -> str | None:
    """The text of the buyer's latest message with one of ``intents`` (the question being answered)."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        text = str(event.get("text") or "").strip()
        if name in intents and text and not text.startswith("/"):
            return text
    return None


def answer_from_articles(
    dispatcher: CollectingDispatcher, searcher: Searcher, query: str, *, offer_choices: bool = True
) -> bool:
    """Answer ``query`` from the help center, citing the article; True when it answered.

    Below the search's confidence threshold it says so and offers the closest three articles
    (their titles as quick replies) and a person, instead of guessing.
    """
    query = query.strip()[:MAX_QUERY_CHARS]
    response = searcher.search(query, k=3) if query else None
    results = list(response.results) if response is not None else []
    if response is not None and response.confident and results:
        article = results[0].article
        text_of = getattr(article, "full_text", None)
        body = text_of() if callable(text_of) else article.answer
        dispatcher.utter_message(
            text=replies.answer_text(body),
            json_message=replies.source_payload(article.id, article.title, article.category),
        )
        return True
    if not offer_choices:
        return False
    buttons = [{"title": r.article.title, "payload": r.article.title} for r in results[:3]]
    if buttons:
        dispatcher.utter_message(
            text=replies.NOT_SURE,
            buttons=[*buttons, HANDOFF_BUTTON],
            json_message=replies.fallback_payload(replies.NOT_SURE_FALLBACK),
        )
    else:
        utter_no_article(dispatcher)
    return False


def utter_no_article(dispatcher: CollectingDispatcher) -> None:
    dispatcher.utter_message(
        text=replies.NO_ARTICLE,
        buttons=[HANDOFF_BUTTON],
        json_message=replies.fallback_payload(replies.NO_ARTICLE_FALLBACK),
    )


class SupportAction(Action, ABC):
    """Base of the custom actions: injectable services, and no exception ever reaches the buyer.

    ``respond`` writes to its own dispatcher; on an exception its half-written messages are
    dropped and the buyer gets one polite fallback with a way to a person instead.
    """

    def __init__(self, services: Services | None = None) -> None:
        self._services = services

    @property
    def services(self) -> Services:
        return self._services or default_services()

    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The action itself; may raise, ``run`` turns that into the fallback reply."""

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        collected = CollectingDispatcher()
        try:
            events = self.respond(collected, tracker, domain)
        except Exception:
            log.exception("%s failed for conversation %s", self.name(), tracker.sender_id)
            dispatcher.utter_message(text=replies.SOMETHING_WENT_WRONG, buttons=[HANDOFF_BUTTON])
            return self.fallback_events(tracker)
        dispatcher.messages.extend(collected.messages)
        return events

    def fallback_events(self, tracker: Tracker) -> list[EventType]:
        """Events after a failure; order checks clear their request so no form loops on an outage."""
        return []
