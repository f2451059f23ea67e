"""Conversation review: the conversations where the assistant fell short, and labels that turn them
into training data.

A conversation is worth reviewing when the bot fell back ("not sure", "no answer", or Rasa's
``nlu_fallback``), a buyer rated an answer not helpful, or it was handed off (the same facts the
reports count, ``bot.reports``). An agent labels a buyer message with the intent it should have
had, the article that answers it, or "out of scope"; `supportbot review export`
(``tools/review.py``) writes the labels as Rasa NLU examples and article aliases for people to
review, and `supportbot train` learns from them.

Buyers' words are shown here as they were typed: only signed-in agents may read them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot import db
from bot.agents import audit
from bot.corpus import Article
from bot.errors import InvalidField, NotFound
from bot.reports import ConversationFacts, ReportService
from bot.schemas.agents import Actor
from bot.schemas.base import utc_now
from bot.schemas.conversations import Channel
from bot.schemas.review import (
    OUT_OF_SCOPE,
    ArticleChoice,
    Label,
    LabelRequest,
    PendingLabel,
    ReviewConversation,
    ReviewDetail,
    ReviewMessage,
    ReviewOptions,
    ReviewReason,
)

if TYPE_CHECKING:
    from bot.config import Settings

MAX_LISTED = 200


def domain_intents(domain_file: Path) -> list[str]:
    """The intents of Rasa's domain (what a label may name), in the domain's order."""
    import yaml

    from bot.errors import SupportbotError

    try:
        domain = yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SupportbotError(f"cannot read the intents of {domain_file}: {exc}") from None
    names = []
    for item in domain.get("intents") or []:
        name = next(iter(item)) if isinstance(item, dict) else item
        names.append(str(name))
    return names


def reasons_of(facts: ConversationFacts) -> list[ReviewReason]:
    found: list[ReviewReason] = []
    if facts.fallback_turns:
        found.append("fallback")
    if facts.negative:
        found.append("negative")
    if facts.handed_off:
        found.append("handoff")
    return found


class ReviewService:
    def __init__(
        self,
        engine: Engine,
        reports: ReportService,
        articles: Callable[[], dict[str, Article]],
        intents: Callable[[], list[str]],
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.engine = engine
        self.reports = reports
        self.articles = articles
        self.intents = intents
        self._clock = clock

    def options(self) -> ReviewOptions:
        articles = sorted(self.articles().values(), key=lambda a: a.title.lower())
        return ReviewOptions(
            intents=self.intents(), articles=[ArticleChoice(id=a.id, title=a.title) for a in articles]
        )

    def conversations(
        self,
        since: datetime,
        until: datetime,
        *,
        reason: ReviewReason | None = None,
        channel: Channel | None = None,
    ) -> list[ReviewConversation]:
        """Conversations that started in the range and fell short (``reason`` narrows it), newest first."""
        facts = [f for f in self.reports.conversations(since, until, channel) if reasons_of(f)]
        if reason is not None:
            facts = [f for f in facts if reason in reasons_of(f)]
        facts = facts[::-1][:MAX_LISTED]
        counts = self._label_counts([f.session_id for f in facts])
        return [
            ReviewConversation(
                session_id=f.session_id,
                channel=f.channel,  # type: ignore[arg-type]
                started_at=f.started,
                reasons=reasons_of(f),
                first_message=f.first_message,
                messages=f.messages,
                labelled=counts.get(f.session_id, 0),
            )
            for f in facts
        ]

    def conversation(self, session_id: str) -> ReviewDetail:
        channel, started = self._conversation_row(session_id)
        facts = next(
            (
                f
                for f in self.reports.conversations(started, _just_after(started))
                if f.session_id == session_id
            ),
            None,
        )
        fallback_ids = set(facts.fallback_messages) if facts else set()
        msg, labels = db.messages, db.review_labels
        query = (
            select(
                msg,
                labels.c.intent.label("label_intent"),
                labels.c.article_id,
                labels.c.actor,
                labels.c.updated_at,
                labels.c.exported_at,
            )
            .outerjoin(labels, labels.c.message_id == msg.c.id)
            .where(msg.c.session_id == session_id)
            .order_by(msg.c.id)
        )
        with db.database_errors(self.engine), self.engine.connect() as conn:
            rows = [row._mapping for row in conn.execute(query)]
        messages = []
        for row in rows:
            data = row["data"] or {}
            source = data.get("source") if isinstance(data.get("source"), dict) else {}
            label = None
            if row["actor"] is not None:
                label = Label(
                    intent=row["label_intent"],
                    article_id=row["article_id"],
                    actor=row["actor"],
                    updated_at=row["updated_at"],
                    exported=_exported(row["exported_at"], row["updated_at"]),
                )
            messages.append(
                ReviewMessage(
                    id=row["id"],
                    role=row["role"],
                    text=row["text"],
                    created_at=row["created_at"],
                    intent=row["intent"],
                    fallback=row["id"] in fallback_ids,
                    helpful=row["helpful"],
                    source_title=(source or {}).get("title"),
                    label=label,
                )
            )
        return ReviewDetail(
            session_id=session_id,
            channel=channel,
            reasons=reasons_of(facts) if facts else [],
            messages=messages,
        )

    def label(self, message_id: int, request: LabelRequest, *, actor: Actor) -> Label:
        """Label a buyer message (labelling it again replaces the label)."""
        intent = request.intent
        if intent is not None and intent not in self.intents():
            raise InvalidField("intent", f"{intent!r} is not an intent of the assistant")
        if request.article_id is not None and request.article_id not in self.articles():
            raise InvalidField("article_id", f"there is no help article {request.article_id!r}")
        if intent == OUT_OF_SCOPE and request.article_id:
            raise InvalidField("article_id", "a message out of scope has no article")
        now = self._clock()
        with db.database_errors(self.engine), self.engine.begin() as conn:
            row = conn.execute(select(db.messages.c.role).where(db.messages.c.id == message_id)).one_or_none()
            if row is None:
                raise NotFound(f"There is no message {message_id}.")
            if row.role != "customer":
                raise InvalidField("message_id", "only a buyer's message can be labelled")
            values = {
                "intent": intent,
                "article_id": request.article_id,
                "agent_id": actor.agent_id,
                "actor": actor.name,
                "updated_at": now,
            }
            updated = conn.execute(
                db.review_labels.update().where(db.review_labels.c.message_id == message_id).values(**values)
            )
            if not updated.rowcount:
                conn.execute(
                    db.review_labels.insert().values(message_id=message_id, created_at=now, **values)
                )
            audit(
                conn,
                actor,
                "review.label",
                str(message_id),
                {"intent": intent, "article_id": request.article_id},
                at=now,
            )
        return Label(intent=intent, article_id=request.article_id, actor=actor.name, updated_at=now)

    def clear(self, message_id: int, *, actor: Actor) -> None:
        now = self._clock()
        with db.database_errors(self.engine), self.engine.begin() as conn:
            deleted = conn.execute(
                db.review_labels.delete().where(db.review_labels.c.message_id == message_id)
            )
            if not deleted.rowcount:
                raise NotFound(f"Message {message_id} has no label.")
            audit(conn, actor, "review.unlabel", str(message_id), None, at=now)

    def pending(self) -> list[PendingLabel]:
        """Labels not exported yet (or changed since their export), oldest first."""
        labels, msg = db.review_labels, db.messages
        query = (
            select(labels, msg.c.text)
            .join(msg, msg.c.id == labels.c.message_id)
            .where((labels.c.exported_at.is_(None)) | (labels.c.exported_at < labels.c.updated_at))
            .order_by(labels.c.updated_at, labels.c.message_id)
        )
        with db.database_errors(self.engine), self.engine.connect() as conn:
            return [
                PendingLabel(
                    message_id=row.message_id,
                    text=row.text,
                    intent=row.intent,
                    article_id=row.article_id,
                    actor=row.actor,
                )
                for row in conn.execute(query)
            ]

    def mark_exported(self, message_ids: list[int], *, actor: Actor) -> None:
        if not message_ids:
            return
        now = self._clock()
        with db.database_errors(self.engine), self.engine.begin() as conn:
            conn.execute(
                db.review_labels.update()
                .where(db.review_labels.c.message_id.in_(message_ids))
                .values(exported_at=now)
            )
            audit(conn, actor, "review.export", None, {"labels": len(message_ids)}, at=now)

    def _label_counts(self, session_ids: list[str]) -> dict[str, int]:
        if not session_ids:
            return {}
        from sqlalchemy import func

        query = (
            select(db.messages.c.session_id, func.count())
            .join(db.review_labels, db.review_labels.c.message_id == db.messages.c.id)
            .where(db.messages.c.session_id.in_(session_ids))
            .group_by(db.messages.c.session_id)
        )
        with db.database_errors(self.engine), self.engine.connect() as conn:
            return {str(session): int(count) for session, count in conn.execute(query)}

    def _conversation_row(self, session_id: str) -> tuple[Channel, datetime]:
        query = select(db.conversations.c.channel, db.conversations.c.created_at).where(
            db.conversations.c.session_id == session_id
        )
        with db.database_errors(self.engine), self.engine.connect() as conn:
            row = conn.execute(query).one_or_none()
        if row is None:
            raise NotFound(f"There is no conversation {session_id!r}.")
        return row.channel, row.created_at


def _just_after(moment: datetime) -> datetime:
    from datetime import timedelta

    return moment + timedelta(microseconds=1)


def _exported(exported_at: datetime | None, updated_at: datetime) -> bool:
    return exported_at is not None and exported_at >= updated_at


def build_review_service(settings: Settings) -> ReviewService:
    """The review service of a process without the gateway (the command line)."""
    from bot.knowledge import served_corpus

    engine = db.get_engine(settings.database_url)

    def articles() -> dict[str, Article]:
        return {article.id: article for article in served_corpus(settings).articles}

    return ReviewService(
        engine,
        ReportService(engine, articles),
        articles,
        lambda: domain_intents(settings.home / "domain.yml"),
    )
