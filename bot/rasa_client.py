"""Async client for the Rasa servers (gateway channel, REST channel, NLU parse, status, tracker)
and the action server.

The gateway, agent assist and the chat benchmark talk to Rasa only through this class, so a
timeout or a refused connection always becomes ``RasaUnavailable`` with a message that names
the server, never a raw httpx error.

Replicas: the client is given one or more Rasa base URLs (``SUPPORTBOT_RASA_URL``, comma-separated).
A conversation's turns go to the replica its session id hashes to, so one replica usually holds
a conversation and its lock; a replica that refuses connections is skipped for
``DOWN_SECONDS`` and its conversations go to the next one (the shared tracker store and Redis lock
store keep them consistent and in order). A replica that dies in the middle of a turn is asked
about on the next replica: if the turn reached the tracker store (its ``message_id`` is there)
its answer is read back from the tracker, otherwise the turn is sent again. A timeout is never
retried, since the turn may still be running.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from bot.errors import Unavailable

GATEWAY_WEBHOOK = "/webhooks/gateway/webhook"
DOWN_SECONDS = 5.0
# Below Sanic's keep-alive timeout (5 s), so the client never reuses a connection the server is
# closing at that moment (which would look like a replica dying mid-turn).
KEEPALIVE_SECONDS = 2.0
HEALTH_TIMEOUT_SECONDS = 2.0


class RasaUnavailable(Unavailable):
    """Rasa (or the action server) did not answer, timed out or answered with an error."""


@dataclass(frozen=True)
class RasaTurn:
    """One buyer turn as Rasa handled it: its messages (REST channel shape) and what it recognised."""

    messages: list[dict[str, Any]]
    intent: str | None = None
    confidence: float = 0.0
    replica: str = ""
    nlu_seconds: float | None = None  # Rasa's NLU parse
    dialogue_seconds: float | None = None  # the rest in Rasa: lock, tracker store, policies, actions
    recovered: bool = False  # read back from the tracker after the replica died mid-turn


def replica_urls(urls: str | Sequence[str]) -> list[str]:
    items = urls.split(",") if isinstance(urls, str) else list(urls)
    found = [url.strip().rstrip("/") for url in items if url.strip()]
    if not found:
        raise ValueError("at least one Rasa URL is needed")
    return found


class RasaClient:
    """One pooled ``httpx.AsyncClient`` per process; every call uses ``timeout`` seconds.

    ``token`` is Rasa's HTTP API token (``rasa run --auth-token``, ``SUPPORTBOT_RASA_TOKEN``), sent
    to whichever replica is asked where Rasa wants it (status, parse, trackers, also when reading
    a turn back after a replica died). The channels' webhooks (gateway and REST) and the gateway
    channel's readiness take none: the signed identity in a turn's metadata is what the actions
    trust, not who could reach Rasa.
    """

    def __init__(
        self,
        base_url: str | Sequence[str],
        *,
        timeout: float,
        action_server_url: str | None = None,
        token: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 100,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.replicas = replica_urls(base_url)
        self.base_url = self.replicas[0]
        self.action_server_url = action_server_url.rstrip("/") if action_server_url else None
        self._clock = clock
        self._down_until: dict[str, float] = {}
        # Rasa reads its token from the query string only; it stays on loopback (or the cluster's
        # network). Every replica gets it: they all run with the same SUPPORTBOT_RASA_TOKEN.
        self._auth = {"token": token} if token else {}
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            transport=transport,
            limits=httpx.Limits(
                max_connections=max_connections,
                max_keepalive_connections=max_connections,
                keepalive_expiry=KEEPALIVE_SECONDS,
            ),
        )

    # -------------------------------------------------------------- replicas

    def replica_order(self, sender: str) -> list[str]:
        """The replicas to try for ``sender``'s turn: its own first, then the next ones; replicas
        seen down recently go last (still tried, in case every one was marked down)."""
        start = zlib.crc32(sender.encode("utf-8")) % len(self.replicas)
        ring = self.replicas[start:] + self.replicas[:start]
        now = self._clock()
        up = [url for url in ring if self._down_until.get(url, 0.0) <= now]
        return up + [url for url in ring if url not in up]

    def mark_down(self, url: str) -> None:
        self._down_until[url] = self._clock() + DOWN_SECONDS

    def mark_up(self, url: str) -> None:
        self._down_until.pop(url, None)

    async def handle_turn(
        self, sender: str, message: str, metadata: dict[str, Any], *, turn_id: str
    ) -> RasaTurn:
        """One buyer turn through the gateway channel (``rasa_server.channel``) of a replica.

        ``turn_id`` is stored as the user event's ``message_id``; it is what makes a turn whose
        replica died recognisable on another replica, so it is handled once.
        """
        body = {"sender": sender, "message": message, "metadata": metadata, "message_id": turn_id}
        problems: list[str] = []
        for url in self.replica_order(sender):
            endpoint = f"{url}{GATEWAY_WEBHOOK}"
            try:
                response = await self._client.post(endpoint, json=body)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                # Nothing was sent: the next replica can take the turn.
                self.mark_down(url)
                problems.append(f"{url}: {exc.__class__.__name__}")
                continue
            except httpx.TimeoutException as exc:
                raise RasaUnavailable(f"Rasa did not answer in time ({endpoint})") from exc
            except httpx.HTTPError as exc:
                # The connection broke mid-turn: the replica probably died. The turn may or may
                # not have reached the tracker store; the next replica is asked before retrying.
                self.mark_down(url)
                problems.append(f"{url}: {exc.__class__.__name__}")
                recovered = await self._recover(sender, turn_id, exclude=url)
                if recovered is not None:
                    return recovered
                continue
            if response.status_code >= 400:
                raise RasaUnavailable(f"Rasa answered HTTP {response.status_code} for {endpoint}")
            self.mark_up(url)
            return _turn_from_channel(self._json(response, "Rasa"), url)
        raise RasaUnavailable("no Rasa replica answered (" + "; ".join(problems) + ")")

    async def _recover(self, sender: str, turn_id: str, *, exclude: str) -> RasaTurn | None:
        """The turn ``turn_id`` as the tracker store holds it, asked of another replica; None when
        it is not there (or no other replica answers), so it can be sent again."""
        for url in self.replica_order(sender):
            if url == exclude:
                continue
            try:
                tracker = await self.tracker(sender, include_events="ALL", base_url=url)
            except RasaUnavailable:
                continue
            return turn_from_tracker(tracker, turn_id, url)
        return None

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _request(
        self, method: str, url: str, what: str, *, timeout: float | None = None, **kwargs: Any
    ) -> httpx.Response:
        if timeout is not None:
            kwargs["timeout"] = httpx.Timeout(timeout)
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

    async def status(self, base_url: str | None = None) -> dict[str, Any]:
        url = f"{base_url or self.base_url}/status"
        response = await self._request("GET", url, "Rasa", timeout=HEALTH_TIMEOUT_SECONDS, params=self._auth)
        data = self._json(response, "Rasa")
        return data if isinstance(data, dict) else {}

    async def replica_ready(self, base_url: str) -> None:
        """Returns when the replica's gateway channel is ready (model loaded and warmed up);
        ``RasaUnavailable`` saying why otherwise."""
        url = f"{base_url}{GATEWAY_WEBHOOK.rsplit('/', 1)[0]}/"
        try:
            response = await self._client.get(url, timeout=httpx.Timeout(HEALTH_TIMEOUT_SECONDS))
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"Rasa is not reachable at {url}: {exc.__class__.__name__}") from exc
        if response.status_code != 200:
            try:
                state = str(response.json().get("status") or response.status_code)
            except ValueError:
                state = f"HTTP {response.status_code}"
            raise RasaUnavailable(f"Rasa at {base_url} is {state}")

    async def tracker(
        self, sender: str, *, include_events: str = "ALL", base_url: str | None = None
    ) -> dict[str, Any]:
        url = f"{base_url or self.base_url}/conversations/{quote(sender, safe='')}/tracker"
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
        await self._request(
            "GET", f"{self.action_server_url}/health", "The action server", timeout=HEALTH_TIMEOUT_SECONDS
        )
        return True


def _turn_from_channel(data: Any, replica: str) -> RasaTurn:
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        raise RasaUnavailable("Rasa's gateway channel answered with something other than its messages")
    intent = _object(data.get("intent"))
    timing = _object(data.get("timing"))
    name = intent.get("name")
    return RasaTurn(
        messages=[item for item in data["messages"] if isinstance(item, dict)],
        intent=name if isinstance(name, str) and name else None,
        confidence=float(intent.get("confidence") or 0.0),
        replica=replica,
        nlu_seconds=_seconds(timing.get("nlu")),
        dialogue_seconds=_seconds(timing.get("dialogue")),
    )


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _seconds(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def turn_from_tracker(tracker: dict[str, Any], turn_id: str, replica: str = "") -> RasaTurn | None:
    """The answer to the user event whose ``message_id`` is ``turn_id``: the bot events after it,
    up to the next user event, in the REST channel's shape (text and buttons, then the custom
    payload as a message of its own). None when no such user event is stored."""
    events = tracker.get("events") or []
    start = next(
        (
            index
            for index, event in enumerate(events)
            if isinstance(event, dict) and event.get("event") == "user" and event.get("message_id") == turn_id
        ),
        None,
    )
    if start is None:
        return None
    user = events[start]
    intent = ((user.get("parse_data") or {}).get("intent")) or {}
    messages: list[dict[str, Any]] = []
    for event in events[start + 1 :]:
        if not isinstance(event, dict):
            continue
        if event.get("event") == "user":
            break
        if event.get("event") != "bot":
            continue
        data = _object(event.get("data"))
        item: dict[str, Any] = {}
        if event.get("text"):
            item["text"] = event["text"]
        if data.get("buttons"):
            item["buttons"] = data["buttons"]
        if data.get("image"):
            item["image"] = data["image"]
        if item:
            messages.append(item)
        if data.get("custom"):
            messages.append({"custom": data["custom"]})
    name = intent.get("name")
    return RasaTurn(
        messages=messages,
        intent=name if isinstance(name, str) and name else None,
        confidence=float(intent.get("confidence") or 0.0),
        replica=replica,
        recovered=True,
    )


def model_loaded(status: dict[str, Any]) -> bool:
    """Rasa's ``/status`` names the model file once a model is loaded."""
    return bool(status.get("model_file") or status.get("model_id"))
