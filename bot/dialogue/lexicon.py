"""The words a conversation's topic is made of: subjects, details, and what each intent is about.

Data, not logic. ``bot.dialogue.topic`` reads a message with these tables, ``bot.dialogue.followup``
decides with them whether the message continues the topic, and ``bot.dialogue.rewrite`` swaps a
detail of the topic for the new one ("and Italy?" after a question about Mexico). The tables are
tested in ``tests/bot/dialogue/``; adding a word here changes the behaviour, nothing else does.

- A **subject** is what a question is about (dispute, refund, customs...). A message that names
  a subject of its own is a question of its own; one that names none leans on the topic.
- A **detail** narrows a subject without changing it: a payment method, a country, a carrier,
  a platform, a contact channel, an error code. "and with PayPal?" brings a detail and no
  subject: the topic plus PayPal.
"""

from __future__ import annotations

import re

# --- subjects --------------------------------------------------------------------------------

# (subject, pattern) in priority order: the first subject a message names is its subject.
# Patterns are matched case-insensitively on the message as typed.
SUBJECT_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "contact",
        r"\b(?:customer (?:service|care|support)|support team|call cent(?:er|re)|hotline|helpline)\b"
        r"|\byour (?:phone|tele?phone|e-?mail|whats ?app|contact|number|office|opening hours)",
    ),
    (
        "seller",
        r"\b(?:contact|message|reach|write to|talk to|chat with|ask)\s+(?:the |a |my |this )?(?:seller|merchant|store)\b",
    ),
    ("conduct", r"\b(?:report\w*|abus\w*|rude|insult\w*|harass\w*|spam\w*|scam\w*|disrespect\w*)\b"),
    ("dispute", r"\b(?:disputes?|open(?:ing)? a case|appeal\w*)\b"),
    ("refund", r"\b(?:refund\w*|money back|arn|acquirer)\b"),
    ("return", r"\b(?:returns?|returned|returning|send (?:it |them )?back|exchang\w+)\b"),
    ("cancel", r"\bcancel\w*"),
    ("coupon", r"\b(?:coupons?|promo(?: codes?)?|vouchers?|discounts?|store codes?)\b"),
    ("coins", r"\bcoins?\b"),
    ("customs", r"\b(?:customs|import (?:tax|duty|duties)|duties)\b"),
    ("warranty", r"\bwarrant(?:y|ies)\b"),
    ("guarantee", r"(?:\b300\s*(?:%|percent)|\bguarantee\w*)"),
    ("feedback", r"\b(?:feedbacks?|reviews?|ratings?)\b"),
    (
        "account",
        r"\b(?:password|log ?in|sign(?:ed|ing)? ?in(?:to)?|accounts?|email address|birthday|points)\b",
    ),
    ("payment", r"\b(?:payments?|declined|csc[_ -]?\d+|checkout|currency)\b"),
    (
        "not_as_described",
        r"\b(?:broken|damaged?|defective|fake|counterfeit|not as described|wrong (?:item|size|colou?r|product)"
        r"|(?:does ?n[o']?t|not) match(?:ing)? the description)\b",
    ),
    ("address", r"\b(?:shipping|delivery) address\b"),
    (
        "tracking",
        r"\b(?:track\w*|shipped|shipping|deliver\w*|arriv\w*|parcel|package|logistic\w*|in transit)\b",
    ),
    ("product", r"\b(?:products?|sizes?|colou?rs?|prices?|cart)\b"),
)
SUBJECTS: tuple[str, ...] = tuple(name for name, _ in SUBJECT_PATTERNS)

# What each intent is about, when its words name no subject ("whatsapp?" is contact_support).
INTENT_SUBJECTS: dict[str, str] = {
    "track_order": "tracking",
    "order_not_received": "tracking",
    "cancel_order": "cancel",
    "open_dispute": "dispute",
    "request_refund": "refund",
    "refund_status": "refund",
    "return_item": "return",
    "item_not_as_described": "not_as_described",
    "payment_issue": "payment",
    "change_shipping_address": "address",
    "account_help": "account",
    "coupons": "coupon",
    "contact_seller": "seller",
    "leave_feedback": "feedback",
    "contact_support": "contact",
}

# The words that put a subject back into a query that lost it ("email?" after "whatsapp?":
# the query becomes "customer service contact email").
SUBJECT_PHRASES: dict[str, str] = {
    "contact": "contact customer service",
    "seller": "contact the seller",
    "conduct": "report a seller",
    "dispute": "dispute",
    "refund": "refund",
    "return": "return the item",
    "cancel": "cancel the order",
    "coupon": "coupon",
    "coins": "coins",
    "customs": "customs",
    "warranty": "warranty",
    "guarantee": "300% guarantee",
    "feedback": "feedback",
    "account": "account",
    "payment": "payment",
    "not_as_described": "item not as described",
    "address": "shipping address",
    "tracking": "package delivery",
    "product": "product",
}

# --- details ----------------------------------------------------------------------------------

# kind -> {canonical value: pattern}. One value of a kind replaces another of the same kind.
DETAIL_PATTERNS: dict[str, dict[str, str]] = {
    "platform": {
        "AliExpress": r"\bali ?express\b",
        "WISHALIVE": r"\bwish ?alive\b",
        "Wish": r"\bwish\b(?! ?alive)",
    },
    "payment_method": {
        "PayPal": r"\bpay ?pal\b",
        "credit card": r"\b(?:credit|debit|bank) ?cards?\b|\bcards?\b",
        "Visa": r"\bvisa\b",
        "Mastercard": r"\bmaster ?card\b",
        "Maestro": r"\bmaestro\b",
        "American Express": r"\bamerican express\b|\bamex\b",
        "Boleto": r"\bboleto\b",
        "QIWI": r"\bqiwi\b",
        "Yandex.Money": r"\byandex\b",
        "WebMoney": r"\bweb ?money\b",
        "Klarna": r"\bklarna\b",
        "Mercado Pago": r"\bmercado ?pago\b",
        "iDEAL": r"\bideal\b",
        "Sofort": r"\bsofort\b",
        "Giropay": r"\bgiropay\b",
        "Przelewy24": r"\bprzelewy\w*",
        "Doku": r"\bdoku\b",
        "Mpesa": r"\bm-?pesa\b",
        "COD": r"\bcash on delivery\b|\bcod\b",
        "Apple Pay": r"\bapple ?pay\b",
        "Google Pay": r"\bgoogle ?pay\b",
        "bank transfer": r"\bbank transfer\b|\bwire transfer\b",
    },
    "country": {
        "Russia": r"\brussia\w*\b",
        "Mexico": r"\bmexic\w*\b",
        "United Arab Emirates": r"\buae\b|\bunited arab emirates\b|\bemirates\b|\bdubai\b|\babu dhabi\b",
        "Saudi Arabia": r"\bsaudi\w*\b|\bksa\b",
        "Italy": r"\bital\w*\b",
        "Brazil": r"\bbrazil\w*\b|\bbrasil\b",
        "Ukraine": r"\bukrain\w*\b",
        "Spain": r"\bspain\b|\bspanish\b|\bespa[nñ]a\b",
        "Poland": r"\bpoland\b|\bpolish\b|\bpolska\b",
        "France": r"\bfrance\b|\bfrench\b",
        "South Korea": r"\b(?:south )?korea\w*\b",
        "Chile": r"\bchile\w*\b",
        "Turkey": r"\bturkey\b|\bturkish\b|\bt[uü]rkiye\b",
        "United States": r"\busa\b|\bu\.s\.a?\b|\bunited states\b|\bamerica\b|\bus\b(?= ?[?.!]?$)",
        "Canada": r"\bcanad\w*\b",
        "Australia": r"\baustralia\w*\b",
        "United Kingdom": r"\buk\b|\bunited kingdom\b|\bbritain\b|\bengland\b|\bbritish\b",
        "Germany": r"\bgerman\w*\b",
        "Netherlands": r"\bnetherlands\b|\bholland\b|\bdutch\b",
        "Israel": r"\bisrael\w*\b",
        "Belgium": r"\bbelgi\w*\b",
        "Portugal": r"\bportug\w*\b",
        "India": r"\bindia\b",
    },
    "carrier": {
        "Cainiao": r"\bcainiao\b(?: [a-z]+){0,3}",
        "AliExpress Standard Shipping": r"\baliexpress standard\b(?: shipping)?",
        "AliExpress Premium Shipping": r"\baliexpress premium\b(?: shipping)?",
        "AliExpress Saver Shipping": r"\baliexpress saver\b(?: shipping)?",
        "China Post": r"\bchina post\b(?: [a-z]+){0,3}",
        "Yanwen": r"\byanwen\b",
        "SunYou": r"\bsun ?you\b",
        "4PX": r"\b4px\b",
        "SF Express": r"\bsf\b(?: express| economic)?",
        "DHL": r"\bdhl\b",
        "FedEx": r"\bfed ?ex\b",
        "UPS": r"\bups\b",
        "USPS": r"\busps\b",
        "EMS": r"\bems\b",
        "Correos": r"\bcorreos\b",
    },
    "channel": {
        "phone": r"\b(?:phone|tele?phone|call(?: you)?|hotline)\b|(?<!order )(?<!tracking )\bnumber\b",
        "email": r"\be-?mail\b(?! address)",
        "WhatsApp": r"\bwhats ?app\b|\bwa\b",
        "chat": r"\blive chat\b|\bchat\b",
    },
}
DETAIL_KINDS: tuple[str, ...] = tuple(DETAIL_PATTERNS)
# An error code as buyers type it ("CSC_7200021", "csc 7200021"); its own kind of detail.
CODE_PATTERN = r"(?<![A-Za-z0-9])([A-Za-z]{2,5})[\s_-]?(\d{5,})(?!\d)"


def compiled_subjects() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((name, re.compile(pattern, re.I)) for name, pattern in SUBJECT_PATTERNS)


def compiled_details() -> dict[str, tuple[tuple[str, re.Pattern[str]], ...]]:
    return {
        kind: tuple((value, re.compile(pattern, re.I)) for value, pattern in values.items())
        for kind, values in DETAIL_PATTERNS.items()
    }
