"""When a message continues the topic, and when it starts a new one: a table of cues, one reader.

Buyers do not repeat themselves: "and if I paid with PayPal?" after "When can I open a dispute?"
means the dispute window for PayPal. Whether a message leans on the topic is decided here, from
the cues below in order, so the rules are data the tests walk through:

1. no topic yet: a new question (a follow-up with nothing to follow is answered on its own);
2. a **new-topic** cue ("btw", "unrelated", "I mean", "another question"): a new question;
3. the message names a subject of its own that differs from the topic's ("ok. I also forgot my
   password" after a guarantee question): a new question;
4. a **strong** cue ("and ...", "what if ...", "how do I do that?", "longer than that",
   a message that is only a detail, "Italy?"): a follow-up, even when it names the topic's
   subject again ("what if I always signed in with Instagram?" after a question about changing
   the account's e-mail: the e-mail is still the point);
5. the topic's subject named again without a cue ("arn when" after "ARN?"), or a confident intent
   whose subject differs from the topic's ("what's your phone number" after a cancellation): a
   question of its own;
6. details without a subject ("I'm in America, what number?"): a follow-up;
7. a **weak** cue (a short question with no subject: "when can I apply?"): *maybe*; the caller
   lets the help center decide which reading it answers better (``bot.dialogue.desk``);
8. anything else: a new question.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from bot.dialogue.topic import Mention, Topic, mention, without_details

Strength = Literal["new", "strong", "weak"]
Verdict = Literal["new", "follow_up", "maybe"]

# Words that carry nothing once the topic supplies the subject ("and", "what about", "?").
_FILLER_TEXT = (
    "and or but so also plus what about how if then ok okay in on at for with from to by the a an "
    "my i i'm im am is are was it its that this of do does did can could would should please pls "
    "same too as well via using used use paid pay"
)
_FILLER = frozenset(_FILLER_TEXT.split(" "))
_WORD = re.compile(r"[a-z0-9']+")
# A short question: at most this many words.
SHORT_QUESTION_WORDS = 6


@dataclass(frozen=True)
class Message:
    """A buyer message as the cues see it."""

    text: str
    lowered: str
    words: tuple[str, ...]
    named: Mention


def message(text: str) -> Message:
    lowered = " ".join(text.lower().split())
    return Message(text, lowered, tuple(_WORD.findall(lowered)), mention(text))


def _pattern(regex: str) -> Callable[[Message], bool]:
    compiled = re.compile(regex, re.I)
    return lambda m: bool(compiled.search(m.lowered))


def _only_details(m: Message) -> bool:
    """Nothing but details and filler: "Italy?", "and with PayPal?", "CSC_7200012"."""
    if not m.named.details or m.named.subjects:
        return False
    rest = without_details(m.lowered, set(m.named.details))
    return all(word in _FILLER for word in _WORD.findall(rest))


def _short_question(m: Message) -> bool:
    """A question of a few words that names no subject: it leans on something said before."""
    if m.named.subjects or not m.words or len(m.words) > SHORT_QUESTION_WORDS:
        return False
    return m.text.rstrip().endswith("?") or m.words[0] in {
        "how", "when", "where", "what", "why", "which", "who", "can", "is", "are", "does", "do", "will",
    }  # fmt: skip


@dataclass(frozen=True)
class Cue:
    name: str
    strength: Strength
    test: Callable[[Message], bool]
    example: str  # a message the cue is for (the tests check each cue fires on its example)


CUES: tuple[Cue, ...] = (
    Cue(
        "new_topic_marker",
        "new",
        _pattern(
            r"^\W*(?:btw|by the way|unrelated|another (?:question|thing)|different (?:question|topic)|"
            r"new question|one more (?:thing|question)|i mean|actually,? i mean|separate question|"
            r"also,? (?:i have|i've got) (?:a|another) question)\b"
        ),
        "btw what's your phone number",
    ),
    Cue(
        "what_if",
        "strong",
        _pattern(r"^\W*(?:(?:and|but|so|ok|okay)\W+)?(?:what|how)\s*(?:if|about|abt)\b"),
        "what if I used PayPal to pay?",
    ),
    Cue("continuation", "strong", _pattern(r"^\W*(?:and|&|but|plus|or|also|same)\b"), "and on aliexpress?"),
    Cue(
        "anaphora_action",
        "strong",
        _pattern(
            r"\b(?:do|does|did|doing|done|find|see|get|use|apply for|check)\s+(?:that|this|it|them|those|so)\b"
        ),
        "how do I do that?",
    ),
    Cue(
        "anaphora_comparison",
        "strong",
        _pattern(r"\b(?:than|after|before|instead of|besides)\s+(?:that|this|it)\b|\blonger\b|\btoo long\b"),
        "what if it's already been longer than that?",
    ),
    Cue(
        "anaphora_question",
        "strong",
        _pattern(
            r"^\W*(?:is|does|can|will|would|should|could|was|where is|where's|how long is)\s+(?:it|that|this|they|those)\b"
        ),
        "does that apply to refunds too?",
    ),
    Cue(
        "the_ones",
        "strong",
        _pattern(r"\bthe ones?\b|\bthat one\b|\bthose\b"),
        "where do I see the ones I have?",
    ),
    Cue("only_details", "strong", _only_details, "Italy?"),
    Cue("short_question", "weak", _short_question, "when can I apply?"),
)


# Cues that tie a message naming a subject of its own to the topic all the same.
LINKING_CUES = frozenset(
    {"what_if", "continuation", "anaphora_action", "anaphora_comparison", "anaphora_question"}
)

# Cues that make a message a follow-up on their own, whatever the classifier thought of it.
STRONG_RULES = frozenset(cue.name for cue in CUES if cue.strength == "strong")


@dataclass(frozen=True)
class Reading:
    """How a message relates to the topic: ``verdict`` and the rule that decided it."""

    verdict: Verdict
    rule: str
    named: Mention

    @property
    def follows(self) -> bool:
        return self.verdict == "follow_up"


def read(text: str, topic: Topic | None, *, intent_subject: str | None = None) -> Reading:
    """Whether ``text`` continues ``topic`` (module docstring, rules 1-8).

    ``intent_subject`` is the subject of the NLU intent when the classifier was confident; a
    message whose words name no subject can still change it ("what's your phone number").
    """
    m = message(text)
    if topic is None:
        return Reading("new", "no_topic", m.named)
    cue = next((cue for cue in CUES if cue.test(m)), None)
    if cue is not None and cue.strength == "new":
        return Reading("new", cue.name, m.named)
    own = m.named.subject
    if own is not None and own != topic.subject:
        # "and how long until the coupon shows up?" after a 300% Guarantee claim names a subject
        # of its own, yet "and" ties it to the topic: the reading the help center answers better wins.
        if cue is not None and cue.strength == "strong" and cue.name in LINKING_CUES:
            return Reading("maybe", "own_subject_linked", m.named)
        return Reading("new", "own_subject", m.named)
    if cue is not None and cue.strength == "strong":
        return Reading("follow_up", cue.name, m.named)
    if own is not None:
        return Reading("new", "same_subject_asked_again", m.named)
    if intent_subject is not None and intent_subject != topic.subject:
        return Reading("new", "intent_subject", m.named)
    if m.named.details:
        return Reading("follow_up", "details_without_subject", m.named)
    if cue is not None:
        return Reading("maybe", cue.name, m.named)
    return Reading("new", "no_cue", m.named)


def content_words(text: str) -> list[str]:
    """The words of ``text`` that are not filler (what a follow-up adds to its topic)."""
    return [w for w in _WORD.findall(text.lower()) if w not in _FILLER]
