"""WhatsApp through Twilio: request signatures, TwiML replies and the Messages REST call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

import httpx

from bot.channels.whatsapp_cloud import ChannelDeliveryError


def validate_signature(auth_token: str, url: str, params: Mapping[str, str], signature: str | None) -> bool:
    """Twilio's own ``RequestValidator`` (HMAC-SHA1 of the URL and the sorted form fields)."""
    if not signature:
        return False
    from twilio.request_validator import RequestValidator

    return bool(RequestValidator(auth_token).validate(url, dict(params), signature))


def twiml(messages: Sequence[str]) -> str:
    """``<Response><Message>...</Message></Response>``; text is XML-escaped."""
    body = "".join(f"<Message>{escape(text)}</Message>" for text in messages if text)
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>'


class TwilioClient:
    """Sends WhatsApp messages outside a webhook reply (agent answers) with Twilio's REST API."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        timeout: float,
        api_url: str = "https://api.twilio.com",
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = f"{api_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout), transport=transport, auth=(account_sid, auth_token)
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send_whatsapp(self, from_: str, to: str, text: str) -> None:
        """``from_`` and ``to`` are addresses like ``whatsapp:+14155238886``."""
        try:
            response = await self._client.post(self.url, data={"From": from_, "To": to, "Body": text})
        except httpx.HTTPError as exc:
            raise ChannelDeliveryError(f"Twilio not reachable: {exc.__class__.__name__}") from exc
        if response.status_code >= 400:
            raise ChannelDeliveryError(f"Twilio refused the message: HTTP {response.status_code}")
