"""FAQ search and single articles."""

from __future__ import annotations

from typing import Any


def test_search_returns_ranked_articles_with_scores(gateway: Any) -> None:
    response = gateway.client.get("/v1/faq/search", params={"q": "how do I cancel an order", "k": 2})

    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "how do I cancel an order"
    assert next(result["id"] for result in body["results"]) == "cancel-an-order"
    assert len(body["results"]) == 2
    first = body["results"][0]
    assert set(first) == {"id", "title", "answer", "category", "score"}
    assert first["score"] >= body["results"][1]["score"]
    assert isinstance(body["confident"], bool)


def test_search_answers_carry_the_whole_article(gateway: Any) -> None:
    body = gateway.client.get("/v1/faq/search", params={"q": "open a dispute", "k": 1}).json()
    assert body["results"][0]["id"] == "open-a-dispute"
    assert "Some sellers answer within 5 days." in body["results"][0]["answer"]


def test_search_refuses_bad_parameters(gateway: Any) -> None:
    for params in (
        {},
        {"q": ""},
        {"q": "   "},
        {"q": "refund", "k": 0},
        {"q": "refund", "k": 21},
        {"q": "x", "k": "a"},
    ):
        response = gateway.client.get("/v1/faq/search", params=params)
        assert response.status_code == 422, params
        assert isinstance(response.json()["detail"], str)
    assert gateway.searcher.queries == []


def test_article_by_id(gateway: Any) -> None:
    response = gateway.client.get("/v1/faq/articles/delivery-times")
    assert response.status_code == 200
    assert response.json() == {
        "id": "delivery-times",
        "title": "How long does delivery take?",
        "source_title": "How long does delivery take?",
        "category": "shipping_and_delivery",
        "kind": "faq",
        "answer": "Most parcels arrive within 7 to 15 days. Remote areas can take longer.",
        "sections": [
            {
                "heading": "",
                "parent": "",
                "blocks": [
                    {
                        "kind": "paragraph",
                        "text": "Most parcels arrive within 7 to 15 days. Remote areas can take longer.",
                    }
                ],
            }
        ],
    }
    assert "shipping.md" not in response.text  # raw file names are internal


def test_article_keeps_its_structure_and_never_names_its_files(make_gateway: Any) -> None:
    from api.deps import Lazy
    from bot.config import PROJECT_ROOT
    from bot.corpus import articles_by_id, load_articles

    corpus = articles_by_id(load_articles(PROJECT_ROOT / "data" / "faq" / "articles.yaml"))
    gateway = make_gateway()
    gateway.services.articles = Lazy(lambda: corpus)  # the real help center
    for article_id in ("how-to-cancel-my-order", "how-to-solve-payment-issues"):
        article = corpus[article_id]
        body = gateway.client.get(f"/v1/faq/articles/{article_id}").json()
        assert body["source_title"] == article.source_title
        assert body["platform"] == article.platform
        for name in article.sources:
            assert name not in str(body)
        kinds = {block["kind"] for section in body["sections"] for block in section["blocks"]}
        expected = {block.kind for section in article.sections for block in section.blocks}
        assert kinds == expected
    cancel = gateway.client.get("/v1/faq/articles/how-to-cancel-my-order").json()
    paid = next(section for section in cancel["sections"] if section["heading"] == "Paid order")
    steps = next(block for block in paid["blocks"] if block["kind"] == "steps")
    assert steps["start"] == 1
    assert steps["items"][0].startswith("Click 'Request Order Cancellation'")
    codes = gateway.client.get("/v1/faq/articles/how-to-solve-payment-issues").json()
    table = next(
        block for section in codes["sections"] for block in section["blocks"] if block["kind"] == "table"
    )
    assert table["rows"][0] == {
        "key": "CSC_7200011",
        "cells": [
            "Insufficient funds in card or account of payment.",
            "Please top up your account for payment again or use another card/method instead.",
        ],
    }


def test_unknown_article_is_a_404_with_a_message(gateway: Any) -> None:
    response = gateway.client.get("/v1/faq/articles/no-such-article")
    assert response.status_code == 404
    assert "no-such-article" in response.json()["detail"]


def test_a_missing_index_is_a_503_naming_the_fix(make_gateway: Any) -> None:
    from bot.errors import SupportbotError

    def missing() -> Any:
        raise SupportbotError("the FAQ index is missing: run `supportbot index`")

    gateway = make_gateway(searcher_factory=missing)
    response = gateway.client.get("/v1/faq/search", params={"q": "refund"})
    assert response.status_code == 503
    assert "supportbot index" in response.json()["detail"]
