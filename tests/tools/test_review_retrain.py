"""The review loop end to end: a buyer message the assistant misunderstood, labelled by an agent,
exported by `supportbot review export`, is understood by a model retrained on the data.

A small NLU-only Rasa project (three intents, a fast pipeline) stands in for the real one, and
both models (without and with the exported file) are trained and asked in one Rasa process (Rasa
and TensorFlow load once); the label, the export, the file it writes and the training inputs are
the real ones.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot import db
from bot.config import Settings
from bot.conversations import ConversationLog
from bot.corpus import Article
from bot.corpus.ingest import dump_articles
from bot.reports import ReportService
from bot.review import ReviewService
from bot.schemas.agents import Actor
from bot.schemas.review import LabelRequest
from tools.rasa import rasa_env
from tools.review import export
from tools.train import training_hash, training_inputs

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
MISS = "where is your helpline"
CONFIG = """recipe: default.v1
language: en
assistant_id: review-loop-test
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 2
    max_ngram: 4
  - name: LogisticRegressionClassifier
    random_state: 42
policies: []
"""
NLU = """version: "3.1"
nlu:
- intent: greet
  examples: |
    - hello
    - hi there
    - good morning
    - hey
    - hello support
- intent: track_order
  examples: |
    - where is my order
    - where is my parcel
    - where is my package now
    - track my parcel
    - where is the delivery
    - where is it
- intent: contact_support
  examples: |
    - what is your phone number
    - how do I call customer service
    - customer service e-mail address
    - can I phone you
    - give me the support number
"""
# Trains a model on each data directory and parses the text with it, in one process.
TRAIN_AND_PARSE = """
import asyncio, json, sys
from rasa.core.agent import Agent
from rasa.model_training import train_nlu

job = json.loads(sys.argv[1])

async def parse(model):
    return (await Agent.load(model).parse_message(job["text"]))["intent"]["name"]

out = {}
for name, data in job["data"].items():
    model = train_nlu(job["config"], data, job["out"], fixed_model_name=name)
    out[name] = asyncio.run(parse(model))
print(json.dumps(out))
"""


@pytest.fixture
def project(tmp_path: Path) -> Iterator[tuple[Settings, ConversationLog, ReviewService]]:
    home = tmp_path / "project"
    (home / "data" / "faq").mkdir(parents=True)
    (home / "config.yml").write_text(CONFIG)
    (home / "domain.yml").write_text('version: "3.1"\n')
    (home / "data" / "nlu.yml").write_text(NLU)
    (home / "data" / "faq" / "sources.yaml").write_text("aliases: aliases.yaml\nsources: {}\n")
    contact = Article(
        id="contact", title="How can I contact customer service?", category="C", answer="x", sources=("a",)
    )
    (home / "data" / "faq" / "articles.yaml").write_text(dump_articles([contact]))
    url = f"sqlite:///{tmp_path / 'review.db'}"
    db.migrate(url)
    engine = db.get_engine(url)
    articles = {"contact": contact}
    intents = ["greet", "track_order", "contact_support", "out_of_scope"]
    review = ReviewService(
        engine, ReportService(engine, lambda: articles), lambda: articles, lambda: intents, clock=lambda: NOW
    )
    yield Settings(home=home, db_url=url), ConversationLog(engine, clock=lambda: NOW), review
    db.dispose_engine(url)


def test_the_export_is_a_training_input(project: tuple[Settings, ConversationLog, ReviewService]) -> None:
    settings, log, review = project
    before = training_hash(settings.home)
    miss = log.add_message("s-1", "customer", MISS)
    review.label(
        miss.id, LabelRequest(intent="contact_support"), actor=Actor(name="sam", role="agent", via="session")
    )
    export(settings, review, out=io.StringIO())
    assert settings.home / "data" / "nlu_review.yml" in training_inputs(settings.home)
    assert training_hash(settings.home) != before  # `supportbot train` retrains


@pytest.mark.slow
def test_a_labelled_miss_is_understood_after_retraining(
    project: tuple[Settings, ConversationLog, ReviewService], tmp_path: Path
) -> None:
    settings, log, review = project
    before = tmp_path / "data-before"
    shutil.copytree(settings.home / "data", before)

    # The buyer asked, the bot fell back; an agent labels the message in review and it is exported.
    miss = log.add_message("s-1", "customer", MISS)
    log.add_message("s-1", "bot", "I'm not sure I have the right answer.", data={"fallback": "not_sure"})
    review.label(
        miss.id, LabelRequest(intent="contact_support"), actor=Actor(name="sam", role="agent", via="session")
    )
    export(settings, review, out=io.StringIO())
    assert (settings.home / "data" / "nlu_review.yml").is_file()

    job = {
        "config": str(settings.home / "config.yml"),
        "data": {"before": str(before), "after": str(settings.home / "data")},
        "out": str(tmp_path / "models"),
        "text": MISS,
    }
    done = subprocess.run(
        [sys.executable, "-c", TRAIN_AND_PARSE, json.dumps(job)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env=rasa_env(),
        cwd=settings.home,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    predicted = json.loads(done.stdout.strip().splitlines()[-1])
    assert predicted["before"] != "contact_support"  # it really was a miss
    assert predicted["after"] == "contact_support"
