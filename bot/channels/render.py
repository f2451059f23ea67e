"""The one place a bot reply becomes what a channel shows, and a buyer's pick becomes a payload again.

- Web: ``web_message`` is the JSON the widget draws: the text, buttons, order cards, and the source
  (``label``, ``url``, ``more``) as a link to the article's help page plus "Read the whole article".
- WhatsApp Cloud API: ``cloud_messages`` are send-API bodies: the text, then interactive reply
  buttons (up to 3 short titles) or a list (up to 10 rows); a body too long for an interactive
  message goes first as plain text. More than 10 options become a numbered text list.
- Twilio WhatsApp: ``twilio_messages`` are plain texts with the options numbered ("1. Track my
  order"); ``match_option`` reads a number or a title back into the option.

The citation ("Source: <title> (<platform> help center)", with the help page's address where the
gateway's public URL is known) and the WhatsApp "Reply MORE" hint are the channel's to write. A
text that already carries them (the answer composer writes them in) has those lines taken out and
written once where the channel shows them, so a buyer never reads the source twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.answers.render import MORE_HINT, SOURCE_PREFIX
from bot.assistant import replies
from bot.schemas.conversations import BotReply, Button, ChatMessage, Message, Source

# WhatsApp Cloud API limits (Meta's reference for text and interactive messages).
CLOUD_TEXT_MAX_CHARS = 4096
CLOUD_BODY_MAX_CHARS = 1024
CLOUD_MAX_BUTTONS = 3
CLOUD_BUTTON_TITLE_MAX_CHARS = 20
CLOUD_BUTTON_ID_MAX_CHARS = 256
CLOUD_MAX_ROWS = 10
CLOUD_ROW_TITLE_MAX_CHARS = 24
CLOUD_ROW_DESCRIPTION_MAX_CHARS = 72
CLOUD_ROW_ID_MAX_CHARS = 200
CLOUD_LIST_BUTTON_MAX_CHARS = 20
# Twilio refuses a WhatsApp message body over 1,600 characters.
TWILIO_TEXT_MAX_CHARS = 1600

CHECK_LABELS = {"cancel": "Cancel", "dispute": "Open a dispute", "refund": "Refund", "return": "Return"}

# An option whose payload cannot be its reply id (too long, blank-edged, or itself shaped like
# this) is named by the logged message and its position instead: "sb:<message id>:<index>".
_OPTION_REF = re.compile(r"sb:(\d+):(\d+)")
_NUMBER_REPLY = re.compile(r"#?\s*(\d{1,2})\s*[.)]?")


# ------------------------------------------------------------------ shared pieces


def shorten(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, cut at a word where one is near, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


def split_text(text: str, limit: int) -> list[str]:
    """``text`` as messages of at most ``limit`` characters, cut between paragraphs, else between
    lines, else between words; a word longer than a whole message is cut where it must be."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    for separator in ("\n\n", "\n", " "):
        pieces = text.split(separator)
        if len(pieces) > 1:
            break
    else:
        return [text[:limit], *split_text(text[limit:], limit)]
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        joined = f"{current}{separator}{piece}" if current else piece
        if len(joined) <= limit:
            current = joined
            continue
        if current:
            chunks.append(current)
        if len(piece) <= limit:
            current = piece
        else:
            *done, current = split_text(piece, limit)
            chunks.extend(done)
    if current:
        chunks.append(current)
    return [chunk.strip() for chunk in chunks if chunk.strip()]


def without_citation(text: str, source: Source | None) -> tuple[str, bool]:
    """``text`` without the lines that cite ``source`` or offer MORE (the channel writes its own),
    and whether a MORE hint was there."""
    if source is None:
        return text, False
    citations = {f"{SOURCE_PREFIX}{source.label}", f"{SOURCE_PREFIX}{source.title}"}
    hints = {hint for hint in MORE_HINT.values() if hint}
    kept: list[str] = []
    had_hint = False
    for line in text.split("\n"):
        if line.strip() in hints:
            had_hint = True
        elif line.strip() not in citations:
            kept.append(line)
    return "\n".join(kept).strip(), had_hint


def help_link(source: Source, base_url: str | None) -> str | None:
    """The absolute address of the article's help page, when the gateway's public URL is known."""
    return f"{base_url.rstrip('/')}{source.url}" if base_url else None


# ------------------------------------------------------------------ web


def web_message(message: Message) -> ChatMessage:
    """A logged message as the widget draws it. The source line and MORE hint leave the bubble:
    the widget shows the source as a link and, for a partial answer, "Read the whole article"."""
    shown = ChatMessage.of(message)
    if shown.source is None:
        return shown
    text, had_hint = without_citation(shown.text, shown.source)
    source = shown.source.copy(update={"more": True}) if had_hint else shown.source
    return shown.copy(update={"text": text, "source": source})


# ------------------------------------------------------------------ WhatsApp text (both providers)


def _date(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return replies.format_short_day(parsed)


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


def _decisions(data: Mapping[str, Any]) -> str:
    checks = [name for name in CHECK_LABELS if isinstance(data.get(name), Mapping)]
    if not data.get("order_id") or not checks:
        return ""
    status = data.get("status")
    head = f"Order {data['order_id']}" + (f" ({str(status).replace('_', ' ')})" if status else "")
    return "\n".join([head] + [_decision_line(name, data[name]) for name in checks])


def whatsapp_text(reply: BotReply, *, help_base_url: str | None = None) -> str:
    """A reply as WhatsApp text, options aside: the text, order decisions as lines, the source
    (with the help page's address when known) and, for a partial answer, the MORE hint."""
    text, had_hint = without_citation(reply.text, reply.source)
    parts = [text] if text else []
    decisions = _decisions(reply.data or {})
    if decisions:
        parts.append(decisions)
    source = reply.source
    if source is not None:
        link = help_link(source, help_base_url)
        lines = [f"{SOURCE_PREFIX}{source.label}" + (f" {link}" if link else "")]
        if source.more or had_hint:
            lines.append(MORE_HINT["whatsapp"])
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def numbered(options: Sequence[Button]) -> str:
    """Options as text a buyer answers with a number: the way back is ``match_option``."""
    return "\n".join([replies.REPLY_WITH_NUMBER, *(f"{n}. {o.title}" for n, o in enumerate(options, 1))])


def match_option(text: str, options: Sequence[Button]) -> Button | None:
    """The option a typed reply picks: its number as listed ("2", "2.", "#2") or its title (any case)."""
    if not options:
        return None
    number = _NUMBER_REPLY.fullmatch(text.strip())
    if number:
        index = int(number.group(1))
        return options[index - 1] if 1 <= index <= len(options) else None
    wanted = " ".join(text.split()).casefold()
    return next((o for o in options if " ".join(o.title.split()).casefold() == wanted), None)


# ------------------------------------------------------------------ Twilio


def twilio_messages(reply: BotReply, *, help_base_url: str | None = None) -> list[str]:
    """The WhatsApp messages for one reply through Twilio: options as a numbered list, and text
    over Twilio's limit split into several messages between paragraphs."""
    text = whatsapp_text(reply, help_base_url=help_base_url)
    if reply.buttons:
        text = "\n\n".join(part for part in (text, numbered(reply.buttons)) if part)
    return split_text(text, TWILIO_TEXT_MAX_CHARS)


# ------------------------------------------------------------------ WhatsApp Cloud API


def cloud_text(to: str, text: str) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"preview_url": False, "body": text},
    }


def option_id(option: Button, index: int, message_id: int | None, limit: int) -> str:
    """The reply id of an option: its payload, which comes back as the buyer's pick. A payload the
    id cannot carry is named by message and position (``sb:<message id>:<index>``, see
    ``option_ref``); without a logged message, the option's title, which the bot reads as typed."""
    payload = option.payload or option.title
    fits = 0 < len(payload) <= limit and payload == payload.strip() and not _OPTION_REF.fullmatch(payload)
    if fits:
        return payload
    if message_id is not None:
        return f"sb:{message_id}:{index}"
    return shorten(option.title, limit)


def option_ref(reply_id: str) -> tuple[int, int] | None:
    """(message id, option index) of an id made by ``option_id`` for a long payload, else None."""
    match = _OPTION_REF.fullmatch(reply_id)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _ids(options: Sequence[Button], message_id: int | None, limit: int) -> list[str]:
    ids: list[str] = []
    for index, option in enumerate(options):
        candidate = option_id(option, index, message_id, limit)
        if candidate in ids and message_id is not None:  # ids must be unique within a message
            candidate = f"sb:{message_id}:{index}"
        ids.append(candidate)
    return ids


def _fit_buttons(options: Sequence[Button]) -> bool:
    titles = [" ".join(o.title.split()) for o in options]
    return (
        len(options) <= CLOUD_MAX_BUTTONS
        and all(0 < len(title) <= CLOUD_BUTTON_TITLE_MAX_CHARS for title in titles)
        and len({title.casefold() for title in titles}) == len(titles)
    )


def _interactive(to: str, body: str, options: Sequence[Button], message_id: int | None) -> dict[str, Any]:
    interactive: dict[str, Any]
    if _fit_buttons(options):
        ids = _ids(options, message_id, CLOUD_BUTTON_ID_MAX_CHARS)
        interactive = {
            "type": "button",
            "body": {"text": body},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": reply_id, "title": " ".join(option.title.split())}}
                    for option, reply_id in zip(options, ids, strict=True)
                ]
            },
        }
    else:
        ids = _ids(options, message_id, CLOUD_ROW_ID_MAX_CHARS)
        rows = []
        for option, reply_id in zip(options, ids, strict=True):
            title = " ".join(option.title.split()) or reply_id
            row = {"id": reply_id, "title": shorten(title, CLOUD_ROW_TITLE_MAX_CHARS)}
            if row["title"] != title:  # the whole title, as far as it goes, under the cut one
                row["description"] = shorten(title, CLOUD_ROW_DESCRIPTION_MAX_CHARS)
            rows.append(row)
        interactive = {
            "type": "list",
            "body": {"text": body},
            "action": {
                "button": shorten(replies.OPTIONS_BUTTON, CLOUD_LIST_BUTTON_MAX_CHARS),
                "sections": [{"rows": rows}],
            },
        }
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "interactive",
        "interactive": interactive,
    }


def _body_and_lead(text: str) -> tuple[str, str]:
    """(text to send first, body of the interactive message). The body keeps the last paragraphs
    that fit (the question the options answer is usually last); when none fits, everything goes
    first and the body only asks the buyer to choose."""
    if not text:
        return "", replies.CHOOSE_OPTION
    if len(text) <= CLOUD_BODY_MAX_CHARS:
        return "", text
    paragraphs = text.split("\n\n")
    for start in range(1, len(paragraphs)):
        body = "\n\n".join(paragraphs[start:])
        if len(body) <= CLOUD_BODY_MAX_CHARS:
            return "\n\n".join(paragraphs[:start]), body
    return text, replies.CHOOSE_OPTION


def cloud_messages(
    reply: BotReply, *, to: str, message_id: int | None = None, help_base_url: str | None = None
) -> list[dict[str, Any]]:
    """The Cloud API send bodies for one reply to the buyer ``to``, in order.

    ``message_id`` is the logged reply's id: options whose payload cannot be a reply id are named
    by it. No options: text messages. Up to 3 options with titles of at most 20 characters: reply
    buttons. Up to 10: a list whose rows show the first 24 characters of a title and the rest of
    it (to 72) beneath. More: a numbered text list, read back like Twilio's.
    """
    text = whatsapp_text(reply, help_base_url=help_base_url)
    options = list(reply.buttons or [])
    if len(options) > CLOUD_MAX_ROWS:
        text = "\n\n".join(part for part in (text, numbered(options)) if part)
        options = []
    if not options:
        return [cloud_text(to, chunk) for chunk in split_text(text, CLOUD_TEXT_MAX_CHARS)]
    lead, body = _body_and_lead(text)
    first = [cloud_text(to, chunk) for chunk in split_text(lead, CLOUD_TEXT_MAX_CHARS)]
    return [*first, _interactive(to, body, options, message_id)]
