"""`supportbot review export`: labels become NLU examples and article aliases, as a printed diff."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from bot import db
from bot.config import Settings
from bot.conversations import ConversationLog
from bot.corpus import Article
from bot.corpus.ingest import apply_aliases, dump_articles, load_aliases
from bot.errors import SupportbotError, UsageError
from bot.reports import ReportService
from bot.review import ReviewService
from bot.schemas.agents import Actor
from bot.schemas.review import LabelRequest
from tools.review import export, nlu_example

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
SAM = Actor(name="sam", role="agent", via="session")
CONTACT = Article(
    id="contact",
    title="How can I contact customer service?",
    category="C",
    answer="Call us.",
    sources=("a.txt",),
)
INTENTS = ["greet", "faq", "contact_support", "out_of_scope", "track_order"]
HAND_WRITTEN = """version: "3.1"
nlu:
- intent: greet
  examples: |
    - hello there
- intent: track_order
  examples: |
    - where is my parcel
"""


@dataclass
class Project:
    home: Path
    settings: Settings
    log: ConversationLog
    review: ReviewService

    def labelled(self, text: str, **label: object) -> int:
        message = self.log.add_message(f"s-{text[:20]}", "customer", text)
        self.review.label(message.id, LabelRequest(**label), actor=SAM)  # type: ignore[arg-type]
        return message.id

    def run(self, *, dry_run: bool = False) -> str:
        out = io.StringIO()
        export(self.settings, self.review, dry_run=dry_run, out=out)
        return out.getvalue()


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    home = tmp_path / "project"
    (home / "data" / "faq").mkdir(parents=True)
    (home / "eval").mkdir()
    (home / "data" / "nlu.yml").write_text(HAND_WRITTEN)
    (home / "data" / "faq" / "sources.yaml").write_text("aliases: aliases.yaml\nsources: {}\n")
    (home / "data" / "faq" / "articles.yaml").write_text(dump_articles([CONTACT]))
    url = f"sqlite:///{tmp_path / 'review.db'}"
    db.migrate(url)
    engine = db.get_engine(url)
    articles = {
        "contact": CONTACT,
        "admin-only": Article(id="admin-only", title="Added by an admin?", category="C", answer="x"),
    }
    review = ReviewService(
        engine, ReportService(engine, lambda: articles), lambda: articles, lambda: INTENTS, clock=lambda: NOW
    )
    yield Project(home, Settings(home=home, db_url=url), ConversationLog(engine, clock=lambda: NOW), review)
    db.dispose_engine(url)


def test_labels_become_examples_and_aliases_shown_as_a_diff(project: Project) -> None:
    project.labelled(
        "what number do I call, mine is +44 7700 900123", intent="contact_support", article_id="contact"
    )
    project.labelled("Do you sell [gift] cards?", out_of_scope=True)
    project.labelled("where is order 1001, mail me at ana@mail.com", intent="track_order")

    printed = project.run()

    assert "+++ b/data/nlu_review.yml" in printed
    assert "+++ b/data/faq/aliases.yaml" in printed
    assert "exported 3 label(s)" in printed
    nlu = yaml.safe_load((project.home / "data" / "nlu_review.yml").read_text())
    assert nlu["version"] == "3.1"
    examples = {item["intent"]: item["examples"].splitlines() for item in nlu["nlu"]}
    assert examples == {
        "contact_support": ["- what number do I call, mine is [+44 7700 900123](phone)"],
        "out_of_scope": ["- Do you sell (gift) cards?"],
        "track_order": ["- where is order [1001](order_id), mail me at [buyer@example.com](email)"],
    }
    aliases = load_aliases(project.home / "data" / "faq" / "aliases.yaml")
    assert aliases == {"contact": ["what number do I call, mine is [phone]"]}
    assert "ana@mail.com" not in printed
    # The hand-written data and the frozen evaluation data are untouched.
    assert (project.home / "data" / "nlu.yml").read_text() == HAND_WRITTEN
    assert list((project.home / "eval").iterdir()) == []
    # Exported labels are not exported twice.
    with pytest.raises(UsageError, match="no review labels to export"):
        project.run()


def test_with_no_labels_it_says_so_and_writes_nothing(project: Project) -> None:
    with pytest.raises(UsageError, match="nothing was written"):
        project.run()
    assert not (project.home / "data" / "nlu_review.yml").exists()


def test_a_dry_run_prints_the_diff_and_writes_nothing(project: Project) -> None:
    project.labelled("who do I phone", intent="contact_support")
    printed = project.run(dry_run=True)
    assert "+    - who do I phone" in printed
    assert "nothing was written" in printed
    assert not (project.home / "data" / "nlu_review.yml").exists()
    assert project.review.pending() != []


def test_a_clash_with_the_training_data_or_an_unknown_article_is_left_for_later(project: Project) -> None:
    clash = project.labelled("Hello there", intent="faq")
    admin_only = project.labelled("is there an admin article", article_id="admin-only")
    same = project.labelled("where is my parcel", intent="track_order")

    printed = project.run()

    assert "is already an example of 'greet'" in printed
    assert "exists only as an admin's edit" in printed
    assert [label.message_id for label in project.review.pending()] == [clash, admin_only]
    # Already in the training data with the same intent: nothing to add, but it counts as exported.
    assert same not in [label.message_id for label in project.review.pending()]
    assert not (project.home / "data" / "nlu_review.yml").exists()


def test_nlu_examples_annotate_entities_like_the_training_data() -> None:
    assert nlu_example("  order #1002   please [asap]") == "order #[1002](order_id) please (asap)"


def test_ingest_adds_the_reviewed_aliases_and_fails_on_an_unknown_article() -> None:
    [article] = apply_aliases(
        [CONTACT], {"contact": ["who do I phone", "How can I contact customer service?"]}, "aliases.yaml"
    )
    assert article.aliases == ("who do I phone",)
    with pytest.raises(SupportbotError, match="no article 'gone'"):
        apply_aliases([CONTACT], {"gone": ["x"]}, "aliases.yaml")
