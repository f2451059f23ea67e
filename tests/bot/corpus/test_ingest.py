"""The corpus keeps what the help center says, in the shape it says it, and nothing else.

Every check here reads the committed corpus (what the product serves) against the raw documents,
so a rule that stops matching, a heading that gets lost or a row that gets split fails a test.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.corpus import Article, articles_holding, load_articles
from bot.corpus.ingest import (
    build_articles,
    dump_articles,
    ingest,
    load_manifest,
    normalise_question,
    question_headings,
)
from bot.errors import SupportbotError

ROOT = Path(__file__).resolve().parents[3]
FAQ = ROOT / "data" / "faq"
RAW = FAQ / "raw"
TODAY = date(2026, 3, 2)


@pytest.fixture(scope="module")
def manifest() -> dict:
    return load_manifest(FAQ / "sources.yaml")


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return load_articles(FAQ / "articles.yaml")


@pytest.fixture(scope="module")
def by_id(articles) -> dict[str, Article]:
    return {a.id: a for a in articles}


def _buyer_texts(article: Article) -> list[str]:
    """Everything of an article a buyer can be shown."""
    texts = [article.title, *article.aliases, article.full_text(), article.source_title]
    texts += [s.heading for s in article.sections] + [s.parent for s in article.sections]
    return texts


def _rows(articles: list[Article]):
    for article in articles:
        for section in article.sections:
            for block in section.blocks:
                for row in block.rows:
                    yield article, row


# --- coverage: nothing the help center says is lost ---------------------------------------------


def test_every_question_heading_of_the_raw_documents_is_findable(manifest, articles) -> None:
    headings = question_headings(RAW, manifest)
    assert len(headings) > 150  # the detector itself must see the documents' questions
    missing = [(doc, h) for doc, h in headings if not articles_holding(articles, h)]
    assert not missing


def test_sub_questions_are_section_headings_of_their_page(by_id) -> None:
    free_return = {s.heading for s in by_id["whats-free-return-service"].sections}
    assert {"What does ‘Free Return’ mean?", "Who pays for the return shipping costs?"} <= free_return
    warranty = {s.heading for s in by_id["commercial-warranty-service"].sections}
    assert "What is the process for the One-year warranty service?" in warranty


_PHONE = re.compile(r"\(\+\d[\d ]*\)\s*\d[\d /-]*\d|\+\d[\d ()-]{8,}\d|\b\d{3,4} \d{3} \d{3,4}\b|\b\d{6,}\b")
# Phone numbers that are prose on their page, not a contact table: they must still be in the corpus.
_PHONES_IN_PROSE = {"920020505"}  # Naqel's pick-up reservations in the coronavirus notice


def _raw_phone_numbers() -> list[tuple[str, str]]:
    found = []
    for path in sorted(RAW.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = re.sub(r"https?://\S+", "", line)
            for match in _PHONE.finditer(line):
                found.append((path.name, re.sub(r"\D", "", match.group())))
    return found


def test_every_phone_number_in_the_seeds_is_a_table_row(articles) -> None:
    numbers = _raw_phone_numbers()
    assert len(numbers) >= 34  # customs, post offices, customer care, a courier
    row_digits = [re.sub(r"\D", "", row.text()) for _, row in _rows(articles)]
    all_digits = re.sub(r"\D", "", " ".join(a.full_text() for a in articles))
    missing = []
    for doc, number in numbers:
        if number in _PHONES_IN_PROSE:
            if number not in all_digits:
                missing.append((doc, number))
        elif not any(number in digits for digits in row_digits):
            missing.append((doc, number))
    assert not missing


def test_every_payment_error_code_is_one_row_with_its_meaning_and_advice(articles) -> None:
    raw = (RAW / "000_7351d022154dddc1.txt").read_text(encoding="utf-8")
    codes = set(re.findall(r"CSC_\d{7}", raw))
    assert len(codes) == 13
    for code in codes:
        rows = [row for _, row in _rows(articles) if code in re.split(r",\s*", row.key)]
        assert len(rows) == 1, code
        assert len(rows[0].cells) >= 2, (code, rows[0].cells)  # meaning + what to do
    cvv = next(row for _, row in _rows(articles) if row.key == "CSC_7200021")
    assert cvv.cells == ("Wrong CVV code was entered.", "Please enter correct CVV code for payment again.")


def test_contact_channels_are_rows_of_one_article(by_id) -> None:
    contact = by_id["how-can-i-contact-customer-service"]
    assert contact.platform == "WISHALIVE"
    rows = {row.key: row.cells for s in contact.sections for b in s.blocks for row in b.rows}
    assert rows == {
        "Customer Care Call Center (USA)": ("+1 (404) 407-5727",),
        "WhatsApp Customer Care (USA)": ("+1 (470) 433-3018",),
        "E-mail": ("CustomerCare@WISHALIVE.co",),
    }


def test_privacy_and_terms_links_survive(articles) -> None:
    for text in ("WISHALIVE.shop Privacy Policy", "WISHALIVE.shop Terms of Use", "Data protection policy"):
        assert articles_holding(articles, text), text


def test_table_rows_keep_their_cells_together(by_id) -> None:
    def rows(article_id: str) -> dict[str, tuple[str, ...]]:
        return {r.key: r.cells for s in by_id[article_id].sections for b in s.blocks for r in b.rows}

    customs = rows("what-if-the-package-is-held-by-customs")
    assert customs["Mexico"] == ("(+52 55) 51 33 07 15",)
    assert customs["Poland"][0].startswith("Warsaw: (+48 22) 548 14 31; Bitom:")
    post = rows("i-havent-received-my-parcel-but-it-shows-delivered")
    assert post["Spain"] == ("902197197",)
    assert post["France"] == ("0969 391 391(Chronopost); 0825 878 888(Coliposte)",)
    carriers = rows("what-if-the-logistic-information-does-not-update-anymore")
    assert len(carriers) == 20
    assert carriers["China Post Air Parcel"][0].startswith("The package is in transit now")
    assert carriers["Cainiao Super Economy Global"][0].startswith(
        "The logistic information may not be updated"
    )
    refund = rows("i-have-not-received-my-refund-what-can-i-do")
    assert refund["PayPal"] == ("Original Account of the Payment",)
    assert refund["COD (available to Saudi Arabian buyers only)"] == ()


def test_steps_and_lists_keep_their_shape(by_id) -> None:
    email = by_id["how-do-i-change-my-email-address"].sections[0].blocks
    assert [b.kind for b in email] == ["paragraph", "steps"]
    assert len(email[1].items) == 5
    cancel = by_id["how-to-cancel-my-order"]
    assert [s.heading for s in cancel.sections] == ["Unpaid order", "Paid order", "Notes"]
    dispute = by_id["how-do-i-open-a-dispute"]
    parents = {s.heading: s.parent for s in dispute.sections}
    assert parents["Order not shipped out"] == "When can you get a refund?"
    assert parents["Open a dispute"] == "How to apply for a refund?"


# --- nothing else: no file names, no debris ----------------------------------------------------


def test_no_file_name_or_path_in_anything_a_buyer_sees(articles) -> None:
    leak = re.compile(r"\.txt\b|\d{3}_[0-9a-f]{16}|data/faq|/raw/|another help page", re.IGNORECASE)
    for article in articles:
        for text in _buyer_texts(article):
            assert not leak.search(text), (article.id, text[:80])


DEBRIS = [
    "Is this helpful for you?",
    "文章评分",
    "Skip to main content",
    "Super Deals on Aliexpress",
    "Back to category",
    "LOGISTICS ABNORMAL",
    "Logistic abnormal",
    "Product page:",
    "Order list page:",
    "Order detail page:",
    "Demo on searching list page",
    "lbe cautious",
    "lf you share",
    "In this article, you'll find",
    "You may have concern on below questions",
    "this seems impossible to me",  # a reader's comment scraped into the 300% Guarantee page
    "see below Table 1",
    "open dispute for item issues",  # a photo caption
    "Questions you may concern",
]


def test_no_navigation_caption_or_comment_debris(articles) -> None:
    for article in articles:
        text = "\n".join(_buyer_texts(article))
        for junk in DEBRIS:
            assert junk not in text, (article.id, junk)
        assert not re.search(r"^\s*-\s*$", article.full_text(), re.MULTILINE), article.id


# --- platforms and dates -----------------------------------------------------------------------


def test_platform_variants_stay_apart_and_labelled(articles) -> None:
    cancel = {a.platform: a for a in articles if normalise_question(a.title) == "how to cancel my order"}
    assert set(cancel) == {"WISHALIVE", "AliExpress"}
    assert (
        "within 7 days after payment, order will be cancelled immediately" in cancel["WISHALIVE"].full_text()
    )
    assert "7 days" not in cancel["AliExpress"].full_text()
    assert "If seller did not respond within 48 hours" in cancel["AliExpress"].full_text()
    assert cancel["WISHALIVE"].id == "how-to-cancel-my-order"  # cited by bot/policy


def test_each_article_comes_from_one_platform_s_pages(manifest, articles) -> None:
    platform_of = {name: (cfg or {}).get("platform") for name, cfg in manifest["sources"].items()}
    for article in articles:
        assert {platform_of[s] for s in article.sources} == {article.platform}, article.id


def test_dated_content_keeps_its_dates_and_is_not_current_once_over(by_id) -> None:
    for article_id in ("gogo-match", "when-the-anniversary-sale-starts", "about-coronavirus",
                       "how-to-play-add-products-to-the-cart-to-receive-coins-game"):  # fmt: skip
        article = by_id[article_id]
        assert article.validity is not None
        assert article.validity.valid_until is not None
        assert not article.is_current(TODAY), article_id
    gogo = by_id["gogo-match"]
    assert gogo.is_current(date(2023, 3, 20))
    assert not gogo.is_current(date(2023, 3, 27))
    assert "March 26, 2023" in gogo.validity.stated  # type: ignore[union-attr]
    workers_day = by_id["order-processing-time-may-be-delayed-about-5-days-during-international"]
    assert workers_day.is_current(date(2027, 5, 1))
    assert not workers_day.is_current(date(2027, 6, 1))


def test_a_discontinued_service_says_so_but_still_serves_its_holders(by_id) -> None:
    warranty = by_id["commercial-warranty-service"]
    assert warranty.validity is not None
    assert warranty.validity.discontinued_on == date(2021, 9, 1)
    assert warranty.is_current(TODAY)
    assert "Apply Warranty" in warranty.full_text()


def test_campaign_questions_stay_with_their_campaign(by_id) -> None:
    earn = by_id["earn-xx-off-coupon"]
    eligibility = next(
        s for s in earn.sections if s.heading == "Why could not I participate in this activity?"
    )
    assert "Russia, Kazakhstan" in eligibility.plain_text()
    assert "United States" not in earn.full_text()  # the GoGo Match country list is GoGo Match's
    assert by_id["gogo-match"].sections[0].heading == "What is the campaign schedule?"


# --- the file itself ----------------------------------------------------------------------------


def test_ingest_is_deterministic_and_matches_the_committed_corpus(tmp_path: Path) -> None:
    first = ingest(FAQ, tmp_path / "a.yaml")
    second = ingest(FAQ, tmp_path / "b.yaml")
    assert first == second
    assert (tmp_path / "a.yaml").read_text(encoding="utf-8") == (FAQ / "articles.yaml").read_text(
        encoding="utf-8"
    ), "data/faq/articles.yaml is stale: run `supportbot ingest` and commit it"


def test_the_committed_corpus_round_trips(articles) -> None:
    again = yaml.safe_load(dump_articles(articles))
    assert [a["id"] for a in again["articles"]] == [a.id for a in articles]
    assert load_articles(FAQ / "articles.yaml") == articles


def test_articles_are_complete_with_stable_slug_ids(articles) -> None:
    ids = [a.id for a in articles]
    assert len(ids) == len(set(ids))
    for article in articles:
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", article.id), article.id
        assert article.title
        assert article.full_text().strip()
        assert article.category
        assert article.sources
        assert article.kind in {"faq", "passage"}


def test_merchant_policy_and_dispute_guide_become_titled_passages(articles) -> None:
    passages = [a for a in articles if a.kind == "passage"]
    assert {a.sources[0][:3] for a in passages} == {"003", "004"}
    assert {a.platform for a in passages} == {"Wish", None}
    assert any("requesting the customer's payment account information" in a.full_text() for a in passages)


# --- rules that go stale fail loudly -------------------------------------------------------------


def _with(manifest: dict, name: str, **changes) -> dict:
    sources = {k: dict(v or {}) for k, v in manifest["sources"].items()}
    sources[name].update(changes)
    return {"sources": sources}


def test_a_repair_that_matches_nothing_is_an_error(manifest) -> None:
    doc = "000_7351d022154dddc1.txt"
    broken = _with(manifest, doc, replace=[{"find": "text that is not on the page", "to": "x"}])
    with pytest.raises(SupportbotError, match="match nothing"):
        build_articles(RAW, broken)


def test_a_table_rule_whose_end_is_missing_is_an_error(manifest) -> None:
    doc = "002_7275545afbb857d1.txt"
    tables = [dict(t) for t in manifest["sources"][doc]["tables"]]
    tables[0]["end_before"] = "a line that is not there"
    with pytest.raises(SupportbotError, match="no end"):
        build_articles(RAW, _with(manifest, doc, tables=tables))


def test_a_validity_statement_must_be_the_page_s_own_words(manifest) -> None:
    doc = "000_7351d022154dddc1.txt"
    per_article = dict(manifest["sources"][doc]["articles"])
    per_article["GoGo Match"] = {"validity": {"stated": "Ends in 2099.", "valid_until": "2099-01-01"}}
    with pytest.raises(SupportbotError, match="validity statement"):
        build_articles(RAW, _with(manifest, doc, articles=per_article))


def test_an_unreadable_raw_file_is_a_clear_error(tmp_path: Path, manifest) -> None:
    with pytest.raises(SupportbotError, match="cannot read"):
        build_articles(tmp_path, manifest)


def test_load_articles_names_the_command_for_a_missing_or_corrupt_file(tmp_path: Path) -> None:
    with pytest.raises(SupportbotError, match="supportbot ingest"):
        load_articles(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("articles: [ {id: x", encoding="utf-8")
    with pytest.raises(SupportbotError, match="supportbot ingest"):
        load_articles(bad)
    bad.write_text("articles:\n- {id: x, title: t}\n", encoding="utf-8")
    with pytest.raises(SupportbotError, match="sections"):
        load_articles(bad)
    bad.write_text(
        "articles:\n- {id: x, title: t, category: c, sources: [s], sections: [{blocks: [{table: []}]}]}\n",
        encoding="utf-8",
    )
    with pytest.raises(SupportbotError, match="table without rows"):
        load_articles(bad)
