"""A follow-up's search query: the topic's question with the new detail in place of the old one.

"and Italy?" after "customs phone number mexico" is searched as "customs phone number Italy":
the topic's query loses the details of the kinds the follow-up brings (one country replaces
another), then the follow-up's own words are added without its lead-in ("and", "what if").
When what is left of the topic's query no longer says what it was about ("whatsapp?" then
"email?"), the title of the article last answered is put in front ("How can I contact customer
service? email?"), or the subject's phrase when no article was answered.
"""

from __future__ import annotations

import re

from bot.dialogue.followup import content_words
from bot.dialogue.lexicon import SUBJECT_PHRASES
from bot.dialogue.topic import Topic, mention, without_details

_LEAD_IN = re.compile(
    r"^\W*(?:(?:and|but|so|ok|okay|also|plus|or)\W+)*(?:(?:what|how)\s*(?:if|about|abt)\b\W*)?", re.I
)
# Fewer content words than this left in the topic's query: it needs its subject back.
MIN_TOPIC_WORDS = 2


def resolve(text: str, topic: Topic, *, anchor: str | None = None) -> str:
    """The standalone query for the follow-up ``text`` in ``topic``.

    ``anchor`` (the title of the article last answered) stands in for a topic query that says
    nothing once its detail is gone; the subject's phrase when there is none.
    """
    added = mention(text)
    base = without_details(topic.query, set(added.details))
    if len(content_words(base)) < MIN_TOPIC_WORDS:
        if anchor:
            base = f"{anchor} {base}"
        elif topic.subject in SUBJECT_PHRASES:
            base = f"{SUBJECT_PHRASES[topic.subject]} {base}"
    new = _LEAD_IN.sub("", text.strip()) or text.strip()
    return " ".join(f"{base.strip()} {new}".split())


def merged_details(topic: Topic, text: str) -> dict[str, str]:
    """The topic's details with those ``text`` names put in their place."""
    return {**topic.details, **mention(text).details}
