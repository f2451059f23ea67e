"""Okapi BM25 over the articles: the lexical half of search and the baseline it is measured against.

Small enough to own: the corpus is a few hundred chunks, and owning the tokenizer matters more than
speed, because exact tokens (CSC_7200021, ARN, "coffee cup") are what lexical search is for.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

# Error codes and identifiers stay whole ("csc_7200021"); words keep inner apostrophes out.
_TOKEN = re.compile(r"[a-z]+_[a-z0-9_]+|[a-z0-9]+(?:[.,][0-9]+)*", re.IGNORECASE)
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "do",
        "does",
        "did",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "too",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "i'm",
        "it's",
        "can't",
        "don't",
    ]
)


def tokenize(text: str) -> list[str]:
    tokens = []
    for token in _TOKEN.findall(text.lower()):
        if token in STOPWORDS:
            continue
        tokens.append(_stem(token))
    return tokens


def _stem(token: str) -> str:
    """A light plural/verb-ending stemmer: 'refunds'->'refund', 'disputes'->'disput' on both sides."""
    if token.isdigit() or "_" in token or len(token) <= 3:
        return token
    for suffix in ("ing", "ed", "es", "s"):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            return token[: -len(suffix)]
    return token


class BM25:
    def __init__(self, documents: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.docs = [Counter(tokenize(doc)) for doc in documents]
        self.lengths = [sum(doc.values()) for doc in self.docs]
        self.avg_len = sum(self.lengths) / max(1, len(self.lengths))
        df: Counter[str] = Counter()
        for doc in self.docs:
            df.update(doc.keys())
        n = len(self.docs)
        self.idf = {term: math.log(1 + (n - f + 0.5) / (f + 0.5)) for term, f in df.items()}

    def scores(self, query: str) -> list[float]:
        terms = [t for t in dict.fromkeys(tokenize(query)) if t in self.idf]
        out = [0.0] * len(self.docs)
        for i, doc in enumerate(self.docs):
            norm = self.k1 * (1 - self.b + self.b * self.lengths[i] / self.avg_len)
            total = 0.0
            for term in terms:
                tf = doc.get(term)
                if tf:
                    total += self.idf[term] * tf * (self.k1 + 1) / (tf + norm)
            out[i] = total
        return out
