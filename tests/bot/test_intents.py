"""The intent-to-check table (bot/intents.py) holds the Rasa rules, the stories and the actions to it."""

from __future__ import annotations

import inspect
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.orders import OrderAction
from bot.config import PROJECT_ROOT
from bot.intents import ACTION_FOR_CHECK, CHECK_FOR_INTENT, eligibility_check_for, intents_for

CHECK_OF_ACTION = {action: check for check, action in ACTION_FOR_CHECK.items()}
DIALOGUE_FILES = [PROJECT_ROOT / "data" / "rules.yml", PROJECT_ROOT / "data" / "stories.yml"]


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def _intent_then_check(path: Path, section: str) -> list[tuple[str, str, str]]:
    """(intent, check action, rule or story name) for every intent step followed by a check action."""
    pairs = []
    for block in _load(path).get(section) or []:
        steps = block.get("steps") or []
        for step, following in pairwise(steps):
            action = following.get("action") if isinstance(following, dict) else None
            if isinstance(step, dict) and "intent" in step and action in CHECK_OF_ACTION:
                pairs.append((step["intent"], action, block.get("rule") or block.get("story")))
    return pairs


def _order_actions() -> list[type[OrderAction]]:
    found, pending = [], list(OrderAction.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if "check" in vars(cls) and not inspect.isabstract(cls):
            found.append(cls)
    return found


def test_every_rule_that_runs_a_check_follows_the_table() -> None:
    pairs = _intent_then_check(DIALOGUE_FILES[0], "rules")
    assert {(intent, action) for intent, action, _ in pairs} == {
        (intent, ACTION_FOR_CHECK[check]) for intent, check in CHECK_FOR_INTENT.items()
    }


@pytest.mark.parametrize(
    "path", [*DIALOGUE_FILES, PROJECT_ROOT / "tests" / "test_stories.yml"], ids=lambda p: p.name
)
def test_stories_run_the_check_the_table_names(path: Path) -> None:
    section = "rules" if path.name == "rules.yml" else "stories"
    for intent, action, name in _intent_then_check(path, section):
        assert CHECK_FOR_INTENT.get(intent) == CHECK_OF_ACTION[action], f"{path.name}: {name}"


def test_each_check_has_one_action_named_after_the_table() -> None:
    actions = _order_actions()
    assert sorted(cls.check for cls in actions) == sorted(ACTION_FOR_CHECK)
    for cls in actions:
        assert cls().name() == ACTION_FOR_CHECK[cls.check]


def test_the_table_only_names_intents_and_actions_of_the_domain() -> None:
    domain = _load(PROJECT_ROOT / "domain.yml")
    intents = {item if isinstance(item, str) else next(iter(item)) for item in domain["intents"]}
    assert set(CHECK_FOR_INTENT) <= intents
    assert set(ACTION_FOR_CHECK.values()) <= set(domain["actions"])


def test_assist_and_the_actions_read_the_same_table() -> None:
    assert eligibility_check_for("item_not_as_described") == "return"
    assert eligibility_check_for("order_not_received") == "dispute"
    assert eligibility_check_for("track_order") is None  # the status is not an eligibility check
    assert eligibility_check_for("faq") is None
    assert eligibility_check_for(None) is None
    assert intents_for("refund") == ("request_refund", "refund_status")
