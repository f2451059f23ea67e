"""The agent console's API: the queue, a conversation with assist, replies on every channel, close."""

from __future__ import annotations

import threading
from typing import Any

import httpx


def test_the_console_needs_the_admin_token(gateway: Any) -> None:
    gateway.chat("web-a0", "How long does delivery take?")
    for path in ("/v1/agent/conversations", "/v1/agent/conversations/web-a0"):
        assert gateway.client.get(path).status_code == 401
        assert gateway.client.get(path, headers={"Authorization": "Bearer nope"}).status_code == 401
    for path in ("/v1/agent/conversations/web-a0/reply", "/v1/agent/conversations/web-a0/close"):
        assert gateway.client.post(path, json={"text": "hi"}).status_code == 401
    assert [m.role for m in gateway.services.conversations.messages("web-a0")] == ["customer", "bot"]


def test_conversations_list_with_status_filter(gateway: Any) -> None:
    gateway.chat("web-a1", "How long does delivery take?")
    gateway.chat("web-a2", "I want a person")

    everything = gateway.client.get("/v1/agent/conversations", headers=gateway.admin).json()["conversations"]
    waiting = gateway.client.get(
        "/v1/agent/conversations", params={"status": "handoff"}, headers=gateway.admin
    ).json()["conversations"]

    assert {c["session_id"] for c in everything} == {"web-a1", "web-a2"}
    assert [c["session_id"] for c in waiting] == ["web-a2"]
    item = waiting[0]
    assert set(item) >= {
        "session_id",
        "channel",
        "customer_id",
        "status",
        "last_message",
        "updated_at",
        "ticket_id",
    }
    assert (item["channel"], item["customer_id"], item["status"]) == ("web", None, "handoff")
    assert item["updated_at"].endswith("Z")
    bad = gateway.client.get("/v1/agent/conversations", params={"status": "lost"}, headers=gateway.admin)
    assert bad.status_code == 422


def test_a_conversation_shows_its_transcript_and_assist(gateway: Any) -> None:
    gateway.chat("web-a3", "Can I cancel order 1001?", customer_id="C1001")
    gateway.chat("web-a3", "I want a person", customer_id="C1001")

    body = gateway.client.get("/v1/agent/conversations/web-a3", headers=gateway.admin).json()

    assert (body["customer_id"], body["status"], body["channel"]) == ("C1001", "handoff", "web")
    assert [(m["role"], m["text"]) for m in body["messages"]][:2] == [
        ("customer", "Can I cancel order 1001?"),
        ("bot", "Here is what I found for order 1001, C1001."),
    ]
    assert body["messages"][1]["data"]["order_id"] == "1001"
    assist = body["assist"]
    assert assist["intent"] == {"name": "human_handoff", "confidence": 0.93}
    assert len(assist["articles"]) == 3
    assert assist["eligibility"]["order_id"] == "1001"  # the order the bot looked up
    assert set(assist["eligibility"]) >= {"cancel", "dispute", "refund", "return", "status"}
    assert assist["suggested_replies"]


def test_assist_for_an_anonymous_buyer_has_no_order_data(gateway: Any) -> None:
    gateway.chat("web-a4", "Can I cancel order 1001?")
    assist = gateway.client.get("/v1/agent/conversations/web-a4", headers=gateway.admin).json()["assist"]
    assert assist["eligibility"] is None
    assert assist["intent"]["name"] == "cancel_order"


def test_assist_is_computed_once_per_new_message(gateway: Any) -> None:
    gateway.chat("web-a5", "Can I return order 1003?", customer_id="C1001")
    for _ in range(3):
        gateway.client.get("/v1/agent/conversations/web-a5", headers=gateway.admin)
    assert gateway.rasa.parsed == ["Can I return order 1003?"]
    gateway.chat("web-a5", "And order 1002?", customer_id="C1001")
    gateway.client.get("/v1/agent/conversations/web-a5", headers=gateway.admin)
    assert gateway.rasa.parsed[-1] == "And order 1002?"


def test_the_transcript_does_not_wait_for_a_loading_model(make_gateway: Any, monkeypatch: Any) -> None:
    from bot import assist

    monkeypatch.setattr(assist, "ASSIST_WAIT_SECONDS", 0.05)
    loaded = threading.Event()
    gateway_holder: dict[str, Any] = {}

    def slow_searcher() -> Any:
        assert loaded.wait(10), "the test never released the model"
        return gateway_holder["gateway"].searcher

    gateway = make_gateway(searcher_factory=slow_searcher)
    gateway_holder["gateway"] = gateway
    gateway.chat("web-a6", "How long does delivery take?")

    first = gateway.client.get("/v1/agent/conversations/web-a6", headers=gateway.admin).json()
    assert first["assist"] is None
    assert first["assist_pending"] is True
    assert len(first["messages"]) == 2

    loaded.set()
    for _ in range(100):
        later = gateway.client.get("/v1/agent/conversations/web-a6", headers=gateway.admin).json()
        if later["assist"] is not None:
            break
        threading.Event().wait(0.02)
    assert later["assist"]["articles"][0]["id"] == "delivery-times"


def test_unknown_conversation_is_404(gateway: Any) -> None:
    for call in (
        lambda: gateway.client.get("/v1/agent/conversations/nobody", headers=gateway.admin),
        lambda: gateway.client.post(
            "/v1/agent/conversations/nobody/reply", json={"text": "hi"}, headers=gateway.admin
        ),
        lambda: gateway.client.post("/v1/agent/conversations/nobody/close", headers=gateway.admin),
    ):
        response = call()
        assert response.status_code == 404
        assert "nobody" in response.json()["detail"]


def test_an_empty_reply_is_refused(gateway: Any) -> None:
    gateway.chat("web-a7", "I want a person")
    response = gateway.client.post(
        "/v1/agent/conversations/web-a7/reply", json={"text": "  "}, headers=gateway.admin
    )
    assert response.status_code == 422


def test_reply_then_close_moves_the_ticket_and_hands_back_to_the_bot(gateway: Any) -> None:
    ticket = gateway.services.store.create_ticket("web-a8", "web", "C1001", "wants a person", [])
    gateway.chat("web-a8", "I want a person", customer_id="C1001")

    reply = gateway.client.post(
        "/v1/agent/conversations/web-a8/reply", json={"text": "Hi, Sam here."}, headers=gateway.admin
    )
    assert reply.status_code == 200
    assert reply.json()["status"] == "agent"
    assert reply.json()["message"]["role"] == "agent"
    assert gateway.services.store.get_open_ticket("web-a8").status == "assigned"
    assert gateway.services.conversations.get_conversation("web-a8").status == "agent"
    assert gateway.outbox.requests == []  # web buyers fetch agent replies by polling

    sent = len(gateway.rasa.received)
    assert gateway.chat("web-a8", "Thanks Sam", customer_id="C1001").json()["messages"] == []
    assert len(gateway.rasa.received) == sent

    closed = gateway.client.post("/v1/agent/conversations/web-a8/close", headers=gateway.admin)
    assert closed.status_code == 200
    assert closed.json()["status"] == "bot"
    assert gateway.services.store.get_open_ticket("web-a8") is None
    assert [t.status for t in gateway.services.store.list_tickets() if t.ticket_id == ticket.ticket_id] == [
        "closed"
    ]
    conversation = gateway.services.conversations.get_conversation("web-a8")
    assert (conversation.status, conversation.ticket_id) == ("bot", None)

    again = gateway.chat("web-a8", "How long does delivery take?", customer_id="C1001")
    assert again.json()["messages"], "the bot did not take over again"
    assert len(gateway.rasa.received) == sent + 1


def _whatsapp_cloud_conversation(gateway: Any, sender: str = "4915112345678") -> str:
    import hashlib
    import hmac
    import json

    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "metadata": {"phone_number_id": "PN1"},
                            "messages": [
                                {
                                    "from": sender,
                                    "id": f"wamid.{sender}",
                                    "type": "text",
                                    "text": {"body": "I want a person"},
                                }
                            ],
                        },
                    }
                ]
            }
        ],
    }
    body = json.dumps(payload).encode()
    secret = gateway.settings.whatsapp_app_secret.encode()
    signature = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    response = gateway.client.post(
        "/webhooks/whatsapp",
        content=body,
        headers={"X-Hub-Signature-256": signature, "Content-Type": "application/json"},
    )
    assert response.status_code == 200
    [conversation] = [
        c
        for c in gateway.services.conversations.list_conversations()
        if c.session_id.startswith("wa-cloud:PN1:" + sender)
    ]
    return conversation.session_id


def test_a_reply_to_a_whatsapp_cloud_buyer_goes_out_through_the_send_api(gateway: Any) -> None:
    session_id = _whatsapp_cloud_conversation(gateway)
    gateway.outbox.requests.clear()

    response = gateway.client.post(
        f"/v1/agent/conversations/{session_id}/reply",
        json={"text": "Hi Ana, Sam here."},
        headers=gateway.admin,
    )

    assert response.status_code == 200
    [request] = gateway.outbox.requests
    assert str(request.url) == f"{gateway.settings.whatsapp_api_url}/PN1/messages"
    assert request.headers["Authorization"] == f"Bearer {gateway.settings.whatsapp_access_token}"
    body = httpx.Response(200, content=request.content).json()
    assert body["to"] == "4915112345678"
    assert body["text"]["body"] == "Hi Ana, Sam here."


def test_a_reply_the_provider_refuses_is_a_502_and_not_logged(gateway: Any) -> None:
    session_id = _whatsapp_cloud_conversation(gateway)
    before = len(gateway.services.conversations.messages(session_id))
    gateway.outbox.status_code = 500

    response = gateway.client.post(
        f"/v1/agent/conversations/{session_id}/reply", json={"text": "Hello?"}, headers=gateway.admin
    )

    assert response.status_code == 502
    assert "could not be delivered" in response.json()["detail"]
    assert len(gateway.services.conversations.messages(session_id)) == before


def _twilio_conversation(gateway: Any) -> str:
    from twilio.request_validator import RequestValidator

    params = {
        "From": "whatsapp:+34612345678",
        "To": "whatsapp:+14155238886",
        "Body": "I want a person",
        "MessageSid": "SM1",
    }
    url = "http://testserver/webhooks/twilio/whatsapp"
    signature = RequestValidator(gateway.settings.twilio_auth_token).compute_signature(url, params)
    response = gateway.client.post(
        "/webhooks/twilio/whatsapp", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200
    [conversation] = [
        c
        for c in gateway.services.conversations.list_conversations()
        if c.session_id.startswith("wa-twilio:")
    ]
    return conversation.session_id


def test_a_reply_to_a_twilio_buyer_uses_twilios_rest_api(make_gateway: Any) -> None:
    gateway = make_gateway(twilio_account_sid="AC123", twilio_api_url="https://twilio.test")
    session_id = _twilio_conversation(gateway)

    response = gateway.client.post(
        f"/v1/agent/conversations/{session_id}/reply", json={"text": "Hola Mateo"}, headers=gateway.admin
    )

    assert response.status_code == 200
    [request] = gateway.outbox.requests
    assert str(request.url) == "https://twilio.test/2010-04-01/Accounts/AC123/Messages.json"
    form = dict(item.split("=", 1) for item in request.content.decode().split("&"))
    assert form["From"] == "whatsapp%3A%2B14155238886"
    assert form["To"] == "whatsapp%3A%2B34612345678"
    assert request.headers["Authorization"].startswith("Basic ")


def test_a_reply_to_a_twilio_buyer_without_an_account_sid_is_refused_clearly(gateway: Any) -> None:
    session_id = _twilio_conversation(gateway)
    response = gateway.client.post(
        f"/v1/agent/conversations/{session_id}/reply", json={"text": "Hola"}, headers=gateway.admin
    )
    assert response.status_code == 502
    assert "TWILIO_ACCOUNT_SID" in response.json()["detail"]
