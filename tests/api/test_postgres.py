"""The gateway on PostgreSQL: a buyer's turn, the handoff round trip, ratings and webhook dedupe."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_schema_url(pg_schemas: Callable[[], str]) -> str:
    return pg_schemas()


def test_the_whole_buyer_and_agent_round_trip_on_postgres(make_gateway: Any, pg_schema_url: str) -> None:
    gateway = make_gateway(db_url=pg_schema_url)

    answer = gateway.chat("pg-1", "Can I cancel order 1001?", customer_id="C1001").json()
    assert answer["messages"][0]["data"]["order_id"] == "1001"
    assert gateway.chat("pg-1", "hello", customer_id="C1002").status_code == 403
    assert gateway.client.get("/v1/orders/1001", headers=gateway.identity("C1001")).status_code == 200
    assert gateway.client.get("/v1/orders/1001", headers=gateway.identity("C1002")).status_code == 404

    rated = gateway.client.post(
        "/v1/chat/feedback",
        json={"session_id": "pg-1", "message_id": answer["messages"][0]["id"], "helpful": False},
        headers=gateway.identity("C1001"),
    )
    assert rated.status_code == 200

    last = gateway.chat("pg-1", "I want a person", customer_id="C1001").json()["messages"][-1]["id"]
    reply = gateway.client.post(
        "/v1/agent/conversations/pg-1/reply", json={"text": "Sam here"}, headers=gateway.admin
    )
    assert reply.status_code == 200
    polled = gateway.client.get(
        f"/v1/chat/pg-1/messages?after={last}", headers=gateway.identity("C1001")
    ).json()
    assert [m["text"] for m in polled["messages"]] == ["Sam here"]
    assert (
        gateway.client.post("/v1/agent/conversations/pg-1/close", headers=gateway.admin).json()["status"]
        == "bot"
    )

    payload = {
        "entry": [
            {
                "changes": [
                    {
                        "value": {
                            "metadata": {"phone_number_id": "PN1"},
                            "messages": [
                                {
                                    "from": "4915112345678",
                                    "id": "wamid.pg",
                                    "type": "text",
                                    "text": {"body": "hi"},
                                }
                            ],
                        }
                    }
                ]
            }
        ]
    }
    body = json.dumps(payload).encode()
    signature = (
        "sha256=" + hmac.new(gateway.settings.whatsapp_app_secret.encode(), body, hashlib.sha256).hexdigest()
    )
    headers = {"X-Hub-Signature-256": signature, "Content-Type": "application/json"}
    first = gateway.client.post("/webhooks/whatsapp", content=body, headers=headers).json()
    retry = gateway.client.post("/webhooks/whatsapp", content=body, headers=headers).json()
    assert (first["messages"], retry["messages"]) == (1, 0)
    assert gateway.sent_identity() == {"customer_id": "C1001", "channel": "whatsapp"}
    metrics = gateway.client.get("/metrics").text
    assert "supportbot_csat_score 0.0" in metrics
