"""The Rasa client against a scripted transport: requests it sends, errors it turns into messages."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from bot.rasa_client import RasaClient, RasaUnavailable, model_loaded


def client(handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> RasaClient:
    return RasaClient(
        "http://rasa.test/",
        timeout=2.0,
        action_server_url="http://actions.test",
        transport=httpx.MockTransport(handler),
        **kwargs,
    )


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_send_message_posts_sender_text_and_metadata_to_the_rest_channel() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[{"recipient_id": "s1", "text": "hi"}, "junk", {"custom": {"a": 1}}])

    replies = run(client(handler).send_message("s1", "hello", {"customer_id": "C1", "channel": "web"}))

    assert replies == [{"recipient_id": "s1", "text": "hi"}, {"custom": {"a": 1}}]
    assert str(seen[0].url) == "http://rasa.test/webhooks/rest/webhook"
    assert json.loads(seen[0].content) == {
        "sender": "s1",
        "message": "hello",
        "metadata": {"customer_id": "C1", "channel": "web"},
    }


@pytest.mark.parametrize(
    ("handler", "message"),
    [
        (
            lambda request: (_ for _ in ()).throw(httpx.ConnectError("refused", request=request)),
            "not reachable",
        ),
        (
            lambda request: (_ for _ in ()).throw(httpx.ReadTimeout("slow", request=request)),
            "did not answer in time",
        ),
        (lambda request: httpx.Response(500, text="boom"), "HTTP 500"),
        (lambda request: httpx.Response(200, text="<html>"), "not JSON"),
        (lambda request: httpx.Response(200, json={"not": "a list"}), "list of messages"),
    ],
)
def test_every_failure_becomes_rasa_unavailable(handler: Any, message: str) -> None:
    with pytest.raises(RasaUnavailable, match=message):
        run(client(handler).send_message("s1", "hello", {}))


def test_parse_and_status() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/model/parse":
            assert json.loads(request.content) == {"text": "cancel please"}
            return httpx.Response(200, json={"intent": {"name": "cancel_order", "confidence": 0.9}})
        return httpx.Response(200, json={"model_file": "models/rasa/supportbot.tar.gz"})

    rasa = client(handler)
    assert run(rasa.parse("cancel please"))["intent"]["name"] == "cancel_order"
    assert model_loaded(run(rasa.status()))
    assert not model_loaded({"model_file": None, "num_active_training_jobs": 0})


def test_tracker_quotes_the_sender_and_counts_user_turns() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        events = [
            {"event": "action"},
            {"event": "user", "text": "a"},
            {"event": "bot"},
            {"event": "user", "text": "b"},
        ]
        return httpx.Response(200, json={"events": events})

    assert run(client(handler).count_user_messages("wa-cloud:PN1:49/151")) == 2
    assert seen[0].url.raw_path == b"/conversations/wa-cloud%3APN1%3A49%2F151/tracker?include_events=ALL"


def test_action_server_health() -> None:
    def up(request: httpx.Request) -> httpx.Response:
        assert str(request.url) == "http://actions.test/health"
        return httpx.Response(200, json={"status": "ok"})

    assert run(client(up).action_server_health()) is True
    with pytest.raises(RasaUnavailable, match="action server"):
        run(client(lambda request: httpx.Response(503)).action_server_health())


def test_the_api_token_goes_where_rasa_asks_for_it_and_a_refusal_names_it() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.params.get("token") != "t0k3n" and request.url.path != "/webhooks/rest/webhook":
            return httpx.Response(401, json={"reason": "NotAuthenticated"})
        if request.url.path.endswith("/webhook"):
            return httpx.Response(200, json=[])
        return httpx.Response(200, json={"model_file": "m.tar.gz", "intent": {}, "events": []})

    rasa = client(handler, token="t0k3n")
    run(rasa.status())
    run(rasa.parse("hi"))
    run(rasa.tracker("s 1"))
    run(rasa.send_message("s1", "hi", {}))
    assert [request.url.params.get("token") for request in seen] == ["t0k3n", "t0k3n", "t0k3n", None]

    with pytest.raises(RasaUnavailable, match="SUPPORTBOT_RASA_TOKEN") as refused:
        run(client(handler).status())
    assert "t0k3n" not in str(refused.value)
