"""``GatewayInput``: the gateway's channel into Rasa (``/webhooks/gateway/webhook``).

Request: ``{"sender", "message", "metadata", "message_id"?}``, as for Rasa's ``rest`` channel
plus an optional ``message_id`` (the gateway's turn id, kept on the tracker's user event, so a
turn retried on another replica can be recognised).

Answer 200: ``{"messages": [<as the rest channel>], "intent": {"name", "confidence"},
"timing": {"nlu": s, "dialogue": s}}``. ``dialogue`` is the rest of the turn (lock, tracker
store, policies and custom actions). Answer 503 ``{"error"}`` when the turn could not be
handled (lock store or tracker store down, ...): nothing was saved, so the caller may retry.
Rasa's own ``rest`` channel answers such a turn with 200 and an empty list, which the gateway
could not tell from a bot with nothing to say.

The message is parsed here, outside the conversation's lock, and handed to Rasa as the
``UserMessage``'s ``parse_data`` (Rasa then skips its own parse): that is how the channel knows
the intent and the NLU time without reading the tracker back.

``GET /webhooks/gateway/`` is the replica's readiness: 503 until the model is loaded *and* warmed
up. Rasa opens its port once the model is loaded, but the first NLU parse and the first policy
prediction still build TensorFlow's graphs (seconds); the channel does both on a throwaway
conversation right after the server starts, so no buyer's first message pays for it.
"""

from __future__ import annotations

import logging
import time
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)


def _problem(status: int, error: str) -> HTTPResponse:
    return response.json({"error": error}, status=status)


WARM_UP_TEXTS = ("hello", "how long does delivery take")


async def warm_up(agent: Any) -> float:
    """One NLU parse per text and one policy prediction, on nothing stored; returns seconds."""
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    started = time.perf_counter()
    for text in WARM_UP_TEXTS:
        parse_data = await agent.processor.parse_message(UserMessage(text, sender_id="warm-up"))
    tracker = DialogueStateTracker.from_events(
        "warm-up",
        [
            ActionExecuted(ACTION_LISTEN_NAME),
            UserUttered(WARM_UP_TEXTS[-1], parse_data["intent"], [], parse_data),
        ],
        slots=agent.domain.slots,
    )
    agent.processor.predict_next_with_tracker(tracker)
    return time.perf_counter() - started


class GatewayInput(InputChannel):
    def __init__(self) -> None:
        self.warm = False

    @classmethod
    def name(cls) -> str:
        return "gateway"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("gateway_webhook", __name__)

        @webhook.listener("after_server_start")
        async def warm(app: Any, _loop: Any) -> None:
            agent = app.ctx.agent
            if agent is None or not agent.is_ready():
                return
            try:
                seconds = await warm_up(agent)
            except Exception:
                # A model the warm-up cannot drive still serves; only the first turn is slower.
                logger.exception("warming the model up failed")
            else:
                logger.info("model warmed up in %.1f s", seconds)
            self.warm = True

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            agent = request.app.ctx.agent
            if agent is None or not agent.is_ready():
                return response.json({"status": "loading"}, status=503)
            if not self.warm:
                return response.json({"status": "warming up"}, status=503)
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = request.json if isinstance(request.json, dict) else {}
            sender, text = body.get("sender"), body.get("message")
            metadata = body.get("metadata")
            message_id = body.get("message_id")
            if not isinstance(sender, str) or not sender or not isinstance(text, str):
                return _problem(400, "sender and message are required strings")
            if metadata is not None and not isinstance(metadata, dict):
                return _problem(400, "metadata must be an object")
            if message_id is not None and not isinstance(message_id, str):
                return _problem(400, "message_id must be a string")
            agent = request.app.ctx.agent
            if agent is None or not agent.is_ready():
                return _problem(503, "no model is loaded yet")

            started = time.perf_counter()
            try:
                parse_data = await agent.processor.parse_message(
                    UserMessage(text, sender_id=sender, metadata=metadata, message_id=message_id)
                )
            except Exception:
                logger.exception("the message of %s could not be parsed", sender)
                return _problem(503, "the message could not be parsed")
            parsed = time.perf_counter()

            collector = CollectingOutputChannel()
            message = UserMessage(
                text,
                collector,
                sender,
                parse_data=parse_data,
                input_channel=self.name(),
                message_id=message_id,
                metadata=metadata,
            )
            try:
                await on_new_message(message)
            except CancelledError:
                # The caller went away (its own timeout); Sanic cancels the handler.
                raise
            except Exception as exc:
                # Raised before the tracker was saved (lock store, tracker store): the turn did
                # not happen, and saying so lets the gateway answer 503 instead of silence.
                logger.exception("the turn of %s failed", sender)
                return _problem(503, f"the turn could not be handled: {exc.__class__.__name__}")
            done = time.perf_counter()
            intent = parse_data.get("intent") or {}
            return response.json(
                {
                    "messages": collector.messages,
                    "intent": {"name": intent.get("name"), "confidence": intent.get("confidence")},
                    "timing": {"nlu": round(parsed - started, 6), "dialogue": round(done - parsed, 6)},
                }
            )

        return webhook
