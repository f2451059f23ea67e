"""The index changes while serving: published in one step, rebuilt with only the changed chunks
embedded again, swapped in by the gateway and followed by the action server.

A word-hashing embedder stands in for MiniLM: these tests are about files and threads, not about
search quality."""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.config import Settings
from bot.corpus import Article, Corpus, corpus_hash
from bot.corpus.ingest import dump_articles
from bot.errors import SupportbotError
from bot.search import (
    ENCODER_STAMP,
    QUESTION,
    build_index,
    builds_dir,
    encoder_dir,
    index_dir,
    index_entries,
    index_status,
    load_searcher,
    published_build,
)
from bot.search.live import LiveSearcher


class WordEmbedder:
    """Bag of hashed words, normalised; remembers what it was asked to embed."""

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def encode(self, texts: list[str], batch_size: int = 32) -> Any:
        self.embedded.extend(texts)
        vectors = np.zeros((len(texts), 64), dtype="float32")
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                vectors[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)


ARTICLES = (
    Article(
        id="delivery",
        title="How long does delivery take?",
        category="Shipping",
        answer="Parcels arrive in 7 to 15 days.",
        sources=("a.txt",),
    ),
    Article(
        id="refund",
        title="When do I get my refund?",
        category="Refund",
        answer="Refunds take 3 to 20 business days.",
        sources=("a.txt",),
    ),
)
BASE = {"hash": ""}


def corpus(articles: tuple[Article, ...] = ARTICLES, edits: str = "") -> Corpus:
    """The test corpus file (base) with ``articles`` served on top, as ``bot.knowledge`` makes it."""
    return Corpus(articles, base_hash=BASE["hash"], edits=edits)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    path = tmp_path / "articles.yaml"
    path.write_text(dump_articles(list(ARTICLES)))
    BASE["hash"] = corpus_hash(path)
    # No training questions: they quote the real help center, not these two articles.
    return Settings(
        models_dir=tmp_path / "models", articles_path=path, paraphrases_path=tmp_path / "paraphrases.yaml"
    )


def test_an_index_is_published_as_a_link_to_a_complete_build(settings: Settings) -> None:
    first = build_index(settings, WordEmbedder(), corpus=corpus())
    link = index_dir(settings)
    assert link.is_symlink()
    assert (link / "articles.json").is_file()
    assert published_build(settings) == first["build"]
    assert (first["corpus_hash"], first["edits"]) == (BASE["hash"], "")

    second = build_index(settings, WordEmbedder(), corpus=corpus(edits="7"))
    assert published_build(settings) == second["build"] != first["build"]
    # The build a reader may still be reading stays; nothing half-written is left behind.
    builds = sorted(p.name for p in builds_dir(settings).iterdir())
    assert builds == sorted([first["build"], second["build"]])
    assert not [name for name in os.listdir(settings.models_path) if ".link-" in name]


def test_an_index_from_before_links_is_replaced(settings: Settings) -> None:
    index_dir(settings).mkdir(parents=True)
    (index_dir(settings) / "meta.json").write_text("{}")
    build_index(settings, WordEmbedder(), corpus=corpus())
    assert index_dir(settings).is_symlink()


def test_edits_make_the_index_stale_and_the_loaded_searcher_serves_the_indexed_articles(
    settings: Settings,
) -> None:
    build_index(settings, WordEmbedder(), corpus=corpus())
    edited = (replace(ARTICLES[0], title="How long does shipping take?"), ARTICLES[1])
    assert index_status(settings, corpus(edited, edits="3")) == "stale"
    assert index_status(settings, corpus()) == "ok"
    with pytest.raises(SupportbotError, match="stale"):
        load_searcher(settings, rebuild=False, embedder=WordEmbedder(), corpus=corpus(edited, edits="3"))

    searcher = load_searcher(settings, embedder=WordEmbedder(), corpus=corpus(edited, edits="3"))
    assert searcher.by_id["delivery"].title == "How long does shipping take?"
    assert searcher.corpus_version == f"{BASE['hash'][:12]}+3"
    assert searcher.search("shipping take").results[0].article.id == "delivery"


def test_a_rebuild_embeds_only_the_chunks_that_changed(settings: Settings) -> None:
    build_index(settings, WordEmbedder(), corpus=corpus())
    embedder = WordEmbedder()
    new_answer = "Refunds take 3 to 20 business days, by card 7 to 15."
    edited = (
        ARTICLES[0],
        replace(ARTICLES[1], sections=(), answer=new_answer),
    )  # the answer becomes its text
    build_index(settings, embedder, corpus=corpus(edited, edits="1"), reuse=True)
    assert embedder.embedded
    assert all("Refund" in text for text in embedder.embedded)  # the delivery article was not re-embedded
    fresh = WordEmbedder()
    searcher = load_searcher(settings, rebuild=False, embedder=fresh, corpus=corpus(edited, edits="1"))
    assert searcher.search("card refund").results[0].article.id == "refund"


PARAPHRASES = """\
queries:
  - {q: "parcel still not here after two weeks", sources: ["How long does delivery take?"]}
  - {q: "money back how many days", sources: ["When do I get my refund?"]}
"""


def _remembered(searcher: Any) -> dict[str, str]:
    return {e.text: searcher.articles[e.article].id for e in searcher.entries if e.kind == QUESTION}


def test_an_edited_index_keeps_the_training_questions_of_its_articles(settings: Settings) -> None:
    settings.paraphrases_file.write_text(PARAPHRASES)
    build_index(settings, WordEmbedder(), corpus=corpus())
    # The edit rewords the title the question quotes: the question still belongs to the article.
    edited = (replace(ARTICLES[0], title="Shipping times"), ARTICLES[1])
    assert index_status(settings, corpus(edited, edits="2")) == "stale"

    searcher = load_searcher(settings, embedder=WordEmbedder(), corpus=corpus(edited, edits="2"))

    remembered = _remembered(searcher)
    assert remembered["parcel still not here after two weeks"] == "delivery"
    assert remembered["Shipping times"] == "delivery"  # the served title, not the committed one
    assert "How long does delivery take?" not in remembered
    assert searcher.by_id["delivery"].title == "Shipping times"

    settings.paraphrases_file.write_text(PARAPHRASES + '  - {q: "refund when", sources: ["When do I get"]}\n')
    assert index_status(settings, corpus(edited, edits="2")) == "stale"


def _stamp_encoder(settings: Settings, fingerprint: str) -> None:
    directory = encoder_dir(settings)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "modules.json").write_text("[]")
    (directory / ENCODER_STAMP).write_text(json.dumps({"fingerprint": fingerprint}))


def test_vectors_are_reused_only_from_the_same_encoder(settings: Settings) -> None:
    _stamp_encoder(settings, "a" * 64)
    build_index(settings, WordEmbedder(), corpus=corpus())
    same = WordEmbedder()
    build_index(settings, same, corpus=corpus(edits="1"), reuse=True)
    assert same.embedded == []  # nothing changed: every vector is the published one

    _stamp_encoder(settings, "b" * 64)
    assert index_status(settings, corpus(edits="1")) == "stale"
    with pytest.raises(SupportbotError, match="stale"):
        load_searcher(settings, rebuild=False, corpus=corpus(edits="1"))
    retrained = WordEmbedder()
    meta = build_index(settings, retrained, corpus=corpus(edits="1"), reuse=True)

    assert meta["encoder"] == "b" * 64
    assert sorted(retrained.embedded) == sorted({e.text for e in index_entries(list(ARTICLES))})
    assert index_status(settings, corpus(edits="1")) == "ok"


class Named:
    def __init__(self, build: str) -> None:
        self.build = build
        self.corpus_version = f"v-{build}"


def test_a_rebuild_is_swapped_in_while_readers_keep_going() -> None:
    live: LiveSearcher[Named] = LiveSearcher(lambda: Named("one"))
    assert live.get().build == "one"
    started, release = threading.Event(), threading.Event()
    built: list[str] = []

    def slow_build(name: str) -> Any:
        def build() -> Named:
            started.set()
            release.wait(5)
            built.append(name)
            return Named(name)

        return build

    live.rebuild(slow_build("two"))
    assert started.wait(5)
    assert live.status().rebuilding
    assert live.get().build == "one"  # readers are not held up by the build
    live.rebuild(slow_build("three"))  # an edit during the build: one more build afterwards
    live.rebuild(slow_build("four"))  # ... with the latest edit only
    release.set()
    assert live.wait(10)
    assert built == ["two", "four"]
    assert live.get().build == "four"
    assert not live.status().rebuilding


def test_a_failed_rebuild_keeps_the_old_searcher_and_says_why() -> None:
    live: LiveSearcher[Named] = LiveSearcher(lambda: Named("one"))
    live.get()

    def broken() -> Named:
        raise SupportbotError("disk full")

    live.rebuild(broken)
    assert live.wait(10)
    assert live.get().build == "one"
    assert live.status().last_error == "disk full"


def test_a_follower_loads_a_newly_published_build_off_the_request_path() -> None:
    published = {"build": "one"}
    ticks = [0.0]
    loads: list[str] = []

    def reload() -> Named:
        loads.append(published["build"])
        return Named(published["build"])

    live: LiveSearcher[Named] = LiveSearcher(
        lambda: Named("one"),
        published=lambda: published["build"],
        reload=reload,
        poll_seconds=10,
        monotonic=lambda: ticks[0],
    )
    assert live.get().build == "one"
    published["build"] = "two"
    ticks[0] = 5.0
    assert live.get().build == "one"  # not polled yet
    assert live.wait(5)
    assert loads == []
    ticks[0] = 11.0
    assert live.get().build == "one"  # this request is answered by the old one...
    assert live.wait(5)
    assert live.get().build == "two"  # ... the next by the new one
    assert loads == ["two"]


def test_the_action_server_follows_the_gateways_rebuild(settings: Settings) -> None:
    build_index(settings, WordEmbedder(), corpus=corpus())
    embedder = WordEmbedder()
    follower: LiveSearcher[Any] = LiveSearcher(
        lambda: load_searcher(settings, rebuild=False, embedder=embedder),
        published=lambda: published_build(settings),
        reload=lambda: load_searcher(settings, rebuild=False, embedder=embedder),
        poll_seconds=0,
    )
    assert "shipping" not in follower.get().by_id["delivery"].title.lower()

    edited = (replace(ARTICLES[0], title="How long does shipping take?"), ARTICLES[1])
    build_index(settings, WordEmbedder(), corpus=corpus(edited, edits="4"))  # the gateway, after an edit
    follower.check_now()
    assert follower.get().by_id["delivery"].title == "How long does shipping take?"
    assert follower.status().corpus_version == f"{BASE['hash'][:12]}+4"
