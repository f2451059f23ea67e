"""What one turn produced, the text it is graded on, whether it passes, and whether it fell back.

A turn is graded on everything the buyer saw: the text of every bot message of the turn and
every button title, joined with newlines, in order. That is what the widget shows, so a fact
offered only as a quick reply ("When can I open a dispute?") counts, while ids in a payload do not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tools.chat_eval.data import Check

# The NLU's FallbackClassifier puts this intent on a message it cannot classify.
NLU_FALLBACK_INTENT = "nlu_fallback"
# The dialogue policies' own fallback (RulePolicy's core fallback) and the reply both fallbacks
# end in: "Sorry, I didn't understand that..." (domain.yml).
FALLBACK_ACTIONS = frozenset({"action_default_fallback", "utter_default"})


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class BotMessage:
    """One bot message as the buyer gets it; ``payload`` is its custom payload (the REST
    channel's ``custom``, the gateway's ``data`` plus ``source``)."""

    text: str
    buttons: tuple[Button, ...] = ()
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TurnObservation:
    """What one buyer message produced. ``intent`` and ``actions`` come from Rasa's tracker
    (the latest message's intent, the actions run after it); None/() when Rasa was not asked,
    e.g. while an agent held the conversation."""

    messages: tuple[BotMessage, ...]
    latency: float
    intent: str | None = None
    actions: tuple[str, ...] = ()
    answered_by: str = "bot"
    error: str | None = None


@dataclass(frozen=True)
class Grade:
    missing: tuple[str, ...] = ()  # expect patterns the reply lacks
    forbidden: tuple[str, ...] = ()  # forbid patterns the reply contains

    @property
    def passed(self) -> bool:
        return not self.missing and not self.forbidden


def reply_text(messages: Sequence[BotMessage]) -> str:
    """The text a turn is graded on: each message's text, then its button titles, one per line."""
    lines: list[str] = []
    for message in messages:
        if message.text:
            lines.append(message.text)
        lines.extend(button.title for button in message.buttons if button.title)
    return "\n".join(lines)


def grade(check: Check, text: str) -> Grade:
    return Grade(
        missing=tuple(pattern.pattern for pattern in check.expect if not pattern.search(text)),
        forbidden=tuple(pattern.pattern for pattern in check.forbid if pattern.search(text)),
    )


def choose_button(pattern: re.Pattern[str], messages: Sequence[BotMessage]) -> Button | None:
    """The first button, in the order shown, whose title matches ``pattern`` (a click sends its payload)."""
    for message in messages:
        for button in message.buttons:
            if pattern.search(button.title):
                return button
    return None


def fallback_kind(turn: TurnObservation) -> str | None:
    """Why a turn counts as a fallback, or None when the assistant gave a real answer.

    The fallback rate is the share of turns for which this is not None. A turn is a fallback when
    the assistant did not answer but said, one way or another, that it did not know:

    - ``"nlu_fallback"``: the NLU rejected the message (Rasa's tracker shows the latest intent
      ``nlu_fallback``) and the reply carries no answer: no article (``source``), no order
      payload, no marker below. When the NLU is unsure, ``action_fallback`` tries the help center
      first; a confident article answers the buyer, so it is not a fallback, and every reply of
      that action that does not answer carries a marker;
    - ``"core_fallback"``: the dialogue policies were unsure what to do next and ran
      ``action_default_fallback`` / ``utter_default`` (same reply);
    - the help-center search was not confident: the reply's custom payload carries the marker
      ``{"fallback": <kind>}`` that ``bot.assistant.replies.fallback_payload`` puts on the
      "I'm not sure I have the right answer" reply (kind ``"not_sure"``, with the closest articles
      as buttons) and on "I couldn't find an answer to that" (``"no_article"``).

    Deliberate answers are not fallbacks, even when wrong for the question: "I can't help with
    that here" (``out_of_scope``), a handoff, a sign-in request. Those are graded by the patterns.
    """
    from bot.assistant.replies import FALLBACK_KEY

    markers = [message.payload.get(FALLBACK_KEY) for message in turn.messages]
    marker = next((m for m in markers if isinstance(m, str) and m), None)
    answered = any(_answers(message) for message in turn.messages)
    if turn.intent == NLU_FALLBACK_INTENT and marker is None and not answered:
        return "nlu_fallback"
    if FALLBACK_ACTIONS.intersection(turn.actions):
        return "core_fallback"
    return marker


def _answers(message: BotMessage) -> bool:
    """The message carries an answer: a help article, or an order's status or eligibility."""
    return "source" in message.payload or "order_id" in message.payload


def turn_from_tracker(tracker: Mapping[str, Any]) -> tuple[str | None, tuple[str, ...]]:
    """The latest message's intent and the actions run after the latest user message."""
    latest = tracker.get("latest_message") or {}
    intent = (latest.get("intent") or {}).get("name") if isinstance(latest, Mapping) else None
    events = [event for event in tracker.get("events") or [] if isinstance(event, Mapping)]
    last_user = max((n for n, event in enumerate(events) if event.get("event") == "user"), default=-1)
    actions = tuple(
        str(event["name"])
        for event in events[last_user + 1 :]
        if event.get("event") == "action" and isinstance(event.get("name"), str)
    )
    return (intent if isinstance(intent, str) and intent else None), actions
