"""The one place an ``Answer`` becomes words, for the web widget and for WhatsApp.

Plain text either way. WhatsApp shows ``*x*`` as bold, so the heading is bold there. No blank
lines: Rasa's output channels split a message at every blank line, which would separate the lead
from its source. The source is the article's title and whose help center it is; ids and file
names never appear.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Literal

from bot.answers.model import Answer
from bot.corpus import Validity, cited_title

Channel = Literal["web", "whatsapp"]

SOURCE_PREFIX = "Source: "
MORE_HINT = {"web": "", "whatsapp": "Reply MORE for the rest of this article."}


def _day(value: date, yearly: bool = False) -> str:
    month = calendar.month_name[value.month]
    return f"{value.day} {month}" if yearly else f"{value.day} {month} {value.year}"


def validity_note(validity: Validity | None, expired: bool) -> str:
    """What a reply says about dated content, from the article's dates and its own sentence."""
    if validity is None:
        return ""
    if validity.discontinued_on is not None:
        return f"Note: {validity.stated}"
    if validity.yearly and validity.valid_from and validity.valid_until:
        return (
            f"Note: this applies every year from {_day(validity.valid_from, True)} "
            f"to {_day(validity.valid_until, True)}."
        )
    if expired and validity.valid_until is not None:
        return f"Note: this ended on {_day(validity.valid_until)} and is no longer current."
    return ""


def source_line(answer: Answer) -> str:
    return f"{SOURCE_PREFIX}{cited_title(answer.source_title, answer.platform)}"


def render(answer: Answer, channel: Channel = "web") -> str:
    lines: list[str] = []
    note = validity_note(answer.validity, answer.expired)
    lead_text = "\n".join(block.plain_text() for block in answer.lead)
    if len(answer.lead) == 1 and answer.lead[0].kind == "table" and len(answer.lead[0].rows) == 1:
        # One row is the answer itself, not an entry in a list.
        only = answer.lead[0]
        lead_text = "\n".join(line for line in (only.caption, only.rows[0].text()) if line)
    # A discontinued service's note is the page's own sentence: not twice when the lead has it.
    validity = answer.validity
    repeated = validity is not None and note == f"Note: {validity.stated}" and validity.stated in lead_text
    if note and not repeated:
        lines.append(note)
    if answer.missing_key:
        lines.append(
            f"{answer.missing_key} is not in the help center's list of error codes. "
            "What it advises for other errors:"
        )
    heading = " — ".join(h for h in (answer.parent, answer.heading) if h)
    if heading and not answer.missing_key:
        lines.append(f"*{heading}*" if channel == "whatsapp" else heading)
    lines.append(lead_text)
    lines.append(source_line(answer))
    if answer.has_more and MORE_HINT[channel]:
        lines.append(MORE_HINT[channel])
    return "\n".join(line for line in lines if line.strip())
