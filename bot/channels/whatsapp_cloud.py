"""WhatsApp Cloud API (Meta): webhook signature, incoming messages and the send call."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

import httpx

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


def _text_of(message: dict[str, Any]) -> str | None:
    kind = message.get("type")
    if kind == "text":
        body = (message.get("text") or {}).get("body")
        return body if isinstance(body, str) else None
    if kind == "button":  # a quick-reply button on a template message
        button = message.get("button") or {}
        return button.get("text") or button.get("payload")
    if kind == "interactive":
        interactive = message.get("interactive") or {}
        reply = interactive.get("button_reply") or interactive.get("list_reply") or {}
        return reply.get("title") or reply.get("id")
    return None


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
                    )
                )
    return found


class WhatsAppCloudClient:
    """Sends text messages with the Cloud API's ``/{phone_number_id}/messages`` endpoint."""

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
        url = f"{self.api_url}/{phone_number_id}/messages"
        body = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "text",
            "text": {"preview_url": False, "body": text},
        }
        try:
            response = await self._client.post(url, json=body, headers=self._headers)
        except httpx.HTTPError as exc:
            raise ChannelDeliveryError(
                f"WhatsApp Cloud API not reachable at {url}: {exc.__class__.__name__}"
            ) from exc
        if response.status_code >= 400:
            raise ChannelDeliveryError(f"WhatsApp Cloud API refused the message: HTTP {response.status_code}")
