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

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal, Protocol

from bot.answers import compose, more, render
from bot.answers.match import codes_in
from bot.assistant import replies
from bot.corpus import Article
from bot.dialogue.clarify import (
    HANDOFF_PAYLOAD,
    INTENT_LABELS,
    INTENT_QUESTIONS,
    ORDER_PROBLEM_OPTIONS,
    VAGUE_INTENTS,
    Option,
    Ranked,
    ambiguous_pair,
    article_payload,
    intent_payload,
    short_title,
)
from bot.dialogue.followup import STRONG_RULES, Reading, content_words, read
from bot.dialogue.lexicon import INTENT_SUBJECTS, SUBJECT_PHRASES
from bot.dialogue.rewrite import merged_details, resolve
from bot.dialogue.split import asks
from bot.dialogue.topic import Topic, mention
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


@dataclass(frozen=True)
class FollowUp:
    """A follow-up's own words, and those of them its topic's question did not have."""

    text: str
    added: tuple[str, ...]


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
        subject = INTENT_SUBJECTS.get(ask.intent or "") if ask.confident else None
        alone = None
        if ask.topic is not None and ask.chosen is None and topic.query != ask.text.strip()[:MAX_QUERY_CHARS]:
            alone = FollowUp(
                ask.text, tuple(w for w in content_words(ask.text) if w not in content_words(ask.topic.query))
            )
        reply = self.respond(
            query, topic, ask.channel, hint=intent_hint(ask.intent), subject=subject, alone=alone
        )
        if query == ask.text.strip()[:MAX_QUERY_CHARS] and ask.chosen is None:
            return self._also(query, reply, ask.channel)
        return reply

    def _also(self, text: str, first: Reply, channel: Channel) -> Reply:
        """A message asking two things gets a second bubble for the question the first answer did
        not cover (another article, or another part of the same one)."""
        questions = asks(text)
        if len(questions) < 2 or not first.answered:
            return first
        shown = {line.strip() for u in first.utterances for line in u.text.splitlines()}
        for question in questions:
            extra = self.respond(question, Topic.of_question(question), channel)
            if not extra.answered or not extra.utterances:
                continue
            said = extra.utterances[0].text.splitlines()
            if any(line.strip() and line.strip() not in shown for line in said):
                return first.then(extra.utterances[0])
        return first

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
            topic, query=query[:MAX_QUERY_CHARS], details=merged_details(topic, text), pages=0, latest=text
        )
        if reading.verdict == "follow_up":
            return query, continued
        # "maybe": the reading the help center answers better wins.
        alone, together = self.help_center.search(text, k=1), self.help_center.search(query, k=1)
        if together.best is not None and (
            not alone.confident or alone.best is None or together.best.relevance > alone.best.relevance
        ):
            return query, continued
        return None

    def respond(
        self,
        query: str,
        topic: Topic,
        channel: Channel,
        *,
        hint: str | None = None,
        subject: str | None = None,
        alone: FollowUp | None = None,
    ) -> Reply:
        """Search ``query`` and answer it, say an ended campaign ended, or offer choices.

        ``hint``: words for what the NLU recognised ("contact customer service" for
        contact_support); a fragment the help center is not sure of is searched again with them,
        then with its own subject's words. ``subject``: what the NLU is sure the question is
        about; with the platform the query names it decides between near-equal results.
        ``alone``: a follow-up's own words, when ``query`` resolved them against the topic; if the
        article found says nothing of what they add ("Instagram"), the article they find on their
        own answers, composed for the whole question.
        """
        named = mention(query)
        response = self.help_center.search(query, k=CHOICES) if query.strip() else None
        own_hint = SUBJECT_PHRASES.get(named.subject or "")
        for extra in dict.fromkeys(h for h in (hint, own_hint) if h):
            if response is None or response.confident or extra.lower() in query.lower():
                continue
            hinted = self.help_center.search(f"{query} {extra}", k=CHOICES)
            if hinted.confident:
                query, response = f"{query} {extra}", hinted
        if response is not None:
            wanted = subject or named.subject
            response = replace(
                response,
                results=preferred(response.results, subject=wanted, platform=named.details.get("platform")),
            )
        if response is not None:
            response = self._holding_codes(response, query)
        if response is not None and response.confident and response.best is not None and alone:
            response = self._covering(response, query, alone)
        results = list(response.results) if response is not None else []
        if response is not None and response.ended:
            ended = response.ended[0]
            best = response.best
            if not response.confident or best is None or ended.relevance >= best.relevance + ENDED_MARGIN:
                return self._ended(ended.article, results, topic)
        if response is not None and response.confident and response.best is not None:
            best = response.best
            section_sims, part_sims = self._meaning(best, topic.latest)
            return self._answer_with(
                best.article,
                query,
                best.section or None,
                topic,
                channel,
                section_sims=section_sims,
                part_sims=part_sims,
            )
        return self.not_sure(results, topic)

    def _meaning(
        self, found: SearchResult, latest: str | None
    ) -> tuple[tuple[float | None, ...], tuple[float, ...]]:
        """How close each section and part of ``found``'s article is to the question: for a
        follow-up, the mean of the whole query's similarities and those of its own words, so the
        part about the new detail can lead ("orders less than $2" for "what about an order that
        cost $1.50?" after a reward-points question)."""
        if not latest:
            return found.section_sims, found.part_sims
        own = next(
            (
                r
                for r in self.help_center.search(latest, k=CHOICES).results
                if r.article.id == found.article.id
            ),
            None,
        )
        if (
            own is None
            or len(own.part_sims) != len(found.part_sims)
            or len(own.section_sims) != len(found.section_sims)
        ):
            return found.section_sims, found.part_sims
        sections = tuple(
            None if a is None or b is None else (a + b) / 2
            for a, b in zip(found.section_sims, own.section_sims, strict=True)
        )
        return sections, tuple((a + b) / 2 for a, b in zip(found.part_sims, own.part_sims, strict=True))

    def _covering(self, response: SearchResponse, query: str, alone: FollowUp) -> SearchResponse:
        """The response whose best article speaks of what the follow-up adds to its topic."""
        if response.best is None or not alone.added or _mentions(response.best.article, alone.added):
            return response
        own = self.help_center.search(alone.text, k=CHOICES)
        if own.confident and own.best is not None and _mentions(own.best.article, alone.added):
            return replace(own, query=query)
        return response

    def _answer_with(
        self,
        article: Article,
        question: str,
        section: str | None,
        topic: Topic,
        channel: Channel,
        *,
        section_sims: Sequence[float | None] = (),
        part_sims: Sequence[float] = (),
    ) -> Reply:
        composed = compose(
            article,
            question,
            section=section,
            section_sims=section_sims,
            part_sims=part_sims,
            today=self.today(),
        )
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

    def _holding_codes(self, response: SearchResponse, query: str) -> SearchResponse:
        """A question naming an error code ("CSC_7200026 appeal how long") is answered by the
        article that lists that code, even when other words of the question ("appeal") match
        another page better; a code no article lists changes nothing."""
        codes = codes_in(query)
        if not codes:
            return response

        def holds(article: Article) -> bool:
            text = article.full_text().upper()
            return any(code in text for code in codes)

        if response.best is not None and holds(response.best.article):
            return response
        found = next((r for r in response.results if holds(r.article)), None)
        if found is None:
            article = next((a for a in self.help_center.by_id.values() if holds(a)), None)
            if article is None:
                return response
            best = response.best
            found = SearchResult(
                article, best.score if best else 1.0, relevance=best.relevance if best else 1.0
            )
        rest = [r for r in response.results if r.article.id != found.article.id]
        return replace(response, results=[found, *rest], confident=True)

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
        """NLU was unsure. A follow-up is answered in its topic; a vague order problem gets its
        question back; otherwise the help center answers when it is confident, and when it is not,
        two close intents that lead to different flows get a question with both as buttons."""
        text = ask.text.strip()[:MAX_QUERY_CHARS]
        if not re.search(r"[^\W_]", text):
            # Nothing to search for (emoji, punctuation): say what the assistant can do.
            return self.not_sure([], ask.topic)
        query, topic = self.understand(replace(ask, confident=False))
        best_guess = ask.ranking[0].intent if ask.ranking else None
        hint = intent_hint(best_guess)
        if ask.topic is not None and topic.query != text:
            return self.respond(query, topic, ask.channel, hint=hint)
        if best_guess in VAGUE_INTENTS and mention(text).subject in (None, "product", "tracking"):
            return self.order_problem(replace(ask, intent=best_guess))
        response = self.help_center.search(query, k=CHOICES)
        pair = ambiguous_pair(ask.ranking)
        if pair is not None and not response.confident:
            return self._which_one(pair, topic)
        return self.respond(query, topic, ask.channel, hint=hint)

    def out_of_scope(self, ask: Ask) -> Reply | None:
        """An out-of-scope message that clearly continues the topic, or names one of the help
        center's subjects and gets a confident answer ("lost the invoice, can I still return"),
        is answered; None: it is out of scope."""
        text = ask.text.strip()
        if not text:
            return None
        if ask.topic is not None and read(text, ask.topic).rule in STRONG_RULES:
            return self.answer(ask)
        if mention(text).subject is None:
            return None
        reply = self.answer(replace(ask, topic=None))
        return reply if reply.answered else None

    def without_order_number(self, ask: Ask) -> Reply | None:
        """The classifier heard an order number that was not there ("I'm in America, what
        number?" after a question about a parcel marked delivered): a message that clearly
        continues the topic is answered in it; None: the buyer means to give a number, ask for it."""
        text = ask.text.strip()
        if codes_in(text):
            # "CSC_9999999" is an error code, not an order number: the help center answers it.
            return self.answer(replace(ask, topic=None, intent=None, confident=False))
        if not text or ask.topic is None or read(text, ask.topic).rule not in STRONG_RULES:
            return None
        return self.answer(replace(ask, intent=ask.topic.intent, confident=False))

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
        # The first bubble again, composed exactly as it was shown (the same similarities), so the
        # next one continues where it stopped instead of repeating it.
        found = next(
            (
                r
                for r in self.help_center.search(topic.query, k=CHOICES).results
                if r.article.id == article.id
            ),
            None,
        )
        section_sims, part_sims = self._meaning(found, topic.latest) if found is not None else ((), ())
        shown = compose(
            article,
            topic.query,
            section=topic.section,
            section_sims=section_sims,
            part_sims=part_sims,
            today=self.today(),
        )
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


# Results within this much of the best one's relevance (about 0 to 1, comparable across queries,
# unlike the rank-fusion score that orders them) are told apart by what the buyer named: the platform
# ("on wishalive") first, then the subject (what the NLU is sure of, else the question's words).
RERANK_MARGIN = 0.05
# A named platform reaches further (measured on the development answer sets: 0.05-0.15 alike, 0.10
# kept); see ``preferred``.
PLATFORM_MARGIN = 0.10


def article_subjects(article: Article) -> frozenset[str]:
    """What an article is about, read from its category, title and other wordings."""
    return frozenset(mention(" ".join((article.category, article.title, *article.aliases))).subjects)


def preferred(
    results: Sequence[SearchResult],
    *,
    subject: str | None,
    platform: str | None,
    margin: float = RERANK_MARGIN,
) -> list[SearchResult]:
    """``results`` with the one that fits what the buyer named best first, among those within
    ``margin`` of the best score; the order is unchanged when nothing tells them apart."""
    if len(results) < 2 or (subject is None and platform is None):
        return list(results)
    top = results[0].relevance
    # A named platform reaches further than a subject: the other platform's page states another
    # rule (3-15 versus 3-20 business days), so its better wording is the wrong answer.
    reach = PLATFORM_MARGIN if platform is not None else margin

    def fit(result: SearchResult) -> tuple[bool, bool, bool]:
        article = result.article
        same_platform = platform is None or article.platform in (None, platform)
        close = result.relevance >= top - margin
        same_subject = close and (subject is None or subject in article_subjects(article))
        return same_platform, same_subject, close

    candidates = [r for r in results if r.relevance >= top - reach]
    chosen = max(candidates, key=fit)  # max keeps the first (best-scored) of equals
    return [chosen, *(r for r in results if r is not chosen)]


def _mentions(article: Article, words: Sequence[str]) -> bool:
    """Whether the article says any of ``words`` (a long word by its stem: "responds" finds "respond")."""
    text = " ".join((article.title, article.full_text())).lower()
    return any(re.search(rf"\b{re.escape(word if len(word) <= 6 else word[:-2])}", text) for word in words)
