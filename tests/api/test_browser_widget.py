"""The chat widget, the demo shop and the help-article page in a real browser (Debian Chromium).

The real gateway (`api.main.create_app`) runs under uvicorn in a background thread on a
temporary SQLite database. Rasa is a scripted stand-in speaking Rasa's REST-channel protocol
over HTTP on another port, so the gateway's real client, identity check and conversation log
are all exercised. Playwright drives the pages a buyer would use.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

sync_api = pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Browser, Page, Route, expect  # noqa: E402

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDGET_SECRET = "widget-secret-for-the-browser-tests"
ADMIN_TOKEN = "admin-token-for-browser-tests"
ASSIST_CUSTOMER = "C1001"
XSS_TEXT = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> <b>bold</b>'
CANCEL_ARTICLE = "how-to-cancel-my-order"  # in the real corpus the gateway serves
CANCEL_ARTICLE_LABEL = "How to cancel my order? (WISHALIVE help center)"
PAID_ORDER_ANSWER = "Paid order\nYou can cancel your order with seller's approval."
# What the security work stream serves: nothing inline, everything from the gateway itself.
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
OPENS_AT = "2026-11-20T10:00:00Z"
CLOSES_AT = "2036-12-05T10:00:00Z"


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ThreadedServer:
    """An ASGI app under uvicorn in a daemon thread, on a free loopback port."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ThreadedServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"server on {self.url} did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@dataclass
class ScriptedRasa:
    """Answers like Rasa's REST channel; replies are chosen by keywords in the buyer's message."""

    received: list[dict[str, Any]] = field(default_factory=list)

    def reply(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        lowered = text.lower()
        out: list[dict[str, Any]]
        if "paid order" in lowered:
            # A composed answer as the dialogue sends it: the citation in the text, and the source
            # (with its help center, and `more` since the article goes on) as the payload.
            out = [
                {
                    "text": f"{PAID_ORDER_ANSWER}\nSource: {CANCEL_ARTICLE_LABEL}",
                    "buttons": [
                        {"title": "Track my order", "payload": "/track_order"},
                        {"title": "Talk to a person", "payload": "/human_handoff"},
                    ],
                },
                {
                    "custom": {
                        "source": {
                            "id": CANCEL_ARTICLE,
                            "title": "How to cancel my order?",
                            "category": "Ordering & Payment",
                            "platform": "WISHALIVE",
                            "more": True,
                        }
                    }
                },
            ]
        elif "cancel" in lowered and not metadata.get("customer_id"):
            out = [{"text": "Please sign in so I can check your orders."}]
        elif "cancel" in lowered:
            out = [
                {"text": "Here is what I found for order 1001."},
                {
                    "custom": {
                        "order_id": "1001",
                        "status": "shipped",
                        "dispute": {
                            "allowed": True,
                            "mode": "open_dispute",
                            "opens_at": OPENS_AT,
                            "closes_at": CLOSES_AT,
                            "reason": "The delivery deadline has passed, so you can open a dispute.",
                            "article_id": "open-a-dispute",
                        },
                        "cancel": {
                            "allowed": False,
                            "reason": "The seller has already shipped this order.",
                        },
                    }
                },
            ]
        elif "xss" in lowered:
            out = [{"text": XSS_TEXT}]
        elif "person" in lowered or text == "/human_handoff":
            out = [
                {"text": "I'm handing you over to a colleague."},
                {"custom": {"handoff": {"ticket_id": 1}}},
            ]
        elif text == "/track_order":
            out = [{"text": "Your order 1001 is on its way."}]
        else:
            out = [
                {
                    "text": "Most parcels arrive within 7 to 15 days.",
                    "buttons": [
                        {"title": "Track my order", "payload": "/track_order"},
                        {"title": "Talk to a person", "payload": "/human_handoff"},
                    ],
                },
                {
                    "custom": {
                        "source": {
                            "id": "delivery-times",
                            "title": "How long does delivery take?",
                            "category": "shipping",
                        }
                    }
                },
            ]
        self.received.append({"sender": sender, "message": text, "metadata": metadata})
        return [dict(item, recipient_id=sender) for item in out]

    @staticmethod
    def intent_of(text: str) -> str:
        """The intent the gateway channel reports for a message (the scripted replies decide)."""
        return "faq"

    def asgi_app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/webhooks/rest/webhook")
        async def webhook(request: Request) -> list[dict[str, Any]]:
            body = await request.json()
            return self.reply(body["sender"], body["message"], body.get("metadata") or {})

        @app.get("/webhooks/gateway/")
        async def channel_ready() -> dict[str, Any]:
            return {"status": "ok"}

        @app.post("/webhooks/gateway/webhook")
        async def gateway_webhook(request: Request) -> dict[str, Any]:
            # rasa_server.channel.GatewayInput, the gateway's way in: the same turn, wrapped.
            body = await request.json()
            messages = self.reply(body["sender"], body["message"], body.get("metadata") or {})
            return {
                "messages": messages,
                "intent": {"name": self.intent_of(body["message"]), "confidence": 0.9},
                "timing": {"nlu": 0.004, "dialogue": 0.02},
            }

        @app.post("/model/parse")
        async def parse(request: Request) -> dict[str, Any]:
            body = await request.json()
            return {
                "text": body.get("text", ""),
                "intent": {"name": "cancel_order", "confidence": 0.91},
                "entities": [],
            }

        @app.get("/status")
        async def status() -> dict[str, Any]:
            return {"model_file": "models/rasa/fake.tar.gz", "num_active_training_jobs": 0}

        return app


@dataclass
class Site:
    url: str
    rasa: ScriptedRasa
    settings: Any


def customer_hash(customer_id: str) -> str:
    return hmac.new(WIDGET_SECRET.encode(), customer_id.encode(), hashlib.sha256).hexdigest()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from api.main import create_app
    from bot.config import Settings

    rasa = ScriptedRasa()
    with ThreadedServer(rasa.asgi_app()) as rasa_server:
        db = tmp_path_factory.mktemp("browser") / "supportbot.db"
        settings = Settings(
            env="development",
            db_url=f"sqlite:///{db}",
            rasa_url=rasa_server.url,
            action_server_url=rasa_server.url,
            widget_secret=WIDGET_SECRET,
            admin_token=ADMIN_TOKEN,
            rate_limit="off",
            http_timeout=5.0,
        )
        with ThreadedServer(create_app(settings)) as gateway:
            yield Site(url=gateway.url, rasa=rasa, settings=settings)


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Browser]:
    """One Chromium per test module (the agent tests reuse these fixtures), a fresh context per test."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


# --------------------------------------------------------------------------- helpers


def open_widget(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_test_id("chat-launcher").click()
    expect(page.get_by_test_id("chat-panel")).to_be_visible()
    expect(page.get_by_test_id("chat-input")).to_be_focused()


def send(page: Page, text: str) -> None:
    page.get_by_test_id("chat-input").fill(text)
    page.get_by_test_id("chat-input").press("Enter")


def sign_in(page: Page, customer_id: str) -> None:
    """Signs the demo shop in as `customer_id` (what its sign-in selector stores) before any page loads."""
    identity = json.dumps({"customer_id": customer_id, "customer_hash": customer_hash(customer_id)})
    page.add_init_script(f"localStorage.setItem('meridian-demo:identity', {json.dumps(identity)})")


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def sessions_sent(site: Site, text: str) -> list[dict[str, Any]]:
    return [item for item in site.rasa.received if item["message"] == text]


# --------------------------------------------------------------------------- the widget


def test_launcher_opens_the_panel_and_enter_or_the_button_sends(page: Page, site: Site) -> None:
    page.goto(site.url + "/")
    expect(page.get_by_test_id("chat-panel")).to_be_hidden()
    expect(page.get_by_test_id("chat-launcher")).to_have_attribute("aria-expanded", "false")

    open_widget(page, site.url + "/")
    expect(page.get_by_test_id("chat-launcher")).to_have_attribute("aria-expanded", "true")

    send(page, "How long does delivery take?")
    expect(page.get_by_test_id("user-message")).to_have_text(["How long does delivery take?"])
    expect(page.get_by_test_id("bot-message").first).to_contain_text(
        "Most parcels arrive within 7 to 15 days."
    )
    expect(page.get_by_test_id("chat-input")).to_have_value("")

    page.get_by_test_id("chat-input").fill("And for express shipping?")
    page.get_by_test_id("chat-send").click()
    expect(page.get_by_test_id("user-message")).to_have_count(2)
    expect(page.get_by_test_id("bot-message")).to_have_count(2)
    assert sessions_sent(site, "And for express shipping?"), "the button did not send the message to the bot"


def test_typing_indicator_shows_while_the_reply_is_on_its_way(page: Page, site: Site) -> None:
    held: list[Route] = []
    page.route("**/v1/chat", lambda route: held.append(route))
    open_widget(page, site.url + "/")
    send(page, "Where is my parcel?")

    expect(page.get_by_test_id("typing-indicator")).to_be_visible()
    expect(page.get_by_test_id("bot-message")).to_have_count(0)
    assert wait_for(lambda: bool(held))
    held[0].continue_()

    expect(page.get_by_test_id("bot-message")).to_have_count(1)
    expect(page.get_by_test_id("typing-indicator")).to_be_hidden()


def test_quick_reply_sends_its_payload_and_shows_its_title(page: Page, site: Site) -> None:
    open_widget(page, site.url + "/")
    send(page, "delivery times?")
    page.get_by_test_id("quick-reply").filter(has_text="Track my order").click()

    expect(page.get_by_test_id("user-message").last).to_have_text("Track my order")
    expect(page.get_by_test_id("bot-message").last).to_contain_text("Your order 1001 is on its way.")
    assert sessions_sent(site, "/track_order"), "the quick reply's payload did not reach the bot"
    # The buttons belonged to the earlier turn and are gone once used.
    expect(page.get_by_test_id("quick-reply")).to_have_count(0)


def strict_csp(page: Page) -> list[str]:
    """Serves every gateway response with a strict Content-Security-Policy; returns the list the
    browser's violation reports collect in (the page, the widget's shadow DOM, new tabs)."""
    violations: list[str] = []

    def with_csp(route: Route) -> None:
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": STRICT_CSP})

    page.context.route("**/*", with_csp)
    page.context.add_init_script(
        "document.addEventListener('securitypolicyviolation', (e) => console.error("
        "'CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI), true);"
    )

    def record(message: Any) -> None:
        if "CSP violation" in message.text or "Content Security Policy" in message.text:
            violations.append(message.text)

    def watch(target: Page) -> None:
        target.on("console", record)

    watch(page)
    page.context.on("page", watch)
    return violations


def test_a_partial_answer_offers_buttons_its_source_and_the_whole_article(page: Page, site: Site) -> None:
    """Under a strict CSP: the buttons send their payloads, the source names its help center and
    links to the help page, and "Read the whole article" opens the article in a new tab."""
    violations = strict_csp(page)
    open_widget(page, site.url + "/")
    send(page, "How do I cancel a paid order?")

    answer = page.get_by_test_id("bot-message").first
    expect(answer.locator(".sb-bubble")).to_have_text(PAID_ORDER_ANSWER)  # no "Source:" line in the bubble
    source = answer.get_by_test_id("source-link")
    expect(source).to_have_text(f"Source: {CANCEL_ARTICLE_LABEL}")
    whole = answer.get_by_role("link", name="Read the whole article")
    expect(whole).to_have_text("Read the whole article")
    for link in (source, whole):
        expect(link).to_have_attribute("href", f"{site.url}/help/{CANCEL_ARTICLE}")
        expect(link).to_have_attribute("target", "_blank")
        expect(link).to_have_attribute("rel", "noopener")

    answer.get_by_test_id("quick-reply").filter(has_text="Track my order").click()
    expect(page.get_by_test_id("user-message").last).to_have_text("Track my order")
    expect(page.get_by_test_id("bot-message").last).to_contain_text("Your order 1001 is on its way.")
    assert sessions_sent(site, "/track_order"), "the button's payload did not reach the bot"
    expect(answer.get_by_test_id("quick-reply")).to_have_count(0)
    expect(whole).to_be_visible()  # the way to the article stays

    with page.context.expect_page() as opened:
        whole.click()
    article = opened.value
    expect(article).to_have_url(f"{site.url}/help/{CANCEL_ARTICLE}")
    expect(article.get_by_test_id("article-title")).to_have_text("How to cancel my order?")
    expect(article.get_by_test_id("article-platform")).to_have_text("From the WISHALIVE help center")
    expect(article.get_by_test_id("article-category")).to_have_text("Ordering & Payment")
    body = article.get_by_test_id("article-answer")
    expect(body.locator("h2")).to_have_text(["Unpaid order", "Paid order", "Notes"])
    expect(body.locator("ol").first.locator("li").first).to_contain_text("Click 'Request Order Cancellation'")
    assert ".txt" not in (article.text_content("body") or ""), "the help page shows a raw file name"
    assert article.evaluate("window.opener") is None, "the help page can reach back into the shop"
    article.close()
    assert not violations, f"the Content-Security-Policy blocked something: {violations}"


def test_answer_links_to_its_article_and_the_article_page_renders(page: Page, site: Site) -> None:
    open_widget(page, site.url + "/")
    send(page, "How long does delivery take?")
    link = page.get_by_test_id("source-link")
    expect(link).to_have_text("Source: How long does delivery take?")
    href = link.get_attribute("href") or ""
    assert href == f"{site.url}/help/delivery-times"


def test_article_page_renders_sections_steps_lists_and_tables_as_text(page: Page, site: Site) -> None:
    article = {
        "id": "delivery-times",
        "title": "How long does delivery take?",
        "source_title": "How long does delivery take? (WISHALIVE help center)",
        "platform": "WISHALIVE",
        "category": "shipping_and_delivery",
        "kind": "faq",
        "answer": "(plain text, not used when there are sections)",
        "sections": [
            {
                "heading": "",
                "parent": "",
                "blocks": [
                    {
                        "kind": "paragraph",
                        "text": "Most parcels arrive within 7 to 15 days.\nRemote areas can take longer.",
                    }
                ],
            },
            {
                "heading": "If it is late",
                "parent": "",
                "blocks": [
                    {
                        "kind": "steps",
                        "items": ["Check the tracking page", "Contact the seller <b>first</b>"],
                        "start": 1,
                    },
                    {"kind": "list", "items": ["Keep the receipt\nand the box"]},
                ],
            },
            {
                "heading": "By carrier",
                "parent": "If it is late",
                "blocks": [
                    {
                        "kind": "table",
                        "caption": "Carrier: What to expect",
                        "rows": [
                            {
                                "key": "China Post",
                                "cells": ["Up to 60 days.", "Tracking may stop at the border."],
                            },
                            {"key": "DHL", "cells": ["5 to 10 days."]},
                        ],
                    },
                ],
            },
        ],
    }
    page.route(
        "**/v1/faq/articles/delivery-times",
        lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(article)),
    )
    page.goto(site.url + "/help/delivery-times")

    expect(page.get_by_test_id("article-title")).to_have_text("How long does delivery take?")
    expect(page).to_have_title("How long does delivery take? · Help center")
    expect(page.get_by_test_id("article-category")).to_have_text("Shipping and delivery")
    expect(page.get_by_test_id("article-platform")).to_have_text("From the WISHALIVE help center")
    answer = page.get_by_test_id("article-answer")
    expect(answer.locator("p").first).to_have_text(
        "Most parcels arrive within 7 to 15 days.Remote areas can take longer."
    )
    expect(answer.locator("h2")).to_have_text(["If it is late"])  # the parent heading shows once
    expect(answer.locator("h3")).to_have_text(["By carrier"])
    expect(answer.locator("ol > li")).to_have_text(
        ["Check the tracking page", "Contact the seller <b>first</b>"]
    )
    expect(answer.locator("ul > li br")).to_have_count(1)
    table = answer.locator("table")
    expect(table.locator("caption")).to_have_text("Carrier: What to expect")
    expect(table.locator("th[scope=row]")).to_have_text(["China Post", "DHL"])
    expect(table.locator("tr").first.locator("td p")).to_have_text(
        ["Up to 60 days.", "Tracking may stop at the border."]
    )
    expect(answer.locator("b")).to_have_count(0)
    page.get_by_test_id("back-to-shop").click()
    expect(page).to_have_url(site.url + "/")


def test_article_page_explains_an_unknown_article(page: Page, site: Site) -> None:
    page.goto(site.url + "/help/no-such-article-anywhere")
    expect(page.get_by_test_id("article-title")).to_have_text("We couldn't show this article")
    expect(page.get_by_role("alert")).to_have_text("This help article does not exist or has been removed.")


def test_demo_shop_signs_in_a_demo_customer_with_a_verified_identity(page: Page, site: Site) -> None:
    page.goto(site.url + "/")
    expect(page.get_by_test_id("orders-area")).to_contain_text("Choose a demo customer")
    choice = page.get_by_test_id("demo-customer")
    customer_id = choice.locator("option").nth(1).get_attribute("value")
    assert customer_id, "the demo shop offers no demo customers"

    choice.select_option(customer_id)
    expect(page.get_by_test_id("signin-status")).to_contain_text("Signed in as")
    expect(page.get_by_test_id("chat-identity")).to_contain_text("Signed in")
    expect(page.get_by_test_id("order-row").first).to_be_visible()
    embed = page.locator("script#supportbot-embed")
    expect(embed).to_have_attribute("data-customer-id", customer_id)
    expect(embed).to_have_attribute("data-customer-hash", customer_hash(customer_id))

    page.get_by_test_id("chat-launcher").click()
    send(page, "Can I cancel my order?")
    expect(page.get_by_test_id("order-card")).to_be_visible()
    sent = sessions_sent(site, "Can I cancel my order?")
    assert sent
    assert sent[-1]["metadata"]["customer_id"] == customer_id

    # Signing out: the widget is anonymous again and the bot gets no customer id.
    choice.select_option("")
    expect(page.get_by_test_id("chat-identity")).to_contain_text("Not signed in")
    page.get_by_test_id("chat-launcher").click()
    send(page, "Can I cancel order 1001 anonymously?")
    expect(page.get_by_test_id("bot-message").last).to_contain_text(
        "Please sign in so I can check your orders."
    )
    expect(page.get_by_test_id("order-card")).to_have_count(0)
    sent = sessions_sent(site, "Can I cancel order 1001 anonymously?")
    assert sent
    assert sent[-1]["metadata"].get("customer_id") is None


def test_order_decision_renders_as_a_card_with_verdicts_and_dates(page: Page, site: Site) -> None:
    sign_in(page, "C-CARD")
    open_widget(page, site.url + "/")
    send(page, "Can I cancel order 1001?")

    card = page.get_by_test_id("order-card")
    expect(card).to_be_visible()
    expect(card.get_by_test_id("order-id")).to_have_text("1001")
    expect(card.get_by_test_id("order-status")).to_have_text("Shipped")

    dispute = card.locator('[data-check="dispute"]')
    expect(dispute.get_by_test_id("verdict")).to_have_text("✓ Allowed")
    expect(dispute.locator(f'time[datetime="{OPENS_AT}"]')).to_be_visible()
    expect(dispute.locator(f'time[datetime="{CLOSES_AT}"]')).to_be_visible()
    expect(dispute.get_by_test_id("decision-dates")).to_contain_text("Opened")
    expect(dispute.get_by_test_id("decision-dates")).to_contain_text("Closes")
    expect(dispute.get_by_test_id("decision-reason")).to_have_text(
        "The delivery deadline has passed, so you can open a dispute."
    )
    expect(dispute.get_by_role("link", name="Read the policy")).to_have_attribute(
        "href", f"{site.url}/help/open-a-dispute"
    )

    cancel = card.locator('[data-check="cancel"]')
    expect(cancel.get_by_test_id("verdict")).to_have_text("✕ Not allowed")
    expect(cancel.get_by_test_id("decision-reason")).to_have_text(
        "The seller has already shipped this order."
    )


def test_conversation_survives_a_reload_and_is_private_to_each_customer(page: Page, site: Site) -> None:
    open_widget(page, site.url + "/")
    send(page, "How long does delivery take?")
    expect(page.get_by_test_id("bot-message")).to_have_count(1)
    session_id = page.evaluate("window.SupportbotWidget.sessionId")

    page.reload()
    expect(page.get_by_test_id("chat-panel")).to_be_visible()
    expect(page.get_by_test_id("user-message")).to_have_text(["How long does delivery take?"])
    expect(page.get_by_test_id("bot-message")).to_have_count(1)
    assert page.evaluate("window.SupportbotWidget.sessionId") == session_id

    page.get_by_test_id("chat-close").click()
    page.reload()
    expect(page.get_by_test_id("chat-launcher")).to_be_visible()
    expect(page.get_by_test_id("chat-panel")).to_be_hidden()

    # Another signed-in customer on the same browser starts from an empty transcript.
    page.evaluate(
        """([id, hash]) => {
            window.SupportbotWidget.destroy();
            const tag = document.createElement("script");
            tag.src = "/widget.js"; tag.dataset.customerId = id; tag.dataset.customerHash = hash;
            document.body.appendChild(tag);
        }""",
        ["C-OTHER", customer_hash("C-OTHER")],
    )
    page.get_by_test_id("chat-launcher").click()
    expect(page.get_by_test_id("welcome-message")).to_be_visible()
    expect(page.get_by_test_id("user-message")).to_have_count(0)
    assert page.evaluate("window.SupportbotWidget.sessionId") != session_id


def test_rating_an_answer_records_the_feedback(page: Page, site: Site) -> None:
    open_widget(page, site.url + "/")
    send(page, "How long does delivery take?")
    answer = page.get_by_test_id("bot-message").first
    message_id = answer.get_attribute("data-message-id")
    assert message_id

    with page.expect_response("**/v1/chat/feedback") as feedback:
        answer.get_by_test_id("feedback-up").click()
    assert feedback.value.ok, f"the gateway refused the rating: {feedback.value.status}"
    sent = json.loads(feedback.value.request.post_data or "{}")
    assert sent == {
        "session_id": page.evaluate("window.SupportbotWidget.sessionId"),
        "message_id": int(message_id) if message_id.isdigit() else message_id,
        "helpful": True,
    }
    expect(answer.get_by_test_id("feedback-recorded")).to_have_text("Thanks, glad it helped.")
    expect(answer.get_by_test_id("feedback-up")).to_have_count(0)

    page.reload()
    expect(page.get_by_test_id("feedback-recorded")).to_have_count(1)


def test_keyboard_only_flow(page: Page, site: Site) -> None:
    page.goto(site.url + "/")
    launcher = page.get_by_test_id("chat-launcher")
    expect(launcher).to_be_visible()
    for _ in range(30):
        page.keyboard.press("Tab")
        if launcher.evaluate("el => el.getRootNode().activeElement === el"):
            break
    else:
        pytest.fail("Tab never reached the chat launcher")

    page.keyboard.press("Enter")
    expect(page.get_by_test_id("chat-panel")).to_be_visible()
    expect(page.get_by_test_id("chat-input")).to_be_focused()

    page.keyboard.type("How long does delivery take?")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("bot-message")).to_have_count(1)
    expect(page.get_by_test_id("chat-input")).to_be_focused()

    page.keyboard.press("Escape")
    expect(page.get_by_test_id("chat-panel")).to_be_hidden()
    expect(launcher).to_be_focused()


def test_new_messages_are_announced_in_a_polite_live_log(page: Page, site: Site) -> None:
    open_widget(page, site.url + "/")
    log = page.get_by_role("log")
    expect(log).to_have_attribute("aria-live", "polite")
    send(page, "How long does delivery take?")
    expect(log.get_by_test_id("bot-message")).to_contain_text(["Most parcels arrive within 7 to 15 days."])


def test_markup_in_a_bot_message_is_shown_as_text(page: Page, site: Site) -> None:
    open_widget(page, site.url + "/")
    send(page, "xss please")
    message = page.get_by_test_id("bot-message").first
    expect(message).to_contain_text(XSS_TEXT)
    expect(message.locator("img, script, b")).to_have_count(0)
    assert page.evaluate("window.__xss") is None


def test_too_many_messages_and_network_failures_are_explained(page: Page, site: Site) -> None:
    open_widget(page, site.url + "/")

    page.route(
        "**/v1/chat",
        lambda route: route.fulfill(
            status=429,
            headers={"Retry-After": "30"},
            content_type="application/json",
            body='{"detail": "slow down"}',
        ),
    )
    send(page, "hello?")
    expect(page.get_by_test_id("chat-error")).to_contain_text("You're sending messages too quickly")
    page.unroute("**/v1/chat")

    page.route("**/v1/chat", lambda route: route.abort("internetdisconnected"))
    send(page, "anyone there?")
    expect(page.get_by_test_id("chat-error")).to_contain_text("We couldn't reach support")
    page.unroute("**/v1/chat")

    page.get_by_test_id("chat-retry").click()
    expect(page.get_by_test_id("chat-error")).to_be_hidden()
    expect(page.get_by_test_id("bot-message")).to_have_count(1)
    assert sessions_sent(site, "anyone there?"), "retry did not resend the failed message"


def test_panel_fills_a_phone_screen(browser: Browser, site: Site) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 800}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        open_widget(page, site.url + "/")
        panel = page.get_by_test_id("chat-panel")
        panel.evaluate("el => Promise.all(el.getAnimations().map((a) => a.finished))")
        box = panel.bounding_box()
        assert box == {"x": 0, "y": 0, "width": 390, "height": 800}
    finally:
        context.close()


# --------------------------------------------------------------------------- security (issue #12)


def test_a_widget_embedded_on_another_origin_signs_in_with_a_token(page: Page, site: Site) -> None:
    """The shop renders a token on its own domain; the widget's calls are cross-origin (CORS) and
    carry the token in the body and in X-Customer-Token, never in a URL."""
    from datetime import datetime, timezone

    from bot.identity import customer_token

    token = customer_token(
        WIDGET_SECRET, "C-TOKEN", issued_at=datetime.now(timezone.utc), lifetime_seconds=600
    )
    shop_page = (
        "<!doctype html><html><body><h1>Another shop</h1>"
        f'<script src="{site.url}/widget.js" data-customer-token="{token}" async></script></body></html>'
    )
    shop = FastAPI()
    shop.get("/", response_class=HTMLResponse)(lambda: shop_page)
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))

    with ThreadedServer(shop) as other_origin:  # another port: another origin
        open_widget(page, other_origin.url + "/")
        send(page, "Can I cancel order 1001?")
        expect(page.get_by_test_id("order-card")).to_be_visible()
    sent = sessions_sent(site, "Can I cancel order 1001?")
    assert sent
    assert sent[-1]["metadata"]["customer_id"] == "C-TOKEN"
    assert not [url for url in urls if token in url]


@pytest.mark.parametrize("path", ["/", "/agent", "/help/delivery-times", "/docs"])
def test_pages_work_under_their_content_security_policy(page: Page, site: Site, path: str) -> None:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    response = page.goto(site.url + path)
    assert response is not None
    assert "frame-ancestors 'none'" in (response.header_value("content-security-policy") or "")
    if path == "/docs":
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("supportbot gateway")
    elif path == "/agent":
        expect(page.get_by_test_id("login-view")).to_be_visible()
    else:
        page.get_by_test_id("chat-launcher").click()
        expect(page.get_by_test_id("chat-panel")).to_be_visible()
    page.wait_for_timeout(300)
    assert violations == []
