"""Resolving a quoted help-center text to the articles that hold it (eval and training data)."""

from bot.corpus import Article, articles_holding, normalise_source_text


def _article(id_: str, title: str, answer: str, aliases: tuple[str, ...] = ()) -> Article:
    return Article(id=id_, title=title, answer=answer, category="Refund", sources=("x.txt",), aliases=aliases)


ARTICLES = [
    _article("a", "When will I get my refund?", "It usually takes 3-15 business days."),
    _article("b", "How do I track my package?", "Visit “My Orders”.", aliases=("Where is my parcel?",)),
]


def test_normalisation_folds_case_quotes_dashes_and_spaces() -> None:
    assert normalise_source_text("  Visit “My  Orders” – now ") == 'visit "my orders" - now'


def test_a_title_alias_or_sentence_finds_its_article() -> None:
    assert [a.id for a in articles_holding(ARTICLES, "when will I get my REFUND?")] == ["a"]
    assert [a.id for a in articles_holding(ARTICLES, "where is my parcel?")] == ["b"]
    assert [a.id for a in articles_holding(ARTICLES, 'Visit "My Orders"')] == ["b"]


def test_unknown_or_empty_text_finds_nothing() -> None:
    assert articles_holding(ARTICLES, "How do I become a seller?") == []
    assert articles_holding(ARTICLES, "   ") == []
