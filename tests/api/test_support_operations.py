"""Reports, conversation review and knowledge upkeep over HTTP, on the real gateway (scripted Rasa)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest

from bot.corpus import Corpus


def hold_conversations(gateway: Any) -> None:
    """Three conversations on 2 March 2026 (the gateway's clock): answered and rated helpful; not
    understood (Rasa: nlu_fallback) with a phone number in it; handed off and answered by an agent."""
    answered = gateway.chat("ops-answered", "How long does delivery take?").json()
    gateway.client.post(
        "/v1/chat/feedback",
        json={"session_id": "ops-answered", "message_id": answered["messages"][0]["id"], "helpful": True},
    )
    gateway.chat("ops-missed", "can I ring you on +44 7700 900123 about gift vouchers")
    gateway.chat("ops-handoff", "I want a person")


def test_reports_count_the_conversations_just_held(gateway: Any) -> None:
    hold_conversations(gateway)
    headers = gateway.sign_in("sam")
    gateway.client.post(
        "/v1/agent/conversations/ops-handoff/reply", json={"text": "Sam here"}, headers=headers
    )

    report = gateway.client.get("/v1/reports/summary", params={"since": "2026-03-01", "until": "2026-03-02"})

    assert report.status_code == 200
    body = report.json()
    assert (body["conversations"], body["handed_off"], body["resolved"]) == (3, 1, 1)
    assert (body["bot_turns"], body["fallback_turns"]) == (3, 1)
    assert body["resolution_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert body["csat"] == 1.0
    assert body["first_response_seconds_p50"] == 0.0  # the gateway's clock stands still in tests
    assert {i["intent"]: i["count"] for i in body["intents"]} == {
        "faq": 1,
        "nlu_fallback": 1,
        "human_handoff": 1,
    }
    assert body["articles"] == [
        {
            "article_id": "delivery-times",
            "title": "How long does delivery take?",
            "answered": 2,  # the scripted Rasa answers the missed question from it too
            "helpful": 1,
            "not_helpful": 0,
        }
    ]
    assert body["unanswered"] == [
        {"text": "can I ring you on [phone] about gift vouchers", "count": 1, "examples": []}
    ]
    assert [day["day"] for day in body["daily"]] == ["2026-03-01", "2026-03-02"]
    assert body["daily"][1]["conversations"] == 3
    assert body["agents"] == [
        {"agent": "sam", "conversations": 1, "replies": 1, "first_response_seconds_p50": 0.0}
    ]


def test_reports_for_machines_csv_exports_and_bad_ranges(gateway: Any) -> None:
    hold_conversations(gateway)
    assert gateway.client.get("/v1/reports/summary").status_code == 401
    machine = gateway.client.get("/v1/reports/summary", headers=gateway.admin)
    assert machine.json()["conversations"] == 3

    exported = gateway.client.get(
        "/v1/reports/unanswered.csv", params={"since": "2026-03-02"}, headers=gateway.admin
    )
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows == [["text", "count", "examples"], ["can I ring you on [phone] about gift vouchers", "1", ""]]
    assert gateway.client.get("/v1/reports/nothing.csv", headers=gateway.admin).status_code == 422

    backwards = gateway.client.get(
        "/v1/reports/summary", params={"since": "2026-03-05", "until": "2026-03-01"}, headers=gateway.admin
    )
    assert backwards.status_code == 422
    assert backwards.json() == {"detail": "since: must be before until", "field": "since"}
    garbled = gateway.client.get(
        "/v1/reports/summary", params={"until": "next tuesday"}, headers=gateway.admin
    )
    assert garbled.status_code == 422
    assert garbled.json()["field"] == "until"
    channel = gateway.client.get("/v1/reports/summary", params={"channel": "fax"}, headers=gateway.admin)
    assert channel.status_code == 422


def test_review_lists_the_miss_and_an_agent_labels_it(gateway: Any) -> None:
    hold_conversations(gateway)
    headers = gateway.sign_in("sam")

    listed = gateway.client.get("/v1/review/conversations", params={"reason": "fallback"}).json()[
        "conversations"
    ]
    assert [c["session_id"] for c in listed] == ["ops-missed"]
    everything = gateway.client.get("/v1/review/conversations").json()["conversations"]
    assert {c["session_id"]: c["reasons"] for c in everything} == {
        "ops-missed": ["fallback"],
        "ops-handoff": ["handoff"],
    }
    detail = gateway.client.get("/v1/review/conversations/ops-missed").json()
    miss = detail["messages"][0]
    assert (miss["role"], miss["fallback"], miss["intent"]) == ("customer", True, "nlu_fallback")
    assert "+44 7700 900123" in miss["text"]  # signed-in agents see what the buyer wrote

    options = gateway.client.get("/v1/review/options").json()
    assert "out_of_scope" in options["intents"]
    assert {"id": "delivery-times", "title": "How long does delivery take?"} in options["articles"]

    labelled = gateway.client.put(
        f"/v1/review/messages/{miss['id']}/label", json={"out_of_scope": True}, headers=headers
    )
    assert labelled.status_code == 200
    assert (labelled.json()["intent"], labelled.json()["actor"]) == ("out_of_scope", "sam")
    wrong = gateway.client.put(f"/v1/review/messages/{miss['id']}/label", json={}, headers=headers)
    assert wrong.status_code == 422
    bot_message = detail["messages"][1]["id"]
    refused = gateway.client.put(
        f"/v1/review/messages/{bot_message}/label", json={"intent": "faq"}, headers=headers
    )
    assert refused.status_code == 422
    assert (
        gateway.client.delete(f"/v1/review/messages/{miss['id']}/label", headers=headers).status_code == 204
    )


class CorpusSearcher:
    """Stands in for the rebuilt index: ranks the served corpus by shared title words."""

    def __init__(self, corpus: Corpus) -> None:
        from bot.search import SearchResponse, SearchResult

        self.corpus_version = corpus.version
        self.build = corpus.version
        self.articles = list(corpus.articles)
        self._response, self._result = SearchResponse, SearchResult

    def search(self, query: str, k: int = 5) -> Any:
        words = set(query.lower().split())
        scored = sorted(
            (self._result(a, len(words & set(a.title.lower().split())) / len(words)) for a in self.articles),
            key=lambda r: -r.score,
        )
        return self._response(query, scored[:k], bool(scored) and scored[0].score > 0.5)


def test_an_admin_edit_is_served_and_searched_without_a_restart(make_gateway: Callable[..., Any]) -> None:
    built: list[str] = []

    def rebuild(corpus: Corpus) -> CorpusSearcher:
        built.append(corpus.version)
        return CorpusSearcher(corpus)

    gateway = make_gateway(rebuild_searcher=rebuild, served_articles=True)
    headers = gateway.sign_in("ada", role="admin")
    article_id = "how-can-i-contact-customer-service"
    document = gateway.client.get(f"/v1/knowledge/articles/{article_id}").json()
    assert "| E-mail | CustomerCare@WISHALIVE.co" in document["text"]

    saved = gateway.client.put(
        f"/v1/knowledge/articles/{article_id}",
        json={
            "title": "How do I reach the helpline?",
            "category": document["category"],
            "aliases": document["aliases"],
            "text": document["text"] + "\nLive chat: open Help in the app.\n",
        },
        headers=headers,
    )
    assert saved.status_code == 200
    assert saved.json()["reindexing"] is True
    assert saved.json()["article"]["edited"]["actor"] == "ada"
    assert gateway.services.searcher.wait(10)

    assert len(built) == 1
    found = gateway.client.get("/v1/faq/search", params={"q": "reach the helpline"}).json()
    assert found["results"][0]["id"] == article_id
    page = gateway.client.get(f"/v1/faq/articles/{article_id}").json()
    assert page["title"] == "How do I reach the helpline?"
    assert "Live chat: open Help in the app." in page["answer"]
    status = gateway.client.get("/v1/knowledge/index").json()
    assert (status["serving"], status["rebuilding"]) == (status["corpus_version"], False)
    trail = gateway.services.agents.audit_trail(subject=article_id)
    assert [(e["actor"], e["action"]) for e in trail] == [("ada", "article.console")]


def test_knowledge_changes_need_an_admin(make_gateway: Callable[..., Any]) -> None:
    gateway = make_gateway(served_articles=True)
    headers = gateway.sign_in("sam", role="agent")
    assert gateway.client.get("/v1/knowledge/articles").status_code == 200
    body = {"title": "A question?", "category": "C", "text": "An answer."}
    assert gateway.client.post("/v1/knowledge/articles", json=body, headers=headers).status_code == 403
    assert (
        gateway.client.post(
            "/v1/knowledge/import", json={"page": "x", "text": "y"}, headers=headers
        ).status_code
        == 403
    )
    missing = gateway.client.put("/v1/knowledge/articles/nope", json=body, headers=gateway.admin)
    assert missing.status_code == 404


def test_a_whole_help_center_page_fits_the_import_body_limit(make_gateway: Callable[..., Any]) -> None:
    gateway = make_gateway(served_articles=True)
    from bot.config import get_settings

    page = "002_7275545afbb857d1.txt"
    text = (get_settings().articles_file.parent / "raw" / page).read_text(encoding="utf-8")
    assert len(text.encode()) > gateway.settings.max_body_bytes
    answer = gateway.client.post(
        "/v1/knowledge/import", json={"page": page, "text": text}, headers=gateway.admin
    )
    assert answer.status_code == 200
    assert answer.json()["changed"] == []
    assert answer.json()["unchanged"] > 10
    too_big = gateway.client.post("/v1/chat", content=b"x" * (gateway.settings.max_body_bytes + 1))
    assert too_big.status_code == 413
