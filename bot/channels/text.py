"""Bot replies rendered as plain text for channels without cards or buttons (WhatsApp)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.assistant.replies import format_short_day

CHECK_LABELS = {"cancel": "Cancel", "dispute": "Open a dispute", "refund": "Refund", "return": "Return"}


def _date(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return format_short_day(parsed)


def _decision_line(name: str, decision: Mapping[str, Any]) -> str:
    allowed = decision.get("allowed") is True
    line = f"{'✅' if allowed else '❌'} {CHECK_LABELS.get(name, name.title())}: {'allowed' if allowed else 'not allowed'}"
    closes = _date(decision.get("closes_at"))
    opens = _date(decision.get("opens_at"))
    if allowed and closes:
        line += f" until {closes}"
    elif not allowed and opens and closes:
        line += f" (window {opens} to {closes})"
    reason = decision.get("reason")
    if isinstance(reason, str) and reason:
        line += f". {reason}"
    return line


def render_reply(
    text: str,
    *,
    buttons: Sequence[Mapping[str, Any]] | None = None,
    data: Mapping[str, Any] | None = None,
    source: Mapping[str, Any] | None = None,
    help_base_url: str | None = None,
    max_chars: int = 1600,
) -> str:
    """One WhatsApp message for one bot reply: its text, order decisions, source and options."""
    parts = [text.strip()] if text and text.strip() else []
    data = data or {}
    checks = [name for name in CHECK_LABELS if isinstance(data.get(name), Mapping)]
    if data.get("order_id") and checks:
        status = data.get("status")
        head = f"Order {data['order_id']}" + (f" ({str(status).replace('_', ' ')})" if status else "")
        parts.append("\n".join([head] + [_decision_line(name, data[name]) for name in checks]))
    if source and source.get("title"):
        link = (
            f" {help_base_url.rstrip('/')}/help/{source.get('id')}"
            if help_base_url and source.get("id")
            else ""
        )
        parts.append(f"Source: {source['title']}{link}")
    titles = [str(button.get("title") or "") for button in buttons or [] if button.get("title")]
    if titles:
        parts.append("You can reply: " + " · ".join(titles))
    message = "\n\n".join(parts)
    if len(message) > max_chars:
        message = message[: max_chars - 1].rstrip() + "…"
    return message
