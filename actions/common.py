"""What every custom action shares: identity, order numbers, the turn as bot.dialogue reads it, failure handling."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.services import Services, default_services, run_blocking
from bot.assistant import replies
from bot.dialogue import Ask, Reply, Topic
from bot.dialogue.clarify import VAGUE_INTENTS, ranking_of
from bot.identity import verified_turn_customer
from bot.schemas.conversations import CHANNELS, Channel

log = logging.getLogger(__name__)

# Search reads at most this much of a message; a 10,000-character paste is still answered.
MAX_QUERY_CHARS = 1000
# An intent at least this confident may start a new topic even when its words name no subject.
CONFIDENT_INTENT = 0.8
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


def is_payload(text: str) -> bool:
    """A button press or a typed ``/intent``: not words to search for."""
    return text.startswith("/")


def latest_entity(tracker: Tracker, name: str) -> str | None:
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if isinstance(entity, dict) and entity.get("entity") == name and isinstance(entity.get("value"), str):
            return str(entity["value"])
    return None


def question_before(tracker: Tracker) -> tuple[str, str | None]:
    """The buyer's latest free-text message before the latest one (what a button answers), with
    its intent; ``("", None)`` when there is none."""
    users = [event for event in tracker.events if event.get("event") == "user"]
    for event in reversed(users[:-1]):
        text = str(event.get("text") or "").strip()
        if text and not is_payload(text):
            name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            return text, str(name) if name else None
    return "", None


def topic_of(tracker: Tracker) -> Topic | None:
    return Topic.from_slot(tracker.get_slot("topic"))


def ask_of(tracker: Tracker) -> Ask:
    """The latest turn as ``bot.dialogue`` needs it. A button press is answered in the words of
    the question before it (unless that question was too vague to search); its intent is the
    buyer's choice."""
    latest = tracker.latest_message or {}
    intent = latest.get("intent") or {}
    name = intent.get("name") if isinstance(intent, dict) else None
    confidence = intent.get("confidence") if isinstance(intent, dict) else None
    text = latest_text(tracker)
    topic = topic_of(tracker)
    chosen: str | None = None
    if is_payload(text):
        chosen = str(name) if name else None
        text, asked_intent = question_before(tracker)
        # The question was too vague to search: the intent's, or the topic's after the
        # question back to it (NLU may have been unsure of "help with my purchase").
        if asked_intent in VAGUE_INTENTS or (topic is not None and topic.intent in VAGUE_INTENTS):
            text = ""
    return Ask(
        text=text[:MAX_QUERY_CHARS],
        intent=str(name) if name else None,
        confident=isinstance(confidence, (int, float)) and confidence >= CONFIDENT_INTENT,
        topic=topic,
        channel=channel_of(tracker),
        article_id=latest_entity(tracker, "article_id"),
        chosen=chosen,
        ranking=tuple(ranking_of(latest.get("intent_ranking"))),
    )


def utter_reply(dispatcher: CollectingDispatcher, reply: Reply) -> list[EventType]:
    """Say what ``bot.dialogue`` decided and keep its topic in the ``topic`` slot."""
    for utterance in reply.utterances:
        dispatcher.utter_message(
            text=utterance.text,
            buttons=[{"title": b.title, "payload": b.payload} for b in utterance.buttons] or None,
            json_message=dict(utterance.payload) if utterance.payload else None,
        )
    return [SlotSet("topic", None if reply.topic is None else reply.topic.to_slot())]


class SupportAction(Action, ABC):
    """Base of the custom actions: injectable services, and no exception ever reaches the buyer.

    ``respond`` writes to its own dispatcher; on an exception its half-written messages are
    dropped and the buyer gets one polite fallback with a way to a person instead.

    ``run`` is asynchronous (rasa-sdk awaits it) and runs ``respond``, which does the blocking
    work (database, search), in a worker thread: the action server's event loop keeps serving
    other conversations meanwhile. ``respond`` itself stays plain synchronous code.
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

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        started = time.perf_counter()
        collected = CollectingDispatcher()
        try:
            events = await run_blocking(self.respond, collected, tracker, domain)
        except Exception:
            log.exception("%s failed for conversation %s", self.name(), tracker.sender_id)
            self.services.metrics.observe(self.name(), time.perf_counter() - started, failed=True)
            self.on_failure(dispatcher)
            return self.fallback_events(tracker)
        self.services.metrics.observe(self.name(), time.perf_counter() - started)
        dispatcher.messages.extend(collected.messages)
        return events

    def on_failure(self, dispatcher: CollectingDispatcher) -> None:
        """What the buyer reads when ``respond`` raised."""
        dispatcher.utter_message(text=replies.SOMETHING_WENT_WRONG, buttons=[HANDOFF_BUTTON])

    def fallback_events(self, tracker: Tracker) -> list[EventType]:
        """Events after a failure; order checks clear their request so no form loops on an outage."""
        return []


class ThreadedFormValidationAction(FormValidationAction, ABC):
    """A form validation action whose ``validate_<slot>`` methods may block (database lookups).

    rasa-sdk runs those methods on its event loop; here the whole validation runs in a worker
    thread with an event loop of its own, so the action server's loop stays free.
    """

    @abstractmethod
    def name(self) -> str: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        started = time.perf_counter()

        def validate() -> list[EventType]:
            return asyncio.run(FormValidationAction.run(self, dispatcher, tracker, domain))

        services = getattr(self, "services", None)
        metrics = (services if isinstance(services, Services) else default_services()).metrics
        try:
            return await run_blocking(validate)
        finally:
            metrics.observe(self.name(), time.perf_counter() - started)
