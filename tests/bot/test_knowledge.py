"""Knowledge upkeep: admins' edits served on top of articles.yaml, reverts, history, page imports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot import db
from bot.config import Settings, get_settings
from bot.corpus import base_corpus
from bot.errors import Forbidden, InvalidField, NotFound, UsageError
from bot.knowledge import ArticleEdits, KnowledgeService, served_corpus
from bot.schemas.agents import Actor
from bot.schemas.knowledge import ArticleDraft, NewArticleRequest

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
ADMIN = Actor(agent_id=None, name="ada", role="admin", via="session")
AGENT = Actor(agent_id=None, name="sam", role="agent", via="session")
CONTACT = "how-can-i-contact-customer-service"


@pytest.fixture
def knowledge(tmp_path: Path) -> Iterator[tuple[KnowledgeService, list[str]]]:
    url = f"sqlite:///{tmp_path / 'knowledge.db'}"
    db.migrate(url)
    changes: list[str] = []
    service = KnowledgeService(
        Settings(db_url=url),
        ArticleEdits(db.get_engine(url), clock=lambda: NOW),
        on_change=lambda: changes.append("x"),
    )
    yield service, changes
    db.dispose_engine(url)


def draft(**overrides: object) -> ArticleDraft:
    values: dict[str, object] = {
        "title": "How can I contact customer service?",
        "category": "Communication",
        "aliases": ["customer service number"],
        "text": "| Customer Care Call Center (USA) | +1 (404) 407-5727\n| E-mail | CustomerCare@WISHALIVE.co\n",
    }
    values.update(overrides)
    return ArticleDraft(**values)  # type: ignore[arg-type]


def test_an_edit_is_served_at_once_recorded_and_revertible(
    knowledge: tuple[KnowledgeService, list[str]],
) -> None:
    service, changes = knowledge
    base = base_corpus(get_settings().articles_file)
    before = service.corpus()
    assert before.version == base.version

    saved = service.save_article(CONTACT, draft(), actor=ADMIN)

    assert changes == ["x"]
    assert saved.edited is not None
    assert (saved.edited.actor, saved.edited.origin) == ("ada", "console")
    served = service.articles()[CONTACT]
    assert [row.key for row in served.sections[0].blocks[0].rows] == [
        "Customer Care Call Center (USA)",
        "E-mail",
    ]
    assert served.platform == "WISHALIVE"  # kept from the article it replaces
    assert service.corpus().edits == str(saved.edited.edit_id)
    assert service.corpus().version != before.version
    assert [entry.actor for entry in service.history(CONTACT).edits] == ["ada"]
    assert len(service.corpus().articles) == len(base.articles)

    service.revert(CONTACT, actor=ADMIN)
    assert service.articles()[CONTACT] == {a.id: a for a in base.articles}[CONTACT]
    assert service.document(CONTACT).edited is None
    with pytest.raises(UsageError):
        service.revert(CONTACT, actor=ADMIN)


def test_an_admin_adds_an_article_and_removing_it_takes_it_away(
    knowledge: tuple[KnowledgeService, list[str]],
) -> None:
    service, _ = knowledge
    added = service.add_article(
        NewArticleRequest(title="Do you ship to Antarctica?", category="Shipping", text="Not yet."),
        actor=ADMIN,
    )
    assert added.id == "do-you-ship-to-antarctica"
    assert not added.in_help_center
    assert service.corpus().articles[-1].id == added.id
    with pytest.raises(InvalidField, match="exists already"):
        service.add_article(
            NewArticleRequest(title="Do you ship to Antarctica?", category="S", text="x"), actor=ADMIN
        )
    service.revert(added.id, actor=ADMIN)
    assert added.id not in service.articles()


def test_only_admins_change_articles(knowledge: tuple[KnowledgeService, list[str]]) -> None:
    service, changes = knowledge
    with pytest.raises(Forbidden):
        service.save_article(CONTACT, draft(), actor=AGENT)
    with pytest.raises(NotFound):
        service.save_article("no-such-article", draft(), actor=ADMIN)
    with pytest.raises(InvalidField) as bad:
        service.save_article(CONTACT, draft(text="## Only a heading"), actor=ADMIN)
    assert bad.value.field == "text"
    assert changes == []


def test_importing_a_changed_page_serves_the_articles_that_changed(
    knowledge: tuple[KnowledgeService, list[str]],
) -> None:
    service, changes = knowledge
    page = "003_6d836f0aa15921a0.txt"
    original = (get_settings().articles_file.parent / "raw" / page).read_text(encoding="utf-8")
    first = next(a for a in service.corpus().articles if page in a.sources)
    # The end of its text: a passage's title is its first sentence, and a new title is a new article.
    ending = first.sections[-1].blocks[-1].plain_text()[-30:]
    changed_text = original.replace(ending, ending + " UPDATED", 1)
    assert changed_text != original

    result = service.import_page(page, changed_text, actor=ADMIN)

    assert result.changed == [first.id]
    assert (result.added, result.missing) == ([], [])
    assert "UPDATED" in service.articles()[first.id].full_text()
    assert service.document(first.id).edited.origin == "import"  # type: ignore[union-attr]
    assert changes == ["x"]
    unchanged = service.import_page(page, original, actor=ADMIN)  # back to the page as committed
    assert unchanged.changed == [first.id]
    with pytest.raises(InvalidField) as unknown:
        service.import_page("nope.txt", "text", actor=ADMIN)
    assert unknown.value.field == "page"


def test_a_process_without_the_edits_table_serves_articles_yaml(tmp_path: Path) -> None:
    settings = Settings(db_url=f"sqlite:///{tmp_path / 'empty.db'}")
    assert served_corpus(settings) == base_corpus(settings.articles_file)


def test_supportbot_faq_import_records_the_change_and_publishes_an_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot import cli

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    db.migrate(url)
    settings = Settings(db_url=url, models_dir=tmp_path / "models")
    published: list[str] = []
    monkeypatch.setattr("bot.config.get_settings", lambda: settings)
    monkeypatch.setattr(
        "bot.search.build_index",
        lambda _settings, corpus: published.append(corpus.version) or {"build": "b1", "articles": 1},
    )
    page = "003_6d836f0aa15921a0.txt"
    original = (settings.articles_file.parent / "raw" / page).read_text(encoding="utf-8")
    new_text = tmp_path / "page.txt"
    new_text.write_text(original.replace("customer service", "customer care", 1), encoding="utf-8")

    assert cli.main(["faq", "import", page, str(new_text)]) == 0

    out = capsys.readouterr().out.splitlines()
    result = json.loads(out[0])
    assert result["added"] + result["changed"] != []  # a passage's new first sentence is a new title
    assert out[1] == "published FAQ index b1 (1 articles)"
    corpus = served_corpus(settings)
    assert published == [corpus.version]
    assert corpus.edits == "1"
    assert cli.main(["faq", "import", "nope.txt", str(new_text)]) == 2
    db.dispose_engine(url)
