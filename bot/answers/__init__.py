"""Help answers at the right depth: the part of an article that answers, sized for a chat bubble.

``compose(article, question)`` returns an ``Answer`` (data: the lead blocks, the source title and
platform, whether more remains and what it is); ``render(answer, channel)`` writes it for the web
widget or WhatsApp; ``more(answer, article)`` is the next bubble for "MORE". Framework-free: the
Rasa actions and the API call these, nothing here knows about them.
"""

from bot.answers.compose import compose, more, sentences
from bot.answers.model import DEFAULT_BUDGET, Answer
from bot.answers.render import Channel, render, source_line, validity_note

__all__ = [
    "DEFAULT_BUDGET",
    "Answer",
    "Channel",
    "compose",
    "more",
    "render",
    "sentences",
    "source_line",
    "validity_note",
]
