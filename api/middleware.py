"""ASGI middleware of the gateway: body size limit (413), URL guard, chat-only CORS and the
browser hardening headers."""

from __future__ import annotations

import json
from collections.abc import Sequence

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit} bytes.")


class BodyLimitMiddleware:
    """Refuses a body over ``max_bytes`` before the app reads it when Content-Length says so, and
    stops reading a streamed (chunked) body as soon as it passes the limit. ``larger`` gives a
    path its own limit (an admin importing a whole help-center page)."""

    def __init__(self, app: ASGIApp, max_bytes: int, larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope.get("path", ""), self.max_bytes)
        await self._limited(scope, receive, send, limit)

    async def _limited(self, scope: Scope, receive: Receive, send: Send, max_bytes: int) -> None:
        for name, value in scope.get("headers") or []:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await self._refuse(send, 400, "Content-Length is not a number.")
                    return
                if declared > max_bytes:
                    await self._refuse(send, 413, f"The request body is larger than {max_bytes} bytes.")
                    return

        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    # Raised inside the app, where FastAPI turns an HTTPException into the response.
                    raise BodyTooLarge(max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge as exc:  # read outside a route's error handling (e.g. in a middleware)
            if started:
                raise
            await self._refuse(send, 413, str(exc.detail))

    @staticmethod
    async def _refuse(send: Send, status: int, detail: str) -> None:
        body = json.dumps({"detail": detail}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


# The pages (shop, help articles, agent console, API docs) load only their own scripts, styles
# and images, call only their own origin, and may not be framed. The widget embedded on a shop's
# page runs under the shop's policy instead; its calls to /v1/chat are allowed by CORS.
PAGE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# Anything else (JSON, scripts, stylesheets) is never a document: nothing may load from it or frame it.
RESOURCE_POLICY = "default-src 'none'; frame-ancestors 'none'"


class SecurityHeadersMiddleware:
    """Adds the browser hardening headers to every response (a route may set its own first).

    Every response: ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer`` and a
    Content-Security-Policy; HTML pages also ``X-Frame-Options: DENY`` for browsers without
    ``frame-ancestors``. ``hsts`` adds Strict-Transport-Security (a gateway published over HTTPS).
    """

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                html = headers.get("content-type", "").startswith("text/html")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                headers.setdefault("Content-Security-Policy", PAGE_POLICY if html else RESOURCE_POLICY)
                if html:
                    headers.setdefault("X-Frame-Options", "DENY")
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RequestGuardMiddleware:
    """400 for a URL holding a NUL character (``/static/widget.js%00.css``): file systems and
    PostgreSQL refuse it, deep inside a route, as a 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b"").lower()
        ):
            await BodyLimitMiddleware._refuse(send, 400, "The URL holds a NUL character.")
            return
        await self.app(scope, receive, send)


class ScopedCORSMiddleware:
    """CORS for the paths under ``prefix`` only (the widget's chat API); every other path, the
    demo sign-in and the admin API above all, never answers a cross-origin request."""

    def __init__(
        self,
        app: ASGIApp,
        prefix: str,
        allow_headers: Sequence[str],
        allow_methods: Sequence[str] = ("GET", "POST"),
        max_age: int = 600,
    ) -> None:
        self.app = app
        self.prefix = prefix.rstrip("/")
        # Any origin, never with credentials: the widget proves identity with the shop's proof.
        self.cors = CORSMiddleware(
            app,
            allow_origins=["*"],
            allow_methods=allow_methods,
            allow_headers=allow_headers,
            max_age=max_age,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path == self.prefix or path.startswith(self.prefix + "/"):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)
