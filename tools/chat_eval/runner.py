"""Sends questions and dialogs through the assistant and grades every turn.

Two transports carry a buyer message the way the product does:
- ``RasaTransport``: Rasa's REST channel with the gateway's metadata
  (``{"customer_id", "channel": "web"}``), replies merged as the gateway merges them;
- ``GatewayTransport``: ``POST /v1/chat`` of a running gateway, a signed-in buyer proven with
  the widget HMAC like a shop's page does.
Both then read the conversation's Rasa tracker for the turn's intent and actions (the fallback
signals). Each question is a conversation of its own; a dialog is one conversation.
"""

from __future__ import annotations

import secrets
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.errors import SupportbotError
from tools.chat_eval.data import Check, Dialog, Question
from tools.chat_eval.grading import (
    BotMessage,
    Button,
    Grade,
    TurnObservation,
    choose_button,
    fallback_kind,
    grade,
    reply_text,
    turn_from_tracker,
)

WARM_UP = ("Hello", "How do I return an item?")
# This many transport errors in a row mean the assistant is down, not slow: stop measuring.
MAX_ERRORS_IN_A_ROW = 5


class Transport(Protocol):
    async def send(self, conversation: str, text: str, customer_id: str | None) -> TurnObservation: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class TurnResult:
    sent: str | None  # the message or button payload sent; None when no button matched
    observation: TurnObservation | None
    grade: Grade
    clicked: str | None = None  # the title of the button clicked for a choose: turn
    problem: str | None = None  # why the turn could not be played or answered

    @property
    def passed(self) -> bool:
        return self.problem is None and self.grade.passed

    @property
    def fallback(self) -> str | None:
        return None if self.observation is None else fallback_kind(self.observation)

    @property
    def text(self) -> str:
        return "" if self.observation is None else reply_text(self.observation.messages)

    @property
    def latency(self) -> float | None:
        if self.observation is None or self.observation.error is not None:
            return None
        return self.observation.latency


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    turn: TurnResult

    @property
    def passed(self) -> bool:
        return self.turn.passed


@dataclass(frozen=True)
class DialogResult:
    dialog: Dialog
    turns: tuple[TurnResult, ...]

    @property
    def passed(self) -> bool:
        return all(turn.passed for turn in self.turns)


@dataclass
class Runner:
    transport: Transport
    run_id: str = field(default_factory=lambda: secrets.token_hex(4))
    # Called between items: raises when the assistant died, so a crash is not graded as bad answers.
    check_alive: Callable[[], None] = lambda: None
    progress: Callable[[int, int], None] | None = None
    _errors_in_a_row: int = 0

    async def warm_up(self) -> None:
        """The first help question loads the action server's embedding model (seconds): not a
        buyer's latency, so it happens before anything is measured."""
        for text in WARM_UP:
            observation = await self.transport.send(f"eval-{self.run_id}-warmup", text, None)
            if observation.error is not None:
                raise SupportbotError(f"the assistant did not answer a warm-up message: {observation.error}")

    async def questions(self, questions: Sequence[Question], tag: str) -> list[QuestionResult]:
        results = []
        for n, question in enumerate(questions, start=1):
            self.check_alive()
            conversation = f"eval-{self.run_id}-{tag}-q{question.number}"
            turn = await self._say(conversation, question.text, question.customer, question.check)
            results.append(QuestionResult(question, turn))
            self._progress(n, len(questions))
        return results

    async def dialogs(self, dialogs: Sequence[Dialog], tag: str) -> list[DialogResult]:
        results = []
        for n, dialog in enumerate(dialogs, start=1):
            self.check_alive()
            results.append(await self._dialog(dialog, tag))
            self._progress(n, len(dialogs))
        return results

    async def _dialog(self, dialog: Dialog, tag: str) -> DialogResult:
        conversation = f"eval-{self.run_id}-{tag}-{dialog.id}"
        turns: list[TurnResult] = []
        shown: tuple[BotMessage, ...] = ()  # the latest bot messages, whose buttons choose: clicks
        for turn in dialog.turns:
            if turn.choose is None:
                assert turn.user is not None  # data.py: exactly one of user/choose
                result = await self._say(conversation, turn.user, dialog.customer, turn.check)
            else:
                button = choose_button(turn.choose, shown)
                if button is None:
                    # The buyer could not click it; the dialog goes on with the next turn.
                    result = _unplayable(turn.check, f"no button title matches {turn.choose.pattern!r}")
                else:
                    result = await self._say(
                        conversation, button.payload, dialog.customer, turn.check, button
                    )
            if result.observation is not None and result.observation.messages:
                shown = result.observation.messages
            turns.append(result)
        return DialogResult(dialog, tuple(turns))

    async def _say(
        self,
        conversation: str,
        text: str,
        customer_id: str | None,
        check: Check,
        button: Button | None = None,
    ) -> TurnResult:
        observation = await self.transport.send(conversation, text, customer_id)
        clicked = None if button is None else button.title
        if observation.error is not None:
            self._errors_in_a_row += 1
            if self._errors_in_a_row >= MAX_ERRORS_IN_A_ROW:
                raise SupportbotError(
                    f"{self._errors_in_a_row} turns in a row failed, the last: {observation.error}"
                )
            return TurnResult(text, observation, grade(check, ""), clicked, problem=observation.error)
        self._errors_in_a_row = 0
        problem = None
        if observation.answered_by != "bot":
            problem = f"answered by {observation.answered_by}, not the bot"
        elif not reply_text(observation.messages).strip():
            # Even a turn where no fact is due (expect: []) needs an answer: silence is a failure.
            problem = "the assistant replied nothing"
        return TurnResult(text, observation, grade(check, reply_text(observation.messages)), clicked, problem)

    def _progress(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)


def _unplayable(check: Check, problem: str) -> TurnResult:
    return TurnResult(None, None, grade(check, ""), problem=problem)


def stderr_progress(label: str) -> Callable[[int, int], None]:
    """A counter on stderr when it is a terminal; silent in logs and CI."""

    def show(done: int, total: int) -> None:
        if sys.stderr.isatty():
            end = "\n" if done == total else ""
            print(f"\r{label}: {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


# ------------------------------------------------------------------ transports


def messages_from_rasa(items: list[dict[str, Any]]) -> tuple[BotMessage, ...]:
    """Rasa's REST output as the buyer gets it from the gateway (same merging rule, same code)."""
    from bot.chat import replies_from_rasa

    return tuple(
        BotMessage(
            text=reply.text,
            buttons=tuple(Button(b.title, b.payload) for b in reply.buttons or ()),
            payload={**(reply.data or {}), **({"source": reply.source.dict()} if reply.source else {})},
        )
        for reply in replies_from_rasa(items)
    )


def messages_from_gateway(items: Any) -> tuple[BotMessage, ...]:
    """``/v1/chat``'s ``messages``: ``data`` and ``source`` are the payload, as in the REST ``custom``."""
    messages = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or item.get("role", "bot") != "bot":
            continue
        buttons = tuple(
            Button(str(b.get("title") or ""), str(b.get("payload") or ""))
            for b in item.get("buttons") or []
            if isinstance(b, dict)
        )
        payload = dict(item.get("data") or {}) if isinstance(item.get("data"), dict) else {}
        if isinstance(item.get("source"), dict):
            payload["source"] = item["source"]
        messages.append(BotMessage(str(item.get("text") or ""), buttons, payload))
    return tuple(messages)


class RasaTransport:
    """Rasa's REST webhook, with the metadata the gateway sends for a web buyer, signed with the
    action server's ``actions_secret`` as the gateway signs it."""

    def __init__(
        self, rasa_url: str, *, timeout: float, token: str | None, actions_secret: str | None
    ) -> None:
        from bot.rasa_client import RasaClient

        self.rasa = RasaClient(rasa_url, timeout=timeout, token=token, max_connections=4)
        self.actions_secret = actions_secret

    async def send(self, conversation: str, text: str, customer_id: str | None) -> TurnObservation:
        from bot.identity import turn_metadata
        from bot.rasa_client import RasaUnavailable
        from bot.schemas.base import utc_now

        metadata = turn_metadata(
            self.actions_secret, sender_id=conversation, channel="web", customer_id=customer_id, now=utc_now()
        )
        started = time.perf_counter()
        try:
            items = await self.rasa.send_message(conversation, text, metadata)
        except RasaUnavailable as exc:
            return TurnObservation((), time.perf_counter() - started, error=str(exc))
        latency = time.perf_counter() - started
        intent, actions = await _tracker_turn(self.rasa, conversation)
        return TurnObservation(messages_from_rasa(items), latency, intent, actions)

    async def aclose(self) -> None:
        await self.rasa.aclose()


class GatewayTransport:
    """``POST /v1/chat`` of a running gateway; Rasa's tracker at ``rasa_url`` for the intent."""

    def __init__(
        self,
        url: str,
        rasa_url: str,
        *,
        timeout: float,
        widget_secret: str | None,
        rasa_token: str | None = None,
    ) -> None:
        import httpx

        from bot.rasa_client import RasaClient

        self.url = url.rstrip("/")
        self.widget_secret = widget_secret
        self.client = httpx.AsyncClient(timeout=httpx.Timeout(timeout))
        self.rasa = RasaClient(rasa_url, timeout=timeout, token=rasa_token, max_connections=4)

    async def check(self) -> None:
        """Refuses to start against a gateway or a Rasa server that is not there or not ready."""
        import httpx

        from bot.rasa_client import RasaUnavailable, model_loaded

        try:
            health = await self.client.get(f"{self.url}/healthz")
        except httpx.HTTPError as exc:
            raise SupportbotError(
                f"no gateway answers at {self.url} ({exc.__class__.__name__}); start it with `make run`"
            ) from None
        if health.status_code != 200:
            raise SupportbotError(f"the gateway at {self.url} is not healthy: {health.text.strip()}")
        try:
            status = await self.rasa.status()
        except RasaUnavailable as exc:
            raise SupportbotError(
                f"{exc}; the fallback rate needs Rasa's tracker: pass --rasa-url (default SUPPORTBOT_RASA_URL)"
            ) from None
        if not model_loaded(status):
            raise SupportbotError(f"Rasa at {self.rasa.base_url} has no model loaded yet")

    async def send(self, conversation: str, text: str, customer_id: str | None) -> TurnObservation:
        import httpx

        body: dict[str, Any] = {"session_id": conversation, "message": text}
        if customer_id is not None:
            from bot.identity import customer_hash

            if not self.widget_secret:
                raise SupportbotError(
                    "a signed-in buyer needs SUPPORTBOT_WIDGET_SECRET (the gateway's secret)"
                )
            body.update(customer_id=customer_id, customer_hash=customer_hash(self.widget_secret, customer_id))
        started = time.perf_counter()
        try:
            response = await self.client.post(f"{self.url}/v1/chat", json=body)
        except httpx.TimeoutException:
            return TurnObservation(
                (), time.perf_counter() - started, error="the gateway did not answer in time"
            )
        except httpx.HTTPError as exc:
            return TurnObservation(
                (), time.perf_counter() - started, error=f"gateway: {exc.__class__.__name__}"
            )
        latency = time.perf_counter() - started
        if response.status_code == 429:
            # Waiting would distort every latency after it; the run is not worth finishing.
            raise SupportbotError(
                "the gateway rate-limited the evaluation; start it with SUPPORTBOT_RATE_LIMIT=off"
            )
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code != 200 or not isinstance(data, dict):
            detail = data.get("detail") if isinstance(data, dict) else response.text[:200]
            return TurnObservation((), latency, error=f"HTTP {response.status_code}: {detail}")
        answered_by = str(data.get("answered_by") or "bot")
        if customer_id is not None and data.get("customer_verified") is not True:
            return TurnObservation(
                (),
                latency,
                error="the gateway did not verify the buyer: is SUPPORTBOT_WIDGET_SECRET its secret?",
            )
        intent: str | None = None
        actions: tuple[str, ...] = ()
        if answered_by == "bot":
            intent, actions = await _tracker_turn(self.rasa, conversation)
        return TurnObservation(
            messages_from_gateway(data.get("messages")), latency, intent, actions, answered_by
        )

    async def aclose(self) -> None:
        await self.client.aclose()
        await self.rasa.aclose()


async def _tracker_turn(rasa: Any, conversation: str) -> tuple[str | None, tuple[str, ...]]:
    from bot.rasa_client import RasaUnavailable

    try:
        tracker = await rasa.tracker(conversation, include_events="AFTER_RESTART")
    except RasaUnavailable as exc:
        # Without it the fallback rate would be silently low: stop instead.
        raise SupportbotError(f"cannot read the tracker of {conversation}: {exc}") from None
    return turn_from_tracker(tracker)
