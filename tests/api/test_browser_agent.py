"""The agent console in a real browser, against the real gateway (see test_browser_widget.py).

Buyers are simulated through the public chat API (and, for the reply round trip, through the
widget in a second browser context); the agent signs in by name and works the handoff queue.
"""

from __future__ import annotations

import contextlib
import importlib.util
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser


def _load_browser_support() -> Any:
    """The live-server, scripted-Rasa and browser fixtures live in the widget tests; reuse them."""
    path = Path(__file__).with_name("test_browser_widget.py")
    spec = importlib.util.spec_from_file_location("supportbot_browser_support", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module through sys.modules
    spec.loader.exec_module(module)
    return module


support = _load_browser_support()
site = support.site
browser = support.browser
page = support.page
Site = support.Site
ADMIN_TOKEN = support.ADMIN_TOKEN
PASSWORD = "browser-test-password"


def buyer_says(site: Site, session_id: str, text: str, customer_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"session_id": session_id, "message": text}
    if customer_id:
        body.update(customer_id=customer_id, customer_hash=support.customer_hash(customer_id))
    response = httpx.post(f"{site.url}/v1/chat", json=body, timeout=10)
    response.raise_for_status()
    return response.json()


def ensure_agent(site: Site, name: str, role: str = "agent") -> None:
    """Creates the agent unless an earlier test of this module did."""
    from bot.agents import AgentDirectory
    from bot.errors import InvalidField
    from bot.schemas.agents import CLI_ACTOR, Actor

    with contextlib.suppress(InvalidField):
        AgentDirectory.from_url(site.settings.database_url).add(
            name, role, actor=Actor(name=CLI_ACTOR, role="admin", via="cli"), password=PASSWORD
        )


def sign_in(page: Page, site: Site, name: str = "sam", password: str = PASSWORD) -> None:
    ensure_agent(site, name)
    page.goto(site.url + "/agent")
    page.get_by_test_id("name-input").fill(name)
    page.get_by_test_id("password-input").fill(password)
    page.get_by_test_id("login-submit").click()


def conversation(page: Page, session_id: str):
    return page.locator(f'[data-testid="conversation-item"][data-session-id="{session_id}"]')


def test_a_wrong_password_is_refused_with_a_message(page: Page, site: Site) -> None:
    sign_in(page, site, password="not-the-password")
    expect(page.get_by_test_id("login-error")).to_contain_text("That name and password were not accepted")
    expect(page.get_by_test_id("console-view")).to_be_hidden()
    assert page.context.cookies() == []


def test_the_console_lists_live_conversations_and_the_handoff_queue(page: Page, site: Site) -> None:
    chatting, waiting = f"chat-{uuid.uuid4()}", f"wait-{uuid.uuid4()}"
    buyer_says(site, chatting, "How long does delivery take?")
    buyer_says(site, waiting, "I want to talk to a person")

    sign_in(page, site)
    expect(page.get_by_test_id("console-view")).to_be_visible()
    queue = page.get_by_test_id("handoff-queue")
    expect(conversation(page, waiting)).to_have_count(1)
    expect(queue.locator(f'[data-session-id="{waiting}"] [data-testid="status-badge"]')).to_have_text(
        "Waiting"
    )
    live = page.get_by_test_id("conversation-list")
    expect(live.locator(f'[data-session-id="{chatting}"] [data-testid="status-badge"]')).to_have_text("Bot")
    expect(live.locator(f'[data-session-id="{chatting}"]')).to_contain_text("Anonymous visitor")

    # Auto-refresh: a buyer who asks for a person later shows up without a reload.
    later = f"later-{uuid.uuid4()}"
    buyer_says(site, later, "Can a person help me?")
    expect(queue.locator(f'[data-session-id="{later}"]')).to_be_visible(timeout=12_000)


def test_selecting_a_conversation_shows_transcript_and_assist(page: Page, site: Site) -> None:
    session_id = f"assist-{uuid.uuid4()}"
    buyer_says(site, session_id, "Can I cancel order 1001?", customer_id=support.ASSIST_CUSTOMER)
    # The same signed-in buyer: a session belongs to the customer who started it (anonymous gets 403).
    buyer_says(site, session_id, "I need a person", customer_id=support.ASSIST_CUSTOMER)

    sign_in(page, site)
    conversation(page, session_id).click()
    transcript = page.get_by_test_id("transcript")
    expect(transcript.locator('[data-role="customer"]')).to_have_count(2)
    expect(transcript).to_contain_text("Can I cancel order 1001?")
    expect(transcript.locator('[data-role="bot"]').first).to_contain_text(
        "Here is what I found for order 1001."
    )

    expect(page.get_by_test_id("intent-name")).to_have_text("Cancel order")
    expect(page.get_by_test_id("intent-confidence")).to_have_text("91% confidence")

    articles = page.get_by_test_id("assist-article")
    expect(articles).to_have_count(3)
    first_answer = articles.first.locator(".excerpt").inner_text()
    articles.first.get_by_test_id("insert-article").click()
    expect(page.get_by_test_id("reply-input")).to_have_value(first_answer)
    expect(page.get_by_test_id("reply-input")).to_be_focused()

    card = page.get_by_test_id("eligibility-card")
    expect(card).to_contain_text("1001")
    expect(card.get_by_test_id("eligibility-check")).to_have_count(4)

    suggestion = page.get_by_test_id("suggested-reply").first
    suggestion_text = suggestion.inner_text()
    suggestion.click()
    expect(page.get_by_test_id("reply-input")).to_have_value(f"{first_answer}\n\n{suggestion_text}")


def test_an_agent_reply_reaches_the_buyers_widget_and_close_hands_back(
    browser: Browser, page: Page, site: Site
) -> None:
    buyer_context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        buyer = buyer_context.new_page()
        support.open_widget(buyer, site.url + "/")
        support.send(buyer, "I want to talk to a person please")
        expect(buyer.get_by_test_id("handoff-notice")).to_be_visible()
        session_id = buyer.evaluate("window.SupportbotWidget.sessionId")

        sign_in(page, site)
        conversation(page, session_id).click()
        page.get_by_test_id("reply-input").fill("Hi, I'm Sam from support. Let me look into this.")
        page.get_by_test_id("reply-send").click()
        expect(page.get_by_test_id("reply-status")).to_have_text("Sent to the buyer.")
        expect(page.get_by_test_id("transcript").locator('[data-role="agent"]')).to_contain_text(
            "I'm Sam from support"
        )
        expect(page.get_by_test_id("thread-meta").get_by_test_id("status-badge")).to_have_text("With agent")

        reply = buyer.locator('[data-testid="bot-message"][data-role="agent"]')
        expect(reply).to_contain_text("Hi, I'm Sam from support. Let me look into this.", timeout=10_000)
        expect(reply).to_contain_text("Support agent")

        page.get_by_test_id("close-conversation").click()
        expect(page.get_by_test_id("reply-status")).to_contain_text("The bot is answering this buyer again")
        expect(page.get_by_test_id("thread-meta").get_by_test_id("status-badge")).to_have_text("Bot")
        expect(conversation(page, session_id).get_by_test_id("status-badge")).to_have_text("Bot")
    finally:
        buyer_context.close()


def test_an_ended_session_returns_to_the_login_form(page: Page, site: Site) -> None:
    from bot.agents import AgentDirectory
    from bot.schemas.agents import CLI_ACTOR, Actor

    sign_in(page, site, name="leaving")
    expect(page.get_by_test_id("console-view")).to_be_visible()
    expect(page.get_by_test_id("signed-in-agent")).to_have_text("leaving · agent")
    [cookie] = page.context.cookies()
    assert (cookie["name"], cookie["httpOnly"], cookie["sameSite"]) == ("supportbot_agent", True, "Strict")
    assert page.evaluate("document.cookie") == ""  # scripts cannot read the session

    AgentDirectory.from_url(site.settings.database_url).revoke(
        "leaving", actor=Actor(name=CLI_ACTOR, role="admin", via="cli")
    )
    page.reload()
    expect(page.get_by_test_id("login-view")).to_be_visible()
    # The next refresh of an open console notices too.
    expect(page.get_by_test_id("console-view")).to_be_hidden()


def test_signing_out_ends_the_session(page: Page, site: Site) -> None:
    sign_in(page, site)
    expect(page.get_by_test_id("console-view")).to_be_visible()
    [cookie] = page.context.cookies()
    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("login-view")).to_be_visible()
    expect(page.get_by_test_id("login-error")).to_contain_text("Sign in to continue")
    assert page.context.cookies() == []
    # The old cookie is worthless: the session ended on the server.
    reused = httpx.get(f"{site.url}/v1/agent/conversations", cookies={cookie["name"]: cookie["value"]})
    assert reused.status_code == 401
