"""Handing the conversation to a person: a ticket with the transcript, for the agent console.

When no person can answer now (outside opening hours, or nobody at the console; see
``bot.availability``) the ticket is still opened for later, the buyer is told so and given the
customer-care channels of the help center, and the conversation stays with the bot
(``agent_available: false`` in the payload, which ``bot.chat`` reads).
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import SupportAction, channel_of, identity_events, verified_customer_id
from bot.assistant import replies
from bot.schemas.base import isoformat_z

log = logging.getLogger(__name__)

# Enough for an agent to see what was tried; the full log is in the gateway's conversation log.
TRANSCRIPT_TURNS = 50


def transcript(tracker: Tracker, limit: int = TRANSCRIPT_TURNS) -> list[dict[str, Any]]:
    """The last ``limit`` buyer and bot messages, oldest first, as JSON-ready dicts."""
    turns: list[dict[str, Any]] = []
    for event in tracker.events:
        kind = event.get("event")
        if kind not in ("user", "bot"):
            continue
        text = str(event.get("text") or "")
        turn: dict[str, Any] = {"role": "customer" if kind == "user" else "bot", "text": text}
        timestamp = event.get("timestamp")
        if isinstance(timestamp, (int, float)):
            turn["at"] = isoformat_z(datetime.fromtimestamp(timestamp, timezone.utc))
        if kind == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if intent:
                turn["intent"] = str(intent)
        elif isinstance(event.get("data"), dict) and event["data"].get("custom"):
            turn["data"] = event["data"]["custom"]
        if text or "data" in turn:
            turns.append(turn)
    return turns[-limit:]


def handoff_reason(tracker: Tracker) -> str:
    """Why the buyer wants a person, as far as the bot knows: the topic before the request."""
    topic: str | None = None
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if name and name not in ("human_handoff", "affirm", "deny"):
            topic = str(name)
            break
    return "buyer asked for a person" + (f" (topic: {topic})" if topic else "")


class ActionHandoff(SupportAction):
    def name(self) -> str:
        return "action_handoff"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            ticket = self.services.store().create_ticket(
                session_id=tracker.sender_id,
                channel=channel_of(tracker),
                customer_id=verified_customer_id(tracker, self.services),
                reason=handoff_reason(tracker),
                transcript=transcript(tracker),
            )
        except Exception:
            # The buyer must learn that no one was called, not just that something failed.
            log.exception("no handoff ticket for conversation %s", tracker.sender_id)
            dispatcher.utter_message(text=replies.HANDOFF_FAILED)
            return identity_events(tracker, self.services)
        availability = self.services.agent_availability()
        if availability is None or availability.available:
            dispatcher.utter_message(
                text=replies.handoff_text(ticket.ticket_id),
                json_message=replies.handoff_payload(ticket.ticket_id, agent_available=True),
            )
            return identity_events(tracker, self.services)
        contact = replies.contact_article(self.services.articles())
        dispatcher.utter_message(
            text=replies.handoff_unavailable_text(ticket.ticket_id, availability, contact),
            json_message=replies.handoff_payload(ticket.ticket_id, agent_available=False),
        )
        return identity_events(tracker, self.services)
