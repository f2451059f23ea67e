"""`supportbot index` and `supportbot train`: the FAQ encoder, the FAQ index and the Rasa model,
each rebuilt only when its inputs changed, in that order.

`supportbot train` first re-runs ingest when ``articles.yaml`` is out of date (``refresh_corpus``).
The encoder is fine-tuned by ``tools.encoder`` (``models/encoder/``) on ``articles.yaml`` and the
training questions; the index is built from the served corpus (the admins' edits on top), records
the encoder's stamp and is rebuilt when it changes. Rasa trains in a subprocess (``rasa`` next to this
interpreter, ``tools.rasa``), so this process never imports it. The model is
``<models>/rasa/supportbot.tar.gz``; beside it, ``.stamp`` holds the sha256 of what it was trained
from: config.yml, domain.yml, every ``data/**/*.yml``, the code of the custom NLU components (a
changed component needs a new model as much as changed data does) and, when the MiniLM featurizer
reads a model directory (the fine-tuned FAQ encoder), that encoder's stamp: the features DIET learnt
from change when the encoder does.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import SupportbotError
from tools.rasa import rasa_executable, require_rasa, run_rasa

if TYPE_CHECKING:
    from bot.config import Settings

MODEL_NAME = "supportbot"
STAMP_NAME = ".stamp"


def register(commands: argparse._SubParsersAction, groups: dict[str, argparse._SubParsersAction]) -> None:
    index = commands.add_parser(
        "index",
        help="Fine-tune the FAQ encoder (models/encoder/) and build the search index (models/faq/); "
        "each is skipped when current.",
    )
    index.add_argument("--force", action="store_true", help="retrain and rebuild even when current")
    index.set_defaults(func=_index)

    train = commands.add_parser(
        "train",
        help="Build the FAQ encoder and index, then train the Rasa model (each skipped when current).",
        description=(
            "Fine-tunes the FAQ encoder and builds the FAQ search index (as `supportbot index`), then "
            "runs `rasa train` into models/rasa/supportbot.tar.gz unless the model was trained from the "
            "current config.yml, domain.yml, data/ and encoder."
        ),
    )
    train.add_argument("--force", action="store_true", help="rebuild everything even when current")
    train.set_defaults(func=_train)


def model_dir(settings: Settings) -> Path:
    return settings.models_path / "rasa"


def model_file(settings: Settings) -> Path:
    return model_dir(settings) / f"{MODEL_NAME}.tar.gz"


def training_inputs(home: Path) -> list[Path]:
    """Every file the Rasa model is trained from, in a stable order."""
    required = {"config.yml": home / "config.yml", "domain.yml": home / "domain.yml", "data/": home / "data"}
    missing = [name for name, path in required.items() if not path.exists()]
    if missing:
        raise SupportbotError(f"cannot train: {', '.join(missing)} missing in {home}")
    paths = [required["config.yml"], required["domain.yml"], *(home / "data").rglob("*.yml")]
    if (home / "nlu_components").is_dir():
        paths += (home / "nlu_components").rglob("*.py")
    return sorted(
        {path for path in paths if path.is_file()}, key=lambda path: path.relative_to(home).as_posix()
    )


def featurizer_models(home: Path) -> list[str]:
    """The model directories config.yml's MiniLM featurizers read (none for the packaged base model)."""
    import yaml

    try:
        config = yaml.safe_load((home / "config.yml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SupportbotError(f"cannot read {home / 'config.yml'}: {exc}") from None
    models = []
    for component in config.get("pipeline") or []:
        if isinstance(component, dict) and str(component.get("name", "")).endswith(
            "MiniLMSentenceFeaturizer"
        ):
            model = str(component.get("model", "base"))
            if model != "base":
                models.append(model)
    return models


def encoder_stamp(home: Path, model: str) -> str:
    """The fingerprint in a fine-tuned encoder's stamp; an error naming the command when it is missing."""
    from bot.search import ENCODER_STAMP

    path = home / model / ENCODER_STAMP
    try:
        return str(json.loads(path.read_text(encoding="utf-8"))["fingerprint"])
    except (OSError, ValueError, KeyError, TypeError):
        raise SupportbotError(
            f"config.yml's MiniLM featurizer reads {model}, which has no encoder stamp: run `supportbot index`"
        ) from None


def training_hash(home: Path) -> str:
    """sha256 over the names and contents of ``training_inputs`` (a rename counts as a change)
    and the stamps of the encoders the featurizer reads."""
    digest = hashlib.sha256()
    for path in training_inputs(home):
        digest.update(path.relative_to(home).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    for model in featurizer_models(home):
        digest.update(f"encoder {model} {encoder_stamp(home, model)}\0".encode())
    return digest.hexdigest()


def model_is_current(settings: Settings, fingerprint: str | None = None) -> bool:
    """True when the model exists and was trained from the current inputs."""
    stamp = model_dir(settings) / STAMP_NAME
    if not model_file(settings).is_file() or not stamp.is_file():
        return False
    return stamp.read_text(encoding="utf-8").strip() == (fingerprint or training_hash(settings.home))


def train_rasa(settings: Settings, *, force: bool = False, rasa: Path | None = None) -> bool:
    """Train the Rasa model unless it is current; True when it trained."""
    fingerprint = training_hash(settings.home)
    if not force and model_is_current(settings, fingerprint):
        print(f"Rasa model {model_file(settings)} is current")
        return False
    out = model_dir(settings)
    out.mkdir(parents=True, exist_ok=True)
    command = [
        str(require_rasa(rasa or rasa_executable())),
        "train",
        "--config",
        "config.yml",
        "--domain",
        "domain.yml",
        "--data",
        "data",
        "--out",
        str(out),
        "--fixed-model-name",
        MODEL_NAME,
    ]
    print("training the Rasa model: " + " ".join(command[1:]), flush=True)
    run_rasa(command, cwd=settings.home, what="rasa train", capture=False)
    if not model_file(settings).is_file():
        raise SupportbotError(f"rasa train finished but {model_file(settings)} is missing")
    # Written only after a successful run, so an interrupted training is retried next time.
    (out / STAMP_NAME).write_text(fingerprint + "\n", encoding="utf-8")
    print(f"Rasa model -> {model_file(settings)}")
    return True


def refresh_corpus(settings: Settings) -> bool:
    """Re-run ingest when ``articles.yaml`` is not what the raw pages, ``sources.yaml`` and the
    reviewed aliases (``supportbot review export``) make; True when it rewrote the file."""
    from bot.corpus.ingest import build_corpus, dump_articles

    path = settings.articles_file
    fresh = dump_articles(build_corpus(path.parent))
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if fresh == current:
        return False
    path.write_text(fresh, encoding="utf-8")
    print(f"{path} was out of date (raw pages, sources.yaml or aliases.yaml changed): re-ingested")
    return True


def build_faq_index(settings: Settings, *, force: bool = False) -> None:
    """What `supportbot index` does: fine-tune the FAQ encoder when its inputs changed, then rebuild
    the FAQ index when the served corpus (``articles.yaml`` with the admins' edits in the database,
    ``bot.knowledge``), the training questions or the encoder changed."""
    try:
        from bot.knowledge import served_corpus
        from bot.search import build_index, index_status
    except ImportError as exc:
        if exc.name not in ("bot.search", "bot.knowledge", "bot"):
            raise
        print(
            "supportbot: FAQ search (bot.search) is not available; the index was not built", file=sys.stderr
        )
        return
    from tools.encoder import build_encoder

    build_encoder(settings, force=force)
    corpus = served_corpus(settings)
    status = index_status(settings, corpus)
    if status == "ok" and not force:
        print(f"FAQ index in {settings.models_path / 'faq'} is current")
        return
    meta = build_index(settings, corpus=corpus)
    print(
        f"built FAQ index ({status} before): {meta['articles']} articles, {meta['chunks']} chunks, "
        f"{meta['questions']} questions, {meta['parts']} parts in {meta['build_seconds']} s -> {settings.models_path / 'faq'}"
    )


def _index(args: argparse.Namespace) -> int:
    from bot.config import get_settings

    build_faq_index(get_settings(), force=args.force)
    return 0


def _train(args: argparse.Namespace) -> int:
    from bot.config import get_settings

    settings = get_settings()
    refresh_corpus(settings)
    build_faq_index(settings, force=args.force)
    train_rasa(settings, force=args.force)
    return 0
