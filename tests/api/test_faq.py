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
        "answer": "Most parcels arrive within 7 to 15 days. Remote areas can take longer.",
        "category": "shipping_and_delivery",
        "kind": "faq",
        "sources": ["shipping.md"],
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
