"""Answers lead with the part of the article that answers, in whole sentences, items and rows."""

from __future__ import annotations

import re
from datetime import date

import pytest

from bot.answers import DEFAULT_BUDGET, Answer, compose, more, sentences
from bot.config import PROJECT_ROOT
from bot.corpus import Article, Block, Row, Section, load_articles

TODAY = date(2026, 3, 2)


@pytest.fixture(scope="module")
def corpus() -> dict[str, Article]:
    return {a.id: a for a in load_articles(PROJECT_ROOT / "data" / "faq" / "articles.yaml")}


def _rows(answer: Answer) -> list[Row]:
    return [row for block in answer.lead for row in block.rows]


def _lead_text(answer: Answer) -> str:
    return "\n".join(block.plain_text() for block in answer.lead)


# --- questions that name a thing get that thing's row ------------------------------------------

CODES = ["CSC_7200011", "CSC_7200015", "CSC_7200022", "CSC_7200051", "CSC_7200001", "CSC_7200026",
         "CSC_7200034", "CSC_7200012", "CSC_7200020", "CSC_7200040", "CSC_7200006", "CSC_7200009",
         "CSC_7200021"]  # fmt: skip


@pytest.mark.parametrize("code", CODES)
def test_an_error_code_gets_its_row_and_only_its_row(corpus, code: str) -> None:
    answer = compose(corpus["how-to-solve-payment-issues"], f"my card payment fails with {code}, what now?")
    assert answer.matched == "row"
    [row] = _rows(answer)
    assert code in row.key
    assert len(row.cells) >= 2  # meaning and what to do, together
    assert answer.has_more


def test_a_code_typed_loosely_still_finds_its_row(corpus) -> None:
    answer = compose(corpus["how-to-solve-payment-issues"], "what does csc 7200051 mean")
    assert [r.key for r in _rows(answer)] == ["CSC_7200022, CSC_7200051, CSC_7200001"]


def test_an_unknown_code_gets_no_row_but_the_general_advice(corpus) -> None:
    article = corpus["how-to-solve-payment-issues"]
    answer = compose(article, "payment error CSC_9999999")
    assert answer.matched == "missing"
    assert answer.missing_key == "CSC_9999999"
    assert not _rows(answer)
    advice = _lead_text(answer)
    assert "change the payment methods" in advice
    assert advice.lower().rstrip(".") in article.full_text().lower()  # the page's own words
    assert not re.search(r"CSC_\d+", advice)


@pytest.mark.parametrize(
    ("question", "key"),
    [
        ("I paid with PayPal, where does my refund go?", "PayPal"),
        ("refund to my klarna account", "Klarna"),
        ("I paid with my Visa card", "Debit/Credit Card(Visa/Master/Maestro/Amex/Carte Blue/JCB/Diners Club/Discover/MIR/Hiper/ELO/TROY)"),
        ("paid by boleto", "Ebanx/Boleto"),
    ],
)  # fmt: skip
def test_a_payment_method_gets_its_refund_row(corpus, question: str, key: str) -> None:
    answer = compose(corpus["i-have-not-received-my-refund-what-can-i-do"], question)
    assert [r.key for r in _rows(answer)] == [key]
    assert answer.lead[0].caption == "Method of Payment: Method of Refund"  # the row reads on its own


@pytest.mark.parametrize(
    ("article_id", "question", "key"),
    [
        ("what-if-the-package-is-held-by-customs", "customs phone number in Mexico", "Mexico"),
        (
            "what-if-the-package-is-held-by-customs",
            "my parcel is held by customs in Russia",
            "Russian Federation",
        ),
        ("what-if-the-package-is-held-by-customs", "customs office Dubai", "United Arab Emirates"),
        ("i-havent-received-my-parcel-but-it-shows-delivered", "post office number in Spain", "Spain"),
        ("i-havent-received-my-parcel-but-it-shows-delivered", "I live in the USA", "America"),
    ],
)
def test_a_country_gets_its_row(corpus, article_id: str, question: str, key: str) -> None:
    assert [r.key for r in _rows(compose(corpus[article_id], question))] == [key]


def test_a_carrier_gets_its_row_and_the_longest_name_wins(corpus) -> None:
    article = corpus["what-if-the-logistic-information-does-not-update-anymore"]
    exact = compose(article, "shipped with Cainiao Super Economy Global, tracking stuck")
    assert [r.key for r in _rows(exact)] == ["Cainiao Super Economy Global"]
    family = compose(article, "my China Post parcel has not updated for weeks")
    china_post = {
        "China Post Ordinary Small Packet Plus",
        "China Post Air Parcel",
        "China Post Registered Air Mail",
    }
    # Every China Post row is named; as many as fit lead, the others wait for "MORE".
    assert _rows(family)
    assert {r.key for r in _rows(family)} <= china_post
    assert family.has_more
    assert "Logistic Information" in exact.lead[0].caption


@pytest.mark.parametrize(
    ("question", "key"),
    [
        ("what's your whatsapp number", "WhatsApp Customer Care (USA)"),
        ("whatsapp number for customer care", "WhatsApp Customer Care (USA)"),  # not both care rows
        ("can I call you? phone number please", "Customer Care Call Center (USA)"),
        ("email address for support", "E-mail"),
    ],
)
def test_a_contact_channel_gets_its_row(corpus, question: str, key: str) -> None:
    answer = compose(corpus["how-can-i-contact-customer-service"], question)
    assert [r.key for r in _rows(answer)] == [key]


@pytest.mark.parametrize(
    ("question", "key"),
    [
        ("cant pay in my currency error says currency not supported", "CSC_7200006"),
        ("payment failed: insufficient funds", "CSC_7200011"),
        ("the cvv is wrong", "CSC_7200021"),
    ],
)
def test_an_error_described_in_the_tables_words_gets_its_row(corpus, question: str, key: str) -> None:
    answer = compose(corpus["how-to-solve-payment-issues"], question)
    assert [r.key for r in _rows(answer)] == [key]


def test_a_vague_description_names_no_row(corpus) -> None:
    answer = compose(corpus["how-to-solve-payment-issues"], "my card payment failed, what should I do")
    assert answer.matched != "row"


def test_words_the_heading_already_says_name_no_entry_of_its_list(corpus) -> None:
    price = compose(
        corpus["why-is-the-price-at-checkout-different-than-the-price-in-the-product"],
        "how is the price calculated at checkout",
    )
    assert price.matched == "section"
    assert "Shipping fee or tax" in _lead_text(price)
    points = compose(
        corpus["why-are-the-reward-points-not-added-to-my-account"], "when are reward points added"
    )
    assert points.matched != "entry"


def test_a_named_country_in_a_list_of_names_gets_that_entry(corpus) -> None:
    answer = compose(corpus["whats-free-return-service"], "can I use free return in Germany?")
    assert answer.matched == "entry"
    assert [b.items for b in answer.lead if b.kind == "list"] == [("I am in Germany",)]


# --- otherwise the section the question is about ----------------------------------------------


@pytest.mark.parametrize(
    ("article_id", "question", "heading", "must_say"),
    [
        ("how-to-cancel-my-order", "how do I cancel a paid order?", "Paid order", "within 7 days after payment"),
        ("how-to-cancel-my-order-aliexpress", "cancel a paid order", "Paid order", "48 hours"),
        ("whats-free-return-service", "who pays the return shipping?", "Who pays for the return shipping costs?", "totally free"),
        ("commercial-warranty-service", "how do I apply for the warranty?", "What is the process for the One-year warranty service?", "Apply Warranty"),
        ("earn-xx-off-coupon", "why can't I take part in the earn coupon campaign", "Why could not I participate in this activity?", "Kazakhstan"),
        ("aliexpress-coupons-terms-conditions", "can I use two coupons on one order", "", "Only one AliExpress Coupon can be used per order"),
        ("when-can-i-open-dispute", "I paid by PayPal, how long can I dispute?", "Note", "180 days"),
        ("how-do-i-open-a-dispute", "the seller has not shipped yet, can I get a refund?", "Order not shipped out", "Cancel order"),
    ],
)  # fmt: skip
def test_a_question_about_part_of_an_article_gets_that_section(
    corpus, article_id, question, heading, must_say
) -> None:
    answer = compose(corpus[article_id], question)
    assert answer.heading == heading
    assert must_say in _lead_text(answer)


def test_the_section_search_matched_leads_unless_the_question_points_elsewhere(corpus) -> None:
    article = corpus["how-to-cancel-my-order"]
    answer = compose(article, "cancel", section="Notes")
    assert answer.heading == "Notes"
    assert "Payment being verified" in _lead_text(answer)
    warranty = corpus["commercial-warranty-service"]
    hinted = compose(
        warranty,
        "how do I apply for my phone warranty",
        section="Why does my order come without the One-year warranty service?",
    )
    assert "Apply Warranty" in _lead_text(hinted)


def test_similarity_per_section_points_inside_the_article_when_the_words_do_not(corpus) -> None:
    article = corpus["300-guarantee"]
    wanted = next(i for i, s in enumerate(article.sections) if s.heading.startswith("Who will pay"))
    sims = [0.5 if s.blocks else None for s in article.sections]
    sims[wanted] = 0.6
    answer = compose(article, "do I have to pay the postage for that?", section_sims=sims)
    assert answer.heading.startswith("Who will pay")
    # The same similarities for another section: the question's words still count with them.
    near = [0.59 if i == wanted else v for i, v in enumerate(sims)]
    assert compose(article, "do I have to pay the postage for that?", section_sims=near).heading != (
        article.sections[0].heading
    )


def test_a_heading_that_only_restates_the_title_does_not_win_on_similarity(corpus) -> None:
    # Every chunk carries the title, so "What is "300% Guarantee"?" is a little closer to any
    # question about the guarantee than the section that answers it.
    article = corpus["300-guarantee"]
    sims = [0.6 if s.blocks else None for s in article.sections]
    apply = next(i for i, s in enumerate(article.sections) if s.heading.startswith("How do I apply"))
    sims[0], sims[apply] = 0.82, 0.81
    answer = compose(article, "I got a fake one, what next?", section_sims=sims)
    assert answer.heading.startswith("How do I apply")
    assert "capacity not as described" in _lead_text(answer)


def test_a_list_entry_outside_the_section_meant_is_not_a_named_row(corpus) -> None:
    # "Coins" is entry d) of the clause on the order offers are redeemed in; the question is about
    # the clause on refunds, which the similarities point at.
    article = corpus["aliexpress-coupons-terms-conditions"]
    refunds = next(
        i for i, s in enumerate(article.sections) if "return and/or request a refund" in s.plain_text()
    )
    sims = [0.4 if s.blocks else None for s in article.sections]
    sims[refunds] = 0.7
    answer = compose(article, "my order was refunded, do I get the coins back?", section_sims=sims)
    assert answer.matched != "entry"
    assert "refund" in _lead_text(answer)
    # Without similarities the entry still answers a question that only names it.
    assert compose(article, "what is the redemption order of coins").matched in ("entry", "section")


def test_two_codes_get_both_rows_in_the_order_of_the_table(corpus) -> None:
    answer = compose(
        corpus["how-to-solve-payment-issues"], "first it failed with CSC_7200012 and now with CSC_7200021?"
    )
    keys = [r.key for r in _rows(answer)]
    assert any("CSC_7200012" in k for k in keys)
    assert any("CSC_7200021" in k for k in keys)


@pytest.mark.parametrize(("question", "number"), [("customs phone poznan", "869 72 61"),
                                                  ("customs number for Riyadh please", "289 8217")])  # fmt: skip
def test_a_city_a_cell_labels_names_its_row(corpus, question: str, number: str) -> None:
    answer = compose(corpus["what-if-the-package-is-held-by-customs"], question)
    assert answer.matched == "row"
    assert number in _lead_text(answer)


def test_the_sentence_a_question_points_at_leads_even_past_the_cut(corpus) -> None:
    article = corpus["can-i-speed-up-my-dispute"]
    [rejects] = [i for s in article.sections for b in s.blocks for i in b.items if "rejects" in i]
    question = "before AliExpress step in: the seller rejects my request, what now?"
    answer = compose(article, question, budget=len(rejects) + 120)
    assert answer.heading == "Before AliExpress step in"
    assert rejects in _lead_text(answer)
    # With room for the whole section, it reads in page order as before.
    assert _lead_text(compose(article, question)).startswith("There is 5 days")


def test_a_general_question_gets_the_opening_in_order(corpus) -> None:
    answer = compose(corpus["how-to-cancel-my-order"], "cancel my order")
    assert answer.matched == "opening"
    assert answer.heading == "Unpaid order"
    assert _lead_text(answer).startswith("You can cancel directly")


def test_a_lead_never_ends_on_an_introduction_without_what_it_introduces(corpus) -> None:
    answer = compose(corpus["how-to-solve-payment-issues"], "my payment failed")
    assert not _lead_text(answer).rstrip().endswith(":")


# --- whole units, within budget, nothing lost --------------------------------------------------


def _units(article: Article) -> tuple[set[str], set[str], set[Row]]:
    sents, items, rows = set(), set(), set()
    for section in article.sections:
        for block in section.blocks:
            sents.update(sentences(block.text) if block.kind == "paragraph" else ())
            items.update(block.items)
            rows.update(block.rows)
    headings = {part for s in article.sections for part in sentences(s.heading) + sentences(s.heading + ":")}
    return sents | headings, items, rows


QUESTIONS = ["how does this work", "CSC_7200021", "CSC_9999999", "PayPal refund", "Mexico", "steps please",
             "China Post", "who pays", "what are the rules", "I want my money back"]  # fmt: skip


@pytest.mark.parametrize("budget", [150, 300, DEFAULT_BUDGET])
def test_leads_are_whole_sentences_items_and_rows_within_the_budget(corpus, budget: int) -> None:
    for article in corpus.values():
        sents, items, rows = _units(article)
        for question in QUESTIONS:
            answer = compose(article, question, budget=budget)
            assert answer.lead, (article.id, question)
            units = 0
            for block in answer.lead:
                if block.kind == "paragraph":
                    parts = sentences(block.text)
                    assert set(parts) <= sents or answer.matched == "missing", (
                        article.id,
                        question,
                        block.text,
                    )
                    units += len(parts)
                else:
                    assert set(block.items) <= items, (article.id, question)
                    assert set(block.rows) <= rows, (article.id, question)
                    units += len(block.items) + len(block.rows)
            shown = " — ".join(h for h in (answer.parent, answer.heading) if h)
            length = len("\n".join([shown, *(b.plain_text() for b in answer.lead)]).strip())
            # Over budget only when one unit alone is longer (it is sent whole, never cut).
            assert length <= budget or units == 1, (article.id, question, length)


def test_paging_with_more_shows_every_part_of_the_article_once(corpus) -> None:
    for article in corpus.values():
        _sents, items, rows = _units(article)
        seen_items: list[str] = []
        seen_rows: list[Row] = []
        answer: Answer | None = compose(article, "tell me about it", budget=300)
        pages = 0
        while answer is not None:
            for block in answer.lead:
                seen_items.extend(block.items)
                seen_rows.extend(block.rows)
            answer = more(answer, article)
            pages += 1
            assert pages < 200, article.id
        assert set(seen_rows) == rows, article.id
        assert set(seen_items) >= items, article.id


def test_a_sentence_longer_than_the_budget_is_sent_whole() -> None:
    long = "This sentence is much longer than the tiny budget allows, " * 3 + "and it ends here."
    article = Article(id="a", title="T?", category="c", sources=("s",), answer=long + " Second one.")
    answer = compose(article, "anything", budget=40)
    assert _lead_text(answer) == long
    assert answer.has_more
    assert answer.rest[0].blocks[0].text == "Second one."


def test_sentences_do_not_break_at_abbreviations_or_list_labels() -> None:
    assert sentences(
        "It ended Sep. 1st, 2021. You can, e.g. Klarna, pay. Incomplete order. 1. Check the name."
    ) == [
        "It ended Sep. 1st, 2021.",
        "You can, e.g. Klarna, pay.",
        "Incomplete order.",
        "1. Check the name.",
    ]


# --- dated content -------------------------------------------------------------------------------


def test_an_ended_campaign_is_marked_expired_when_composed_for_an_agent(corpus) -> None:
    answer = compose(corpus["gogo-match"], "gogo match rewards", today=TODAY)
    assert answer.expired
    assert answer.validity is not None
    live = compose(corpus["gogo-match"], "gogo match rewards", today=date(2023, 3, 20))
    assert not live.expired


def test_steps_continue_their_numbers_after_a_cut() -> None:
    steps = Block("steps", items=tuple(f"Do thing number {n} now." for n in range(1, 8)))
    article = Article(id="a", title="T?", category="c", sources=("s",), sections=(Section("", (steps,)),))
    first = compose(article, "x", budget=60)
    second = more(first, article)
    assert second is not None
    assert second.lead[0].start == len(first.lead[0].items) + 1


# --- the part closest in meaning ----------------------------------------------------------------


def _part_sims(article: Article, wanted: str, high: float = 0.7, low: float = 0.5) -> list[float]:
    from bot.corpus.parts import article_parts

    return [high if wanted in p.text else low for p in article_parts(article)]


def test_a_part_clearly_closest_in_meaning_moves_the_answer_to_its_section(corpus) -> None:
    article = corpus["how-do-i-leave-feedback"]
    question = "How many times may I leave feedback for a single order?"
    answer = compose(article, question, part_sims=_part_sims(article, "leave feedback once"))
    assert "leave feedback once" in _lead_text(answer)
    # Parts no closer than the rest point nowhere: the page reads from the top.
    flat = _part_sims(article, "leave feedback once", high=0.5)
    opening = _lead_text(compose(article, "feedback"))
    assert _lead_text(compose(article, question, part_sims=flat)).startswith(opening.split(".")[0])


def test_the_part_closest_in_meaning_leads_even_past_the_cut(corpus) -> None:
    # Article 12 of the Free Return rules (the law that governs them) is one sentence of a long page.
    article = corpus["aliexpress-rules-about-free-return"]
    question = "where would a lawsuit about this be decided?"
    assert "Hong Kong" not in _lead_text(compose(article, question))
    answer = compose(article, question, part_sims=_part_sims(article, "laws of Hong Kong"))
    assert "Hong Kong" in _lead_text(answer)
    assert len(_lead_text(answer)) <= DEFAULT_BUDGET


def test_part_similarities_that_do_not_fit_the_article_are_ignored(corpus) -> None:
    article = corpus["how-do-i-leave-feedback"]
    question = "How many times may I leave feedback for a single order?"
    assert compose(article, question, part_sims=[0.9, 0.1]) == compose(article, question)


def test_a_list_entry_far_in_meaning_from_the_question_names_nothing(corpus) -> None:
    # "status" names the entry "... Check your order status."; the question means membership status.
    article = corpus["why-are-the-reward-points-not-added-to-my-account"]
    question = "On what basis is my membership status determined?"
    assert compose(article, question).matched == "entry"
    answer = compose(article, question, part_sims=_part_sims(article, "Membership status is based"))
    assert answer.matched != "entry"
    assert "12 months" in _lead_text(answer)
