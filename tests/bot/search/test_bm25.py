from __future__ import annotations

import pytest

from bot.errors import UsageError
from bot.search import MAX_QUERY_CHARS, clean_query
from bot.search.bm25 import BM25, tokenize


def test_error_codes_stay_whole_tokens() -> None:
    assert "csc_7200021" in tokenize("Error CSC_7200021 at checkout")
    assert tokenize("Refunds") == tokenize("refund")


def test_bm25_prefers_the_document_with_the_rare_exact_token() -> None:
    docs = ["Wrong CVV code CSC_7200021", "Card expired CSC_7200012", "Track your parcel"]
    scores = BM25(docs).scores("what does CSC_7200021 mean")
    assert scores.index(max(scores)) == 0
    assert BM25(docs).scores("zzz unknown") == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("query", ["", "   ", "\x00\x07\n\t"])
def test_empty_queries_are_a_usage_error(query: str) -> None:
    with pytest.raises(UsageError, match="empty"):
        clean_query(query)


def test_huge_queries_are_truncated_and_control_characters_removed() -> None:
    assert len(clean_query("refund " * 20_000)) <= MAX_QUERY_CHARS
    # NUL, ESC and the zero-width space (a format character) all separate words.
    assert clean_query("where\x00is\x1bmy\u200bparcel") == "where is my parcel"
