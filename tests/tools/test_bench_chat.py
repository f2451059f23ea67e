"""`supportbot bench chat` against a real gateway under uvicorn and a scripted Rasa over HTTP."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request

from bot import cli


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
            assert self.thread.is_alive(), "server did not start"
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class TrackerRasa:
    """Rasa's REST channel and tracker endpoint; ``forget`` drops turns from the tracker."""

    def __init__(self) -> None:
        self.turns: dict[str, int] = {}
        self.forget = 0

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/webhooks/rest/webhook")
        async def webhook(request: Request) -> Any:
            sender = (await request.json())["sender"]
            self.turns[sender] = self.turns.get(sender, 0) + 1
            return [{"recipient_id": sender, "text": "Most parcels arrive within 7 to 15 days."}]

        @app.get("/webhooks/gateway/")
        async def channel_ready() -> Any:
            return {"status": "ok"}

        @app.post("/webhooks/gateway/webhook")
        async def gateway_webhook(request: Request) -> Any:
            # rasa_server.channel.GatewayInput (the gateway's way in): the same turn, wrapped.
            return {
                "messages": await webhook(request),
                "intent": {"name": "faq", "confidence": 0.9},
                "timing": {"nlu": 0.01, "dialogue": 0.02},
            }

        @app.get("/conversations/{sender}/tracker")
        async def tracker(sender: str) -> Any:
            count = max(0, self.turns.get(sender, 0) - self.forget)
            return {"events": [{"event": "user"}] * count, "latest_message": {}}

        @app.get("/status")
        async def status() -> Any:
            return {"model_file": "models/rasa/supportbot.tar.gz"}

        @app.get("/health")
        async def health() -> Any:
            return {"status": "ok"}

        return app


@pytest.fixture
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, TrackerRasa]]:
    from api.main import create_app
    from bot.config import Settings, get_settings

    rasa = TrackerRasa()
    with Server(rasa.app()) as rasa_server:
        env = {
            "SUPPORTBOT_ENV": "test",
            "SUPPORTBOT_DB_URL": f"sqlite:///{tmp_path / 'bench.db'}",
            "SUPPORTBOT_RASA_URL": rasa_server.url,
            "SUPPORTBOT_ACTION_SERVER_URL": rasa_server.url,
            "SUPPORTBOT_RATE_LIMIT": "off",
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        with Server(create_app(Settings())) as gateway:
            yield gateway.url, rasa
    get_settings.cache_clear()


def test_bench_reports_latency_and_finds_every_turn(stack: tuple[str, TrackerRasa], capsys: Any) -> None:
    url, rasa = stack
    code = cli.main(["bench", "chat", "--users", "3", "--turns", "2", "--url", url])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "6 ok, 0 errors" in out
    assert all(figure in out for figure in ("p50", "p95", "turns/s")), out
    assert "6/6 turns in Rasa's tracker store" in out
    assert "6/6 turns in the conversation log" in out
    assert sum(rasa.turns.values()) == 6
    # Per-stage time from the gateway's Server-Timing (the fake Rasa reports nlu 10 ms, dialogue 20 ms).
    assert "stage        nlu       p50 10 ms" in out
    assert "stage        dialogue  p50 20 ms" in out
    assert "stage        gateway" in out


def test_bench_exits_1_when_the_tracker_lost_a_turn(stack: tuple[str, TrackerRasa], capsys: Any) -> None:
    url, rasa = stack
    rasa.forget = 1
    code = cli.main(["bench", "chat", "--users", "2", "--turns", "2", "--url", url, "--json"])
    captured = capsys.readouterr()
    assert code == 1
    assert '"lost_turns": 2' in captured.out
    assert "missing" in captured.err


def test_server_timing_is_read_as_seconds_per_stage() -> None:
    from tools.bench_chat import parse_server_timing

    assert parse_server_timing("gateway;dur=12.5, rasa;dur=80, nlu;desc=x;dur=20") == {
        "gateway": 0.0125,
        "rasa": 0.08,
        "nlu": 0.02,
    }
    assert parse_server_timing(None) == {}
    assert parse_server_timing("broken;dur=abc") == {}
