"""The help desk: one buyer turn in, the messages to send and the topic after it out.

Every help answer goes through here, whichever way the buyer got to it: a help intent, a general
order question, NLU unsure (``fallback``), "that didn't help" (``recover``), "MORE" (``more``),
a vague "problem with my order" (``order_problem``). Each method reads the topic, asks the help
center and returns a ``Reply``: data (text, buttons, payload) that the Rasa actions utter as is.
The wording comes from ``bot.assistant.replies`` and ``bot.answers.render``.

No dead ends: a confident search hit is answered; an ended campaign is said to have ended; below
the search threshold the closest articles and a person are offered, marked ``{"fallback": ...}``
so metrics and the evaluation can count them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal, Protocol

from bot.answers import compose, more, render
from bot.assistant import replies
from bot.corpus import Article
from bot.dialogue.clarify import (
    HANDOFF_PAYLOAD,
    INTENT_LABELS,
    INTENT_QUESTIONS,
    ORDER_PROBLEM_OPTIONS,
    Option,
    Ranked,
    ambiguous_pair,
    article_payload,
    flow_of,
    intent_payload,
    short_title,
)
from bot.dialogue.followup import Reading, read
from bot.dialogue.lexicon import INTENT_SUBJECTS, SUBJECT_PHRASES
from bot.dialogue.rewrite import merged_details, resolve
from bot.dialogue.topic import Topic
from bot.search import SearchResponse, SearchResult

Channel = Literal["web", "whatsapp"]
# Search reads at most this much of a message; a 10,000-character paste is still answered.
MAX_QUERY_CHARS = 1000
# How many articles a "not sure" or "that didn't help" reply offers.
CHOICES = 3
# An ended campaign is named instead of the best current article when it scores this much better.
ENDED_MARGIN = 0.03
TALK_TO_PERSON = Option(replies.TALK_TO_PERSON, HANDOFF_PAYLOAD)


class HelpCenter(Protocol):
    """``bot.search.Searcher`` (or a test's stand-in): search, and the articles by id."""

    @property
    def by_id(self) -> Mapping[str, Article]: ...

    def search(self, query: str, k: int = 5) -> SearchResponse: ...


@dataclass(frozen=True)
class Utterance:
    text: str
    buttons: tuple[Option, ...] = ()
    payload: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Reply:
    """What to say, and the topic afterwards (None: the conversation has no topic any more).
    ``answered`` is False when the reply is a question back or says it has no answer."""

    utterances: tuple[Utterance, ...]
    topic: Topic | None
    answered: bool

    def then(self, *extra: Utterance) -> Reply:
        return replace(self, utterances=(*self.utterances, *extra))


@dataclass(frozen=True)
class Ask:
    """One buyer turn as the desk needs it.

    ``text`` is what the buyer typed; for a button press it is the free text the button answers
    (the question before it, or "" when that question was too vague to search, e.g. "I have a
    problem with my order"), and ``chosen`` names the intent the button picked. ``confident``:
    the NLU was sure of ``intent`` (its subject may then start a new topic).
    """

    text: str
    intent: str | None = None
    confident: bool = False
    topic: Topic | None = None
    channel: Channel = "web"
    article_id: str | None = None
    chosen: str | None = None
    ranking: Sequence[Ranked] = field(default_factory=tuple)


@dataclass
class HelpDesk:
    help_center: HelpCenter
    today: Callable[[], date] = date.today

    # -------------------------------------------------------------- answering a question

    def answer(self, ask: Ask) -> Reply:
        """A help question (or a general order question): follow-ups are resolved against the
        topic, the help center answers or offers the closest articles and a person."""
        if ask.article_id:
            chosen = self.help_center.by_id.get(ask.article_id)
            if chosen is not None:
                question = ask.text or (ask.topic.query if ask.topic else chosen.title)
                topic = Topic.of_question(question, intent=ask.intent)
                return self._answer_with(chosen, question, None, topic, ask.channel)
        query, topic = self.understand(ask)
        return self.respond(query, topic, ask.channel, hint=intent_hint(ask.intent))

    def understand(self, ask: Ask) -> tuple[str, Topic]:
        """The query to search for ``ask`` and the topic it belongs to (continued or new)."""
        text = ask.text.strip()[:MAX_QUERY_CHARS]
        if ask.chosen is not None and not text:
            question = INTENT_QUESTIONS.get(ask.chosen, text)
            return question, Topic.of_question(question, intent=ask.chosen)
        intent_subject = INTENT_SUBJECTS.get(ask.intent or "") if ask.confident else None
        reading = read(text, ask.topic, intent_subject=intent_subject)
        if ask.topic is not None and reading.verdict != "new":
            follow_up = self._follow_up(text, ask.topic, reading)
            if follow_up is not None:
                return follow_up
        return text, Topic.of_question(text, intent=ask.intent)

    def _follow_up(self, text: str, topic: Topic, reading: Reading) -> tuple[str, Topic] | None:
        answered = self.help_center.by_id.get(topic.article_id or "")
        query = resolve(text, topic, anchor=answered.title if answered is not None else None)
        continued = replace(
            topic, query=query[:MAX_QUERY_CHARS], details=merged_details(topic, text), pages=0
        )
        if reading.verdict == "follow_up":
            return query, continued
        # "maybe": the reading the help center answers better wins.
        alone, together = self.help_center.search(text, k=1), self.help_center.search(query, k=1)
        if together.best is not None and (
            not alone.confident or alone.best is None or together.best.score > alone.best.score
        ):
            return query, continued
        return None

    def respond(self, query: str, topic: Topic, channel: Channel, *, hint: str | None = None) -> Reply:
        """Search ``query`` and answer it, say an ended campaign ended, or offer choices.

        ``hint``: words for what the NLU recognised ("contact customer service" for
        contact_support); a fragment the help center is not sure of is searched again with them.
        """
        response = self.help_center.search(query, k=CHOICES) if query.strip() else None
        if response is not None and not response.confident and hint and hint.lower() not in query.lower():
            hinted = self.help_center.search(f"{query} {hint}", k=CHOICES)
            if hinted.confident:
                query, response = f"{query} {hint}", hinted
        results = list(response.results) if response is not None else []
        if response is not None and response.ended:
            ended = response.ended[0]
            best = response.best
            if not response.confident or best is None or ended.score >= best.score + ENDED_MARGIN:
                return self._ended(ended.article, results, topic)
        if response is not None and response.confident and response.best is not None:
            best = response.best
            return self._answer_with(best.article, query, best.section or None, topic, channel)
        return self.not_sure(results, topic)

    def _answer_with(
        self, article: Article, question: str, section: str | None, topic: Topic, channel: Channel
    ) -> Reply:
        composed = compose(article, question, section=section, today=self.today())
        payload = replies.answer_payload(article, more=composed.has_more)
        return Reply(
            (Utterance(render(composed, channel), payload=payload),),
            topic.answered(article.id, section),
            answered=True,
        )

    def _ended(self, article: Article, current: Sequence[SearchResult], topic: Topic) -> Reply:
        options = tuple(Option(short_title(r.article.title), article_payload(r.article.id)) for r in current)
        text = replies.ended_text(article.source_title, article.validity)
        return Reply(
            (Utterance(text, (*options, TALK_TO_PERSON), replies.answer_payload(article)),),
            topic.answered(article.id, None),
            answered=True,
        )

    def not_sure(self, results: Sequence[SearchResult], topic: Topic | None) -> Reply:
        """The closest articles and a person; "no answer" and a person when nothing came close."""
        if not results:
            return Reply(
                (
                    Utterance(
                        replies.NO_ARTICLE,
                        (TALK_TO_PERSON,),
                        replies.fallback_payload(replies.NO_ARTICLE_FALLBACK),
                    ),
                ),
                topic,
                answered=False,
            )
        articles = [r.article for r in results[:CHOICES]]
        return Reply(
            (
                Utterance(
                    replies.choices_text(replies.NOT_SURE, [a.source_title for a in articles]),
                    (
                        *(Option(short_title(a.title), article_payload(a.id)) for a in articles),
                        TALK_TO_PERSON,
                    ),
                    replies.fallback_payload(replies.NOT_SURE_FALLBACK),
                ),
            ),
            topic,
            answered=False,
        )

    # -------------------------------------------------------------- NLU unsure

    def fallback(self, ask: Ask) -> Reply:
        """NLU was unsure. A follow-up is answered in its topic; two close intents that lead to
        different flows get a question with both as buttons; otherwise the help center decides."""
        text = ask.text.strip()[:MAX_QUERY_CHARS]
        if not text:
            return self.not_sure([], ask.topic)
        query, topic = self.understand(replace(ask, confident=False))
        hint = intent_hint(ask.ranking[0].intent) if ask.ranking else None
        if ask.topic is not None and topic.query != text:
            return self.respond(query, topic, ask.channel, hint=hint)
        response = self.help_center.search(query, k=CHOICES)
        pair = ambiguous_pair(ask.ranking)
        if pair is not None and not (response.confident and any(flow_of(i) == "help" for i in pair)):
            return self._which_one(pair, topic)
        return self.respond(query, topic, ask.channel, hint=hint)

    def _which_one(self, pair: tuple[str, str], topic: Topic) -> Reply:
        options = tuple(Option(INTENT_LABELS[intent], intent_payload(intent)) for intent in pair)
        return Reply(
            (
                Utterance(
                    replies.WHICH_ONE,
                    (*options, TALK_TO_PERSON),
                    replies.fallback_payload(replies.AMBIGUOUS_FALLBACK),
                ),
            ),
            topic,
            answered=False,
        )

    # -------------------------------------------------------------- "that didn't help"

    def recover(self, topic: Topic | None, channel: Channel) -> Reply:
        """The next-best articles for the topic's question (not the one just given) and a person;
        the reply carries the negative rating of the previous answer."""
        feedback = replies.unhelpful_payload()
        if topic is None:
            return Reply(
                (Utterance(replies.NOT_HELPFUL_ASK, (TALK_TO_PERSON,), feedback),), None, answered=False
            )
        response = self.help_center.search(topic.query, k=CHOICES + 1)
        others = [r.article for r in response.results if r.article.id != topic.article_id][:CHOICES]
        if not others:
            return Reply(
                (Utterance(replies.NOT_HELPFUL_ASK, (TALK_TO_PERSON,), feedback),), topic, answered=False
            )
        return Reply(
            (
                Utterance(
                    replies.choices_text(replies.NOT_HELPFUL_OPTIONS, [a.source_title for a in others]),
                    (*(Option(short_title(a.title), article_payload(a.id)) for a in others), TALK_TO_PERSON),
                    feedback,
                ),
            ),
            replace(topic, article_id=None, section=None, pages=0),
            answered=False,
        )

    # -------------------------------------------------------------- "MORE"

    def more(self, topic: Topic | None, channel: Channel) -> Reply:
        """The next bubble of the article last answered."""
        article = self.help_center.by_id.get(topic.article_id or "") if topic is not None else None
        if topic is None or article is None:
            return Reply((Utterance(replies.NOTHING_TO_CONTINUE),), topic, answered=False)
        shown = compose(article, topic.query, section=topic.section, today=self.today())
        for _ in range(topic.pages):
            following = more(shown, article)
            if following is None:
                break
            shown = following
        following = more(shown, article)
        if following is None:
            return Reply(
                (
                    Utterance(
                        replies.nothing_more_text(article.source_title),
                        payload=replies.answer_payload(article),
                    ),
                ),
                topic,
                answered=True,
            )
        return Reply(
            (
                Utterance(
                    render(following, channel),
                    payload=replies.answer_payload(article, more=following.has_more),
                ),
            ),
            replace(topic, pages=topic.pages + 1),
            answered=True,
        )

    # -------------------------------------------------------------- vague openers

    def order_problem(self, ask: Ask) -> Reply:
        """ "I have a problem with my order": which problem, as buttons that start its flow."""
        topic = Topic.of_question(ask.text or "problem with my order", intent="order_problem")
        return Reply((Utterance(replies.ASK_ORDER_PROBLEM, ORDER_PROBLEM_OPTIONS),), topic, answered=False)


def intent_hint(intent: str | None) -> str | None:
    """The words for what an intent is about, to help a fragment the search is unsure of."""
    subject = INTENT_SUBJECTS.get(intent or "")
    return SUBJECT_PHRASES.get(subject) if subject else None
