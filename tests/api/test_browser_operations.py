"""Support operations in a real browser: reports with charts, conversation review, knowledge edits,
and every console page under a strict Content-Security-Policy.

The gateway is the real one (as in test_browser_widget.py) with its own database and its own copy
of the search index (an admin's edit here rebuilds and publishes it). The scripted Rasa also
answers the tracker call, so buyer messages get their intent, and falls back on "gift" questions.
"""

from __future__ import annotations

import contextlib
import importlib.util
import shutil
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, Route, expect

pytestmark = pytest.mark.browser

PASSWORD = "browser-test-password"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def _unavailable_text() -> str:
    from bot.assistant import replies
    from bot.availability import AgentAvailability
    from bot.config import get_settings
    from bot.corpus import load_articles

    contact = replies.contact_article(load_articles(get_settings().articles_file))
    closed = AgentAvailability("closed", "Mon-Fri 09:00-18:00 (Europe/Berlin time)")
    return replies.handoff_unavailable_text("T-LATER", closed, contact)


UNAVAILABLE_TEXT = _unavailable_text()


def _load_browser_support() -> Any:
    path = Path(__file__).with_name("test_browser_widget.py")
    spec = importlib.util.spec_from_file_location("supportbot_browser_support_ops", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


support = _load_browser_support()
browser = support.browser
page = support.page


class TrackingRasa(support.ScriptedRasa):  # type: ignore[misc, name-defined]
    """The widget tests' scripted Rasa, plus intents (the tracker) and a fallback on "gift"."""

    def reply(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        if "after hours" in text.lower():  # what action_handoff answers when nobody is available
            self.received.append({"sender": sender, "message": text, "metadata": metadata})
            return [
                {"recipient_id": sender, "text": UNAVAILABLE_TEXT},
                {
                    "recipient_id": sender,
                    "custom": {"handoff": {"ticket_id": "T-LATER", "agent_available": False}},
                },
            ]
        if "gift" in text.lower():
            self.received.append({"sender": sender, "message": text, "metadata": metadata})
            return [
                {"recipient_id": sender, "text": "I'm not sure I have the right answer."},
                {"recipient_id": sender, "custom": {"fallback": "not_sure"}},
            ]
        return list(super().reply(sender, text, metadata))

    @staticmethod
    def intent_of(text: str) -> str:
        lowered = text.lower()
        if "gift" in lowered:
            return "nlu_fallback"
        if "person" in lowered:
            return "human_handoff"
        return "faq"

    def asgi_app(self) -> FastAPI:
        app = super().asgi_app()

        @app.get("/conversations/{sender}/tracker")
        async def tracker(sender: str, request: Request) -> dict[str, Any]:
            mine = [item for item in self.received if item["sender"] == sender]
            text = mine[-1]["message"] if mine else ""
            return {
                "latest_message": {"text": text, "intent": {"name": self.intent_of(text), "confidence": 0.9}}
            }

        return app


class OpsSite:
    def __init__(self, url: str, settings: Any) -> None:
        self.url = url
        self.settings = settings

    def say(self, session_id: str, text: str) -> dict[str, Any]:
        response = httpx.post(
            f"{self.url}/v1/chat", json={"session_id": session_id, "message": text}, timeout=30
        )
        response.raise_for_status()
        return dict(response.json())

    def agent(self, name: str, role: str = "agent") -> None:
        from bot.agents import AgentDirectory
        from bot.errors import InvalidField
        from bot.schemas.agents import CLI_ACTOR, Actor

        with contextlib.suppress(InvalidField):
            AgentDirectory.from_url(self.settings.database_url).add(
                name, role, actor=Actor(name=CLI_ACTOR, role="admin", via="cli"), password=PASSWORD
            )  # type: ignore[arg-type]

    def sign_in(self, page: Page, name: str = "sam", role: str = "agent", then: str = "") -> None:
        self.agent(name, role)
        page.goto(self.url + "/agent" + (f"?next={then}" if then else ""))
        page.get_by_test_id("name-input").fill(name)
        page.get_by_test_id("password-input").fill(PASSWORD)
        page.get_by_test_id("login-submit").click()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpsSite]:
    from api.main import create_app
    from bot.config import Settings, get_settings
    from bot.search import build_index, encoder_dir, index_dir, index_status

    work = tmp_path_factory.mktemp("ops")
    models = work / "models"
    models.mkdir()
    default = get_settings()
    if index_status(default) == "ok":  # `make pytest` builds it first; copying saves a rebuild
        # With the encoder it was embedded with, as in production: an edit then re-embeds only
        # the edited article (about 2 s), not all 2,700 entries with another encoder.
        if encoder_dir(default).is_dir():
            shutil.copytree(encoder_dir(default), encoder_dir(Settings(models_dir=models)))
        shutil.copytree(index_dir(default).resolve(), models / "faq")
    else:
        build_index(Settings(models_dir=models))
    rasa = TrackingRasa()
    with support.ThreadedServer(rasa.asgi_app()) as rasa_server:
        settings = Settings(
            env="development",
            db_url=f"sqlite:///{work / 'supportbot.db'}",
            models_dir=models,
            rasa_url=rasa_server.url,
            action_server_url=rasa_server.url,
            widget_secret=support.WIDGET_SECRET,
            admin_token=support.ADMIN_TOKEN,
            rate_limit="off",
            http_timeout=5.0,
        )
        with support.ThreadedServer(create_app(settings)) as gateway:
            yield OpsSite(gateway.url, settings)


def hold_conversations(site: OpsSite) -> dict[str, str]:
    tag = uuid.uuid4().hex[:8]
    sessions = {"answered": f"ans-{tag}", "missed": f"miss-{tag}", "handoff": f"hand-{tag}"}
    answered = site.say(sessions["answered"], "How long does delivery take?")
    httpx.post(
        f"{site.url}/v1/chat/feedback",
        json={
            "session_id": sessions["answered"],
            "message_id": answered["messages"][0]["id"],
            "helpful": True,
        },
        timeout=10,
    ).raise_for_status()
    site.say(sessions["missed"], f"do you sell gift cards {tag}? call me on +44 7700 900123")
    site.say(sessions["handoff"], "I want to talk to a person")
    return sessions


def summary(site: OpsSite) -> dict[str, Any]:
    response = httpx.get(
        f"{site.url}/v1/reports/summary",
        headers={"Authorization": f"Bearer {support.ADMIN_TOKEN}"},
        timeout=30,
    )
    response.raise_for_status()
    return dict(response.json())


def test_reports_chart_the_conversations_just_held(page: Page, site: OpsSite) -> None:
    hold_conversations(site)
    expected = summary(site)
    site.sign_in(page, then="/agent/reports")
    expect(page).to_have_url(f"{site.url}/agent/reports")

    expect(page.get_by_test_id("tile-conversations")).to_have_text(str(expected["conversations"]))
    charts = page.get_by_test_id("report-chart")
    expect(charts).to_have_count(4)
    for kind in ("rates", "volume", "intents", "articles"):
        chart = page.locator(f'[data-testid="report-chart"][data-chart="{kind}"]')
        expect(chart).to_be_visible()
        assert chart.locator("path, rect").count() > 0, kind
    today = page.locator('[data-chart="volume"] rect.bar').last
    assert int(today.get_attribute("data-value") or 0) == expected["daily"][-1]["conversations"]
    expect(page.get_by_test_id("unanswered-table")).to_contain_text("do you sell gift cards")
    expect(page.get_by_test_id("unanswered-table")).to_contain_text("[phone]")
    expect(page.get_by_test_id("unanswered-table")).not_to_contain_text("7700")

    href = page.get_by_test_id("csv-unanswered").get_attribute("href")
    assert href is not None
    exported = page.request.get(site.url + href)  # the agent's cookie, as a click would send it
    assert exported.headers["content-type"].startswith("text/csv")
    assert "[phone]" in exported.text()

    page.get_by_test_id("report-channel").select_option("whatsapp")
    page.get_by_test_id("report-apply").click()
    expect(page.get_by_test_id("tile-conversations")).to_have_text("0")
    assert "channel=whatsapp" in page.url

    page.get_by_test_id("report-since").fill("2026-03-05")
    page.get_by_test_id("report-until").fill("2026-03-01")
    page.get_by_test_id("report-apply").click()
    expect(page.get_by_test_id("report-error")).to_have_text("The start date must not be after the end date.")


def test_reports_need_a_signed_in_agent(page: Page, site: OpsSite) -> None:
    page.goto(site.url + "/agent/reports")
    expect(page.get_by_test_id("login-view")).to_be_visible()
    expect(page.get_by_test_id("login-error")).to_have_text("Sign in to continue.")
    assert httpx.get(f"{site.url}/v1/reports/summary", timeout=10).status_code == 401


def test_an_agent_labels_a_missed_question_in_review(page: Page, site: OpsSite) -> None:
    sessions = hold_conversations(site)
    site.sign_in(page, name="rita", then="/agent/review")
    page.get_by_test_id("review-reason").select_option("fallback")
    page.get_by_test_id("review-apply").click()
    item = page.locator(f'[data-testid="review-item"][data-session-id="{sessions["missed"]}"]')
    expect(item).to_contain_text("No answer")
    item.click()

    missed = page.locator('[data-testid="review-message"][data-fallback="true"]')
    expect(missed).to_have_count(1)
    expect(missed).to_contain_text("understood as Nlu fallback")
    missed.get_by_test_id("label-out-of-scope").click()
    expect(missed.get_by_test_id("label-status")).to_have_text("Out of scope (by rita)")

    missed.get_by_test_id("label-intent").select_option("faq")
    missed.get_by_test_id("label-article").select_option(label="How can I contact customer service?")
    missed.get_by_test_id("label-save").click()
    expect(missed.get_by_test_id("label-status")).to_contain_text("intent Faq")
    expect(missed.get_by_test_id("label-status")).to_contain_text("How can I contact customer service?")

    from bot.review import build_review_service

    pending = [p for p in build_review_service(site.settings).pending() if "gift cards" in p.text]
    assert [(p.intent, p.article_id, p.actor) for p in pending] == [
        ("faq", "how-can-i-contact-customer-service", "rita")
    ]


def test_an_admin_edit_is_answered_from_without_a_restart(page: Page, site: OpsSite) -> None:
    site.sign_in(page, name="ada", role="admin", then="/agent/knowledge")
    article_id = "what-is-arn"
    page.get_by_test_id("article-find").fill("ARN")
    page.locator(f'[data-testid="article-item"][data-article-id="{article_id}"]').click()
    title = page.get_by_test_id("edit-title")
    expect(title).to_have_value("What is ARN?")
    title.fill("What is an ARN (Acquirer Reference Number)?")
    text = page.get_by_test_id("edit-text")
    text.fill(
        text.input_value() + "\n\nAsk your bank for the ARN if the refund has not arrived after 20 days.\n"
    )
    page.get_by_test_id("edit-save").click()
    # The gateway is rebuilding the index meanwhile (one machine for browser, gateway and model).
    expect(page.get_by_test_id("edit-status")).to_contain_text("Saved", timeout=30_000)
    expect(page.get_by_test_id("index-status")).to_have_text("Search index is up to date", timeout=120_000)
    expect(page.get_by_test_id("edited-by")).to_contain_text("Last changed by ada", timeout=30_000)

    served = httpx.get(f"{site.url}/v1/faq/articles/{article_id}", timeout=10).json()
    assert served["title"] == "What is an ARN (Acquirer Reference Number)?"
    # A serving process swaps a published build in beside the requests, never inside one: the
    # first search after the publication may still be answered by the previous build.
    deadline = time.monotonic() + 60
    while True:
        found = httpx.get(
            f"{site.url}/v1/faq/search", params={"q": "Acquirer Reference Number"}, timeout=30
        ).json()
        if "Ask your bank for the ARN" in found["results"][0]["answer"] or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert found["results"][0]["id"] == article_id
    assert "Ask your bank for the ARN" in found["results"][0]["answer"]


def test_agents_read_articles_but_only_admins_change_them(page: Page, site: OpsSite) -> None:
    site.sign_in(page, name="sam", then="/agent/knowledge")
    expect(page.get_by_test_id("admin-note")).to_have_text(
        "Only admins can change articles; you can read them here."
    )
    expect(page.get_by_test_id("new-article")).to_be_hidden()
    page.locator('[data-testid="article-item"]').first.click()
    expect(page.get_by_test_id("edit-save")).to_have_count(0)


def test_every_console_page_works_under_a_strict_content_security_policy(page: Page, site: OpsSite) -> None:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    def with_csp(route: Route) -> None:
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": CSP})

    for path in ("/agent", "/agent/reports", "/agent/review", "/agent/knowledge"):
        page.route(f"{site.url}{path}", with_csp)
    hold_conversations(site)
    site.sign_in(page, name="csp", then="/agent/reports")
    expect(page.get_by_test_id("report-chart")).to_have_count(4)
    page.get_by_test_id("nav-review").click()
    expect(page.get_by_test_id("review-item").first).to_be_visible()
    page.get_by_test_id("nav-knowledge").click()
    expect(page.get_by_test_id("article-item").first).to_be_visible()
    page.get_by_test_id("nav-conversations").click()
    expect(page.get_by_test_id("console-view")).to_be_visible()
    assert violations == []


def test_when_nobody_is_available_the_widget_says_so_and_the_bot_keeps_answering(
    browser: Any, site: OpsSite
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        buyer = context.new_page()
        buyer.goto(site.url + "/")
        buyer.get_by_test_id("chat-launcher").click()
        support.send(buyer, "I need a person, even after hours")
        notice = buyer.get_by_test_id("handoff-notice")
        expect(notice).to_have_attribute("data-available", "false")
        expect(notice).to_contain_text("No agent available right now")
        reply = buyer.get_by_test_id("bot-message").first
        expect(reply).to_contain_text("our hours are Mon-Fri 09:00-18:00")
        expect(reply).to_contain_text("WhatsApp Customer Care (USA): +1 (470) 433-3018")
        expect(reply).to_contain_text("E-mail: CustomerCare@WISHALIVE.co")

        support.send(buyer, "How long does delivery take?")
        expect(buyer.get_by_test_id("bot-message")).to_have_count(2)
        expect(buyer.get_by_test_id("bot-message").last).to_contain_text(
            "Most parcels arrive within 7 to 15 days."
        )
        session_id = buyer.evaluate("window.SupportbotWidget.sessionId")
    finally:
        context.close()
    conversation = httpx.get(
        f"{site.url}/v1/agent/conversations/{session_id}",
        headers={"Authorization": f"Bearer {support.ADMIN_TOKEN}"},
        timeout=60,
    ).json()
    assert (conversation["status"], conversation["ticket_id"]) == ("bot", "T-LATER")
