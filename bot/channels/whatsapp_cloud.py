"""WhatsApp Cloud API (Meta): webhook signature, incoming messages and the send call."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

import httpx

from bot.channels.render import cloud_text
from bot.errors import DeliveryFailed

SIGNATURE_PREFIX = "sha256="


class ChannelDeliveryError(DeliveryFailed):
    """A reply could not be handed to the messaging provider."""


def signature_for(app_secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends for ``body``."""
    return SIGNATURE_PREFIX + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(app_secret: str, body: bytes, header: str | None) -> bool:
    """HMAC-SHA256 of the raw body with the app secret, compared in constant time."""
    if not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    return hmac.compare_digest(signature_for(app_secret, body), header.strip().lower())


@dataclass(frozen=True)
class IncomingMessage:
    message_id: str
    phone_number_id: str
    sender: str  # the buyer's WhatsApp id (their phone number in international format, digits only)
    text: str | None  # None for media and other types the assistant cannot read
    kind: str
    # A tapped reply button or list row: the id we gave the option (its payload, or an "sb:" reference
    # for a long one, see bot.channels.render.option_id); ``text`` is then the option's title.
    reply_id: str | None = None


def _text_of(message: dict[str, Any]) -> str | None:
    kind = message.get("type")
    if kind == "text":
        body = (message.get("text") or {}).get("body")
        return body if isinstance(body, str) else None
    if kind == "button":  # a quick-reply button on a template message
        button = message.get("button") or {}
        return button.get("text") or button.get("payload")
    if kind == "interactive":
        title = _interactive_reply(message).get("title")
        return str(title) if isinstance(title, str) and title.strip() else _reply_id(message)
    return None


def _interactive_reply(message: dict[str, Any]) -> dict[str, Any]:
    interactive = message.get("interactive")
    if not isinstance(interactive, dict):
        return {}
    reply = interactive.get("button_reply") or interactive.get("list_reply")
    return reply if isinstance(reply, dict) else {}


def _reply_id(message: dict[str, Any]) -> str | None:
    if message.get("type") != "interactive":
        return None
    reply_id = _interactive_reply(message).get("id")
    return reply_id if isinstance(reply_id, str) and reply_id else None


def parse_messages(payload: Any) -> list[IncomingMessage]:
    """Buyer messages in a webhook delivery; status updates and malformed entries are skipped."""
    found: list[IncomingMessage] = []
    if not isinstance(payload, dict):
        return found
    for entry in payload.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        for change in entry.get("changes") or []:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                continue
            phone_number_id = str((value.get("metadata") or {}).get("phone_number_id") or "")
            for message in value.get("messages") or []:
                if not isinstance(message, dict) or not message.get("id") or not message.get("from"):
                    continue
                if not phone_number_id:
                    continue
                found.append(
                    IncomingMessage(
                        message_id=str(message["id"]),
                        phone_number_id=phone_number_id,
                        sender=str(message["from"]),
                        text=_text_of(message),
                        kind=str(message.get("type") or "unknown"),
                        reply_id=_reply_id(message),
                    )
                )
    return found


class WhatsAppCloudClient:
    """Sends messages with the Cloud API's ``/{phone_number_id}/messages`` endpoint."""

    def __init__(
        self,
        api_url: str,
        access_token: str,
        *,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {access_token}"}
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout), transport=transport)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send_text(self, phone_number_id: str, to: str, text: str) -> None:
        await self.send(phone_number_id, cloud_text(to, text))

    async def send(self, phone_number_id: str, body: dict[str, Any]) -> None:
        """One send-API body as ``bot.channels.render`` makes them (text or interactive)."""
        url = f"{self.api_url}/{phone_number_id}/messages"
        try:
            response = await self._client.post(url, json=body, headers=self._headers)
        except httpx.HTTPError as exc:
            raise ChannelDeliveryError(
                f"WhatsApp Cloud API not reachable at {url}: {exc.__class__.__name__}"
            ) from exc
        if response.status_code >= 400:
            raise ChannelDeliveryError(f"WhatsApp Cloud API refused the message: HTTP {response.status_code}")
