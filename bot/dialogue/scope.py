"""Does an order question need the buyer's order, or does the help center answer it?

"How long do refunds take to my card?" is a general question: the help center's answer is the
answer, for anyone, signed in or not. "Where is my refund for order 1004?" or "I want to cancel
my order" are about one order: a signed-in buyer gets the order check, an anonymous buyer the
help center's answer and, after it, the one sentence that signing in lets the assistant look at
the order. The cues are data; ``needs_order`` reads them in one place.

A button press (``/request_refund``) is an explicit choice of the order flow; an order number in
the message always means that order.
"""

from __future__ import annotations

import re

# Said about one order of the buyer's: "my parcel", "I want a refund", "cancel my order", "it
# hasn't arrived".
SPECIFIC_CUES: tuple[tuple[str, str], ...] = (
    (
        "possessive_order",
        r"\b(?:my|this|that|our)\s+(?:\w+\s+)?(?:order|package|parcel|item|purchase|refund|return|dispute|"
        r"shipment|delivery|money|payment|product|goods)s?\b",
    ),
    (
        "wants_action",
        r"\bi\s*(?:want|need|would like|'d like|wanna|wish)\s+(?:to\s+)?(?:cancel|return|refund|a refund|my money|track|open|dispute|send)",
    ),
    (
        "imperative",
        r"^\W*(?:please\s+|pls\s+|plz\s+|can you\s+|could you\s+)?(?:cancel|refund|return|track|check|where(?:'s| is| are))\b",
    ),
    (
        "not_arrived_yet",
        r"\b(?:hasn'?t|has not|haven'?t|have not|didn'?t|did not|never|still not|not yet|still hasn'?t)\b[^.?!]*\b(?:arriv|receiv|come|came|ship|deliver|got|get)",
    ),
    (
        "i_ordered",
        r"\bi\s+(?:ordered|bought|paid for|purchased|returned|sent back)\b(?!.*\b(?:how|what|can|when|which)\b)",
    ),
)
# Asked in general, even with "my": "how long do refunds take to reach my card?", "can I return
# something I bought, how long do I have", "what happens once my dispute is open".
GENERAL_CUES: tuple[tuple[str, str], ...] = (
    ("how_long", r"\bhow\s+(?:long|many|much|soon|often|fast|quickly)\b"),
    ("how_to", r"\bhow\s+(?:do|does|can|could|should|would|to|is|are)\b"),
    (
        "what_is",
        r"\bwhat(?:'s|\s+is|\s+are|\s+does|\s+do|\s+happens|\s+if|\s+should|\s+can|\s+kind|\s+type)\b",
    ),
    ("when_can", r"\bwhen\s+(?:can|do|does|should|is|are)\b"),
    ("is_possible", r"\b(?:is it possible|is there a way|in general|usually|normally|generally|always)\b"),
    ("which_or_who", r"^\W*(?:which|who|why)\b"),
    (
        "yes_no_general",
        r"^\W*(?:do|does|is|are|will|can)\s+(?:refunds?|returns?|disputes?|orders?|sellers?|you|the refund|coins|coupons?)\b",
    ),
    ("condition", r"\b(?:if|in case|once|after|before)\s+(?:i|it|the|a|my|you)\b"),
)
_SPECIFIC = tuple((name, re.compile(pattern, re.I)) for name, pattern in SPECIFIC_CUES)
_GENERAL = tuple((name, re.compile(pattern, re.I)) for name, pattern in GENERAL_CUES)


def specific_cue(text: str) -> str | None:
    return next((name for name, pattern in _SPECIFIC if pattern.search(text)), None)


def general_cue(text: str) -> str | None:
    return next((name for name, pattern in _GENERAL if pattern.search(text)), None)


def needs_order(text: str, *, order_id: str | None = None, chosen: bool = False) -> bool:
    """True when answering ``text`` takes the buyer's own order (see the module docstring).

    ``chosen``: the buyer pressed a button that starts an order flow.
    """
    if order_id or chosen:
        return True
    return specific_cue(text) is not None and general_cue(text) is None
