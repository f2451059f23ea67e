"""Policy: the eligibility engine deciding cancel, dispute, refund and return for one order."""

from bot.policy.engine import (
    ARTICLES,
    CancelDecision,
    Decision,
    DisputeDecision,
    RefundDecision,
    ReturnDecision,
    evaluate,
)

__all__ = [
    "ARTICLES",
    "CancelDecision",
    "Decision",
    "DisputeDecision",
    "RefundDecision",
    "ReturnDecision",
    "evaluate",
]
