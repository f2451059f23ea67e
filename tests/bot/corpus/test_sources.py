"""Resolving a quoted help-center text to the articles that hold it (eval and training data)."""

from bot.corpus import Article, articles_holding, normalise_source_text


def _article(id_: str, title: str, answer: str, aliases: tuple[str, ...] = ()) -> Article:
    return Article(id=id_, title=title, answer=answer, category="Refund", sources=("x.txt",), aliases=aliases)


ARTICLES = [
    _article("a", "When will I get my refund?", "It usually takes 3-15 business days."),
    _article("b", "How do I track my package?", "Visit “My Orders”.", aliases=("Where is my parcel?",)),
]


def test_normalisation_keeps_only_words_and_numbers_without_list_markers() -> None:
    assert normalise_source_text("  Visit “My  Orders” – now ") == "visit my orders now"
    assert normalise_source_text("III. How is a claim filed?") == "how is a claim filed"
    assert normalise_source_text("Step 3: Fill in the form") == "fill in the form"
    assert normalise_source_text("Saudi Arabia - Riyadh: (+966) 1 289") == "saudi arabia riyadh 966 1 289"


def test_a_source_matches_whole_words_only() -> None:
    assert articles_holding(ARTICLES, "refund?") != []
    assert articles_holding(ARTICLES, "fund") == []


def test_a_title_alias_or_sentence_finds_its_article() -> None:
    assert [a.id for a in articles_holding(ARTICLES, "when will I get my REFUND?")] == ["a"]
    assert [a.id for a in articles_holding(ARTICLES, "where is my parcel?")] == ["b"]
    assert [a.id for a in articles_holding(ARTICLES, 'Visit "My Orders"')] == ["b"]


def test_unknown_or_empty_text_finds_nothing() -> None:
    assert articles_holding(ARTICLES, "How do I become a seller?") == []
    assert articles_holding(ARTICLES, "   ") == []


def test_section_headings_and_table_rows_are_held_too() -> None:
    from bot.corpus import Block, Row, Section

    payment = Article(
        id="pay",
        title="How to solve payment issues?",
        category="Ordering & Payment",
        sources=("x.txt",),
        sections=(
            Section("What can I do?", (Block("paragraph", text="Check the card."),)),
            Section("", (Block("table", rows=(Row("CSC_7200021", ("Wrong CVV code was entered.",)),)),)),
        ),
    )
    assert articles_holding([payment], "What can I do?") == [payment]
    assert articles_holding([payment], "CSC_7200021") == [payment]
    assert articles_holding([payment], "Wrong CVV code was entered.") == [payment]
    assert articles_holding([payment], "What can I do ?") == [payment]  # the pages' stray spaces


def test_a_quoted_heading_of_the_real_corpus_resolves() -> None:
    from bot.config import PROJECT_ROOT
    from bot.corpus import load_articles

    articles = load_articles(PROJECT_ROOT / "data" / "faq" / "articles.yaml")
    held = articles_holding(articles, "Who pays for the return shipping costs?")
    assert [a.id for a in held] == ["whats-free-return-service"]
    assert {a.platform for a in articles_holding(articles, "How to cancel my order?")} == {
        "WISHALIVE",
        "AliExpress",
    }
