"""data/nlu.yml: the contract intents, enough varied examples, annotations that agree with the extractor."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.entities import LABELS, extract_entities
from tools.nlu_eval import parse_nlu, plain_text

NLU_FILE = PROJECT_ROOT / "data" / "nlu.yml"
REQUIRED_INTENTS = [
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "bot_challenge",
    "out_of_scope",
    "track_order",
    "order_not_received",
    "cancel_order",
    "open_dispute",
    "request_refund",
    "refund_status",
    "return_item",
    "item_not_as_described",
    "payment_issue",
    "change_shipping_address",
    "account_help",
    "coupons",
    "contact_seller",
    "leave_feedback",
    "human_handoff",
    "inform_order_id",
    "faq",
    "contact_support",
    "order_problem",
    "not_helpful",
]
MIN_EXAMPLES = 30  # the issue asks for 25; the team standard is 30
ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\]\((?P<label>[^)]+)\)")


@pytest.fixture(scope="module")
def intents() -> dict[str, list[str]]:
    return parse_nlu(NLU_FILE.read_text(encoding="utf-8")).intents


def _normalised(example: str) -> str:
    return " ".join(plain_text(example).lower().split())


def test_every_contract_intent_has_enough_examples(intents: dict[str, list[str]]) -> None:
    counts = {name: len(intents.get(name, [])) for name in REQUIRED_INTENTS}
    assert {name: n for name, n in counts.items() if n < MIN_EXAMPLES} == {}


def test_no_example_is_used_twice(intents: dict[str, list[str]]) -> None:
    seen: dict[str, list[str]] = defaultdict(list)
    for name, examples in intents.items():
        for example in examples:
            seen[_normalised(example)].append(name)
    assert {text: names for text, names in seen.items() if len(names) > 1} == {}


def test_annotations_use_contract_entities_only(intents: dict[str, list[str]]) -> None:
    labels = {
        m.group("label") for examples in intents.values() for ex in examples for m in ANNOTATION.finditer(ex)
    }
    assert labels, "expected some annotated examples"
    assert labels <= set(LABELS)


@pytest.mark.slow  # the extractor over every example: about half a minute
def test_annotations_agree_with_the_entity_extractor(intents: dict[str, list[str]]) -> None:
    """Rasa scores the extractor against these annotations, and DIET never learns entities,
    so an annotation the extractor would not produce (or a missed one) is a bug in one of them."""
    disagreements = []
    for examples in intents.values():
        for example in examples:
            annotated, offset, text = [], 0, plain_text(example)
            for match in ANNOTATION.finditer(example):
                start = match.start() - offset
                annotated.append((match.group("label"), start, start + len(match.group("text"))))
                offset += len(match.group(0)) - len(match.group("text"))
            extracted = [(e.label, e.start, e.end) for e in extract_entities(text)]
            if annotated != extracted:
                disagreements.append((example, extracted))
    assert disagreements == []


def test_out_of_scope_and_faq_are_the_broadest_intents(intents: dict[str, list[str]]) -> None:
    # They cover open-ended territory (any help question / anything else), so they need
    # the most variety; a thin catch-all is what lets unrelated requests slip into an intent.
    others = max(len(v) for k, v in intents.items() if k not in {"faq", "out_of_scope"})
    assert len(intents["faq"]) > others
    assert len(intents["out_of_scope"]) > others


@pytest.mark.slow  # imports Rasa
def test_rasa_reads_the_file_as_we_do(intents: dict[str, list[str]], tmp_path: Path) -> None:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(NLU_FILE))
    by_intent: dict[str, set[str]] = defaultdict(set)
    for message in data.intent_examples:
        by_intent[message.get("intent")].add(message.get("text"))
    assert {k: len(v) for k, v in by_intent.items()} == {k: len(set(v)) for k, v in intents.items()}
    assert {name for name in (r["name"] for r in data.regex_features)} == {"order_id", "payment_error_code"}
    assert data.entity_synonyms["yday"] == "yesterday"
