"""Domain errors to HTTP statuses, in this one table; every error answer is ``{"detail": "<a sentence
for a person>"}`` (plus ``"field"`` when one field is to blame), never a traceback."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import Field

from bot.errors import (
    DeliveryFailed,
    Forbidden,
    InvalidField,
    NotFound,
    SupportbotError,
    Unauthenticated,
    Unavailable,
    UsageError,
)
from bot.rasa_client import RasaUnavailable
from bot.schemas.base import Model, field_error

logger = logging.getLogger(__name__)


class Problem(Model):
    """Every error answer of the gateway."""

    detail: str = Field(..., description="A sentence for a person.")
    field: str | None = Field(
        default=None, description="The input field to blame (dotted), when there is one."
    )


# Documented on every route (``/openapi.json``) in place of FastAPI's own validation-error shape.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": description}
    for status, description in (
        (400, "The body is not valid JSON."),
        (401, "Missing or wrong credentials."),
        (403, "Someone else's conversation, or a forged signature."),
        (404, "Not found (another customer's order too)."),
        (422, "A field is missing or invalid; `field` names it."),
        (429, "Over the rate limit; Retry-After gives the seconds to wait."),
        (503, "A service the answer depends on is down; Retry-After when it is Rasa."),
    )
}

ASSISTANT_DOWN = "The assistant is not available right now. Please try again in a moment."
JSON_ERROR_TYPES = {"json_invalid", "value_error.jsondecode"}

# Most specific first: the first class an error is an instance of decides its status.
STATUSES: tuple[tuple[type[SupportbotError], int], ...] = (
    (NotFound, 404),
    (InvalidField, 422),
    (UsageError, 422),
    (Unauthenticated, 401),
    (Forbidden, 403),
    (DeliveryFailed, 502),
    (Unavailable, 503),
    (SupportbotError, 503),
)


def status_for(error: SupportbotError) -> int:
    return next(status for kind, status in STATUSES if isinstance(error, kind))


_SOURCES = ("body", "query", "path", "header")


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(error.get("type") in JSON_ERROR_TYPES for error in errors):
        reason = next(
            (
                (error.get("ctx") or {}).get("error")
                for error in errors
                if error.get("type") in JSON_ERROR_TYPES
            ),
            None,
        )
        detail = "The request body is not valid JSON" + (f": {reason}." if reason else ".")
        return JSONResponse({"detail": detail}, status_code=400)
    where = errors[0].get("loc") or ()
    first = field_error(errors[0], loc_prefix=tuple(where[:1]) if where and where[0] in _SOURCES else ())
    return JSONResponse({"detail": str(first), "field": first.field}, status_code=422)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SupportbotError)
    status = status_for(exc)
    body: dict[str, Any] = {"detail": str(exc)}
    headers: dict[str, str] = {}
    if isinstance(exc, InvalidField):
        body["field"] = exc.field
    if isinstance(exc, DeliveryFailed):
        body["detail"] = f"The reply could not be delivered: {exc}"
    if isinstance(exc, Unavailable):
        logger.warning("%s %s: %s", request.method, request.url.path, exc)
        headers["Retry-After"] = "10"
        if isinstance(exc, RasaUnavailable):
            body["detail"] = ASSISTANT_DOWN
    elif status >= 500:
        logger.error("%s %s: %s", request.method, request.url.path, exc)
    return JSONResponse(body, status_code=status, headers=headers or None)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"detail": "Something went wrong on our side. Please try again."}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(SupportbotError, _domain_error)
    app.add_exception_handler(Exception, _unexpected)
