"""Async client for the Rasa server (REST channel, NLU parse, status, tracker) and the action server.

The gateway, agent assist and the chat benchmark talk to Rasa only through this class, so a
timeout or a refused connection always becomes ``RasaUnavailable`` with a message that names
the server, never a raw httpx error.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from bot.errors import Unavailable


class RasaUnavailable(Unavailable):
    """Rasa (or the action server) did not answer, timed out or answered with an error."""


class RasaClient:
    """One pooled ``httpx.AsyncClient`` per process; every call uses ``timeout`` seconds.

    ``token`` is Rasa's HTTP API token (``rasa run --auth-token``, ``SUPPORTBOT_RASA_TOKEN``), sent
    where Rasa asks for it (status, parse, trackers); the REST channel webhook takes none.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float,
        action_server_url: str | None = None,
        token: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 100,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.action_server_url = action_server_url.rstrip("/") if action_server_url else None
        # Rasa reads its token from the query string only; it stays on loopback.
        self._auth = {"token": token} if token else {}
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            transport=transport,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _request(self, method: str, url: str, what: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._client.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            raise RasaUnavailable(f"{what} did not answer in time ({url})") from exc
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"{what} is not reachable at {url}: {exc.__class__.__name__}") from exc
        if response.status_code == 401:
            raise RasaUnavailable(
                f"{what} refused {url}: SUPPORTBOT_RASA_TOKEN is missing or is not its --auth-token"
            )
        if response.status_code >= 400:
            raise RasaUnavailable(f"{what} answered HTTP {response.status_code} for {url}")
        return response

    @staticmethod
    def _json(response: httpx.Response, what: str) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise RasaUnavailable(f"{what} answered with something that is not JSON") from exc

    async def send_message(self, sender: str, message: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """One buyer turn through Rasa's REST channel; returns the bot's messages in order."""
        url = f"{self.base_url}/webhooks/rest/webhook"
        body = {"sender": sender, "message": message, "metadata": metadata}
        data = self._json(await self._request("POST", url, "Rasa", json=body), "Rasa")
        if not isinstance(data, list):
            raise RasaUnavailable("Rasa's REST channel answered with something other than a list of messages")
        return [item for item in data if isinstance(item, dict)]

    async def parse(self, text: str) -> dict[str, Any]:
        """NLU only (``/model/parse``): intent, ranking and entities, without touching a tracker."""
        url = f"{self.base_url}/model/parse"
        response = await self._request("POST", url, "Rasa", json={"text": text}, params=self._auth)
        data = self._json(response, "Rasa")
        if not isinstance(data, dict):
            raise RasaUnavailable("Rasa's /model/parse answered with something other than an object")
        return data

    async def status(self) -> dict[str, Any]:
        response = await self._request("GET", f"{self.base_url}/status", "Rasa", params=self._auth)
        data = self._json(response, "Rasa")
        return data if isinstance(data, dict) else {}

    async def tracker(self, sender: str, *, include_events: str = "ALL") -> dict[str, Any]:
        url = f"{self.base_url}/conversations/{quote(sender, safe='')}/tracker"
        response = await self._request(
            "GET", url, "Rasa", params={"include_events": include_events, **self._auth}
        )
        data = self._json(response, "Rasa")
        return data if isinstance(data, dict) else {}

    async def count_user_messages(self, sender: str) -> int:
        """How many buyer turns Rasa's tracker store holds for this conversation."""
        tracker = await self.tracker(sender, include_events="ALL")
        return sum(1 for event in tracker.get("events") or [] if event.get("event") == "user")

    async def action_server_health(self) -> bool:
        """True when the action server's ``/health`` answers 200."""
        if not self.action_server_url:
            raise RasaUnavailable("no action server URL is configured")
        await self._request("GET", f"{self.action_server_url}/health", "The action server")
        return True


def model_loaded(status: dict[str, Any]) -> bool:
    """Rasa's ``/status`` names the model file once a model is loaded."""
    return bool(status.get("model_file") or status.get("model_id"))
