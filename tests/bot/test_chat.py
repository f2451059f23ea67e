"""The conversation service without the gateway: ownership, limits, the handoff and where replies go."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot import db
from bot.agents import AgentDirectory
from bot.chat import ChatService, twilio_session, whatsapp_cloud_session
from bot.conversations import ConversationLog
from bot.errors import DeliveryFailed, Forbidden, InvalidField, NotFound
from bot.orders.store import OrderStore
from bot.rasa_client import RasaClient
from bot.schemas.agents import ADMIN_TOKEN_ACTOR, Actor

MACHINE = Actor(name=ADMIN_TOKEN_ACTOR, role="admin", via="token")


class Metrics:
    """Stands in for the gateway's Prometheus metrics."""

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    def __getattr__(self, name: str) -> Any:
        def record(*args: Any, **kwargs: Any) -> None:
            self.events.append((name, *args, *kwargs.values()))

        return record


class WhatsApp:
    """Stands in for the Cloud API client: records what would have been sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    async def send_text(self, phone_number_id: str, to: str, text: str) -> None:
        self.sent.append((phone_number_id, to, text))


def rasa_reply(request: httpx.Request) -> httpx.Response:
    text = request.read().decode()
    if "nobody" in text:  # the handoff action found no agent available
        return httpx.Response(
            200,
            json=[
                {"text": "No one is available right now."},
                {"custom": {"handoff": {"ticket_id": "T-LATER", "agent_available": False}}},
            ],
        )
    if "person" in text:
        return httpx.Response(
            200, json=[{"text": "Connecting you."}, {"custom": {"handoff": {"ticket_id": None}}}]
        )
    return httpx.Response(200, json=[{"text": "Hello!"}])


@pytest.fixture
def service(tmp_path: Path) -> Iterator[ChatService]:
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    db.migrate(url)
    engine = db.get_engine(url)
    rasa = RasaClient("http://rasa.test", timeout=5, transport=httpx.MockTransport(rasa_reply))
    yield ChatService(
        rasa=rasa,
        conversations=ConversationLog(engine),
        store=OrderStore(engine),
        metrics=Metrics(),
        max_message_chars=50,
        whatsapp=WhatsApp(),  # type: ignore[arg-type]
        agents=AgentDirectory(engine),
    )
    asyncio.run(rasa.aclose())
    db.dispose_engine(url)


def test_a_conversation_belongs_to_its_first_channel_and_customer(service: ChatService) -> None:
    asyncio.run(service.handle_turn("s-1", "hi", channel="web", customer_id="C1"))
    for channel, customer in (("web", "C2"), ("web", None), ("whatsapp", "C1")):
        with pytest.raises(Forbidden):
            asyncio.run(service.handle_turn("s-1", "hi", channel=channel, customer_id=customer))


def test_a_message_over_the_limit_is_refused_before_anything_is_logged(service: ChatService) -> None:
    with pytest.raises(InvalidField) as error:
        asyncio.run(service.handle_turn("s-2", "x" * 51, channel="web", customer_id=None))
    assert error.value.field == "message"
    assert service.conversations.get_conversation("s-2") is None


def test_handoff_then_an_agent_then_back_to_the_bot(service: ChatService) -> None:
    turn = asyncio.run(service.handle_turn("s-3", "a person please", channel="web", customer_id=None))
    assert turn.forwarded
    assert service.conversations.get_conversation("s-3").status == "handoff"
    ticket = service.store.create_ticket("s-3", "web", None, "asked for a person", [])

    assert service.agents is not None
    anna, _ = service.agents.add("anna", "agent", actor=MACHINE)
    actor = Actor(agent_id=anna.agent_id, name="anna", role="agent", via="session")
    reply = asyncio.run(service.agent_reply("s-3", "Anna here, how can I help?", actor))
    assert reply.message.author == "anna"
    assert service.store.get_open_ticket("s-3").status == "assigned"  # type: ignore[union-attr]
    assert service.conversations.messages("s-3")[-1].author == "anna"
    held = asyncio.run(service.handle_turn("s-3", "my parcel", channel="web", customer_id=None))
    assert not held.forwarded
    assert held.messages == []

    asyncio.run(service.close("s-3", actor))
    assert service.store.get_open_ticket("s-3") is None
    assert [t.status for t in service.store.list_tickets()] == ["closed"]
    trail = [(e["actor"], e["action"], e["subject"]) for e in service.agents.audit_trail()][::-1]
    assert trail[1:] == [
        ("anna", "ticket.assigned", ticket.ticket_id),
        ("anna", "conversation.reply", "s-3"),
        ("anna", "ticket.closed", ticket.ticket_id),
        ("anna", "conversation.close", "s-3"),
    ]
    assert ticket.status == "open"
    assert asyncio.run(service.handle_turn("s-3", "thanks", channel="web", customer_id=None)).forwarded


def test_a_handoff_nobody_can_take_keeps_the_ticket_and_the_bot_answers_on(service: ChatService) -> None:
    asyncio.run(service.handle_turn("s-9", "a person please, nobody?", channel="web", customer_id=None))
    conversation = service.conversations.get_conversation("s-9")
    assert conversation is not None
    assert (conversation.status, conversation.ticket_id) == ("bot", "T-LATER")

    follow_up = asyncio.run(
        service.handle_turn("s-9", "how long is delivery", channel="web", customer_id=None)
    )
    assert follow_up.forwarded
    assert [m.text for m in follow_up.messages] == ["Hello!"]


def test_agent_replies_go_to_the_address_stored_with_the_conversation(service: ChatService) -> None:
    session_id, address = whatsapp_cloud_session("1098765", "+49 151 12345678", "C1")
    asyncio.run(
        service.handle_turn(session_id, "hello", channel="whatsapp", customer_id="C1", address=address)
    )
    asyncio.run(service.agent_reply(session_id, "Anna here", MACHINE))
    assert service.whatsapp.sent == [("1098765", "4915112345678", "Anna here")]  # type: ignore[union-attr]


def test_a_provider_without_credentials_is_a_delivery_failure_and_nothing_is_logged(
    service: ChatService,
) -> None:
    session_id, address = twilio_session("whatsapp:+14155238886", "whatsapp:+34612345678", None)
    asyncio.run(
        service.handle_turn(session_id, "hola", channel="whatsapp", customer_id=None, address=address)
    )
    with pytest.raises(DeliveryFailed, match="TWILIO_ACCOUNT_SID"):
        asyncio.run(service.agent_reply(session_id, "Hola", MACHINE))
    assert [m.role for m in service.conversations.messages(session_id)] == ["customer", "bot"]


def test_unknown_conversations_are_not_found(service: ChatService) -> None:
    with pytest.raises(NotFound):
        asyncio.run(service.close("nobody", MACHINE))
    with pytest.raises(NotFound):
        asyncio.run(service.rate("nobody", 1, True, None))


def test_a_typed_number_or_title_picks_the_option_the_bot_offered_last(tmp_path: Path) -> None:
    def offers(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json=[
                {
                    "text": "Which one?",
                    "buttons": [
                        {"title": "Track my order", "payload": "/track_order"},
                        {"title": "Talk to a person", "payload": "/human_handoff"},
                    ],
                }
            ],
        )

    url = f"sqlite:///{tmp_path / 'options.db'}"
    db.migrate(url)
    engine = db.get_engine(url)
    sent: list[str] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content)["message"])
        return offers(request)

    rasa = RasaClient("http://rasa.test", timeout=5, transport=httpx.MockTransport(record))
    service = ChatService(
        rasa=rasa,
        conversations=ConversationLog(engine),
        store=OrderStore(engine),
        metrics=Metrics(),
        max_message_chars=50,
    )
    _, address = twilio_session("+14155238886", "+4915112345678", None)

    async def say(text: str, reply_id: str | None = None) -> None:
        option = await service.option_for("wa-1", text, reply_id=reply_id)
        await service.handle_turn(
            "wa-1", text, channel="whatsapp", customer_id=None, address=address, option=option
        )

    async def conversation() -> None:
        assert await service.option_for("wa-1", "1") is None  # nothing offered yet
        await say("help")
        await say("2")
        await say("track my order")
        await say("9")
        logged = service.conversations.latest_bot_turn("wa-1")[-1]
        await say("The big one", reply_id=f"sb:{logged.id}:0")
        assert await service.option_for("wa-1", "x", reply_id=f"sb:{logged.id}:5") is None
        service.conversations.set_status("wa-1", "agent")
        assert await service.option_for("wa-1", "1") is None  # a person has the conversation

    asyncio.run(conversation())
    asyncio.run(rasa.aclose())
    db.dispose_engine(url)
    assert sent == ["help", "/human_handoff", "/track_order", "9", "/track_order"]
