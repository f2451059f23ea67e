"""What the assistant says to a buyer: the one renderer of order states and eligibility decisions.

Framework-free, so the Rasa actions (web and WhatsApp), ``supportbot eligibility``, the HTTP API
and agent assist (suggested replies) say the same thing. The eligibility engine decides in codes
and dates (``bot.schemas.decisions``); this module turns them into sentences, taking every number
from the engine's constants, says which order a decision is about, adds the way forward where the
engine only says "no", and shapes the payloads channels render as cards (docs/architecture.md).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.policy import engine
from bot.schemas.base import Model, as_utc
from bot.schemas.decisions import (
    CHECKS,
    CancelAlternative,
    CancelCode,
    CancelDecision,
    CancelVerdict,
    Check,
    Decision,
    DisputeCode,
    DisputeDecision,
    DisputeVerdict,
    Eligibility,
    OrderEligibility,
    RefundCode,
    RefundDecision,
    RefundVerdict,
    ReturnCode,
    ReturnDecision,
    ReturnVerdict,
    Verdict,
)
from bot.schemas.orders import ItemLine, Order, OrderFacts, OrderSummary

if TYPE_CHECKING:
    from bot.availability import AgentAvailability
    from bot.corpus import Article

__all__ = ["CHECKS"]

SIGN_IN = "Please sign in so I can look at your orders: I only share order details with the account that placed them."
SIGN_IN_ARTICLES = SIGN_IN + " Meanwhile, here is what our help center says."
ORDER_NOT_FOUND = "I can't find that order in your account. Please check the order number under My Orders."
NO_ORDER_NUMBER = "I couldn't spot an order number in that. You'll find it under My Orders."
ASK_ORDER_ID = "Which order is it about? You'll find the order number under My Orders."
ASK_ORDER_ID_RECENT = "Which order is it about? Here are your most recent ones, or type the order number."
NO_ORDERS = "I can't see any orders in your account yet. If you placed one, what's its order number?"
NOT_SURE = "I'm not sure I have the right answer. Is your question one of these?"
NO_ARTICLE = "I couldn't find an answer to that in our help center."
HANDOFF = "I'm connecting you with a support agent, who will reply right here. Your ticket is {ticket_id}."
HANDOFF_FAILED = (
    "Sorry, I couldn't reach our support team just now. Please try again in a few minutes, "
    "or write to us from the Help page."
)
SOMETHING_WENT_WRONG = (
    "Sorry, something went wrong on my side. Could you ask again in other words, or talk to a person?"
)
TALK_TO_PERSON = "Talk to a person"
# WhatsApp, where there is no form to refuse bad input with.
UNREADABLE = "Sorry, I can only read text messages. Please type your question."
TOO_QUICK = "You're sending messages too quickly. Please wait a moment, then try again."
UNAVAILABLE = "Sorry, the assistant is not available right now. Please try again in a few minutes."
HANDOFF_PAYLOAD = "/human_handoff"
# Options where a channel has no buttons: Twilio's numbered list, and the Cloud API's list menu.
REPLY_WITH_NUMBER = "Reply with a number:"
CHOOSE_OPTION = "Choose an option:"
OPTIONS_BUTTON = "See options"

# The payload key marking a reply that is not an answer: the help center had none it was sure of.
# Channels ignore it; the agent console, metrics and `supportbot eval answers` can count on it
# instead of matching the wording.
FALLBACK_KEY = "fallback"
NOT_SURE_FALLBACK = "not_sure"  # below the search threshold: the closest articles are offered
NO_ARTICLE_FALLBACK = "no_article"  # nothing to offer at all

# Help-center questions that answer an order question in general, for a buyer who is not signed in.
CHECK_QUESTIONS = {
    "status": "How do I track my package?",
    "cancel": "How to cancel my order?",
    "dispute": "When can I open a dispute?",
    "refund": "When will I get my refund?",
    "return": "How do I return an item?",
}

STATUS_LABELS = {
    "unpaid": "awaiting payment",
    "payment_verifying": "payment being verified",
    "awaiting_shipment": "awaiting shipment",
    "shipped": "shipped",
    "completed": "completed",
    "cancelled": "cancelled",
    "closed": "closed",
}

_LOGISTICS = {
    "normal": "Tracking shows it on its way.",
    "no_tracking": "There is no tracking information for the parcel yet.",
    "returned_to_seller": "Tracking shows the parcel was returned to the seller.",
    "held_in_customs": (
        "The parcel is held in customs; the local customs office can tell you whether a tax or a document is needed."
    ),
    "wrong_address": "Tracking shows the parcel was sent to a wrong address.",
    "delivered": "Tracking shows it was delivered.",
}


# Long articles are cut for chat; the source link (or "Talk to a person") leads on.
MAX_ANSWER_CHARS = 1500


def format_day(value: datetime) -> str:
    """'3 March 2026': the date alone reads better in a status line than a UTC time."""
    value = as_utc(value)
    return f"{value.day} {calendar.month_name[value.month]} {value.year}"


def format_short_day(value: datetime) -> str:
    """'03 Mar 2026': a date in a one-line WhatsApp summary."""
    return as_utc(value).strftime("%d %b %Y")


def format_moment(value: datetime) -> str:
    """'3 March 2026 at 14:00 UTC': a deadline, unambiguous for buyers in every country."""
    value = as_utc(value)
    return f"{format_day(value)} at {value:%H:%M} UTC"


def days(span: timedelta) -> str:
    """'7 days': a rule's span as the help center writes it."""
    return f"{span.days} day{'' if span.days == 1 else 's'}"


def ordinal(number: int) -> str:
    """11 -> '11th', 2 -> '2nd'."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def order_title(order: Order) -> str:
    """'order 1001 (Wireless earbuds)': the number and what the buyer bought, to recognise it."""
    if not order.items:
        return f"order {order.order_id}"
    first = order.items[0].title
    more = len(order.items) - 1
    what = first if more <= 0 else f"{first} and {more} more item{'s' if more > 1 else ''}"
    return f"order {order.order_id} ({what})" if first else f"order {order.order_id}"


def order_button_title(order: Order) -> str:
    """A quick-reply label for picking an order: '1001 · Wireless earbuds · shipped'."""
    parts = [order.order_id]
    if order.items:
        parts.append(order.items[0].title[:40])
    parts.append(STATUS_LABELS.get(order.status, order.status))
    return " · ".join(parts)


def order_summary(order: Order) -> OrderSummary:
    """The ``order`` object of an order-status payload: what a card needs, nothing internal."""
    return OrderSummary.from_fields(
        order.dict(include=set(OrderFacts.__fields__)),
        status_label=STATUS_LABELS.get(order.status, order.status),
        dispute=None if order.dispute is None else order.dispute.status,
        refund=None if order.refund is None else order.refund.status,
        items=[ItemLine(title=item.title, quantity=item.quantity) for item in order.items],
    )


def status_text(order: Order, now: datetime) -> str:
    """Where the order stands, in one or two sentences."""
    title = _capitalised(order_title(order))
    status = order.status
    if status == "unpaid":
        text = f"{title} was placed on {format_day(order.created_at)} and is waiting for payment."
    elif status == "payment_verifying":
        text = (
            f"The payment for {order_title(order)} is being verified; the seller ships once it is confirmed."
        )
    elif status == "awaiting_shipment":
        paid = f" was paid on {format_day(order.paid_at)} and" if order.paid_at else ""
        text = f"{title}{paid} is waiting for the seller to ship it."
    elif status == "shipped":
        text = f"{title} was shipped"
        if order.shipped_at:
            text += f" on {format_day(order.shipped_at)}"
        if order.delivery_deadline:
            passed = order.delivery_deadline < now
            text += (
                f"; the promised delivery date was {format_day(order.delivery_deadline)}"
                if passed
                else f" and should arrive by {format_day(order.delivery_deadline)}"
            )
        text += ". " + _LOGISTICS.get(order.logistics, "")
    elif status == "completed":
        if order.received_confirmed_at:
            text = (
                f"{title} was delivered; receipt was confirmed on {format_day(order.received_confirmed_at)}."
            )
        else:
            text = f"{title} is completed."
    elif status == "cancelled":
        text = f"{title} was cancelled."
    else:
        text = f"{title} is {STATUS_LABELS.get(status, status)}."
    if order.dispute is not None and order.dispute.status == "open":
        text += " There is an open dispute on it."
    if order.refund is not None:
        text += (
            " Its refund is being processed."
            if order.refund.status == "processing"
            else " It has been refunded."
        )
    return text.strip()


def check_text(check: str, order: Order, eligibility: Eligibility) -> str:
    """The answer to 'may I <check>?' for ``order``, from the rendered ``eligibility``."""
    if check not in CHECKS:
        raise ValueError(f"unknown check {check!r}; expected one of {', '.join(CHECKS)}")
    verdict = eligibility.check(check)
    label = STATUS_LABELS.get(order.status, order.status)
    text = f"{_capitalised(order_title(order))}, {label}: {verdict.reason}"
    if check == "refund" and eligibility.refund.state == "none":
        text += " " + _refund_route(eligibility)
    return text


def _refund_route(eligibility: Eligibility) -> str:
    """No refund yet: say how to get one (cancelling before shipment, a dispute after)."""
    cancel, dispute = eligibility.cancel, eligibility.dispute
    if cancel.allowed:
        return f"To get your money back, cancel the order: {cancel.reason}"
    if dispute.allowed or dispute.opens_at:
        return f"A refund for a shipped order goes through a dispute: {dispute.reason}"
    return cancel.reason


def check_payload(check: Check, order: Order, eligibility: Eligibility) -> dict[str, Any]:
    """``{"order_id", "status", "<check>": <verdict>}`` (docs/architecture.md, custom payloads)."""
    return {"order_id": order.order_id, "status": order.status, check: eligibility.check(check).to_dict()}


def status_payload(order: Order) -> dict[str, Any]:
    return {"order_id": order.order_id, "status": order.status, "order": order_summary(order).to_dict()}


def source_payload(article_id: str, title: str, category: str) -> dict[str, Any]:
    return {"source": {"id": article_id, "title": title, "category": category}}


# --- eligibility: the engine's codes as sentences --------------------------------------------


def eligibility(order: Order, decision: Decision) -> Eligibility:
    """The engine's ``decision`` for ``order`` with a buyer-facing reason for every check."""
    return Eligibility(
        order_id=decision.order_id,
        cancel=CancelVerdict(**_facts(decision.cancel), reason=cancel_reason(order, decision)),
        dispute=DisputeVerdict(**_facts(decision.dispute), reason=dispute_reason(order, decision.dispute)),
        refund=RefundVerdict(**_facts(decision.refund), reason=refund_reason(order, decision.refund)),
        return_=ReturnVerdict(**_facts(decision.return_), reason=return_reason(order, decision.return_)),
    )


def judge(order: Order, now: datetime) -> OrderEligibility:
    """The order's eligibility at ``now``, decided by the engine and put into words (agent assist)."""
    verdicts = eligibility(order, engine.evaluate(order, now))
    return OrderEligibility(**verdicts.dict(), status=order.status)


def _facts(decision: CancelDecision | DisputeDecision | RefundDecision | ReturnDecision) -> dict[str, Any]:
    """The fields a verdict shows: the decision's, without its codes."""
    verdicts: dict[type[Model], type[Model]] = {
        CancelDecision: CancelVerdict,
        DisputeDecision: DisputeVerdict,
        RefundDecision: RefundVerdict,
        ReturnDecision: ReturnVerdict,
    }
    verdict = verdicts[type(decision)]
    return {name: getattr(decision, name) for name in verdict.__fields__ if name != "reason"}


# One sentence per reason code. Placeholders: dates as format_moment writes them, and the rules'
# numbers from the engine's constants (see _words), so no sentence repeats a number on its own.
CANCEL_REASONS: dict[CancelCode, str] = {
    "unpaid": "You can cancel this unpaid order right away.",
    "payment_verifying": (
        "Your payment is still being verified; you can try to cancel once the order status updates."
    ),
    "within_immediate_window": (
        "You can cancel right away until {immediate_until} ({immediate_days} after payment); "
        "the refund then takes {refund_days}."
    ),
    "seller_approval": (
        "More than {immediate_days} have passed since payment, so the seller must approve your request; "
        "if they do not answer by {deadline}, the order is cancelled automatically."
    ),
    "shipped": "The order has already been shipped, so it can't be cancelled; {instead}.",
    "completed": "The order is already completed, so it can't be cancelled; {instead}.",
    "cancelled": "This order is already cancelled.",
    "closed": "This order is closed, so there is nothing left to cancel.",
}
CANCEL_ALTERNATIVES: dict[CancelAlternative, str] = {
    "open_dispute": "your open dispute is the way to a refund",
    "refunded": "it has already been refunded",
    "dispute_until": "you can {refuse}open a dispute until {closes_at}",
    "dispute_from": "you can {refuse}open a dispute from {opens_at}",
    "contact_seller": "please contact the seller",
}
DISPUTE_REASONS: dict[DisputeCode, str] = {
    "open_dispute_awaiting_seller": (
        "You already have an open dispute: the seller has until {seller_response_by} to respond, "
        "and if they don't, you are refunded automatically."
    ),
    "open_dispute_escalated": (
        "You already have an open dispute; the seller's {seller_days} ended on {seller_response_by}, "
        "so if you have not agreed, our dispute team is stepping in."
    ),
    "refunded": "This order has already been refunded, so a dispute can't be opened.",
    "not_shipped": "A dispute can only be opened once the order has shipped; until then you can ask to cancel it.",
    "order_inactive": "This order is {status}, so a dispute can't be opened.",
    "awaiting_delivery_deadline": (
        "Your parcel is on its way with normal tracking, so you can open a dispute once the delivery "
        "deadline passes, from {opens_at} until {closes_at}."
    ),
    "opens_later_abnormal_logistics": (
        "As {logistics}, you can open a dispute from {opens_at} ({opening_day}) until {closes_at}."
    ),
    "opens_later": "You can open a dispute from {opens_at} ({opening_day}) until {closes_at}.",
    "open_abnormal_logistics": "As {logistics}, you can open a dispute now, until {closes_at}.",
    "open": "You can open a dispute now, until {closes_at}.",
    "paypal_only": (
        "The buyer protection period ended on {closes_at}, but as you paid with PayPal you can still "
        "open a PayPal dispute until {paypal_until}."
    ),
    "expired": "The buyer protection period ended on {closes_at}, so please contact the seller for a solution.",
    "appeal": "Your dispute closed on {dispute_closed_at}: you can appeal its result until {appeal_until}{also}.",
}
# What else a buyer whose dispute result can still be appealed may do, by the window's own code.
APPEAL_ALSO = {
    "open": ", or open a new dispute until {closes_at}",
    "later": "; a new dispute can be opened from {opens_at} until {closes_at}",
}
REFUND_REASONS: dict[RefundCode, str] = {
    "none": "No refund has been started for this order.",
    "completed": (
        "Your refund was completed on {processed_at}; if you can't see it, check your account statement, "
        "as some banks book it on the purchase date."
    ),
    "processing": "Your refund is being processed and should reach you by {expected_by} ({refund_days}).",
    "overdue_card": (
        "Your refund was due by {expected_by}; please ask your bank to trace it with the ARN "
        "(Acquirer Reference Number) shown on the order page."
    ),
    "overdue": (
        "Your refund was due by {expected_by}; please check with your payment provider and contact us if "
        "it still hasn't arrived."
    ),
}
RETURN_REASONS: dict[ReturnCode, str] = {
    "not_shipped": "The order hasn't shipped yet, so there is nothing to return; you can ask to cancel it instead.",
    "order_inactive": "This order is {status}, so there is nothing to return.",
    "refunded": "This order has already been refunded, so a return can't be requested.",
    "open_dispute": "You already have an open dispute; ask for a return (Refund & Return) within that dispute.",
    "free_return": "This item has Free Return, so you can return it free of charge until {closes_at}.",
    "free_return_expired": (
        "The {free_return_days}-day Free Return period ended on {closes_at}; please contact the seller."
    ),
    "through_dispute": "You can return the item by opening a dispute (Refund & Return) until {closes_at}.",
    "through_dispute_later": (
        "You can ask for a return through a dispute (Refund & Return) from {opens_at} until {closes_at}."
    ),
    "expired": (
        "Returns go through a dispute, and the buyer protection period ended on {closes_at}; "
        "please contact the seller."
    ),
}
_LOGISTICS_PHRASES = {
    "no_tracking": "the parcel has no tracking information",
    "returned_to_seller": "the parcel was returned to the seller",
    "held_in_customs": "the parcel is held in customs",
    "wrong_address": "the parcel was sent to a wrong address",
}
_OPENS_LATER: tuple[DisputeCode, ...] = (
    "awaiting_delivery_deadline",
    "opens_later_abnormal_logistics",
    "opens_later",
)


def _words(order: Order, *decisions: Model) -> dict[str, str]:
    """What the sentences may say: the decisions' dates (written out), the order's and the rules'."""
    words = {
        "status": order.status,
        "logistics": _LOGISTICS_PHRASES.get(order.logistics, ""),
        "immediate_days": days(engine.CANCEL_IMMEDIATE),
        "seller_days": days(engine.SELLER_DISPUTE_REPLY),
        "free_return_days": str(engine.FREE_RETURN_WINDOW.days),
        "refund_days": f"{engine.REFUND_MIN_BUSINESS_DAYS}-{engine.REFUND_MAX_BUSINESS_DAYS} business days",
        # A window opening N days after shipping opens on the (N+1)th day.
        "opening_day": f"the {ordinal(engine.DISPUTE_OPENS_AFTER_SHIPPING.days + 1)} day after shipping",
    }
    if order.refund is not None and order.refund.processed_at is not None:
        words["processed_at"] = format_moment(order.refund.processed_at)
    for decision in decisions:
        for name, value in decision:
            if isinstance(value, datetime):
                words[name] = format_moment(value)
    return words


def cancel_reason(order: Order, decision: Decision) -> str:
    cancel = decision.cancel
    words = _words(order, decision.dispute, cancel)
    words["refuse"] = "refuse the delivery or " if cancel.code == "shipped" else ""
    if cancel.alternative is not None:
        words["instead"] = CANCEL_ALTERNATIVES[cancel.alternative].format(**words)
    return CANCEL_REASONS[cancel.code].format(**words)


def dispute_reason(order: Order, dispute: DisputeDecision) -> str:
    words = _words(order, dispute)
    if dispute.code == "appeal" and dispute.appeal_until is not None:
        words["dispute_closed_at"] = format_moment(dispute.appeal_until - engine.APPEAL_WINDOW)
        also = "open" if dispute.allowed else "later" if dispute.window in _OPENS_LATER else None
        words["also"] = APPEAL_ALSO[also].format(**words) if also else ""
    return DISPUTE_REASONS[dispute.code].format(**words)


def refund_reason(order: Order, refund: RefundDecision) -> str:
    return REFUND_REASONS[refund.code].format(**_words(order, refund))


def return_reason(order: Order, ret: ReturnDecision) -> str:
    return RETURN_REASONS[ret.code].format(**_words(order, ret))


# --- agent assist: drafts in the same words ---------------------------------------------------

CHECK_VERBS: dict[Check, str] = {
    "cancel": "cancel order {order_id}",
    "dispute": "open a dispute for order {order_id}",
    "refund": "get a refund for order {order_id}",
    "return": "return order {order_id}",
}


def agent_suggestion(check: Check, order_id: str, verdict: Verdict) -> str:
    """A draft reply for an agent: the verdict on ``check`` in the words the bot would use."""
    reason = verdict.reason.strip()
    if isinstance(verdict, RefundVerdict):  # refunds have a state, not a verdict
        return f"About your refund for order {order_id}: {reason}" if reason else ""
    action = CHECK_VERBS[check].format(order_id=order_id)
    if verdict.allowed:
        return f"Good news: you can {action}. {reason}".strip()
    return f"I'm sorry, but you can't {action} right now. {reason}".strip()


def fallback_payload(kind: str) -> dict[str, Any]:
    """``{"fallback": kind}`` on a reply that says the assistant has no answer it is sure of."""
    if kind not in (NOT_SURE_FALLBACK, NO_ARTICLE_FALLBACK):
        raise ValueError(f"unknown fallback kind {kind!r}")
    return {FALLBACK_KEY: kind}


def answer_text(text: str, limit: int = MAX_ANSWER_CHARS) -> str:
    """An article's text for one chat bubble, cut at a line or sentence end near ``limit``.

    Blank lines are dropped: Rasa's output channels split a text at every blank line into
    separate messages, which would detach the answer's first paragraphs from its source.
    """
    text = re.sub(r"\n\s*\n+", "\n", text.strip())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    for stop in ("\n", ". "):
        index = cut.rfind(stop)
        if index > limit // 2:
            return cut[: index + 1].rstrip() + " …"
    return cut.rstrip() + " …"


def too_long(limit: int) -> str:
    return f"Your message is too long for me (over {limit} characters). Please send a shorter one."


def handoff_text(ticket_id: str | None) -> str:
    return HANDOFF.format(ticket_id=ticket_id)


# The help-center article whose table lists the customer-care channels (call center, WhatsApp,
# e-mail): the only source of the numbers a buyer is given when no agent can answer.
CONTACT_ARTICLE_TITLE = "How can I contact customer service?"
NOBODY_NOW = {
    "closed": "No one from our support team is available right now: our hours are {hours}.",
    "nobody_online": "No one from our support team is available right now.",
}
HANDOFF_LATER = (
    "I've saved your request as ticket {ticket_id}, so a colleague can follow up when they're back."
)
STILL_HERE = "Meanwhile I'm still here: ask me anything else."


def contact_article(articles: Iterable[Article]) -> Article | None:
    """The customer-care contact article of the served corpus, if it has one."""
    wanted = _squeezed(CONTACT_ARTICLE_TITLE)
    return next((a for a in articles if _squeezed(a.title) == wanted), None)


def contact_lines(article: Article) -> list[str]:
    """The article's channels, one per table row ('E-mail: CustomerCare@...'), as the page words them."""
    return [
        f"- {row.text()}" for section in article.sections for block in section.blocks for row in block.rows
    ]


def handoff_unavailable_text(
    ticket_id: str | None, availability: AgentAvailability, contact: Article | None
) -> str:
    """A handoff nobody can take now: why, the ticket kept for later, the published channels
    (named by the platform whose help center lists them), and that the bot still answers."""
    lines = [NOBODY_NOW.get(availability.code, NOBODY_NOW["nobody_online"]).format(hours=availability.hours)]
    if ticket_id:
        lines[0] += " " + HANDOFF_LATER.format(ticket_id=ticket_id)
    channels = contact_lines(contact) if contact is not None else []
    if contact is not None and channels:
        owner = f"{contact.platform} customer care" if contact.platform else "our customer care"
        lines.append(f"You can also reach {owner}:")
        lines.extend(channels)
    lines.append(STILL_HERE)
    return "\n".join(lines)


def handoff_payload(ticket_id: str, *, agent_available: bool) -> dict[str, Any]:
    """``{"handoff": {"ticket_id", "agent_available"}}``: false keeps the conversation with the bot
    (``bot.chat``) while the ticket waits for an agent."""
    return {"handoff": {"ticket_id": ticket_id, "agent_available": agent_available}}


def _squeezed(text: str) -> str:
    return " ".join(text.lower().split())


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
