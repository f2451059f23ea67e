"""The Rasa client over several replicas: which replica takes a turn, and what happens when one
refuses connections, dies in the middle of a turn, times out or reports a failed turn."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from bot.rasa_client import RasaClient, RasaUnavailable, turn_from_tracker

REPLICAS = ["http://rasa-0.test", "http://rasa-1.test", "http://rasa-2.test"]


def answer(text: str = "Hello!") -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "messages": [{"text": text}, {"custom": {"source": {"id": "a"}}}],
            "intent": {"name": "greet", "confidence": 0.97},
            "timing": {"nlu": 0.012, "dialogue": 0.034},
        },
    )


def client(
    handler: Callable[[httpx.Request], httpx.Response], clock: Callable[[], float] | None = None
) -> RasaClient:
    return RasaClient(
        REPLICAS, timeout=2.0, transport=httpx.MockTransport(handler), clock=clock or (lambda: 0.0)
    )


def turn(rasa: RasaClient, sender: str = "s1", turn_id: str = "t1") -> Any:
    return asyncio.run(
        rasa.handle_turn(sender, "hi", {"customer_id": None, "channel": "web"}, turn_id=turn_id)
    )


def test_a_conversation_stays_on_one_replica_and_conversations_spread() -> None:
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        return answer()

    rasa = client(handler)
    for _ in range(3):
        turn(rasa, "same-session")
    assert len(set(hosts)) == 1
    hosts.clear()
    for n in range(30):
        turn(rasa, f"session-{n}")
    assert set(hosts) == {"rasa-0.test", "rasa-1.test", "rasa-2.test"}


def test_the_turn_carries_its_id_and_the_answer_its_intent_and_timings() -> None:
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/webhooks/gateway/webhook"
        bodies.append(json.loads(request.content))
        return answer()

    result = turn(client(handler), turn_id="turn-42")
    assert bodies[0]["message_id"] == "turn-42"
    assert bodies[0]["metadata"] == {"customer_id": None, "channel": "web"}
    assert result.intent == "greet"
    assert result.confidence == pytest.approx(0.97)
    assert result.nlu_seconds == pytest.approx(0.012)
    assert result.dialogue_seconds == pytest.approx(0.034)
    assert result.messages[0] == {"text": "Hello!"}


def test_a_replica_refusing_connections_is_skipped_and_remembered_as_down() -> None:
    now = [0.0]
    tried: list[str] = []
    first = client(lambda request: answer()).replica_order("s1")[0]

    def handler(request: httpx.Request) -> httpx.Response:
        tried.append(f"http://{request.url.host}")
        if f"http://{request.url.host}" == first:
            raise httpx.ConnectError("refused", request=request)
        return answer()

    rasa = client(handler, clock=lambda: now[0])
    assert turn(rasa).replica != first
    assert tried[0] == first
    tried.clear()
    turn(rasa)
    assert first not in tried  # marked down: not asked again at once
    now[0] += 10.0
    tried.clear()
    turn(rasa)
    assert tried[0] == first  # after DOWN_SECONDS it is asked first again


def test_a_replica_dying_mid_turn_is_not_answered_twice_when_the_turn_was_saved() -> None:
    posts: list[str] = []
    first = client(lambda request: answer()).replica_order("s1")[0]
    tracker = {
        "events": [
            {"event": "user", "text": "earlier", "message_id": "t0"},
            {"event": "bot", "text": "old answer", "data": {}},
            {
                "event": "user",
                "text": "hi",
                "message_id": "t1",
                "parse_data": {"intent": {"name": "greet", "confidence": 0.9}},
            },
            {"event": "action", "name": "utter_greet"},
            {"event": "bot", "text": "Hello!", "data": {"buttons": [{"title": "Help", "payload": "/faq"}]}},
            {"event": "bot", "text": "Here it is", "data": {"custom": {"source": {"id": "a"}}}},
            {"event": "action", "name": "action_listen"},
        ]
    }

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=tracker)
        posts.append(f"http://{request.url.host}")
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)

    result = turn(client(handler), turn_id="t1")
    assert posts == [first]  # read back from the tracker, never sent again
    assert result.recovered
    assert result.intent == "greet"
    assert result.messages == [
        {"text": "Hello!", "buttons": [{"title": "Help", "payload": "/faq"}]},
        {"text": "Here it is"},
        {"custom": {"source": {"id": "a"}}},
    ]


def test_a_replica_dying_before_the_turn_was_saved_lets_the_next_replica_handle_it() -> None:
    posts: list[str] = []
    first = client(lambda request: answer()).replica_order("s1")[0]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"events": [{"event": "user", "message_id": "other"}]})
        posts.append(f"http://{request.url.host}")
        if posts[-1] == first:
            raise httpx.ReadError("connection reset", request=request)
        return answer("from the next replica")

    result = turn(client(handler), turn_id="t1")
    assert len(posts) == 2
    assert posts[1] != first
    assert result.messages[0]["text"] == "from the next replica"


def test_a_timeout_is_not_retried_because_the_turn_may_still_run() -> None:
    posts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        posts.append(str(request.url))
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(RasaUnavailable, match="did not answer in time"):
        turn(client(handler))
    assert len(posts) == 1


def test_a_failed_turn_is_unavailable_and_every_replica_down_names_them() -> None:
    with pytest.raises(RasaUnavailable, match="503"):
        turn(client(lambda request: httpx.Response(503, json={"error": "lock store down"})))

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(RasaUnavailable, match="no Rasa replica answered") as caught:
        turn(client(refuse))
    for url in REPLICAS:
        assert url in str(caught.value)


def test_an_answer_in_another_shape_is_unavailable() -> None:
    with pytest.raises(RasaUnavailable, match="gateway channel"):
        turn(client(lambda request: httpx.Response(200, json=[{"text": "rest channel shape"}])))


def test_a_turn_missing_from_the_tracker_is_none() -> None:
    assert turn_from_tracker({"events": [{"event": "user", "message_id": "x"}]}, "y") is None
