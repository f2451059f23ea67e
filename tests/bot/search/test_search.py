"""Search over the real corpus with the real MiniLM model (loaded once per session)."""

from __future__ import annotations

import io
import json
import sys

import pytest

from bot.errors import SupportbotError, UsageError
from bot.search import QUESTION, index_dir, index_status, load_searcher

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("query", "article_id"),
    [
        ("CSC_7200021", "how-to-solve-payment-issues"),
        ("what is an ARN", "what-is-arn"),
        ("coffee cup", "what-should-i-do-if-coffee-cup-error-occurs-when-placing-order"),
        ("New User Bonus", "what-should-i-do-if-i-meet-error-ae-query-trade-platform-limit-warn-you"),
        ("my parcel is stuck in customs", "what-if-the-package-is-held-by-customs"),
    ],
)
def test_exact_tokens_and_plain_questions_find_their_article(searcher, query: str, article_id: str) -> None:
    response = searcher.search(query, k=3)
    assert response.results[0].article.id == article_id
    assert response.confident


def test_results_are_scored_best_first_with_the_contract_fields(searcher) -> None:
    response = searcher.search("how long does a refund take", k=5)
    scores = [r.score for r in response.results]
    assert scores == sorted(scores, reverse=True)
    assert len(scores) == 5
    first = response.to_dict()["results"][0]
    assert set(first) == {"id", "title", "answer", "category", "sources", "score"}


def test_confidence_follows_the_relevance_of_the_best_result(searcher) -> None:
    response = searcher.search("my refund has not arrived on my card", k=3)
    best = response.results[0]

    assert 0.0 < best.relevance <= 1.0
    assert response.confident == (best.relevance >= searcher.threshold)


def test_the_training_questions_are_remembered_for_their_article(searcher) -> None:
    remembered = {e.text for e in searcher.entries if e.kind == QUESTION}

    assert "cofee cup eror" in remembered
    top = searcher.search("cofee cup eror", k=1).results[0]
    assert top.article.id == "what-should-i-do-if-coffee-cup-error-occurs-when-placing-order"


def test_out_of_scope_questions_are_not_confident(searcher) -> None:
    for query in [
        "tell me a joke",
        "what's the weather in Berlin tomorrow",
        "subscribe me to your newsletter",
    ]:
        assert not searcher.search(query).confident, query


@pytest.mark.parametrize(
    "query", ["¿Dónde está mi pedido?", "🙂📦❓", "我的包裹在哪里", "a" * 100_000, "\x00refund\x07"]
)
def test_odd_input_still_gets_results(searcher, query: str) -> None:
    assert len(searcher.search(query, k=3).results) == 3


def test_empty_query_is_refused(searcher) -> None:
    with pytest.raises(UsageError):
        searcher.search("  ")


def test_stale_index_is_rebuilt_when_the_corpus_changes(scratch_settings) -> None:
    meta = index_dir(scratch_settings) / "meta.json"
    data = json.loads(meta.read_text())
    data["corpus_hash"] = "0" * 64
    meta.write_text(json.dumps(data))
    assert index_status(scratch_settings) == "stale"
    with pytest.raises(SupportbotError, match="supportbot index"):
        load_searcher(scratch_settings, rebuild=False)
    load_searcher(scratch_settings).search("refund")
    assert index_status(scratch_settings) == "ok"


def test_the_index_is_stale_when_the_training_questions_change(scratch_settings) -> None:
    meta = index_dir(scratch_settings) / "meta.json"
    data = json.loads(meta.read_text())
    data["questions_hash"] = "0" * 64
    meta.write_text(json.dumps(data))

    assert index_status(scratch_settings) == "stale"
    load_searcher(scratch_settings)
    assert index_status(scratch_settings) == "ok"


def test_corrupt_or_missing_index_is_rebuilt(scratch_settings) -> None:
    (index_dir(scratch_settings) / "index.faiss").write_bytes(b"not a faiss index")
    assert load_searcher(scratch_settings).search("track my parcel").results
    index_dir(scratch_settings).unlink()  # the rebuild published it as a link to its build
    assert index_status(scratch_settings) == "missing"
    assert load_searcher(scratch_settings).search("track my parcel").results


def _run_cli(monkeypatch, capsys, settings, argv, stdin=""):
    from bot import cli

    monkeypatch.setattr("bot.config.get_settings", lambda: settings)
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(argv)
    return code, capsys.readouterr()


def test_faq_search_reads_stdin_and_prints_json_lines(monkeypatch, capsys, search_settings) -> None:
    code, out = _run_cli(
        monkeypatch,
        capsys,
        search_settings,
        ["faq", "search", "--k", "2"],
        "where is my parcel\nwhat is ARN\n",
    )
    assert code == 0
    lines = [json.loads(line) for line in out.out.splitlines()]
    assert [line["query"] for line in lines] == ["where is my parcel", "what is ARN"]
    assert all(len(line["results"]) == 2 for line in lines)
    assert lines[1]["results"][0]["id"] == "what-is-arn"


def test_faq_search_with_an_empty_query_exits_2(monkeypatch, capsys, search_settings) -> None:
    code, out = _run_cli(monkeypatch, capsys, search_settings, ["faq", "search", ""])
    assert code == 2
    assert "empty" in out.err
    code, out = _run_cli(monkeypatch, capsys, search_settings, ["faq", "search", "--k", "0", "refund"])
    assert code == 2


def test_faq_search_single_query_jsonl(monkeypatch, capsys, search_settings) -> None:
    code, out = _run_cli(monkeypatch, capsys, search_settings, ["faq", "search", "CSC_7200021", "--jsonl"])
    assert code == 0
    assert json.loads(out.out)["results"][0]["id"] == "how-to-solve-payment-issues"


def test_ended_campaigns_are_not_offered_to_buyers_unless_asked_for(search_settings) -> None:
    from datetime import date

    query = "GoGo Match game rewards"
    now = load_searcher(search_settings, rebuild=False, clock=lambda: date(2026, 3, 2))
    response = now.search(query, k=20)
    assert "gogo-match" not in [r.article.id for r in response.results]
    assert [r.article.id for r in response.ended][:1] == ["gogo-match"]  # so a reply can say it ended
    assert now.search(query, k=1, include_expired=True).results[0].article.id == "gogo-match"
    during = load_searcher(search_settings, rebuild=False, clock=lambda: date(2023, 3, 20))
    assert during.search(query, k=1).results[0].article.id == "gogo-match"
    assert not during.search(query, k=1).ended


def test_a_result_names_the_section_that_matched(searcher) -> None:
    best = searcher.search("free return: who pays for the return shipping costs", k=1).results[0]
    assert best.article.id == "whats-free-return-service"
    assert best.section == "Who pays for the return shipping costs?"


def test_a_result_carries_its_similarity_to_every_section(searcher) -> None:
    best = searcher.search("free return: who pays for the return shipping costs", k=1).results[0]
    sections = best.article.sections
    assert len(best.section_sims) == len(sections)
    # A heading with nothing under it has no chunk, so no similarity.
    assert all((sim is None) == (not s.blocks) for s, sim in zip(sections, best.section_sims, strict=True))
    known = [(sim, s.heading) for s, sim in zip(sections, best.section_sims, strict=True) if sim is not None]
    assert max(known)[1] == best.section


def test_a_result_carries_its_similarity_to_every_part_and_parts_do_not_rank(searcher) -> None:
    from bot.corpus.parts import article_parts

    query = "how many times can I leave feedback for one order"
    best = searcher.search(query, k=1).results[0]
    parts = article_parts(best.article)
    assert len(best.part_sims) == len(parts)
    closest = max(zip(best.part_sims, parts, strict=True), key=lambda pair: pair[0])[1]
    assert "once" in closest.text
    # Parts only say where inside an article the answer is: without them the ranking is the same.
    from bot.search import Searcher

    bare = [e for e in searcher.entries if e.kind != "part"]
    rows = [i for i, e in enumerate(searcher.entries) if e.kind != "part"]
    without = Searcher(searcher.articles, bare, searcher.vectors[rows], searcher.embedder)
    ranked = [r.article.id for r in searcher.search(query, k=5).results]
    assert [r.article.id for r in without.search(query, k=5).results] == ranked
    assert all(r.part_sims == () for r in without.search(query, k=5).results)
