"""Eligibility decisions: what the engine decides (codes and dates) and what channels show (plus a sentence).

``Decision`` is the engine's answer (``bot.policy.evaluate``): for each check a verdict, a reason
*code*, the dates that bound it and the help article it rests on. It holds no English. The
renderer (``bot.assistant.replies.eligibility``) adds the buyer-facing ``reason`` sentence and
gives ``Eligibility``, the JSON of `supportbot eligibility`, ``POST /v1/eligibility``, the order
cards and agent assist. Dates are ISO 8601 UTC with a Z on the wire.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from bot.schemas.base import Model, UtcDateTime
from bot.schemas.orders import OrderStatus

Check = Literal["cancel", "dispute", "refund", "return"]
CHECKS: tuple[Check, ...] = Check.__args__  # type: ignore[attr-defined]

CancelMode = Literal["immediate", "seller_approval", "none"]
RefundState = Literal["none", "processing", "overdue", "completed"]
ReturnMode = Literal["free_return", "dispute", "none"]

CancelCode = Literal[
    "unpaid",  # cancel at once
    "payment_verifying",  # wait for the payment check
    "within_immediate_window",  # paid, not shipped, within the days after payment
    "seller_approval",  # paid, not shipped, later: the seller answers or it cancels itself
    "shipped",  # too late; see ``alternative``
    "completed",  # too late; see ``alternative``
    "cancelled",
    "closed",
]
# What a buyer who can no longer cancel a shipped or completed order can do instead.
CancelAlternative = Literal["open_dispute", "refunded", "dispute_until", "dispute_from", "contact_seller"]
DisputeCode = Literal[
    "open_dispute_awaiting_seller",  # the seller still has days to respond
    "open_dispute_escalated",  # the seller's days are over; the platform steps in
    "refunded",
    "not_shipped",
    "order_inactive",  # cancelled or closed
    "awaiting_delivery_deadline",  # normal tracking: the window opens at the deadline
    "opens_later_abnormal_logistics",
    "opens_later",
    "open_abnormal_logistics",
    "open",
    "paypal_only",  # buyer protection over, PayPal's still on
    "expired",
    "appeal",  # a closed dispute's result can still be appealed; ``window`` says the rest
]
RefundCode = Literal["none", "processing", "overdue_card", "overdue", "completed"]
ReturnCode = Literal[
    "not_shipped",
    "order_inactive",
    "refunded",
    "open_dispute",
    "free_return",
    "free_return_expired",
    "through_dispute",
    "through_dispute_later",
    "expired",
]


# --- the facts every channel shows -----------------------------------------------------------


class CancelFacts(Model):
    allowed: bool
    mode: CancelMode
    article_id: str = Field(..., description="The help article the rule rests on.")
    immediate_until: UtcDateTime | None = Field(
        default=None, description="Last instant a paid order cancels without the seller."
    )
    deadline: UtcDateTime | None = Field(
        default=None, description="A request made now is answered (or cancelled automatically) by then."
    )


class DisputeFacts(Model):
    allowed: bool
    opens_at: UtcDateTime | None = None
    closes_at: UtcDateTime | None = None
    article_id: str
    paypal_until: UtcDateTime | None = None
    seller_response_by: UtcDateTime | None = Field(
        default=None, description="Open dispute: no answer by then refunds."
    )
    platform_steps_in_at: UtcDateTime | None = Field(
        default=None, description="Open dispute: the platform steps in without an agreement."
    )
    appeal_until: UtcDateTime | None = Field(
        default=None, description="Closed dispute: last instant to appeal."
    )


class RefundFacts(Model):
    state: RefundState
    expected_by: UtcDateTime | None = None
    article_id: str
    expected_from: UtcDateTime | None = None


class ReturnFacts(Model):
    allowed: bool
    closes_at: UtcDateTime | None = None
    article_id: str
    mode: ReturnMode = "none"


# --- the engine's decision: facts and reason codes --------------------------------------------


class CancelDecision(CancelFacts):
    code: CancelCode
    alternative: CancelAlternative | None = None


class DisputeDecision(DisputeFacts):
    code: DisputeCode
    window: DisputeCode | None = Field(
        default=None, description="With code 'appeal': the window's own verdict."
    )


class RefundDecision(RefundFacts):
    code: RefundCode


class ReturnDecision(ReturnFacts):
    code: ReturnCode
    opens_at: UtcDateTime | None = None  # through_dispute_later: when the dispute window opens


class Decision(Model):
    order_id: str
    cancel: CancelDecision
    dispute: DisputeDecision
    refund: RefundDecision
    return_: ReturnDecision

    def check(self, name: Check) -> CancelDecision | DisputeDecision | RefundDecision | ReturnDecision:
        return self.return_ if name == "return" else getattr(self, name)


# --- what channels show: the facts and the buyer-facing sentence ------------------------------


class CancelVerdict(CancelFacts):
    reason: str


class DisputeVerdict(DisputeFacts):
    reason: str


class RefundVerdict(RefundFacts):
    reason: str


class ReturnVerdict(ReturnFacts):
    reason: str


Verdict = CancelVerdict | DisputeVerdict | RefundVerdict | ReturnVerdict


class Eligibility(Model):
    """What the buyer may do with the order now: `supportbot eligibility` and ``POST /v1/eligibility``."""

    order_id: str
    cancel: CancelVerdict
    dispute: DisputeVerdict
    refund: RefundVerdict
    return_: ReturnVerdict

    class Config:
        # "return" on the wire; a Python keyword, so ``return_`` in code.
        fields: ClassVar[dict[str, dict[str, str]]] = {"return_": {"alias": "return"}}
        allow_population_by_field_name = True

    def check(self, name: Check) -> Verdict:
        return self.return_ if name == "return" else getattr(self, name)

    def to_dict(self, **options: Any) -> dict[str, Any]:
        return super().to_dict(by_alias=True, **options)


class OrderEligibility(Eligibility):
    """Agent assist: the eligibility of the order being discussed, with its status."""

    status: OrderStatus
