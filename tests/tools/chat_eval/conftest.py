"""A real gateway (``api.main.create_app``) in front of a scripted Rasa, both on loopback ports.

The scripted Rasa answers its REST webhook from a small table, keeps a tracker per conversation
(latest intent, actions of the turn) and says which customer id each message carried, so the
tests see what the harness sends through the gateway and what it reads back.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request

from bot.assistant import replies

SECRET = "widget-secret-for-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert self.thread.is_alive(), "server thread died"
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@dataclass
class ScriptedRasa:
    """Rasa's REST channel, tracker and status, answering from ``reply``."""

    customers: list[str | None] = field(default_factory=list)
    trackers: dict[str, dict[str, Any]] = field(default_factory=dict)

    @staticmethod
    def reply(text: str, customer: str | None) -> tuple[str, list[str], list[dict[str, Any]]]:
        """(intent, actions, REST messages) for a buyer message."""
        lowered = text.lower()
        if "refund" in lowered:
            return (
                "faq",
                ["action_answer_faq"],
                [
                    {"text": "Usually it takes 3-20 business days."},
                    {"custom": replies.source_payload("when", "When will I get my refund?", "Refund")},
                ],
            )
        if "cancel" in lowered:
            if customer is None:
                return "cancel_order", ["action_check_cancel"], [{"text": replies.SIGN_IN}]
            return (
                "cancel_order",
                ["action_check_cancel"],
                [{"text": "Order 1002 can be cancelled right away."}],
            )
        if "coupon" in lowered:
            return (
                "faq",
                ["action_answer_faq"],
                [
                    {
                        "text": replies.NOT_SURE,
                        "buttons": [
                            {
                                "title": "How do I use a coupon or discount?",
                                "payload": "What about a discount?",
                            }
                        ],
                    },
                    {"custom": replies.fallback_payload(replies.NOT_SURE_FALLBACK)},
                ],
            )
        return "nlu_fallback", ["utter_default"], [{"text": "Sorry, I didn't understand that."}]

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/webhooks/rest/webhook")
        async def webhook(request: Request) -> Any:
            body = await request.json()
            customer = (body.get("metadata") or {}).get("customer_id")
            self.customers.append(customer)
            intent, actions, messages = self.reply(body["message"], customer)
            events = self.trackers.setdefault(body["sender"], {"events": []})["events"]
            events.append({"event": "user", "text": body["message"]})
            events.extend({"event": "action", "name": name} for name in [*actions, "action_listen"])
            self.trackers[body["sender"]]["latest_message"] = {"intent": {"name": intent}}
            return [{"recipient_id": body["sender"], **message} for message in messages]

        @app.get("/webhooks/gateway/")
        async def channel_ready() -> Any:
            return {"status": "ok"}

        @app.post("/webhooks/gateway/webhook")
        async def gateway_webhook(request: Request) -> Any:
            # rasa_server.channel.GatewayInput (the gateway's way in): the same turn, wrapped.
            messages = await webhook(request)
            sender = (await request.json())["sender"]
            intent = self.trackers[sender]["latest_message"]["intent"]["name"]
            return {
                "messages": messages,
                "intent": {"name": intent, "confidence": 1.0},
                "timing": {"nlu": 0.01, "dialogue": 0.02},
            }

        @app.get("/conversations/{sender}/tracker")
        async def tracker(sender: str) -> Any:
            return self.trackers.get(sender, {"events": [], "latest_message": {}})

        @app.get("/status")
        async def status() -> Any:
            return {"model_file": "models/rasa/supportbot.tar.gz"}

        @app.get("/health")
        async def health() -> Any:
            return {"status": "ok"}

        return app


@pytest.fixture
def gateway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str, ScriptedRasa]]:
    """(gateway URL, Rasa URL, the scripted Rasa); SUPPORTBOT_WIDGET_SECRET is set for the harness too."""
    from api.main import create_app
    from bot.config import Settings, get_settings

    rasa = ScriptedRasa()
    with Server(rasa.app()) as rasa_server:
        env = {
            "SUPPORTBOT_ENV": "test",
            "SUPPORTBOT_DB_URL": f"sqlite:///{tmp_path / 'gateway.db'}",
            "SUPPORTBOT_RASA_URL": rasa_server.url,
            "SUPPORTBOT_ACTION_SERVER_URL": rasa_server.url,
            "SUPPORTBOT_RATE_LIMIT": "off",
            "SUPPORTBOT_WIDGET_SECRET": SECRET,
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        with Server(create_app(Settings())) as server:
            yield server.url, rasa_server.url, rasa
    get_settings.cache_clear()
