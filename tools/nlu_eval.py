"""`supportbot eval nlu`: intent classification quality of the Rasa NLU pipeline, on data never
trained on.

Three ways to hold data out, all over the NLU files under ``data/`` (Rasa trains on all of them):

- the default: an 80/20 split per intent (seeded, so every run measures the same split), trained
  with ``rasa train nlu`` on the 80% and scored with ``rasa test nlu`` on the 20%;
- ``--heldout [FILE]``: trained on all of ``data/``, scored on the frozen ``eval/nlu_heldout.yml``
  (written blind, never trained or tuned on: the figure to report, run once);
- ``--kfold K``: K-fold cross-validation over ``data/`` (each example scored by a model that did
  not see it), for tuning. ``--sweep`` adds the fallback-threshold sweep: the classifier rankings
  of the scored examples replayed under each (threshold, ambiguity threshold) pair of the
  FallbackClassifier. Rasa runs as a subprocess (``tools.rasa``).

Figures printed:
- per-intent precision/recall/F1 from Rasa's ``intent_report.json``;
- macro-F1: the mean F1 over the intents in the held-out set. An ``nlu_fallback`` prediction
  counts as a miss (Rasa's own "macro avg" also averages in a zero for the ``nlu_fallback``
  pseudo-intent, which has no examples; it is shown as ``rasa_macro_avg``);
- out-of-scope rejection: the share of held-out ``out_of_scope`` examples predicted
  ``out_of_scope`` or ``nlu_fallback``, and the share of in-scope examples wrongly rejected.
  ``rasa test nlu`` undoes FallbackClassifier predictions, so these come from a second pass
  through the whole pipeline (``python -m tools.nlu_predict``), as the assistant decides.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import SupportbotError, UsageError
from tools.rasa import rasa_executable, require_rasa, run_rasa

OUT_OF_SCOPE = "out_of_scope"
FALLBACK = "nlu_fallback"
REJECTIONS = frozenset({OUT_OF_SCOPE, FALLBACK})
TARGET_MACRO_F1 = 0.95
DEFAULT_HELDOUT = Path("eval/nlu_heldout.yml")


@dataclass(frozen=True)
class NluData:
    """An NLU file: examples per intent plus everything else (regexes, lookups, synonyms)."""

    intents: dict[str, list[str]]
    other: list[dict[str, Any]]
    version: str = "3.1"


@dataclass(frozen=True)
class IntentScore:
    intent: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class NluReport:
    intents: list[IntentScore]
    macro_f1: float
    rasa_macro_avg: float | None
    accuracy: float
    oos_rejected: int
    oos_total: int
    in_scope_rejected: int
    in_scope_total: int
    train_examples: int
    test_examples: int

    @property
    def oos_rejection(self) -> float | None:
        return self.oos_rejected / self.oos_total if self.oos_total else None

    @property
    def in_scope_rejection(self) -> float | None:
        return self.in_scope_rejected / self.in_scope_total if self.in_scope_total else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "train_examples": self.train_examples,
            "test_examples": self.test_examples,
            "macro_f1": round(self.macro_f1, 4),
            "target_macro_f1": TARGET_MACRO_F1,
            "rasa_macro_avg": None if self.rasa_macro_avg is None else round(self.rasa_macro_avg, 4),
            "accuracy": round(self.accuracy, 4),
            "out_of_scope_rejection": {
                "rejected": self.oos_rejected,
                "total": self.oos_total,
                "rate": _rounded(self.oos_rejection),
            },
            "in_scope_wrongly_rejected": {
                "rejected": self.in_scope_rejected,
                "total": self.in_scope_total,
                "rate": _rounded(self.in_scope_rejection),
            },
            "intents": {
                score.intent: {
                    "precision": round(score.precision, 4),
                    "recall": round(score.recall, 4),
                    "f1": round(score.f1, 4),
                    "support": score.support,
                }
                for score in self.intents
            },
        }


def register(commands: argparse._SubParsersAction, groups: dict[str, argparse._SubParsersAction]) -> None:
    help_text = (
        "Score Rasa NLU intents on data it was not trained on: 20% of data/ (default), the frozen "
        "eval/nlu_heldout.yml (--heldout) or K folds of data/ (--kfold, with --sweep for the fallback thresholds)."
    )
    # argparse %-formats help strings (not descriptions): `supportbot eval --help` crashed on "80% of".
    parser = groups["eval"].add_parser("nlu", help=help_text.replace("%", "%%"), description=help_text)
    parser.add_argument(
        "--data",
        type=Path,
        default=Path("data"),
        help="NLU training data: a YAML file or a directory of them",
    )
    parser.add_argument(
        "--heldout",
        type=Path,
        nargs="?",
        const=DEFAULT_HELDOUT,
        help=f"train on all of --data, score this file (default {DEFAULT_HELDOUT}); figures only",
    )
    parser.add_argument("--kfold", type=int, metavar="K", help="K-fold cross-validation over --data")
    parser.add_argument(
        "--sweep", action="store_true", help="print the fallback-threshold sweep over the scored examples"
    )
    parser.add_argument("--config", type=Path, default=Path("config.yml"), help="Rasa pipeline configuration")
    parser.add_argument("--test-fraction", type=float, default=0.2, help="share held out per intent")
    parser.add_argument("--seed", type=int, default=42, help="seed of the split")
    parser.add_argument("--out", type=Path, help="keep the split, the model and Rasa's reports here")
    parser.add_argument(
        "--fail-under", type=float, help="exit 1 when macro-F1 is below this (e.g. 0.92 in CI)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from bot.config import get_settings

    settings = get_settings()
    data_path = settings.resolve(args.data)
    config_path = settings.resolve(args.config)
    if not 0.0 < args.test_fraction < 1.0:
        raise UsageError("--test-fraction must be between 0 and 1")
    if args.kfold is not None and (args.kfold < 2 or args.heldout is not None):
        raise UsageError("--kfold needs K >= 2 and cannot be combined with --heldout")
    for path in (data_path, config_path):
        if not path.exists():
            raise UsageError(f"{path} does not exist")
    if not config_path.is_file():
        raise UsageError(f"{config_path} is not a file")
    data = read_nlu(data_path)
    heldout_path = settings.resolve(args.heldout) if args.heldout is not None else None
    if heldout_path is not None and not heldout_path.is_file():
        raise UsageError(f"{heldout_path} does not exist")

    def evaluate(work: Path) -> tuple[NluReport, list[dict[str, Any]], str]:
        if args.kfold is not None:
            report, predictions = _cross_validate(
                data, args.kfold, args.seed, config_path, work, settings.home
            )
            return (
                report,
                predictions,
                f"{args.kfold}-fold cross-validation of {data_path.name}/ (seed {args.seed})",
            )
        if heldout_path is not None:
            test = parse_nlu(heldout_path.read_text(encoding="utf-8"))
            report = _evaluate(data, test, config_path, work, settings.home)
            return report, _read_json_list(work / "predictions.json"), f"frozen {heldout_path.name}"
        train, test = split_nlu(data, test_fraction=args.test_fraction, seed=args.seed)
        report = _evaluate(train, test, config_path, work, settings.home)
        return report, _read_json_list(work / "predictions.json"), f"seed {args.seed}"

    if args.out:
        work = settings.resolve(args.out)
        work.mkdir(parents=True, exist_ok=True)
        report, predictions, label = evaluate(work)
    else:
        with tempfile.TemporaryDirectory(prefix="supportbot-nlu-eval-") as tmp:
            report, predictions, label = evaluate(Path(tmp))
    rows = sweep(predictions) if args.sweep else []

    if args.json:
        figures = report.to_dict()
        if args.sweep:
            figures["sweep"] = [row.to_dict() for row in rows]
        print(json.dumps(figures, indent=2))
    else:
        print(format_report(report, label=label))
        if args.sweep:
            print()
            print(format_sweep(rows))
    if args.fail_under is not None and report.macro_f1 < args.fail_under:
        print(f"supportbot: macro-F1 {report.macro_f1:.4f} is below {args.fail_under}", file=sys.stderr)
        return 1
    return 0


# --- data ----------------------------------------------------------------------------------


def parse_nlu(text: str) -> NluData:
    """Reads Rasa's YAML NLU format without Rasa; annotations stay in the example text."""
    import yaml

    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise UsageError(f"NLU data is not valid YAML: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("nlu"), list):
        raise UsageError("NLU data has no 'nlu:' list")
    intents: dict[str, list[str]] = {}
    other: list[dict[str, Any]] = []
    for item in document["nlu"]:
        if not isinstance(item, dict):
            raise UsageError(f"NLU item is not a mapping: {item!r}")
        if "intent" not in item:
            other.append(item)
            continue
        name = str(item["intent"])
        intents.setdefault(name, []).extend(_examples(item.get("examples"), name))
    return NluData(intents=intents, other=other, version=str(document.get("version", "3.1")))


def _examples(raw: Any, intent: str) -> list[str]:
    if isinstance(raw, str):
        lines = [line.strip() for line in raw.splitlines() if line.strip()]
        bad = [line for line in lines if not line.startswith("- ")]
        if bad:
            raise UsageError(f"intent {intent}: example lines must start with '- ': {bad[0]!r}")
        return [line[2:].strip() for line in lines]
    if isinstance(raw, list):  # the long form: a list of {text: ..., metadata: ...}
        return [str(entry["text"]).strip() for entry in raw if isinstance(entry, dict) and "text" in entry]
    raise UsageError(f"intent {intent} has no examples")


def split_nlu(data: NluData, *, test_fraction: float = 0.2, seed: int = 42) -> tuple[NluData, NluData]:
    """Stratified, deterministic split: each intent keeps ``test_fraction`` of its examples out.

    Each intent is shuffled by its own seeded generator, so adding examples to one intent
    does not reshuffle the others. Regexes, lookups and synonyms go to the training part
    only: they are training data, not test cases. An intent with a single example stays
    in training (there would be nothing to learn it from otherwise).
    """
    train: dict[str, list[str]] = {}
    test: dict[str, list[str]] = {}
    for intent, examples in data.intents.items():
        unique = sorted(set(examples))
        random.Random(f"{seed}:{intent}").shuffle(unique)
        held_out = round(len(unique) * test_fraction) if len(unique) > 1 else 0
        held_out = min(max(held_out, 1 if len(unique) > 1 else 0), len(unique) - 1)
        test_part = set(unique[:held_out])
        # Keep the file's order inside each part: it makes the split files readable.
        train[intent] = [text for text in dict.fromkeys(examples) if text not in test_part]
        test[intent] = [text for text in dict.fromkeys(examples) if text in test_part]
    return (
        NluData(intents=train, other=list(data.other), version=data.version),
        NluData(intents={k: v for k, v in test.items() if v}, other=[], version=data.version),
    )


def read_nlu(path: Path) -> NluData:
    """The NLU data of a YAML file, or of every YAML file with an ``nlu:`` list under a directory
    (as Rasa reads ``data/``; rules and stories files are skipped), merged."""
    if path.is_file():
        return parse_nlu(path.read_text(encoding="utf-8"))
    intents: dict[str, list[str]] = {}
    other: list[dict[str, Any]] = []
    version = "3.1"
    files = sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())
    for file in files:
        text = file.read_text(encoding="utf-8")
        if not re.search(r"^nlu:", text, re.M):
            continue
        part = parse_nlu(text)
        version = part.version
        other.extend(part.other)
        for intent, examples in part.intents.items():
            intents.setdefault(intent, []).extend(examples)
    if not intents:
        raise UsageError(f"no NLU examples under {path}")
    return NluData(intents=intents, other=other, version=version)


def kfold_nlu(data: NluData, *, k: int, seed: int = 42) -> list[tuple[NluData, NluData]]:
    """K stratified folds: each intent's examples, shuffled by their own seeded generator, dealt
    round-robin to the folds; fold i is tested by a model trained on the others. Regexes, lookups
    and synonyms stay in every training part."""
    folds: list[dict[str, list[str]]] = [{} for _ in range(k)]
    for intent, examples in data.intents.items():
        unique = sorted(set(examples))
        random.Random(f"{seed}:{intent}").shuffle(unique)
        for n, text in enumerate(unique):
            folds[n % k].setdefault(intent, []).append(text)
    out = []
    for i in range(k):
        test = {intent: texts for intent, texts in folds[i].items() if texts}
        train: dict[str, list[str]] = {}
        for j in range(k):
            if j != i:
                for intent, texts in folds[j].items():
                    train.setdefault(intent, []).extend(texts)
        out.append(
            (
                NluData(intents=train, other=list(data.other), version=data.version),
                NluData(intents=test, other=[], version=data.version),
            )
        )
    return out


def dump_nlu(data: NluData) -> str:
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    def _literal(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _literal)
    items: list[dict[str, Any]] = [
        {"intent": intent, "examples": "".join(f"- {text}\n" for text in examples)}
        for intent, examples in data.intents.items()
    ]
    items.extend(data.other)
    return yaml.dump(
        {"version": data.version, "nlu": items},
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=1000,
    )


# --- running Rasa --------------------------------------------------------------------------


def _evaluate(train: NluData, test: NluData, config: Path, work: Path, project_root: Path) -> NluReport:
    rasa = require_rasa(rasa_executable())
    train_file, test_file = work / "train.yml", work / "test.yml"
    train_file.write_text(dump_nlu(train), encoding="utf-8")
    test_file.write_text(dump_nlu(test), encoding="utf-8")
    models, results = work / "models", work / "results"

    train_args: dict[str, Path | str] = {
        "--config": config,
        "--nlu": train_file,
        "--out": models,
        "--fixed-model-name": "nlu-eval",
    }
    _run_rasa(_command(rasa, "train", "nlu", train_args), cwd=project_root, what="rasa train nlu")
    model = models / "nlu-eval.tar.gz"
    if not model.exists():
        raise SupportbotError(f"rasa train nlu finished without writing {model}")
    test_args = {"--model": model, "--nlu": test_file, "--out": results}
    _run_rasa(_command(rasa, "test", "nlu", test_args, "--no-plot"), cwd=project_root, what="rasa test nlu")
    report_file = results / "intent_report.json"
    if not report_file.exists():
        raise SupportbotError(f"rasa test nlu wrote no {report_file.name}")
    predictions = _predict(model, test, work, project_root)
    return build_report(
        json.loads(report_file.read_text(encoding="utf-8")),
        predictions,
        train_examples=sum(len(v) for v in train.intents.values()),
        test_examples=sum(len(v) for v in test.intents.values()),
    )


def _cross_validate(
    data: NluData, k: int, seed: int, config: Path, work: Path, project_root: Path
) -> tuple[NluReport, list[dict[str, Any]]]:
    """Each fold trained without it and scored through the whole pipeline; one report over all."""
    rasa = require_rasa(rasa_executable())
    predictions: list[dict[str, Any]] = []
    for i, (train, test) in enumerate(kfold_nlu(data, k=k, seed=seed)):
        fold = work / f"fold-{i}"
        fold.mkdir(parents=True, exist_ok=True)
        train_file = fold / "train.yml"
        train_file.write_text(dump_nlu(train), encoding="utf-8")
        train_args: dict[str, Path | str] = {
            "--config": config,
            "--nlu": train_file,
            "--out": fold / "models",
            "--fixed-model-name": "nlu-eval",
        }
        _run_rasa(
            _command(rasa, "train", "nlu", train_args),
            cwd=project_root,
            what=f"rasa train nlu (fold {i + 1}/{k})",
        )
        predictions.extend(_predict(fold / "models" / "nlu-eval.tar.gz", test, fold, project_root))
    report = report_from_predictions(
        predictions,
        train_examples=sum(len(v) for v in data.intents.values()) * (k - 1) // k,
        test_examples=len(predictions),
    )
    return report, predictions


def _predict(model: Path, test: NluData, work: Path, project_root: Path) -> list[dict[str, Any]]:
    if not model.exists():
        raise SupportbotError(f"rasa train nlu finished without writing {model}")
    examples_file, predictions_file = work / "held_out.json", work / "predictions.json"
    held_out = [
        {"text": plain_text(text), "intent": intent}
        for intent, texts in test.intents.items()
        for text in texts
    ]
    examples_file.write_text(json.dumps(held_out, ensure_ascii=False), encoding="utf-8")
    _run_rasa(
        [sys.executable, "-m", "tools.nlu_predict", str(model), str(examples_file), str(predictions_file)],
        cwd=project_root,
        what="the fallback pass (tools.nlu_predict)",
    )
    return _read_json_list(predictions_file)


def _command(rasa: Path, *words: str | Mapping[str, Path | str]) -> list[str]:
    """``rasa train nlu --config c.yml ...``: words as they are, options from dicts."""
    command = [str(rasa)]
    for word in words:
        command += (
            [str(part) for item in word.items() for part in item] if isinstance(word, Mapping) else [word]
        )
    return command


def _run_rasa(command: list[str], *, cwd: Path, what: str) -> None:
    print(f"running {what} ...", file=sys.stderr)
    run_rasa(command, cwd=cwd, what=what, capture=True)


def _read_json_list(path: Path) -> list[dict[str, Any]]:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SupportbotError(f"could not read {path}: {exc}") from None
    if not isinstance(content, list):
        raise SupportbotError(f"{path} is not a JSON list")
    return content


# --- figures -------------------------------------------------------------------------------


def build_report(
    intent_report: Mapping[str, Any],
    predictions: Iterable[Mapping[str, Any]],
    *,
    train_examples: int,
    test_examples: int,
) -> NluReport:
    """Combines Rasa's per-intent report with the final per-example predictions.

    ``predictions``: ``{"intent", "predicted"}`` per held-out example, after the fallback.
    """
    scores = [
        IntentScore(
            intent=name,
            precision=float(row["precision"]),
            recall=float(row["recall"]),
            f1=float(row["f1-score"]),
            support=int(row["support"]),
        )
        for name, row in intent_report.items()
        if isinstance(row, Mapping) and "f1-score" in row and not name.endswith(" avg") and name != "accuracy"
    ]
    gold = [score for score in scores if score.support > 0]
    macro_f1 = sum(score.f1 for score in gold) / len(gold) if gold else 0.0
    macro = intent_report.get("macro avg")
    rasa_macro = float(macro["f1-score"]) if isinstance(macro, Mapping) else None

    oos_rejected = oos_total = in_rejected = in_total = 0
    for entry in predictions:
        expected, predicted = entry.get("intent"), entry.get("predicted")
        if expected == OUT_OF_SCOPE:
            oos_total += 1
            oos_rejected += predicted in REJECTIONS
        else:
            in_total += 1
            in_rejected += predicted in REJECTIONS
    accuracy_value = intent_report.get("accuracy")
    accuracy = float(accuracy_value) if isinstance(accuracy_value, (int, float)) else 0.0
    return NluReport(
        intents=sorted(scores, key=lambda score: score.intent),
        macro_f1=macro_f1,
        rasa_macro_avg=rasa_macro,
        accuracy=accuracy,
        oos_rejected=oos_rejected,
        oos_total=oos_total,
        in_scope_rejected=in_rejected,
        in_scope_total=in_total,
        train_examples=train_examples,
        test_examples=test_examples,
    )


def classifier_choice(entry: Mapping[str, Any]) -> str | None:
    """The intent the classifier ranked first, before the fallback (``ranking``'s top)."""
    ranking = entry.get("ranking") or []
    return str(ranking[0][0]) if ranking and ranking[0] and ranking[0][0] else entry.get("predicted")


def report_from_predictions(
    predictions: list[dict[str, Any]], *, train_examples: int, test_examples: int
) -> NluReport:
    """Per-intent precision, recall and F1 of the classifier's own choice (as ``rasa test nlu``
    scores it, fallback undone), and the rejection figures after the fallback."""
    gold_intents = sorted({str(e["intent"]) for e in predictions})
    scores = []
    correct = 0
    for intent in gold_intents:
        tp = sum(1 for e in predictions if e["intent"] == intent and classifier_choice(e) == intent)
        fp = sum(1 for e in predictions if e["intent"] != intent and classifier_choice(e) == intent)
        fn = sum(1 for e in predictions if e["intent"] == intent and classifier_choice(e) != intent)
        correct += tp
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores.append(IntentScore(intent, precision, recall, f1, tp + fn))
    report = {
        score.intent: {
            "precision": score.precision,
            "recall": score.recall,
            "f1-score": score.f1,
            "support": score.support,
        }
        for score in scores
    }
    report["accuracy"] = correct / len(predictions) if predictions else 0.0  # type: ignore[assignment]
    return build_report(report, predictions, train_examples=train_examples, test_examples=test_examples)


@dataclass(frozen=True)
class SweepRow:
    threshold: float
    ambiguity: float
    answered_correctly: float  # in-scope: the right intent, not rejected
    in_scope_fallback: float  # in-scope sent to nlu_fallback
    misrouted: float  # in-scope: a wrong intent, not rejected
    oos_rejected: float  # out_of_scope examples predicted out_of_scope or nlu_fallback

    def to_dict(self) -> dict[str, float]:
        return {name: round(value, 4) for name, value in self.__dict__.items()}


THRESHOLDS = (0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8)
AMBIGUITIES = (0.0, 0.05, 0.1, 0.2)


def replay(entry: Mapping[str, Any], threshold: float, ambiguity: float) -> str | None:
    """What the FallbackClassifier would decide for this example's ranking at these settings."""
    ranking = [r for r in entry.get("ranking") or [] if r and r[0]]
    if not ranking:
        return FALLBACK
    top = float(ranking[0][1] or 0.0)
    second = float(ranking[1][1] or 0.0) if len(ranking) > 1 else 0.0
    return FALLBACK if top < threshold or top - second < ambiguity else str(ranking[0][0])


def sweep(
    predictions: list[dict[str, Any]],
    thresholds: Iterable[float] = THRESHOLDS,
    ambiguities: Iterable[float] = AMBIGUITIES,
) -> list[SweepRow]:
    in_scope = [e for e in predictions if e.get("intent") != OUT_OF_SCOPE]
    oos = [e for e in predictions if e.get("intent") == OUT_OF_SCOPE]
    rows = []
    for ambiguity in ambiguities:
        for threshold in thresholds:
            decided = [(e["intent"], replay(e, threshold, ambiguity)) for e in in_scope]
            n = len(decided) or 1
            rows.append(
                SweepRow(
                    threshold=threshold,
                    ambiguity=ambiguity,
                    answered_correctly=sum(1 for gold, got in decided if got == gold) / n,
                    in_scope_fallback=sum(1 for _, got in decided if got == FALLBACK) / n,
                    misrouted=sum(1 for gold, got in decided if got not in (gold, FALLBACK)) / n,
                    oos_rejected=(
                        sum(1 for e in oos if replay(e, threshold, ambiguity) in REJECTIONS) / len(oos)
                        if oos
                        else 0.0
                    ),
                )
            )
    return rows


def format_sweep(rows: list[SweepRow]) -> str:
    lines = [
        "fallback threshold sweep (the classifier's rankings replayed; in-scope shares, out-of-scope rejected)",
        "threshold  ambiguity  answered correctly  in-scope fallback  misrouted  out-of-scope rejected",
    ]
    for row in rows:
        lines.append(
            f"{row.threshold:9.2f}  {row.ambiguity:9.2f}  {row.answered_correctly:18.1%}  "
            f"{row.in_scope_fallback:17.1%}  {row.misrouted:9.1%}  {row.oos_rejected:21.1%}"
        )
    return "\n".join(lines)


def format_report(report: NluReport, *, label: str) -> str:
    width = max([len("intent")] + [len(score.intent) for score in report.intents])
    lines = [
        f"NLU evaluation: trained on {report.train_examples} examples, "
        f"scored on {report.test_examples} examples it was not trained on ({label})",
        "",
        f"{'intent':<{width}}  precision  recall     f1  support",
    ]
    for score in report.intents:
        lines.append(
            f"{score.intent:<{width}}  {score.precision:9.3f}  {score.recall:6.3f}  {score.f1:5.3f}  {score.support:7d}"
        )
    verdict = "meets" if report.macro_f1 >= TARGET_MACRO_F1 else "BELOW"
    lines += [
        "",
        f"macro-F1 {report.macro_f1:.4f} ({verdict} the {TARGET_MACRO_F1} target); accuracy {report.accuracy:.4f}",
        f"out-of-scope rejection: {_fraction(report.oos_rejected, report.oos_total)} "
        f"held-out out_of_scope examples predicted out_of_scope or nlu_fallback",
        f"in-scope wrongly rejected: {_fraction(report.in_scope_rejected, report.in_scope_total)} "
        f"in-scope examples predicted out_of_scope or nlu_fallback",
    ]
    return "\n".join(lines)


def _fraction(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.1%})" if whole else "0/0 (n/a)"


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


# Annotated examples ("[1001](order_id)") compare as their plain text in duplicate checks.
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]+\)|\{[^}]+\})")


def plain_text(example: str) -> str:
    """The example as a buyer would type it: entity annotations removed."""
    return _ANNOTATION.sub(r"\1", example)
