"""POST /v1/chat, polling for agent replies and answer ratings, as the widget uses them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_a_turn_returns_the_bot_messages_with_ids_buttons_and_source(gateway: Any) -> None:
    response = gateway.chat("web-1", "How long does delivery take?")

    assert response.status_code == 200
    body = response.json()
    assert body["customer_verified"] is False
    assert body["answered_by"] == "bot"
    [message] = body["messages"]  # the source-only payload was merged into the text before it
    assert message["text"] == "Most parcels arrive within 7 to 15 days."
    assert message["buttons"] == [{"title": "Track my order", "payload": "/track_order"}]
    assert message["source"] == {
        "id": "delivery-times",
        "title": "How long does delivery take?",
        "category": "shipping",
        "platform": None,
        "more": False,
        "label": "How long does delivery take?",
        "url": "/help/delivery-times",
    }
    assert isinstance(message["id"], int)
    assert "data" not in message
    assert gateway.rasa.received[-1]["sender"] == "web-1"
    assert gateway.rasa.received[-1]["message"] == "How long does delivery take?"
    assert gateway.sent_identity() == {"customer_id": None, "channel": "web"}


def test_a_partial_answer_shows_its_source_as_a_link_and_offers_the_whole_article(gateway: Any) -> None:
    """What the dialogue sends for a composed answer: the text with its citation, and the source
    with its platform and ``more``. The widget gets the citation as data, not twice."""
    composed = "Paid order\nYou can cancel with the seller's approval.\nSource: How to cancel my order? (WISHALIVE help center)"
    source = {
        "id": "how-to-cancel-my-order",
        "title": "How to cancel my order?",
        "platform": "WISHALIVE",
        "more": True,
    }
    gateway.rasa.reply = lambda sender, text, metadata: [  # type: ignore[method-assign]
        {"recipient_id": sender, "text": composed},
        {"recipient_id": sender, "custom": {"source": source}},
    ]
    [message] = gateway.chat("web-more", "how do I cancel a paid order").json()["messages"]
    assert message["text"] == "Paid order\nYou can cancel with the seller's approval."
    assert message["source"]["label"] == "How to cancel my order? (WISHALIVE help center)"
    assert message["source"]["url"] == "/help/how-to-cancel-my-order"
    assert message["source"]["more"] is True
    # Polling shows the same; the log keeps what the bot said, for agents.
    [polled] = gateway.client.get("/v1/chat/web-more/messages?after=0").json()["messages"][1:]
    assert polled == message
    assert gateway.services.conversations.messages("web-more")[-1].text == composed


def test_every_turn_is_in_the_conversation_log(gateway: Any) -> None:
    gateway.chat("web-log", "How long does delivery take?")
    gateway.chat("web-log", "And for express?")

    logged = gateway.services.conversations.messages("web-log")
    assert [(m.role, m.text) for m in logged] == [
        ("customer", "How long does delivery take?"),
        ("bot", "Most parcels arrive within 7 to 15 days."),
        ("customer", "And for express?"),
        ("bot", "Most parcels arrive within 7 to 15 days."),
    ]
    assert logged[1].data["source"]["id"] == "delivery-times"


def test_a_valid_hash_verifies_the_customer_and_order_data_comes_back(gateway: Any) -> None:
    response = gateway.chat("web-c1", "Can I cancel order 1001?", customer_id="C1001")

    body = response.json()
    assert body["customer_verified"] is True
    [message] = body["messages"]
    assert message["data"] == {
        "order_id": "1001",
        "status": "shipped",
        "cancel": {"allowed": False, "reason": "The seller has already shipped this order."},
    }
    assert gateway.sent_identity() == {"customer_id": "C1001", "channel": "web"}
    assert gateway.services.conversations.get_conversation("web-c1").customer_id == "C1001"


def test_a_forged_or_missing_hash_makes_the_buyer_anonymous(gateway: Any) -> None:
    forged = gateway.chat("web-f1", "Can I cancel order 1001?", customer_id="C1001", customer_hash="ab" * 32)
    other_secret = gateway.chat(
        "web-f2",
        "Can I cancel order 1001?",
        customer_id="C1001",
        customer_hash=gateway.sign("C1001", "not-the-secret"),
    )
    no_hash = gateway.client.post(
        "/v1/chat",
        json={"session_id": "web-f3", "message": "Can I cancel order 1001?", "customer_id": "C1001"},
    )

    for response in (forged, other_secret, no_hash):
        assert response.status_code == 200
        assert response.json()["customer_verified"] is False
        assert response.json()["messages"][0]["text"] == "Please sign in so I can check your orders."
    assert [item["metadata"]["customer_id"] for item in gateway.rasa.received] == [None, None, None]


def test_without_a_widget_secret_nobody_is_verified(make_gateway: Callable[..., Any]) -> None:
    gateway = make_gateway(widget_secret=None)
    response = gateway.chat("web-ns", "Can I cancel order 1001?", customer_id="C1001")
    assert response.json()["customer_verified"] is False
    assert gateway.rasa.received[-1]["metadata"]["customer_id"] is None


def test_another_customer_or_an_anonymous_buyer_cannot_use_a_customers_session(gateway: Any) -> None:
    gateway.chat("web-owned", "Can I cancel order 1001?", customer_id="C1001")
    sent_before = len(gateway.rasa.received)

    other = gateway.chat("web-owned", "What did I just ask?", customer_id="C1002")
    anonymous = gateway.chat("web-owned", "What did I just ask?")

    for response in (other, anonymous):
        assert response.status_code == 403
        assert "new conversation" in response.json()["detail"]
    assert len(gateway.rasa.received) == sent_before
    assert [m.text for m in gateway.services.conversations.messages("web-owned") if m.role == "customer"] == [
        "Can I cancel order 1001?"
    ]


def test_a_signed_in_customer_cannot_take_over_an_anonymous_session(gateway: Any) -> None:
    gateway.chat("web-anon", "How long does delivery take?")
    response = gateway.chat("web-anon", "Can I cancel order 1001?", customer_id="C1001")
    assert response.status_code == 403


def test_a_web_buyer_cannot_write_into_a_whatsapp_session(gateway: Any) -> None:
    response = gateway.chat("wa-cloud:123:4915112345678:C1001", "hello")
    assert response.status_code == 422
    assert "session_id" in response.json()["detail"]


def test_a_handoff_queues_the_conversation_and_the_bot_stays_silent(gateway: Any) -> None:
    response = gateway.chat("web-h", "I want to talk to a person")
    [message] = response.json()["messages"]
    assert message["data"] == {"handoff": {"ticket_id": "T-TEST"}}
    conversation = gateway.services.conversations.get_conversation("web-h")
    assert (conversation.status, conversation.ticket_id) == ("handoff", "T-TEST")

    sent_before = len(gateway.rasa.received)
    waiting = gateway.chat("web-h", "Hello? Is anyone there?")
    assert waiting.status_code == 200
    assert waiting.json()["messages"] == []
    assert waiting.json()["answered_by"] == "agent"
    assert len(gateway.rasa.received) == sent_before, "a message for the agent reached the bot"
    queue = gateway.client.get("/v1/agent/conversations?status=handoff", headers=gateway.admin).json()
    [queued] = [c for c in queue["conversations"] if c["session_id"] == "web-h"]
    assert queued["last_message"] == "Hello? Is anyone there?"


def test_polling_returns_agent_replies_after_the_last_seen_id(gateway: Any) -> None:
    last_id = gateway.chat("web-p", "I want to talk to a person").json()["messages"][-1]["id"]
    gateway.client.post(
        "/v1/agent/conversations/web-p/reply", json={"text": "Hi, I'm Sam."}, headers=gateway.admin
    )

    polled = gateway.client.get(f"/v1/chat/web-p/messages?after={last_id}")

    assert polled.status_code == 200
    assert polled.json()["status"] == "agent"
    assert [(m["role"], m["text"]) for m in polled.json()["messages"]] == [("agent", "Hi, I'm Sam.")]
    newest = polled.json()["messages"][-1]["id"]
    assert gateway.client.get(f"/v1/chat/web-p/messages?after={newest}").json()["messages"] == []


def test_polling_an_unknown_session_is_empty(gateway: Any) -> None:
    response = gateway.client.get("/v1/chat/never-used/messages")
    assert response.status_code == 200
    assert response.json()["messages"] == []


def test_polling_a_customers_session_needs_that_customers_identity(gateway: Any) -> None:
    gateway.chat("web-pc", "Can I cancel order 1001?", customer_id="C1001")
    own = gateway.identity("C1001")
    other = gateway.identity("C1002")
    forged = {"X-Customer-Id": "C1001", "X-Customer-Hash": gateway.sign("C1002")}

    assert gateway.client.get("/v1/chat/web-pc/messages", headers=own).status_code == 200
    assert len(gateway.client.get("/v1/chat/web-pc/messages", headers=own).json()["messages"]) == 2
    for headers in (other, forged, {}):
        response = gateway.client.get("/v1/chat/web-pc/messages", headers=headers)
        assert response.status_code == 403
        assert "messages" not in response.json()
    # Identities never come from the query string (access logs, Referer headers).
    query = f"customer_id=C1001&customer_hash={gateway.sign('C1001')}"
    assert gateway.client.get(f"/v1/chat/web-pc/messages?{query}").status_code == 403


def test_rating_an_answer_is_recorded_and_counts_in_csat(gateway: Any) -> None:
    message_id = gateway.chat("web-r", "How long does delivery take?").json()["messages"][0]["id"]

    response = gateway.client.post(
        "/v1/chat/feedback", json={"session_id": "web-r", "message_id": message_id, "helpful": True}
    )

    assert response.status_code == 200
    assert gateway.services.conversations.csat() == {"rated": 1, "helpful": 1, "score": 1.0}
    metrics = gateway.client.get("/metrics").text
    assert "supportbot_csat_score 1.0" in metrics
    assert "supportbot_csat_ratings 1.0" in metrics


def test_rating_something_that_is_not_a_bot_answer_of_the_session_is_refused(gateway: Any) -> None:
    bot_id = gateway.chat("web-r2", "How long does delivery take?").json()["messages"][0]["id"]
    customer_id = bot_id - 1
    gateway.chat("web-r3", "How long does delivery take?")

    own_customer_message = gateway.client.post(
        "/v1/chat/feedback", json={"session_id": "web-r2", "message_id": customer_id, "helpful": True}
    )
    other_session = gateway.client.post(
        "/v1/chat/feedback", json={"session_id": "web-r3", "message_id": bot_id, "helpful": False}
    )
    unknown_session = gateway.client.post(
        "/v1/chat/feedback", json={"session_id": "web-none", "message_id": bot_id, "helpful": False}
    )
    not_a_bool = gateway.client.post(
        "/v1/chat/feedback", json={"session_id": "web-r2", "message_id": bot_id, "helpful": "yes"}
    )

    assert own_customer_message.status_code == 422
    assert other_session.status_code == 422
    assert unknown_session.status_code == 404
    assert not_a_bool.status_code == 422
    assert gateway.services.conversations.csat()["rated"] == 0


def test_rating_a_customers_answer_needs_that_customer(gateway: Any) -> None:
    bot_id = gateway.chat("web-rc", "Can I cancel order 1001?", customer_id="C1001").json()["messages"][0][
        "id"
    ]
    body = {"session_id": "web-rc", "message_id": bot_id, "helpful": True}
    assert gateway.client.post("/v1/chat/feedback", json=body).status_code == 403
    headers = gateway.identity("C1001")
    assert gateway.client.post("/v1/chat/feedback", json=body, headers=headers).status_code == 200


def test_rasa_down_is_a_503_with_a_message_and_the_buyer_message_is_kept(gateway: Any) -> None:
    gateway.rasa.down = True

    response = gateway.chat("web-down", "How long does delivery take?")

    assert response.status_code == 503
    assert "not available" in response.json()["detail"]
    assert response.headers["Retry-After"]
    assert [m.role for m in gateway.services.conversations.messages("web-down")] == ["customer"]
    assert "supportbot_rasa_errors_total 1.0" in gateway.client.get("/metrics").text


def test_bad_input_is_refused_with_a_message(gateway: Any) -> None:
    cases = {
        "empty message": {"session_id": "web-b", "message": "   "},
        "missing message": {"session_id": "web-b"},
        "missing session": {"message": "hi"},
        "session with spaces": {"session_id": "a b", "message": "hi"},
        "session too long": {"session_id": "x" * 129, "message": "hi"},
    }
    for case, body in cases.items():
        response = gateway.client.post("/v1/chat", json=body)
        assert response.status_code == 422, case
        assert isinstance(response.json()["detail"], str), case
        assert response.json()["detail"], case
    assert "message" in gateway.client.post("/v1/chat", json={"session_id": "web-b"}).json()["detail"]
    assert gateway.rasa.received == []


def test_malformed_json_is_a_400_with_a_message(gateway: Any) -> None:
    response = gateway.client.post(
        "/v1/chat",
        content=b'{"session_id": "web-j", "message": ',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["detail"]
    not_an_object = gateway.client.post("/v1/chat", json=["hello"])
    assert not_an_object.status_code == 422
    assert isinstance(not_an_object.json()["detail"], str)


def test_a_message_over_the_length_limit_is_refused(make_gateway: Callable[..., Any]) -> None:
    gateway = make_gateway(max_message_chars=50)
    response = gateway.chat("web-long", "x" * 51)
    assert response.status_code == 422
    assert "longer than 50 characters" in response.json()["detail"]
    assert gateway.chat("web-long", "x" * 50).status_code == 200


def test_a_body_over_the_limit_is_a_413_whether_declared_or_streamed(
    make_gateway: Callable[..., Any],
) -> None:
    gateway = make_gateway(max_body_bytes=1024)
    big = {"session_id": "web-big", "message": "x" * 2000}

    declared = gateway.client.post("/v1/chat", json=big)

    def chunks():  # no Content-Length: sent chunked
        yield b'{"session_id": "web-big", "message": "'
        for _ in range(20):
            yield b"x" * 100
        yield b'"}'

    streamed = gateway.client.post("/v1/chat", content=chunks(), headers={"Content-Type": "application/json"})

    for response in (declared, streamed):
        assert response.status_code == 413
        assert "larger than 1024 bytes" in response.json()["detail"]
    assert gateway.rasa.received == []
    assert gateway.chat("web-big", "small").status_code == 200


def test_rate_limit_per_session_answers_429_with_retry_after(make_gateway: Callable[..., Any]) -> None:
    gateway = make_gateway(rate_limit="3/minute")
    statuses = [gateway.chat("web-rl", f"message {n}").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = gateway.chat("web-rl", "again")
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert len(gateway.rasa.received) == 3


def test_rate_limit_per_ip_spans_sessions(make_gateway: Callable[..., Any]) -> None:
    gateway = make_gateway(rate_limit="3/minute")
    statuses = [gateway.chat(f"web-ip-{n}", "hello").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_rate_limit_off_allows_bursts(make_gateway: Callable[..., Any]) -> None:
    gateway = make_gateway(rate_limit="off")
    assert {gateway.chat("web-burst", f"m{n}").status_code for n in range(40)} == {200}


def test_the_admin_token_is_not_a_customer_identity(gateway: Any) -> None:
    gateway.chat("web-adm", "Can I cancel order 1001?", customer_id="C1001")
    response = gateway.client.get("/v1/chat/web-adm/messages", headers=gateway.admin)
    assert response.status_code == 403
