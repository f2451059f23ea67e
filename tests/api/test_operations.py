"""Health, metrics, the served pages, development-only demo endpoints, CORS and app startup."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app, prepare_database
from bot.config import Settings


def test_healthz_is_200_when_rasa_has_a_model_and_the_action_server_answers(gateway: Any) -> None:
    response = gateway.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "rasa": "ok", "action_server": "ok", "database": "ok"}


@pytest.mark.parametrize(
    ("breakage", "down"),
    [("rasa_down", "rasa"), ("no_model", "rasa"), ("actions_down", "action_server")],
)
def test_healthz_is_503_naming_what_is_down(gateway: Any, breakage: str, down: str) -> None:
    if breakage == "rasa_down":
        gateway.rasa.down = True  # the fake also serves the action server, so both are down
    elif breakage == "no_model":
        gateway.rasa.model_loaded = False
    else:
        gateway.rasa.actions_up = False

    response = gateway.client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body[down].startswith("down")
    if breakage == "no_model":
        assert "no model" in body["rasa"]
        assert body["action_server"] == "ok"
    if breakage == "actions_down":
        assert body["rasa"] == "ok"


def test_healthz_reports_a_database_that_does_not_answer(gateway: Any, monkeypatch: Any) -> None:
    from bot.errors import SupportbotError

    def broken() -> int:
        raise SupportbotError("database is gone")

    monkeypatch.setattr(gateway.services.store, "count_orders", broken)
    response = gateway.client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"].startswith("down")


def test_metrics_count_requests_latency_intents_fallbacks_and_handoffs(gateway: Any) -> None:
    gateway.chat("ops-1", "How long does delivery take?")
    gateway.chat("ops-2", "Something the bot does not understand")
    gateway.chat("ops-3", "I want a person")
    gateway.client.get("/v1/faq/articles/no-such-article")

    response = gateway.client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'supportbot_http_requests_total{method="POST",route="/v1/chat",status="200"} 3.0' in text
    assert (
        'supportbot_http_requests_total{method="GET",route="/v1/faq/articles/{article_id}",status="404"} 1.0'
        in text
    )
    assert re.search(
        r'supportbot_http_request_duration_seconds_bucket\{le="0.5",method="POST",route="/v1/chat"\} 3.0',
        text,
    )
    assert 'supportbot_intents_total{intent="faq"} 1.0' in text
    assert 'supportbot_intents_total{intent="nlu_fallback"} 1.0' in text
    assert "supportbot_fallbacks_total 1.0" in text
    assert 'supportbot_handoffs_total{channel="web"} 1.0' in text
    assert 'supportbot_chat_turns_total{channel="web"} 3.0' in text
    assert "supportbot_csat_score NaN" in text
    # The conversation log keeps the intent for the agent console as well.
    conversation = gateway.services.conversations.get_conversation("ops-1")
    assert (conversation.intent, conversation.intent_confidence) == ("faq", 0.93)


def test_each_app_has_its_own_metrics(make_gateway: Any) -> None:
    first, second = make_gateway(), make_gateway()
    first.chat("ops-own", "How long does delivery take?")
    assert 'route="/v1/chat"' in first.client.get("/metrics").text
    assert 'route="/v1/chat"' not in second.client.get("/metrics").text


def test_pages_and_the_widget_script_are_served(gateway: Any) -> None:
    shop = gateway.client.get("/")
    assert shop.status_code == 200
    assert "text/html" in shop.headers["content-type"]
    assert 'data-testid="demo-customer"' in shop.text
    widget = gateway.client.get("/widget.js")
    assert widget.status_code == 200
    assert "javascript" in widget.headers["content-type"]
    assert "SupportbotWidget" in widget.text
    article = gateway.client.get("/help/delivery-times")
    assert article.status_code == 200
    assert 'data-testid="article-title"' in article.text
    console = gateway.client.get("/agent")
    assert console.status_code == 200
    assert 'data-testid="login-view"' in console.text
    for asset in ("widget.css", "shop.js", "agent.js", "article.js"):
        assert gateway.client.get(f"/static/{asset}").status_code == 200, asset
    assert gateway.client.get("/static/../main.py").status_code == 404


def test_demo_endpoints_exist_only_in_development(make_gateway: Any) -> None:
    test_env = make_gateway()
    assert test_env.client.get("/demo/customers").status_code == 404
    assert test_env.client.get("/demo/identity", params={"customer_id": "C1001"}).status_code == 404

    development = make_gateway(env="development")
    customers = development.client.get("/demo/customers").json()["customers"]
    assert [c["customer_id"] for c in customers] == ["C1001", "C1002", "C1003"]
    ana = customers[0]
    assert ana["name"] == "Ana Silva"
    assert {"order_id", "status", "summary", "question"} <= set(ana["orders"][0])
    assert any(order["order_id"] == "1001" for order in ana["orders"])

    identity = development.client.get("/demo/identity", params={"customer_id": "C1001"}).json()
    assert identity["customer_id"] == "C1001"
    assert identity["customer_hash"] == development.sign("C1001")
    assert identity["customer_token"].count(".") == 2  # a JWT; tests/api/test_security.py checks it
    assert development.client.get("/demo/identity", params={"customer_id": "C404"}).status_code == 404


def test_cors_lets_the_widget_call_from_another_origin_but_not_the_admin_api(gateway: Any) -> None:
    widget = gateway.client.options(
        "/v1/chat/s1/messages",
        headers={
            "Origin": "https://shop.example.com",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-customer-id, x-customer-hash",
        },
    )
    assert widget.status_code == 200
    assert widget.headers["access-control-allow-origin"] == "*"
    admin = gateway.client.options(
        "/v1/agent/conversations",
        headers={
            "Origin": "https://evil.example.com",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert "access-control-allow-origin" not in admin.headers


def test_the_app_builds_its_services_and_database_in_its_lifespan(tmp_path: Path) -> None:
    settings = Settings(
        env="test", db_url=f"sqlite:///{tmp_path / 'fresh.db'}", admin_token="t0ken-for-tests"
    )
    app = create_app(settings)
    assert not hasattr(app.state, "services"), "services were built at import or construction time"
    with TestClient(app, base_url="http://localhost") as client:
        response = client.get("/v1/agent/conversations", headers={"Authorization": "Bearer t0ken-for-tests"})
        assert response.status_code == 200
        assert response.json() == {"conversations": []}
        assert app.state.services.store.count_orders() == 0  # only development seeds demo data


def test_development_databases_are_seeded_once(tmp_path: Path) -> None:
    from bot.db import get_engine
    from bot.orders.store import OrderStore

    settings = Settings(env="development", db_url=f"sqlite:///{tmp_path / 'dev.db'}")
    store = OrderStore(get_engine(settings.database_url))
    prepare_database(settings, store)
    seeded = store.count_orders()
    assert seeded > 0
    prepare_database(settings, store)
    assert store.count_orders() == seeded


def test_production_refuses_to_start_without_secrets(tmp_path: Path) -> None:
    settings = Settings(env="production", db_url=f"sqlite:///{tmp_path / 'prod.db'}")
    with pytest.raises(RuntimeError, match="SUPPORTBOT_WIDGET_SECRET"):
        create_app(settings)
