"""Request bodies. Limits that depend on settings (message length) are checked in the routes."""

from __future__ import annotations

import re
from typing import Literal, Optional

from pydantic import BaseModel, Field, StrictBool, validator

# Web session ids never contain ':'; WhatsApp session ids always do (see api.conversation),
# so a web client can never write into a WhatsApp conversation.
SESSION_ID = re.compile(r"^[A-Za-z0-9_.@+-]{1,128}$")


def _session_id(value: str) -> str:
    if not SESSION_ID.match(value):
        raise ValueError("must be 1 to 128 letters, digits or . _ - @ +")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


class ChatRequest(BaseModel):
    session_id: str
    message: str
    customer_id: Optional[str] = Field(None, max_length=64)
    customer_hash: Optional[str] = Field(None, max_length=128)

    _check_session = validator("session_id", allow_reuse=True)(_session_id)
    _check_message = validator("message", allow_reuse=True)(_not_blank)


class FeedbackRequest(BaseModel):
    session_id: str
    message_id: int
    helpful: StrictBool

    _check_session = validator("session_id", allow_reuse=True)(_session_id)


class AgentReplyRequest(BaseModel):
    text: str

    _check_text = validator("text", allow_reuse=True)(_not_blank)


class AssistMessage(BaseModel):
    role: Literal["customer", "agent"]
    text: str = Field(..., max_length=10_000)


class AssistRequest(BaseModel):
    messages: list[AssistMessage] = Field(..., min_items=1, max_items=200)
    customer_id: Optional[str] = Field(None, max_length=64)
    order_id: Optional[str] = Field(None, max_length=64)


class CustomerRequest(BaseModel):
    customer_id: str = Field(..., min_length=1, max_length=64)
    name: str = Field(..., min_length=1, max_length=200)
    email: Optional[str] = Field(None, max_length=320)
    phone: Optional[str] = Field(None, max_length=40)

    _check_name = validator("name", allow_reuse=True)(_not_blank)
