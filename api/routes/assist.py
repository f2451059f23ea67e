"""Agent assist over HTTP (bearer ``SUPPORTBOT_ADMIN_TOKEN``): for any transcript, not only ours."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import AdminDep, AssistDep
from api.requests import StrictJSONRoute
from bot.assist import ChatLine
from bot.schemas.chat import Assist, AssistRequest

router = APIRouter(prefix="/v1", tags=["assist"], dependencies=[AdminDep], route_class=StrictJSONRoute)


@router.post("/assist", response_model_by_alias=True)
async def assist(body: AssistRequest, service: AssistDep) -> Assist:
    """Intent, top three articles, the order's eligibility (only ``customer_id``'s own order) and
    suggested replies."""
    lines = [ChatLine(role=message.role, text=message.text) for message in body.messages]
    return await service.assist(lines, customer_id=body.customer_id, order_id=body.order_id)
