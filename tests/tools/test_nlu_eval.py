"""`supportbot eval nlu` (tools.nlu_eval) without Rasa: the split, the YAML it writes, the figures, the failure path."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from bot import cli
from tools import nlu_eval
from tools.nlu_eval import (
    NluData,
    build_report,
    dump_nlu,
    format_report,
    kfold_nlu,
    parse_nlu,
    plain_text,
    read_nlu,
    replay,
    report_from_predictions,
    split_nlu,
    sweep,
)

NLU_TEXT = """
version: "3.1"
nlu:
- intent: greet
  examples: |
    - hi
    - hello
    - hey there
    - good morning
    - howdy
- intent: track_order
  examples: |
    - where is order [1001](order_id)
    - track my parcel
    - has it shipped
    - where is my stuff
    - order status please
    - when will it arrive
    - tracking for #[1002](order_id)
    - is my order on its way
    - any update on my delivery
    - where is my package
- intent: out_of_scope
  examples: |
    - tell me a joke
    - what's the weather
    - write me a poem
- intent: lonely
  examples: |
    - just one example
- regex: order_id
  examples: |
    - \\b\\d{4,20}\\b
- synonym: yesterday
  examples: |
    - yday
"""


@pytest.fixture
def data() -> NluData:
    return parse_nlu(NLU_TEXT)


def test_parse_keeps_annotations_and_other_items(data: NluData) -> None:
    assert data.intents["track_order"][0] == "where is order [1001](order_id)"
    assert len(data.intents["greet"]) == 5
    assert [next(iter(item)) for item in data.other] == ["regex", "synonym"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nlu: [", "not valid YAML"),
        ("version: '3.1'", "no 'nlu:' list"),
        ("nlu:\n- intent: greet\n  examples: |\n    hi\n", "must start with '- '"),
        ("nlu:\n- intent: greet\n", "has no examples"),
    ],
)
def test_parse_rejects_malformed_data(text: str, message: str) -> None:
    with pytest.raises(nlu_eval.UsageError, match=message):
        parse_nlu(text)


def test_split_is_deterministic(data: NluData) -> None:
    assert split_nlu(data, seed=7) == split_nlu(data, seed=7)
    # A different seed holds out different examples (the intent is large enough to tell).
    assert split_nlu(data, seed=7)[1].intents != split_nlu(data, seed=8)[1].intents


def test_split_is_stratified_and_a_partition(data: NluData) -> None:
    train, test = split_nlu(data, test_fraction=0.2, seed=42)
    assert {k: len(v) for k, v in test.intents.items()} == {"greet": 1, "track_order": 2, "out_of_scope": 1}
    for intent, examples in data.intents.items():
        held_out = test.intents.get(intent, [])
        assert set(train.intents[intent]).isdisjoint(held_out)
        assert sorted(train.intents[intent] + held_out) == sorted(examples)
    # A single example cannot be both learned and tested: it stays in training.
    assert train.intents["lonely"] == ["just one example"]
    assert "lonely" not in test.intents


def test_regexes_and_synonyms_stay_in_training(data: NluData) -> None:
    train, test = split_nlu(data)
    assert train.other == data.other
    assert test.other == []


def test_adding_examples_to_one_intent_leaves_the_others_split_alike(data: NluData) -> None:
    grown = NluData(
        intents={**data.intents, "greet": data.intents["greet"] + ["hiya", "yo"]}, other=data.other
    )
    assert split_nlu(grown)[1].intents["track_order"] == split_nlu(data)[1].intents["track_order"]


def test_dump_round_trips(data: NluData) -> None:
    assert parse_nlu(dump_nlu(data)) == data


def test_dump_is_readable_by_rasa(data: NluData, tmp_path: Path) -> None:
    from rasa.shared.nlu.training_data.loading import load_data

    path = tmp_path / "nlu.yml"
    path.write_text(dump_nlu(split_nlu(data)[0]), encoding="utf-8")
    loaded = load_data(str(path))
    assert {m.get("intent") for m in loaded.intent_examples} == {
        "greet",
        "track_order",
        "out_of_scope",
        "lonely",
    }
    assert loaded.entity_synonyms == {"yday": "yesterday"}
    assert any(m.get("entities") for m in loaded.intent_examples)


def test_plain_text_removes_annotations() -> None:
    assert plain_text("refund [$5](amount) for #[1001](order_id)") == "refund $5 for #1001"
    assert plain_text('it was [yday]{"entity": "date", "value": "yesterday"}') == "it was yday"


INTENT_REPORT = {
    "greet": {"precision": 1.0, "recall": 1.0, "f1-score": 1.0, "support": 2},
    "track_order": {"precision": 0.5, "recall": 1.0, "f1-score": 0.6667, "support": 1},
    "out_of_scope": {"precision": 1.0, "recall": 0.5, "f1-score": 0.6667, "support": 2},
    "nlu_fallback": {"precision": 0.0, "recall": 0.0, "f1-score": 0.0, "support": 0},
    "accuracy": 0.8,
    "macro avg": {"precision": 0.625, "recall": 0.625, "f1-score": 0.5833, "support": 5},
    "weighted avg": {"precision": 0.9, "recall": 0.8, "f1-score": 0.8, "support": 5},
}
PREDICTIONS = [
    {"intent": "greet", "predicted": "greet"},
    {"intent": "greet", "predicted": "greet"},
    {"intent": "track_order", "predicted": "nlu_fallback"},
    {"intent": "out_of_scope", "predicted": "out_of_scope"},
    {"intent": "out_of_scope", "predicted": "nlu_fallback"},
    {"intent": "out_of_scope", "predicted": "track_order"},
]


def test_report_macro_f1_is_over_intents_with_examples() -> None:
    report = build_report(INTENT_REPORT, PREDICTIONS, train_examples=20, test_examples=5)
    assert [s.intent for s in report.intents] == ["greet", "nlu_fallback", "out_of_scope", "track_order"]
    assert report.macro_f1 == pytest.approx((1.0 + 0.6667 + 0.6667) / 3)
    assert report.rasa_macro_avg == pytest.approx(0.5833)
    assert report.accuracy == 0.8


def test_report_counts_fallback_as_rejection() -> None:
    report = build_report(INTENT_REPORT, PREDICTIONS, train_examples=20, test_examples=5)
    assert (report.oos_rejected, report.oos_total) == (2, 3)
    assert (report.in_scope_rejected, report.in_scope_total) == (1, 3)
    as_dict = report.to_dict()
    assert as_dict["out_of_scope_rejection"] == {"rejected": 2, "total": 3, "rate": 0.6667}
    assert as_dict["intents"]["greet"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2}
    text = format_report(report, label="seed 42")
    assert "BELOW the 0.95 target" in text
    assert "out-of-scope rejection: 2/3 (66.7%)" in text


def _fake_rasa(tmp_path: Path, script: str) -> Path:
    path = tmp_path / "rasa"
    path.write_text("#!/bin/sh\n" + script + "\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def _nlu_file(tmp_path: Path) -> Path:
    path = tmp_path / "nlu.yml"
    path.write_text(NLU_TEXT, encoding="utf-8")
    return path


def test_rasa_failure_exits_1_with_rasa_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = _fake_rasa(tmp_path, 'echo "InvalidConfigException: no such component Foo" >&2; exit 1')
    monkeypatch.setattr(nlu_eval, "rasa_executable", lambda: fake)
    code = cli.main(["eval", "nlu", "--data", str(_nlu_file(tmp_path)), "--config", str(_nlu_file(tmp_path))])
    assert code == 1
    err = capsys.readouterr().err
    assert "rasa train nlu failed (exit 1)" in err
    assert "InvalidConfigException: no such component Foo" in err
    assert "Traceback" not in err


def test_missing_rasa_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(nlu_eval, "rasa_executable", lambda: tmp_path / "nowhere" / "rasa")
    code = cli.main(["eval", "nlu", "--data", str(_nlu_file(tmp_path)), "--config", str(_nlu_file(tmp_path))])
    assert code == 1
    assert "rasa is not installed" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [(["--test-fraction", "1.5"], "--test-fraction"), (["--data", "/nonexistent/nlu.yml"], "does not exist")],
)
def test_bad_arguments_exit_2(extra: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["eval", "nlu", *extra]) == 2
    assert message in capsys.readouterr().err


def test_json_output_from_rasa_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The whole flow with a stand-in rasa that writes the files real Rasa writes."""
    report_json = json.dumps(INTENT_REPORT).replace('"', '\\"')
    fake = _fake_rasa(
        tmp_path,
        # train: create the model file; test: write intent_report.json into --out
        'out=""; prev=""; for a in "$@"; do [ "$prev" = "--out" ] && out="$a"; prev="$a"; done\n'
        'if [ "$1" = train ]; then mkdir -p "$out" && touch "$out/nlu-eval.tar.gz"; '
        f'else mkdir -p "$out" && echo "{report_json}" > "$out/intent_report.json"; fi',
    )
    monkeypatch.setattr(nlu_eval, "rasa_executable", lambda: fake)

    def fake_run(command: list[str], *, cwd: Path, what: str) -> None:
        if command[0] != str(fake):  # the fallback pass: write final predictions
            Path(command[-1]).write_text(json.dumps(PREDICTIONS), encoding="utf-8")
            return
        real_run(command, cwd=cwd, what=what)

    real_run = nlu_eval._run_rasa
    monkeypatch.setattr(nlu_eval, "_run_rasa", fake_run)
    out_dir = tmp_path / "out"
    args = ["eval", "nlu", "--json", "--data", str(_nlu_file(tmp_path)), "--config", str(_nlu_file(tmp_path))]
    assert cli.main([*args, "--out", str(out_dir), "--fail-under", "0.5"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["macro_f1"] == pytest.approx(0.7778, abs=1e-4)
    assert figures["out_of_scope_rejection"]["rejected"] == 2
    assert (out_dir / "train.yml").exists()
    assert (out_dir / "held_out.json").exists()
    held_out = json.loads((out_dir / "held_out.json").read_text(encoding="utf-8"))
    assert all("[" not in example["text"] for example in held_out)  # annotations stripped

    assert cli.main([*args, "--out", str(out_dir), "--fail-under", "0.9"]) == 1


def test_a_data_directory_is_read_like_rasa_reads_it(tmp_path: Path) -> None:
    (tmp_path / "nlu.yml").write_text(NLU_TEXT, encoding="utf-8")
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "extra.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - yo\n', encoding="utf-8"
    )
    (tmp_path / "rules.yml").write_text('version: "3.1"\nrules: []\n', encoding="utf-8")

    data = read_nlu(tmp_path)

    assert "yo" in data.intents["greet"]
    assert len(data.intents["greet"]) == 6
    assert [next(iter(item)) for item in data.other] == ["regex", "synonym"]


def test_kfold_scores_every_example_exactly_once_and_never_trains_on_it(data: NluData) -> None:
    folds = kfold_nlu(data, k=3, seed=7)

    tested = [text for _, test in folds for texts in test.intents.values() for text in texts]
    assert sorted(tested) == sorted({t for texts in data.intents.values() for t in texts})
    for train, test in folds:
        trained = {t for texts in train.intents.values() for t in texts}
        assert not trained & {t for texts in test.intents.values() for t in texts}
        assert train.other == data.other
    assert kfold_nlu(data, k=3, seed=7) == folds


RANKED = [
    {"intent": "greet", "ranking": [["greet", 0.9], ["thank", 0.05]]},
    {"intent": "greet", "ranking": [["greet", 0.45], ["thank", 0.40]]},
    {"intent": "track_order", "ranking": [["cancel_order", 0.55], ["track_order", 0.3]]},
    {"intent": "out_of_scope", "ranking": [["greet", 0.35], ["out_of_scope", 0.3]]},
    {"intent": "out_of_scope", "ranking": [["out_of_scope", 0.8], ["greet", 0.1]]},
]


def test_the_fallback_is_replayed_from_the_classifier_ranking() -> None:
    assert replay(RANKED[0], 0.5, 0.1) == "greet"
    assert replay(RANKED[1], 0.4, 0.1) == "nlu_fallback"  # too close to the second
    assert replay(RANKED[1], 0.4, 0.0) == "greet"
    assert replay(RANKED[2], 0.6, 0.0) == "nlu_fallback"  # below the threshold
    assert replay({"intent": "greet", "ranking": []}, 0.5, 0.1) == "nlu_fallback"


def test_the_sweep_trades_fallbacks_for_misroutes() -> None:
    low, high = sweep(RANKED, thresholds=(0.3, 0.6), ambiguities=(0.0,))

    assert (low.answered_correctly, low.in_scope_fallback, low.misrouted) == (2 / 3, 0.0, 1 / 3)
    assert low.oos_rejected == 0.5
    assert (high.answered_correctly, high.in_scope_fallback, high.misrouted) == (1 / 3, 2 / 3, 0.0)
    assert high.oos_rejected == 1.0


def test_a_report_from_predictions_scores_the_classifiers_choice() -> None:
    report = report_from_predictions(
        [dict(e, predicted=replay(e, 0.5, 0.1)) for e in RANKED], train_examples=10, test_examples=5
    )

    scores = {score.intent: score for score in report.intents}
    assert scores["greet"].recall == 1.0  # the fallback is undone, as rasa test nlu does
    assert scores["track_order"].recall == 0.0
    assert report.accuracy == pytest.approx(3 / 5)
    assert (report.oos_rejected, report.oos_total) == (2, 2)
    assert (report.in_scope_rejected, report.in_scope_total) == (1, 3)
