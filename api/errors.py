"""Every error answer is JSON ``{"detail": "<a sentence for a person>"}``, never a traceback."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from bot.errors import SupportbotError, UsageError
from bot.orders.schema import OrderValidationError
from bot.rasa_client import RasaUnavailable

logger = logging.getLogger(__name__)

ASSISTANT_DOWN = "The assistant is not available right now. Please try again in a moment."
JSON_ERROR_TYPES = {"json_invalid", "value_error.jsondecode"}


def _where(loc: Any) -> str:
    parts = [str(part) for part in loc or () if part not in ("body", "query", "path", "header")]
    return ".".join(parts)


def describe_validation_errors(errors: list[dict[str, Any]]) -> str:
    described = []
    for error in errors:
        where = _where(error.get("loc"))
        message = str(error.get("msg") or "is invalid")
        described.append(f"{where}: {message}" if where else message)
    return "; ".join(described) or "The request is invalid."


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
    return JSONResponse({"detail": describe_validation_errors(errors)}, status_code=422)


async def _order_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OrderValidationError)
    return JSONResponse({"detail": str(exc), "field": exc.field}, status_code=422)


async def _usage_error(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=422)


async def _rasa_unavailable(request: Request, exc: Exception) -> JSONResponse:
    logger.warning("%s %s: %s", request.method, request.url.path, exc)
    return JSONResponse({"detail": ASSISTANT_DOWN}, status_code=503, headers={"Retry-After": "10"})


async def _supportbot_error(request: Request, exc: Exception) -> JSONResponse:
    logger.error("%s %s: %s", request.method, request.url.path, exc)
    return JSONResponse({"detail": str(exc)}, status_code=503)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"detail": "Something went wrong on our side. Please try again."}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(OrderValidationError, _order_error)
    app.add_exception_handler(UsageError, _usage_error)
    app.add_exception_handler(RasaUnavailable, _rasa_unavailable)
    app.add_exception_handler(SupportbotError, _supportbot_error)
    app.add_exception_handler(Exception, _unexpected)
