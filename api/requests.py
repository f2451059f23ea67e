"""Request bodies parsed strictly, for every route (``APIRouter(route_class=StrictJSONRoute)``).

Python's JSON parser accepts what nothing after it can take: ``NaN``, ``1e400`` (infinity),
lone surrogates (``"\\ud800"``) and NUL characters, which later fail in a database driver, an
HMAC or an HTTP call to Rasa as a 500. ``bot.schemas.base.loads_json`` refuses them, and FastAPI
turns the refusal into the same 400 as any other malformed JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from bot.schemas.base import loads_json


class StrictJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = loads_json(body)
            except json.JSONDecodeError:
                raise
            except (ValueError, RecursionError) as error:
                # FastAPI answers a JSONDecodeError with its 400 (see api.errors); keep that shape.
                raise json.JSONDecodeError(str(error), body.decode("utf-8", "replace"), 0) from None
        return self._json


class StrictJSONRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict_handler
