"""The data a help answer is: what to say first, where it comes from, and what is left."""

from __future__ import annotations

from dataclasses import dataclass

from bot.corpus import Block, Section, Validity

DEFAULT_BUDGET = 600


@dataclass(frozen=True)
class Answer:
    """What to say: the lead that answers, where it comes from, and what is left for "MORE".

    ``missing_key`` is a code the buyer named that the article's table does not list; the lead is
    then the help center's general advice. ``validity`` comes with dated articles: the renderer
    says the service is discontinued, or that an ended campaign is over (``expired``).
    ``article_id`` is for links and logs, never for the text.
    """

    article_id: str
    source_title: str
    platform: str | None
    lead: tuple[Block, ...]
    heading: str = ""
    parent: str = ""
    rest: tuple[Section, ...] = ()
    matched: str = "opening"  # row | entry | section | opening | missing | more
    missing_key: str = ""
    validity: Validity | None = None
    expired: bool = False
    budget: int = DEFAULT_BUDGET

    @property
    def has_more(self) -> bool:
        return bool(self.rest)
