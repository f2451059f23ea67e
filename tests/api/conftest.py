"""Fixtures for the gateway tests (importlib mode: tests reach the helpers through ``gateway``): the real app and a real SQLite store in a temporary directory,
with a scripted Rasa (and action server) behind an httpx transport, a small in-memory searcher,
a fixed clock and a recorder standing in for the WhatsApp and Twilio send APIs."""

from __future__ import annotations

import hashlib
import hmac
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from api.deps import Services, build_services
from api.main import create_app
from bot.config import Settings
from bot.corpus import Article
from bot.search import SearchResponse, SearchResult

WIDGET_SECRET = "widget-secret-for-the-gateway-api-tests"
ADMIN_TOKEN = "admin-token-for-api-tests"
TWILIO_AUTH_TOKEN = "twilio-token-for-api-tests"
WHATSAPP_APP_SECRET = "whatsapp-app-secret-for-tests"
WHATSAPP_VERIFY_TOKEN = "whatsapp-verify-token-for-tests"
WHATSAPP_ACCESS_TOKEN = "whatsapp-access-token-for-tests"
WHATSAPP_API_URL = "https://graph.whatsapp.test/v19.0"
ACTIONS_SECRET = "actions-secret-for-the-gateway-api-tests"
RASA_TOKEN = "rasa-token-for-the-gateway-api-tests"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
AGENT_PASSWORD = "correct-horse-battery"

ARTICLES = [
    Article(
        id="delivery-times",
        title="How long does delivery take?",
        answer="Most parcels arrive within 7 to 15 days. Remote areas can take longer.",
        category="shipping_and_delivery",
        sources=("shipping.md",),
    ),
    Article(
        id="cancel-an-order",
        title="How do I cancel an order?",
        answer="You can cancel an order before the seller ships it. Open the order and choose Cancel.",
        category="orders",
        sources=("orders.md",),
    ),
    Article(
        id="open-a-dispute",
        title="How do I open a dispute?",
        answer="Open a dispute from the order page once the delivery deadline has passed.\n\n"
        "Some sellers answer within 5 days.",
        category="disputes",
        sources=("disputes.md",),
    ),
    Article(
        id="return-an-item",
        title="How do I return an item?",
        answer="Items marked Free Return can be sent back within 15 days of delivery.",
        category="returns",
        sources=("returns.md",),
    ),
]


def sign(customer_id: str, secret: str = WIDGET_SECRET) -> str:
    return hmac.new(secret.encode(), customer_id.encode(), hashlib.sha256).hexdigest()


class WordSearcher:
    """Ranks the test articles by shared words: the gateway only needs the Searcher interface."""

    def __init__(self, articles: list[Article]) -> None:
        self.articles = articles
        self.queries: list[str] = []

    def search(self, query: str, k: int = 5) -> SearchResponse:
        self.queries.append(query)
        words = set(re.findall(r"\w+", query.lower()))
        scored = []
        for article in self.articles:
            article_words = set(re.findall(r"\w+", f"{article.title} {article.answer}".lower()))
            scored.append(SearchResult(article, len(words & article_words) / (len(words) or 1)))
        scored.sort(key=lambda result: -result.score)
        return SearchResponse(
            query=query, results=scored[:k], confident=bool(scored and scored[0].score > 0.3)
        )


@dataclass
class FakeRasa:
    """Rasa's REST channel, /model/parse, /status and tracker, plus the action server's /health.

    Like ``rasa run --auth-token``, every API call but the REST webhook needs ``?token=``."""

    received: list[dict[str, Any]] = field(default_factory=list)
    parsed: list[str] = field(default_factory=list)
    down: bool = False
    model_loaded: bool = True
    actions_up: bool = True
    token: str | None = RASA_TOKEN
    refused: list[str] = field(default_factory=list)

    def intent_of(self, text: str) -> tuple[str, float]:
        lowered = text.lower()
        for word, intent in (
            ("cancel", "cancel_order"),
            ("person", "human_handoff"),
            ("dispute", "open_dispute"),
            ("return", "return_item"),
            ("delivery", "faq"),
        ):
            if word in lowered:
                return intent, 0.93
        return "nlu_fallback", 0.3

    def reply(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        self.received.append({"sender": sender, "message": text, "metadata": metadata})
        intent, _ = self.intent_of(text)
        if intent == "cancel_order":
            if not metadata.get("customer_id"):
                return [{"recipient_id": sender, "text": "Please sign in so I can check your orders."}]
            return [
                {
                    "recipient_id": sender,
                    "text": f"Here is what I found for order 1001, {metadata['customer_id']}.",
                },
                {
                    "recipient_id": sender,
                    "custom": {
                        "order_id": "1001",
                        "status": "shipped",
                        "cancel": {"allowed": False, "reason": "The seller has already shipped this order."},
                    },
                },
            ]
        if intent == "human_handoff":
            return [
                {"recipient_id": sender, "text": "I'm handing you over to a colleague."},
                {"recipient_id": sender, "custom": {"handoff": {"ticket_id": "T-TEST"}}},
            ]
        return [
            {
                "recipient_id": sender,
                "text": "Most parcels arrive within 7 to 15 days.",
                "buttons": [{"title": "Track my order", "payload": "/track_order"}],
            },
            {
                "recipient_id": sender,
                "custom": {
                    "source": {
                        "id": "delivery-times",
                        "title": "How long does delivery take?",
                        "category": "shipping",
                    }
                },
            },
        ]

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.middleware("http")
        async def requires_token(request: Request, call_next: Any) -> Any:
            open_paths = ("/webhooks/rest/webhook", "/health")
            if (
                self.token
                and request.url.path not in open_paths
                and request.query_params.get("token") != self.token
            ):
                self.refused.append(request.url.path)
                return JSONResponse({"reason": "NotAuthenticated"}, status_code=401)
            return await call_next(request)

        @app.post("/webhooks/rest/webhook")
        async def webhook(request: Request) -> Any:
            body = await request.json()
            return self.reply(body["sender"], body["message"], body.get("metadata") or {})

        @app.post("/model/parse")
        async def parse(request: Request) -> Any:
            text = (await request.json())["text"]
            self.parsed.append(text)
            name, confidence = self.intent_of(text)
            return {"text": text, "intent": {"name": name, "confidence": confidence}, "entities": []}

        @app.get("/status")
        async def status() -> Any:
            return {"model_file": "models/rasa/supportbot.tar.gz" if self.model_loaded else None}

        @app.get("/conversations/{sender}/tracker")
        async def tracker(sender: str) -> Any:
            mine = [item for item in self.received if item["sender"] == sender]
            if not mine:
                return {"sender_id": sender, "latest_message": {}, "events": []}
            name, confidence = self.intent_of(mine[-1]["message"])
            return {
                "sender_id": sender,
                "latest_message": {
                    "text": mine[-1]["message"],
                    "intent": {"name": name, "confidence": confidence},
                },
                "events": [{"event": "user", "text": item["message"]} for item in mine],
            }

        @app.get("/health")
        async def health() -> Any:
            if not self.actions_up:
                return JSONResponse({"status": "down"}, status_code=500)
            return {"status": "ok"}

        return app


class SwitchableTransport(httpx.AsyncBaseTransport):
    """The fake's ASGI app over httpx, refusing connections while ``fake.down`` is set."""

    def __init__(self, fake: FakeRasa) -> None:
        self.fake = fake
        self.inner = httpx.ASGITransport(app=fake.app())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.fake.down:
            raise httpx.ConnectError("connection refused", request=request)
        return await self.inner.handle_async_request(request)


@dataclass
class Outbox:
    """Requests the gateway sent to the WhatsApp Cloud API or to Twilio's REST API."""

    requests: list[httpx.Request] = field(default_factory=list)
    status_code: int = 200

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return httpx.Response(self.status_code, json={"messages": [{"id": "wamid.sent"}]})

        return httpx.MockTransport(handle)


def fake_order_ids(text: str) -> list[str]:
    return re.findall(r"\b\d{4,}\b", text)


@dataclass
class Gateway:
    client: TestClient
    services: Services
    rasa: FakeRasa
    outbox: Outbox
    searcher: WordSearcher
    settings: Settings

    def chat(
        self, session_id: str, message: str, customer_id: str | None = None, **extra: Any
    ) -> httpx.Response:
        body: dict[str, Any] = {"session_id": session_id, "message": message, **extra}
        if customer_id is not None:
            body.setdefault("customer_id", customer_id)
            body.setdefault("customer_hash", sign(customer_id))
        return self.client.post("/v1/chat", json=body)

    def sent_identity(self, index: int = -1) -> dict[str, Any]:
        """The customer and channel the gateway sent Rasa with a turn, once its signature has been
        checked the way the action server checks it."""
        from bot.identity import verified_turn_customer

        item = self.rasa.received[index]
        metadata = item["metadata"]
        if metadata["customer_id"] is not None:
            verified = verified_turn_customer(
                ACTIONS_SECRET, metadata, sender_id=item["sender"], now=self.services.clock()
            )
            assert verified == metadata["customer_id"], "the gateway's identity signature does not verify"
        return {"customer_id": metadata["customer_id"], "channel": metadata["channel"]}

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    @staticmethod
    def sign(customer_id: str, secret: str = WIDGET_SECRET) -> str:
        return sign(customer_id, secret)

    @staticmethod
    def identity(customer_id: str) -> dict[str, str]:
        """The headers that prove a buyer's identity on GET calls (polling, orders)."""
        return {"X-Customer-Id": customer_id, "X-Customer-Hash": sign(customer_id)}

    def add_agent(self, name: str, role: str = "agent", password: str = AGENT_PASSWORD) -> None:
        from bot.schemas.agents import CLI_ACTOR, Actor

        self.services.agents.add(
            name, role, actor=Actor(name=CLI_ACTOR, role="admin", via="cli"), password=password
        )  # type: ignore[arg-type]

    def sign_in(
        self, name: str = "sam", role: str = "agent", password: str = AGENT_PASSWORD
    ) -> dict[str, str]:
        """Creates the agent, signs the test client in (it keeps the cookie) and returns the
        headers a state-changing console call needs (the CSRF token)."""
        self.add_agent(name, role, password)
        response = self.client.post("/v1/agent/session", json={"name": name, "password": password})
        assert response.status_code == 200, response.text
        return {"X-CSRF-Token": response.json()["csrf_token"]}


def local_client(app: FastAPI) -> TestClient:
    """A client from this machine (loopback peer); its Host, testserver, is in the test settings'
    allowed hosts."""
    return TestClient(app, client=("127.0.0.1", 50000))


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "db_url": f"sqlite:///{tmp_path / 'supportbot.db'}",
        "rasa_url": "http://rasa.test",
        "action_server_url": "http://actions.test",
        "widget_secret": WIDGET_SECRET,
        "admin_token": ADMIN_TOKEN,
        "rate_limit": "off",
        "http_timeout": 5.0,
        "allowed_hosts": "testserver",
        "actions_secret": ACTIONS_SECRET,
        "rasa_token": RASA_TOKEN,
        "twilio_auth_token": TWILIO_AUTH_TOKEN,
        "whatsapp_app_secret": WHATSAPP_APP_SECRET,
        "whatsapp_verify_token": WHATSAPP_VERIFY_TOKEN,
        "whatsapp_access_token": WHATSAPP_ACCESS_TOKEN,
        "whatsapp_api_url": WHATSAPP_API_URL,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def seeded_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with the demo orders as of ``NOW``: each gateway starts from a copy,
    because running the migrations is most of what building a gateway costs."""
    from bot.db import dispose_engine, get_engine, migrate
    from bot.orders.seed import seed
    from bot.orders.store import OrderStore

    path = tmp_path_factory.mktemp("template") / "supportbot.db"
    url = f"sqlite:///{path}"
    migrate(url)
    seed(OrderStore(get_engine(url)), NOW)
    dispose_engine(url)  # the last connection closing folds the WAL back into the file
    return path


@pytest.fixture
def make_gateway(tmp_path: Path, seeded_database: Path) -> Iterator[Callable[..., Gateway]]:
    """Builds a gateway with settings overrides (and optionally another searcher factory);
    the demo orders are seeded as of ``NOW``."""
    from bot.conversations import ConversationLog
    from bot.db import dispose_engine, get_engine, migrate
    from bot.orders.seed import seed
    from bot.orders.store import OrderStore

    opened: list[TestClient] = []
    urls: list[str] = []

    def build(
        searcher_factory: Callable[[], Any] | None = None,
        *,
        rebuild_searcher: Callable[[Any], Any] | None = None,
        served_articles: bool = False,
        **overrides: Any,
    ) -> Gateway:
        """``served_articles``: article pages come from the knowledge service (articles.yaml with
        admins' edits) instead of the four test articles."""
        settings = make_settings(tmp_path, **overrides)
        default_file = tmp_path / "supportbot.db"
        if settings.database_url == f"sqlite:///{default_file}" and not default_file.exists():
            shutil.copyfile(seeded_database, default_file)
        else:
            migrate(settings.database_url)
        urls.append(settings.database_url)
        engine = get_engine(settings.database_url)
        store = OrderStore(engine)
        seed(store, NOW, if_empty=True)
        rasa, outbox, searcher = FakeRasa(), Outbox(), WordSearcher(ARTICLES)
        services = build_services(
            settings,
            rasa_transport=SwitchableTransport(rasa),
            store=store,
            conversations=ConversationLog(engine, clock=lambda: NOW),
            searcher=searcher_factory or (lambda: searcher),
            articles=None if served_articles else (lambda: {article.id: article for article in ARTICLES}),
            rebuild_searcher=rebuild_searcher,
            extract_order_ids=fake_order_ids,
            clock=lambda: NOW,
            channel_transport=outbox.transport(),
        )
        client = local_client(create_app(settings, services=services))
        client.__enter__()
        opened.append(client)
        return Gateway(client, services, rasa, outbox, searcher, settings)

    yield build
    for client in opened:
        client.__exit__(None, None, None)
    for url in urls:
        dispose_engine(url)


@pytest.fixture
def gateway(make_gateway: Callable[..., Gateway]) -> Gateway:
    return make_gateway()
