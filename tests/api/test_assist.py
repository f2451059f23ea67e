"""POST /v1/assist: intent, articles, the customer's own order's eligibility, suggested replies."""

from __future__ import annotations

from typing import Any


def assist(gateway: Any, body: dict[str, Any], headers: Any = None) -> Any:
    return gateway.client.post("/v1/assist", json=body, headers=gateway.admin if headers is None else headers)


def test_assist_needs_the_admin_token(gateway: Any) -> None:
    body = {"messages": [{"role": "customer", "text": "Can I cancel order 1002?"}], "customer_id": "C1001"}
    assert assist(gateway, body, headers={}).status_code == 401
    assert assist(gateway, body, headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_assist_answers_with_intent_articles_eligibility_and_suggestions(gateway: Any) -> None:
    body = {
        "messages": [
            {"role": "customer", "text": "Hi"},
            {"role": "agent", "text": "Hello, how can I help?"},
            {"role": "customer", "text": "Can I cancel an order I paid yesterday?"},
        ],
        "customer_id": "C1001",
        "order_id": "1002",
    }
    response = assist(gateway, body)

    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"intent", "articles", "eligibility", "suggested_replies"}
    assert data["intent"] == {"name": "cancel_order", "confidence": 0.93}
    assert gateway.rasa.parsed == ["Can I cancel an order I paid yesterday?"]
    assert len(data["articles"]) == 3
    assert data["articles"][0]["id"] == "cancel-an-order"
    assert set(data["articles"][0]) >= {"id", "title", "answer", "score"}
    assert data["eligibility"]["order_id"] == "1002"
    assert data["eligibility"]["cancel"]["allowed"] is True
    assert data["suggested_replies"][0].startswith("Good news: you can cancel order 1002")
    assert all(isinstance(text, str) and text for text in data["suggested_replies"])


def test_assist_never_shows_another_customers_order(gateway: Any) -> None:
    body = {"messages": [{"role": "customer", "text": "Can I cancel order 1007?"}], "customer_id": "C1001"}
    explicit = assist(gateway, {**body, "order_id": "1007"}).json()
    mentioned = assist(gateway, body).json()
    assert explicit["eligibility"] is None
    assert mentioned["eligibility"] is None
    assert "1007" not in " ".join(explicit["suggested_replies"] + mentioned["suggested_replies"])


def test_assist_without_a_customer_has_no_eligibility(gateway: Any) -> None:
    body = {"messages": [{"role": "customer", "text": "Can I cancel order 1001?"}], "order_id": "1001"}
    assert assist(gateway, body).json()["eligibility"] is None


def test_assist_finds_the_order_the_buyer_mentioned(gateway: Any) -> None:
    body = {
        "messages": [{"role": "customer", "text": "Can I return order 1003? It arrived broken."}],
        "customer_id": "C1001",
    }
    assert assist(gateway, body).json()["eligibility"]["order_id"] == "1003"


def test_assist_still_helps_while_rasa_is_down(gateway: Any) -> None:
    gateway.rasa.down = True
    body = {"messages": [{"role": "customer", "text": "how long does delivery take"}]}
    response = assist(gateway, body)
    assert response.status_code == 200
    assert response.json()["intent"] == {"name": None, "confidence": 0.0}
    assert response.json()["articles"][0]["id"] == "delivery-times"


def test_assist_refuses_bad_input_with_a_message(gateway: Any) -> None:
    cases = [
        {"messages": []},
        {"messages": [{"role": "bot", "text": "hi"}]},
        {"messages": [{"role": "customer"}]},
        {"messages": "hello"},
        {"messages": [{"role": "agent", "text": "Anything else?"}]},  # nothing from the customer
    ]
    for body in cases:
        response = assist(gateway, body)
        assert response.status_code == 422, body
        assert isinstance(response.json()["detail"], str)
        assert response.json()["detail"]
