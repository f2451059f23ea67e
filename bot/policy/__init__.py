"""Policy: the eligibility engine deciding cancel, dispute, refund and return for one order."""

from bot.policy.engine import ARTICLES, evaluate
from bot.schemas.decisions import (
    CancelDecision,
    Decision,
    DisputeDecision,
    RefundDecision,
    ReturnDecision,
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
