"""Agent assist over HTTP (bearer ``SUPPORTBOT_ADMIN_TOKEN``): for any transcript, not only ours."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import AdminDep, ServicesDep
from api.schemas import AssistRequest
from bot.assist import ChatLine

router = APIRouter(prefix="/v1", tags=["assist"], dependencies=[AdminDep])


@router.post("/assist")
async def assist(body: AssistRequest, services: ServicesDep) -> dict[str, Any]:
    """Intent, top three articles, the order's eligibility (only ``customer_id``'s own order) and
    suggested replies."""
    lines = [ChatLine(role=message.role, text=message.text) for message in body.messages]
    return await services.assist.assist(lines, customer_id=body.customer_id, order_id=body.order_id)
