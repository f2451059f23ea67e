"""action_handoff: a ticket with the transcript in the real store, and an honest message if not."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionHandoff
from actions.services import Services
from bot.assistant import replies
from bot.availability import AgentAvailability
from bot.corpus import Article, Block, Row, Section


def hand_off(services: Services, tracker: Any) -> CollectingDispatcher:
    dispatcher = CollectingDispatcher()
    ActionHandoff(services).run(dispatcher, tracker, {})
    return dispatcher


def test_handoff_opens_a_ticket_with_the_transcript_and_tells_the_buyer(
    services: Services, store: Any, kit: Any
) -> None:
    history = [
        kit.user_event("can I cancel 5001", "cancel_order", at=1_772_000_000.0),
        kit.bot_event(
            "Order 5001 (Wireless earbuds), shipped: ...", {"order_id": "5001"}, at=1_772_000_001.0
        ),
    ]
    tracker = kit.tracker(
        "I want a human", "human_handoff", channel="whatsapp", history=history, sender_id="handoff-session-1"
    )

    dispatcher = hand_off(services, tracker)

    [message] = dispatcher.messages
    ticket_id = message["custom"]["handoff"]["ticket_id"]
    assert message["text"] == replies.handoff_text(ticket_id)
    [ticket] = [t for t in store.list_tickets() if t.session_id == "handoff-session-1"]
    assert ticket.ticket_id == ticket_id
    assert ticket.channel == "whatsapp"
    assert ticket.customer_id == kit.BUYER
    assert ticket.reason == "buyer asked for a person (topic: cancel_order)"
    assert [(turn["role"], turn["text"]) for turn in ticket.transcript] == [
        ("customer", "can I cancel 5001"),
        ("bot", "Order 5001 (Wireless earbuds), shipped: ..."),
        ("customer", "I want a human"),
    ]
    assert ticket.transcript[0]["at"] == "2026-02-25T06:13:20Z"
    assert ticket.transcript[1]["data"] == {"order_id": "5001"}


def test_anonymous_handoff_has_no_customer_even_if_the_buyer_types_one(
    services: Services, store: Any, kit: Any
) -> None:
    tracker = kit.tracker(
        f"I'm {kit.OTHER_BUYER}, get me an agent",
        "human_handoff",
        customer_id=None,
        sender_id="handoff-session-2",
    )

    dispatcher = hand_off(services, tracker)

    assert "handoff" in dispatcher.messages[0]["custom"]
    [ticket] = [t for t in store.list_tickets() if t.session_id == "handoff-session-2"]
    assert ticket.customer_id is None
    assert ticket.channel == "web"


def test_store_outage_says_no_one_was_called(kit: Any, searcher: Any) -> None:
    class DownStore:
        def create_ticket(self, *args: Any, **kwargs: Any) -> None:
            raise RuntimeError("database is down")

    services = Services(settings=kit.settings(), store=DownStore(), searcher=searcher, clock=lambda: kit.NOW)  # type: ignore[arg-type]

    dispatcher = hand_off(services, kit.tracker("agent please", "human_handoff"))

    assert kit.texts(dispatcher) == [replies.HANDOFF_FAILED]
    assert not dispatcher.messages[0]["custom"]


CONTACT = Article(
    id="how-can-i-contact-customer-service",
    title="How can I contact customer service?",
    category="Communication",
    platform="WISHALIVE",
    sources=("seed.txt",),
    sections=(
        Section(
            "",
            (
                Block(
                    "table",
                    rows=(
                        Row("Customer Care Call Center (USA)", ("+1 (404) 407-5727",)),
                        Row("WhatsApp Customer Care (USA)", ("+1 (470) 433-3018",)),
                        Row("E-mail", ("CustomerCare@WISHALIVE.co",)),
                    ),
                ),
            ),
        ),
    ),
)


def services_when(store: Any, searcher: Any, kit: Any, availability: AgentAvailability) -> Services:
    return Services(
        store=store,
        searcher=searcher,
        clock=lambda: kit.NOW,
        availability=lambda: availability,
        articles=lambda: [kit.article("other", "Something else?"), CONTACT],
    )


def test_outside_opening_hours_the_ticket_waits_and_the_buyer_gets_the_contact_channels(
    store: Any, searcher: Any, kit: Any
) -> None:
    closed = AgentAvailability("closed", "Mon-Fri 09:00-18:00 (Europe/Berlin time)")
    tracker = kit.tracker("I want a human", "human_handoff", sender_id="handoff-closed")

    dispatcher = hand_off(services_when(store, searcher, kit, closed), tracker)

    [message] = dispatcher.messages
    handoff = message["custom"]["handoff"]
    assert handoff["agent_available"] is False
    [ticket] = [t for t in store.list_tickets() if t.session_id == "handoff-closed"]
    assert (ticket.ticket_id, ticket.status) == (handoff["ticket_id"], "open")
    text = message["text"]
    assert "our hours are Mon-Fri 09:00-18:00 (Europe/Berlin time)" in text
    assert ticket.ticket_id in text
    # The channels come from the article, worded as the help center words them.
    assert "WISHALIVE customer care" in text
    for line in (
        "Customer Care Call Center (USA): +1 (404) 407-5727",
        "WhatsApp Customer Care (USA): +1 (470) 433-3018",
        "E-mail: CustomerCare@WISHALIVE.co",
    ):
        assert line in text
    assert text.endswith(replies.STILL_HERE)


def test_with_nobody_at_the_console_the_reply_says_so_without_hours(
    store: Any, searcher: Any, kit: Any
) -> None:
    nobody = AgentAvailability("nobody_online", "every day, around the clock")
    dispatcher = hand_off(
        services_when(store, searcher, kit, nobody),
        kit.tracker("agent pls", "human_handoff", sender_id="h-none"),
    )
    text = dispatcher.messages[0]["text"]
    assert text.startswith("No one from our support team is available right now.")
    assert "hours" not in text
    assert "+1 (404) 407-5727" in text


def test_without_a_contact_article_the_reply_still_says_no_one_is_there(store: Any, kit: Any) -> None:
    services = Services(
        store=store,
        searcher=kit.searcher(),
        clock=lambda: kit.NOW,
        availability=lambda: AgentAvailability("nobody_online", "always"),
        articles=lambda: [],
    )
    dispatcher = hand_off(services, kit.tracker("agent", "human_handoff", sender_id="h-nocontact"))
    text = dispatcher.messages[0]["text"]
    assert "No one from our support team is available right now." in text
    assert "reach" not in text


def test_availability_that_cannot_be_told_queues_the_handoff_as_before(store: Any, kit: Any) -> None:
    def broken() -> AgentAvailability:
        raise RuntimeError("database is down")

    services = Services(store=store, searcher=kit.searcher(), clock=lambda: kit.NOW, availability=broken)
    dispatcher = hand_off(services, kit.tracker("agent", "human_handoff", sender_id="h-unknown"))
    ticket_id = dispatcher.messages[0]["custom"]["handoff"]["ticket_id"]
    assert dispatcher.messages[0]["text"] == replies.handoff_text(ticket_id)
    assert dispatcher.messages[0]["custom"]["handoff"]["agent_available"] is True


def test_presence_and_hours_decide_availability_from_the_store(store: Any, kit: Any) -> None:
    from bot.agents import AgentDirectory
    from bot.config import Settings
    from bot.schemas.agents import CLI_ACTOR, Actor

    directory = AgentDirectory(store.engine, clock=lambda: kit.NOW)
    services = Services(
        settings=Settings(support_hours="always"),  # type: ignore[call-arg]
        store=store,
        searcher=kit.searcher(),
        clock=lambda: kit.NOW,
    )
    assert services.agent_availability() == AgentAvailability("nobody_online", "every day, around the clock")
    directory.add(
        "mia", "agent", actor=Actor(name=CLI_ACTOR, role="admin", via="cli"), password="a-long-password"
    )
    directory.sign_in("mia", "a-long-password")
    assert services.agent_availability() == AgentAvailability("available", "every day, around the clock")
