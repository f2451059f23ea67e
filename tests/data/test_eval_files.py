"""Shape of the blind evaluation data in eval/, and that it rests on the help-center text.

These files are frozen once committed (see eval/README.md): the checks only guard their
format, so an edit that breaks the eval commands or cites text the documents do not contain is
caught here rather than as a crash or a silently unreachable target in `supportbot eval`.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.corpus import articles_holding
from bot.corpus.ingest import build_articles, load_manifest
from bot.entities import extract_entities

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "eval"
FAQ = ROOT / "data" / "faq"

STYLES = {"terse", "typo", "chatty", "angry", "non-native", "texting", "formal", "long"}
PATTERNS = {"follow-up", "topic-switch", "clarification", "fragment", "re-ask", "recovery", "mixed"}
INTENTS = {
    "greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "out_of_scope", "track_order",
    "order_not_received", "cancel_order", "open_dispute", "request_refund", "refund_status",
    "return_item", "item_not_as_described", "payment_issue", "change_shipping_address",
    "account_help", "coupons", "contact_seller", "leave_feedback", "human_handoff",
    "inform_order_id", "faq", "contact_support", "order_problem", "not_helpful", "show_more",
}  # fmt: skip
BIG_INTENTS = {
    "faq", "out_of_scope", "leave_feedback", "track_order", "request_refund", "refund_status",
    "order_not_received",
}  # fmt: skip
ANNOTATION = re.compile(r"\[([^\]]+)\]\((\w+)\)")


def _load(name: str) -> Any:
    return yaml.safe_load((EVAL / name).read_text(encoding="utf-8"))


def _squeeze(text: str) -> str:
    return " ".join(text.split())


@lru_cache(maxsize=1)
def _raw_documents() -> dict[str, str]:
    return {p.name: _squeeze(p.read_text(encoding="utf-8")) for p in sorted((FAQ / "raw").glob("*.txt"))}


def _check_patterns(where: str, item: dict[str, Any], key: str, required: bool) -> None:
    patterns = item.get(key)
    if patterns is None and not required:
        return
    assert isinstance(patterns, list), f"{where}: `{key}` must be a list of regexes"
    for pattern in patterns:
        assert isinstance(pattern, str), f"{where}: {key} pattern is not text"
        assert pattern, f"{where}: empty {key} pattern"
        try:
            re.compile(pattern, re.I | re.S)
        except re.error as exc:
            pytest.fail(f"{where}: {key} pattern {pattern!r} does not compile: {exc}")


@pytest.mark.parametrize(
    ("name", "minimum"),
    [
        ("answers_dev.yaml", 80),
        ("answers_dev2.yaml", 130),
        ("answers_heldout.yaml", 120),
        ("answers_heldout2.yaml", 150),
        ("answers_heldout3.yaml", 150),
        ("answers_heldout4.yaml", 150),
    ],
)
def test_answer_sets_have_the_contract_shape(name: str, minimum: int) -> None:
    questions = _load(name)["questions"]
    assert len(questions) >= minimum
    for n, item in enumerate(questions):
        where = f"{name} #{n}"
        assert isinstance(item.get("q"), str), f"{where}: no question"
        assert item["q"].strip(), f"{where}: empty question"
        _check_patterns(where, item, "expect", required=True)
        assert item["expect"], f"{where}: a question must expect at least one fact"
        _check_patterns(where, item, "forbid", required=False)
        assert isinstance(item.get("topic"), str), f"{where}: no topic"
        assert item["topic"], f"{where}: empty topic"
        assert item.get("style") in STYLES, f"{where}: style {item.get('style')!r}"


@pytest.mark.parametrize(
    "name", ["answers_dev.yaml", "answers_dev2.yaml", "answers_heldout.yaml", "answers_heldout2.yaml"]
)
def test_every_expected_fact_is_in_the_help_center_documents(name: str) -> None:
    # A pattern no document satisfies is a typo or an invented fact: no correct reply could pass.
    text = "\n".join(_raw_documents().values()).translate(str.maketrans("’‘“”", "''\"\""))
    for item in _load(name)["questions"]:
        for pattern in item["expect"]:
            assert re.search(pattern, text, re.I | re.S), (
                f"{name}: {item['q']!r}: {pattern!r} is in no document"
            )


@pytest.mark.parametrize(
    ("name", "minimum"),
    [
        ("dialogs_dev.yaml", 30),
        ("dialogs_dev2.yaml", 30),
        ("dialogs_heldout.yaml", 40),
        ("dialogs_heldout2.yaml", 40),
        ("dialogs_heldout3.yaml", 40),
        ("dialogs_heldout4.yaml", 40),
    ],
)
def test_dialog_sets_have_the_contract_shape(name: str, minimum: int) -> None:
    dialogs = _load(name)["dialogs"]
    assert len(dialogs) >= minimum
    ids = [d["id"] for d in dialogs]
    assert len(ids) == len(set(ids)), f"{name}: duplicate dialog ids"
    for dialog in dialogs:
        where = f"{name} {dialog['id']}"
        assert dialog.get("pattern") in PATTERNS, f"{where}: pattern {dialog.get('pattern')!r}"
        customer = dialog.get("customer")
        assert customer is None or re.fullmatch(r"C\d{4,}", customer), f"{where}: customer {customer!r}"
        turns = dialog["turns"]
        assert 2 <= len(turns) <= 5, f"{where}: {len(turns)} turns"
        for t, turn in enumerate(turns):
            assert ("user" in turn) != ("choose" in turn), f"{where} turn {t}: exactly one of user/choose"
            if "choose" in turn:
                re.compile(turn["choose"], re.I)
            _check_patterns(f"{where} turn {t}", turn, "expect", required=True)
            _check_patterns(f"{where} turn {t}", turn, "forbid", required=False)


# Each held-out set must stay unseen while the others are used: a text shared with dev (tuned
# on) or with an earlier held-out set (already run, so spent) would leak into its figures.
SPLITS = {
    "dev": ("answers_dev.yaml", "dialogs_dev.yaml"),
    "heldout": ("answers_heldout.yaml", "dialogs_heldout.yaml", "retrieval_heldout.yaml"),
    "heldout2": ("answers_heldout2.yaml", "dialogs_heldout2.yaml"),
    "heldout3": ("answers_heldout3.yaml", "dialogs_heldout3.yaml"),
    "heldout4": ("answers_heldout4.yaml", "dialogs_heldout4.yaml"),
}


def _split_texts(split: str) -> set[str]:
    found: list[str] = []
    for name in SPLITS[split]:
        data = _load(name)
        if "questions" in data:
            found += [q["q"] for q in data["questions"]]
        elif "queries" in data:
            found += [q["q"] for q in data["queries"]]
        else:
            found += [t["user"] for d in data["dialogs"] for t in d["turns"] if "user" in t]
    return {re.sub(r"[^a-z0-9%]+", " ", text.lower()).strip() for text in found}


@pytest.mark.parametrize(
    ("one", "other"), [(a, b) for i, a in enumerate(SPLITS) for b in list(SPLITS)[i + 1 :]]
)
def test_nothing_is_shared_between_splits(one: str, other: str) -> None:
    shared = _split_texts(one) & _split_texts(other)
    if shared:  # a count only: quoting held-out texts in a test report would unblind them
        pytest.fail(f"{one} and {other} share {len(shared)} texts")


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9%]+", " ", text.lower()).strip()


def _texts(name: str) -> list[tuple[str, str]]:
    """Every buyer text of an eval file with where it sits: questions, queries, negatives, turns, examples."""
    if name.endswith(".yml"):
        return [
            (f"example {n}", ANNOTATION.sub(r"\1", text)) for n, (_, text) in enumerate(_nlu_examples(name))
        ]
    data = _load(name)
    if "questions" in data:
        return [(f"#{n}", q["q"]) for n, q in enumerate(data["questions"])]
    if "queries" in data:
        return [(f"query {n}", q["q"]) for n, q in enumerate(data["queries"])] + [
            (f"negative {n}", text) for n, text in enumerate(data.get("negatives", []))
        ]
    return [
        (f"{d['id']} turn {t}", turn["user"])
        for d in data["dialogs"]
        for t, turn in enumerate(d["turns"])
        if "user" in turn
    ]


@pytest.mark.parametrize("name", ["answers_dev2.yaml", "dialogs_dev2.yaml"])
def test_development_set_2_shares_no_text_with_any_other_eval_file(name: str) -> None:
    # Set 2 is tuned on, so a text it shares with a held-out file (NLU examples and retrieval
    # negatives included) would leak into the held-out figures, and one it shares with set 1 would
    # count the same question twice. Only set 2's own positions are reported: the other side may be
    # held-out text, which must not be printed.
    mine = _texts(name)
    found = []
    for other in sorted({p.name for p in EVAL.glob("*.y*ml")} - {name}):
        theirs = {_normal(text) for _, text in _texts(other)}
        shared = [where for where, text in mine if _normal(text) in theirs]
        if shared:
            found.append(f"{', '.join(shared)} also in {other}")
    if found:
        pytest.fail(f"{name}: " + "; ".join(found))


def test_development_set_2_clicks_only_buttons_set_1_clicks() -> None:
    # Button titles are the bot's wording; set 2 reuses the `choose:` patterns set 1 was written
    # with rather than guessing other titles.
    def chosen(name: str) -> set[str]:
        return {turn["choose"] for d in _load(name)["dialogs"] for turn in d["turns"] if "choose" in turn}

    assert chosen("dialogs_dev2.yaml") <= chosen("dialogs_dev.yaml")


# Held-out sets 3 and 4 get the same checks, and they name only positions (question numbers, dialog
# ids, pattern indexes), never a question, a turn or a pattern, so a red test cannot unblind a set
# that is not yet run (set 4; set 3 is spent but its failures are reported the same way).
HELDOUT3 = ("answers_heldout3.yaml", "dialogs_heldout3.yaml")
HELDOUT4 = ("answers_heldout4.yaml", "dialogs_heldout4.yaml")
HELDOUT_PAIRS = pytest.mark.parametrize("pair", [HELDOUT3, HELDOUT4], ids=["set3", "set4"])
HELDOUT_FILES = pytest.mark.parametrize("name", HELDOUT3 + HELDOUT4)


def _documents_text() -> str:
    return "\n".join(_raw_documents().values()).translate(str.maketrans("’‘“”", "''\"\""))


@HELDOUT_PAIRS
def test_held_out_set_loads_in_the_eval_command(pair: tuple[str, str]) -> None:
    # The same loader `supportbot eval` uses, in its held-out mode (errors by number only): it also
    # refuses unknown keys and a pattern that matches an empty reply.
    from tools.chat_eval.data import load_dialogs, load_questions

    questions = load_questions(EVAL / pair[0], reveal=False)
    dialogs = load_dialogs(EVAL / pair[1], reveal=False)
    assert len(questions) >= 150
    assert len(dialogs) >= 40
    assert all(q.topic and q.style for q in questions)
    assert sum(1 for q in questions if any(p.pattern == "sign in" for p in q.check.forbid)) >= 15


@HELDOUT_PAIRS
def test_held_out_set_expects_only_facts_in_the_documents(pair: tuple[str, str]) -> None:
    # Dialog turns are checked too: a turn expecting text no document holds could never pass.
    text = _documents_text()
    missing = [
        f"#{n} expect[{k}]"
        for n, item in enumerate(_load(pair[0])["questions"])
        for k, pattern in enumerate(item["expect"])
        if not re.search(pattern, text, re.I | re.S)
    ] + [
        f"{d['id']} turn {t} expect[{k}]"
        for d in _load(pair[1])["dialogs"]
        for t, turn in enumerate(d["turns"])
        for k, pattern in enumerate(turn["expect"])
        if not re.search(pattern, text, re.I | re.S)
    ]
    assert not missing, f"in no document: {', '.join(missing)}"


@HELDOUT_FILES
def test_held_out_set_shares_no_text_with_any_other_eval_file(name: str) -> None:
    # Dev files are tuned on and earlier held-out sets are spent, so a shared text would leak into
    # a later set's figures; within a set, the answers and dialogs must not count one text twice.
    # Every other file in eval/ is compared, so set 3 is also checked against set 4 and back.
    mine = _texts(name)
    found = []
    for other in sorted({p.name for p in EVAL.glob("*.y*ml")} - {name}):
        theirs = {_normal(text) for _, text in _texts(other)}
        shared = [where for where, text in mine if _normal(text) in theirs]
        if shared:
            found.append(f"{', '.join(shared)} also in {other}")
    repeated = [where for where, count in Counter(_normal(t) for _, t in mine).items() if count > 1]
    if repeated:
        found.append(f"{len(repeated)} texts repeated within the file")
    if found:
        pytest.fail(f"{name}: " + "; ".join(found))


def _strings(node: Any) -> list[str]:
    """Every text in a YAML tree, with one line per list item of Rasa `examples: |` blocks."""
    if isinstance(node, dict):
        return [text for value in node.values() for text in _strings(value)]
    if isinstance(node, list):
        return [text for value in node for text in _strings(value)]
    if not isinstance(node, str):
        return []
    lines = [line.strip() for line in node.splitlines()]
    return [node] + [ANNOTATION.sub(r"\1", line[2:]) for line in lines if line.startswith("- ")]


TRAINING_FILES = (
    "data/nlu.yml",
    "data/nlu_dialogue.yml",
    "data/stories.yml",
    "data/rules.yml",
    "data/faq/paraphrases.yaml",
    "data/faq/aliases.yaml",
    "tests/test_stories.yml",
    "tests/data/retrieval_eval.yaml",
)


@HELDOUT_FILES
def test_held_out_set_shares_no_text_with_the_training_data(name: str) -> None:
    # A held-out text that also sits in training or tuning data would be scored as if unseen. Only
    # the set's own positions are reported (the training side is not printed either).
    mine = _texts(name)
    found = []
    for relative in TRAINING_FILES:
        path = ROOT / relative
        if not path.exists():
            continue
        theirs = {_normal(text) for text in _strings(yaml.safe_load(path.read_text(encoding="utf-8")))}
        shared = [where for where, text in mine if _normal(text) in theirs]
        if shared:
            found.append(f"{', '.join(shared)} also in {relative}")
    if found:
        pytest.fail(f"{name}: " + "; ".join(found))


def _chosen(name: str) -> set[str]:
    return {turn["choose"] for d in _load(name)["dialogs"] for turn in d["turns"] if "choose" in turn}


def test_held_out_set_3_clicks_only_buttons_set_1_clicks() -> None:
    clicked = _chosen(HELDOUT3[1])
    assert clicked, "set 3 has no clarification with a button"
    assert clicked <= _chosen("dialogs_dev.yaml") | _chosen("dialogs_heldout.yaml")


def test_held_out_set_4_clicks_only_buttons_the_dev_set_clicks() -> None:
    # Button titles are the bot's wording: set 4 reuses only the `choose:` patterns of
    # dialogs_dev.yaml instead of guessing titles (a count only on failure).
    clicked = _chosen(HELDOUT4[1])
    assert clicked, "set 4 has no clarification with a button"
    extra = clicked - _chosen("dialogs_dev.yaml")
    assert not extra, f"set 4 clicks {len(extra)} patterns dialogs_dev.yaml does not"


def test_retrieval_sources_are_verbatim_help_center_text() -> None:
    data = _load("retrieval_heldout.yaml")
    assert len(data["queries"]) >= 200
    assert len(data["negatives"]) >= 30
    assert all(isinstance(n, str) and n.strip() for n in data["negatives"])
    documents = _raw_documents()
    for item in data["queries"]:
        assert item["sources"], f"{item['q']!r}: no source"
        for source in item["sources"]:
            assert len(source) >= 15, f"{item['q']!r}: source {source!r} is shorter than 15 characters"
            assert any(_squeeze(source) in text for text in documents.values()), (
                f"{item['q']!r}: {source!r} is not in any raw document"
            )


def test_retrieval_sources_survive_ingesting() -> None:
    # The eval resolves each source to the articles holding it and fails loudly on none.
    articles = build_articles(FAQ / "raw", load_manifest(FAQ / "sources.yaml"))
    unheld = [
        source
        for item in _load("retrieval_heldout.yaml")["queries"]
        for source in item["sources"]
        if not articles_holding(articles, source)
    ]
    assert not unheld


def _nlu_examples(name: str = "nlu_heldout.yml") -> list[tuple[str, str]]:
    data = _load(name)
    assert str(data["version"]) == "3.1"
    return [
        (block["intent"], line[2:])
        for block in data["nlu"]
        for line in block["examples"].splitlines()
        if line.startswith("- ")
    ]


def test_nlu_heldout_covers_every_intent() -> None:
    counts = Counter(intent for intent, _ in _nlu_examples())
    assert set(counts) == INTENTS
    for intent, count in counts.items():
        assert count >= (25 if intent in BIG_INTENTS else 15), f"{intent}: {count} examples"


def test_nlu_heldout_annotations_are_what_the_extractor_finds() -> None:
    for intent, example in _nlu_examples():
        plain, expected, cursor = "", [], 0
        for match in ANNOTATION.finditer(example):
            plain += example[cursor : match.start()]
            expected.append((match.group(2), len(plain), len(plain) + len(match.group(1))))
            plain += match.group(1)
            cursor = match.end()
        plain += example[cursor:]
        found = [(e.label, e.start, e.end) for e in extract_entities(plain)]
        assert sorted(found) == sorted(expected), f"{intent}: {example!r}"
