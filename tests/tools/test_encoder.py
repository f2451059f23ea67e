"""Fine-tuning the FAQ encoder: pairs, the stamp that skips or forces training, and the index that
follows the encoder. The training tests run a real step or two on a tiny corpus (slow: they load
MiniLM)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.config import Settings
from bot.corpus import Article
from bot.corpus.queries import Query
from bot.search import (
    BASE_ENCODER,
    ENCODER_STAMP,
    build_index,
    encoder_dir,
    encoder_fingerprint,
    index_status,
    title_text,
)
from tools import encoder

ARTICLES_YAML = """\
articles:
  - id: track
    title: How do I track my package?
    category: Awaiting Order Arrival
    sources: [a.txt]
    sections:
      - blocks:
          - paragraph: Visit My Orders, find the order and click Track Order.
  - id: refund-time
    title: When will I get my refund?
    aliases: ["How long does a refund take?"]
    category: Refund
    sources: [a.txt]
    sections:
      - blocks:
          - paragraph: It usually takes 3-20 business days, varying with different banks.
  - id: arn
    title: What is ARN?
    category: Refund
    sources: [a.txt]
    sections:
      - blocks:
          - paragraph: Acquirer Reference Number (ARN) is the tracking information for your bank to locate the refund.
"""

PARAPHRASES_YAML = """\
queries:
  - {q: "where is my parcel", sources: ["How do I track my package?"]}
  - {q: "money back how many days", sources: ["When will I get my refund?"]}
  - {q: "bank asks for a reference number", sources: ["Acquirer Reference Number (ARN)"]}
negatives: ["tell me a joke"]
"""

TWO_STEPS = encoder.EncoderConfig(max_steps=2, batch_size=4)


@pytest.fixture
def project(tmp_path: Path) -> Settings:
    (tmp_path / "data" / "faq").mkdir(parents=True)
    (tmp_path / "data" / "faq" / "articles.yaml").write_text(ARTICLES_YAML, encoding="utf-8")
    (tmp_path / "data" / "faq" / "paraphrases.yaml").write_text(PARAPHRASES_YAML, encoding="utf-8")
    return Settings(home=tmp_path, models_dir=Path("models"))


def _article(id_: str, title: str, answer: str, aliases: tuple[str, ...] = ()) -> Article:
    return Article(id=id_, title=title, answer=answer, category="Refund", sources=("x.txt",), aliases=aliases)


def test_pairs_map_questions_to_title_chunks_and_titles_to_answers() -> None:
    refund = _article("r", "When will I get my refund?", "It takes 3-20 business days.", ("Refund time?",))
    arn = _article("a", "What is ARN?", "A reference number for your bank.")
    queries = [
        Query("how long for my money", ("r", "a"), ("r",)),
        Query("how long for my money", ("r", "a"), ("r",)),  # a duplicate is trained once
    ]

    pairs = encoder.training_pairs([refund, arn], queries)

    assert pairs["questions"] == [("how long for my money", title_text(refund))]
    assert [anchor for anchor, _ in pairs["titles"]] == [refund.title, "Refund time?", arn.title]
    assert all("3-20 business days" in chunk for _, chunk in pairs["titles"][:2])


def test_the_fingerprint_follows_every_input(project: Settings) -> None:
    first = encoder.fingerprint(project)
    assert encoder.fingerprint(project) == first

    paraphrases = project.home / "data" / "faq" / "paraphrases.yaml"
    paraphrases.write_text(PARAPHRASES_YAML.replace("where is my parcel", "where's my parcel"))
    changed_data = encoder.fingerprint(project)
    changed_config = encoder.fingerprint(project, encoder.EncoderConfig(epochs=2))

    assert len({first, changed_data, changed_config}) == 3


@pytest.mark.slow
def test_training_is_stamped_skipped_when_current_and_redone_when_inputs_change(project: Settings) -> None:
    assert encoder_fingerprint(project) == BASE_ENCODER

    stamp = encoder.build_encoder(project, config=TWO_STEPS)

    assert stamp is not None
    assert stamp["steps"] == 2
    assert encoder.encoder_is_current(project, TWO_STEPS)
    on_disk = json.loads((encoder_dir(project) / ENCODER_STAMP).read_text())
    assert on_disk["fingerprint"] == encoder.fingerprint(project, TWO_STEPS) == encoder_fingerprint(project)
    assert encoder.build_encoder(project, config=TWO_STEPS) is None

    meta = build_index(project)
    assert meta["encoder"] == on_disk["fingerprint"]
    assert index_status(project) == "ok"

    paraphrases = project.home / "data" / "faq" / "paraphrases.yaml"
    paraphrases.write_text(
        PARAPHRASES_YAML.replace(
            "negatives:", '  - {q: "track order", sources: ["How do I track my package?"]}\nnegatives:'
        )
    )
    assert not encoder.encoder_is_current(project, TWO_STEPS)
    retrained = encoder.build_encoder(project, config=TWO_STEPS)
    assert retrained is not None
    assert retrained["fingerprint"] != on_disk["fingerprint"]
    # the index embedded with the old encoder no longer matches it
    assert index_status(project) == "stale"

    assert encoder.build_encoder(project, config=TWO_STEPS, force=True) is not None


@pytest.mark.slow
def test_training_is_deterministic(project: Settings, tmp_path: Path) -> None:
    from bot.search import Embedder

    articles = encoder.load_articles(project.articles_file)
    queries = encoder.query_set_for_training(project).queries
    pairs = encoder.training_pairs(articles, queries)
    # No warm-up: with it, the only step would run at learning rate 0 and change nothing.
    config = encoder.EncoderConfig(max_steps=1, batch_size=4, warmup_ratio=0.0)
    encoder.train_model(pairs, tmp_path / "one", config)
    encoder.train_model(pairs, tmp_path / "two", config)

    texts = ["where is my parcel", "What is ARN?"]
    one = Embedder(tmp_path / "one").encode(texts)
    two = Embedder(tmp_path / "two").encode(texts)
    base = Embedder().encode(texts)
    assert (one == two).all()
    assert not (one == base).all()
