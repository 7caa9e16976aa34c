"""The bot's database schema, written once for both SQLite and PostgreSQL.

Ids that come from a chat channel (users, chats) are strings: Zalo ids are strings, Telegram ids
are integers beyond 32 bits, and a string column holds both without a per-channel type. Our own
row ids are 64-bit on PostgreSQL; on SQLite they stay INTEGER, the only type SQLite auto-increments.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROLES = ("user", "admin")
WEB_ROLES = ("admin", "trainer", "viewer")
VERDICTS = ("missing", "thesaurus", "linked", "dismissed")

# Row ids: BIGSERIAL on PostgreSQL, INTEGER PRIMARY KEY (the rowid) on SQLite.
RowId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend.

    SQLite has no time zone type: SQLAlchemy stores the wall-clock text and drops the offset, so
    everything is converted to UTC first, which also keeps the stored text ordered in time.
    Naive datetimes are refused: their zone is a guess, and a wrong guess shifts /stats by hours.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware one (e.g. datetime.now(UTC))")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map: dict[Any, Any] = {datetime: UTCDateTime}


class User(Base):
    """Everyone who wrote to the bot, per channel; the role lives here so admins survive restarts."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("channel", "user_id", name="uq_users_channel_user"),
        CheckConstraint("role IN ('user', 'admin')", name="ck_users_role"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default="user")
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)


class Question(Base):
    """One question and how it went; `text` is NULL when the operator turned content logging off."""

    __tablename__ = "questions"
    __table_args__ = (
        # /stats reads the newest refusals and the recent answers' top citations.
        Index("ix_questions_refused_asked_at", "refused", "asked_at"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    asked_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)
    refused: Mapped[bool]
    # The first citation only: counting it needs no JSON functions, which differ per backend.
    top_citation: Mapped[str | None] = mapped_column(Text)
    citations: Mapped[list[str]] = mapped_column(JSON, default=list)
    took_ms: Mapped[float] = mapped_column(Float)


class Feedback(Base):
    """A thumbs up or down; one per user and question, a later vote replaces the earlier one."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("question_id", "channel", "user_id", name="uq_feedback_vote"),
        CheckConstraint("value IN (-1, 1)", name="ck_feedback_value"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[int] = mapped_column(SmallInteger)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class AdminAudit(Base):
    """Who did what, when, and whether it worked: written for every admin command, failures included."""

    __tablename__ = "admin_audit"

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[str] = mapped_column(Text)  # "ok" or "error: …"


class QuestionReview(Base):
    """An admin's verdict on a refused or down-voted question; one per question, a later one replaces it.

    `missing`: the knowledge base lacks the answer (the note says what); `thesaurus`: the words were not
    understood; `linked`: the answer is in `provision`; `dismissed`: nothing to do.
    """

    __tablename__ = "question_reviews"
    __table_args__ = (
        CheckConstraint("verdict IN ('missing', 'thesaurus', 'linked', 'dismissed')",
                        name="ck_question_reviews_verdict"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    question_id: Mapped[int] = mapped_column(RowId, ForeignKey("questions.id", ondelete="CASCADE"), unique=True)
    verdict: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    provision: Mapped[str | None] = mapped_column(Text)  # e.g. "khoản 1 Điều 8 42/2013/QH13"
    by: Mapped[str] = mapped_column(String(128))  # e.g. "web:alice"
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Document(Base):
    """The registry of documents admins added or changed, keyed by official number ("80/2025/QH15").

    The text itself lives in the knowledge base files; this records who put it there and when, and
    keeps removed documents (with `removed_at`) so the history survives the removal.
    """

    __tablename__ = "documents"

    doc_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32))
    added_by_channel: Mapped[str | None] = mapped_column(String(32))
    added_by_user: Mapped[str | None] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str | None] = mapped_column(Text)
    removed: Mapped[bool] = mapped_column(default=False)
    removed_at: Mapped[datetime | None]


class QuizRound(Base):
    """A practice round (one person, private chat) or a training session (a group), with its questions.

    The state a bot needs to carry on after a restart lives here, not in memory: which questions,
    which one is current, who drives the session (`owner`, renewed in `lease_until`).
    At most one round runs per chat: the partial unique index makes a second start fail on every backend.
    """

    __tablename__ = "quiz_rounds"
    __table_args__ = (
        Index("uq_quiz_rounds_running", "channel", "chat_id", unique=True,
              sqlite_where=text("status = 'running'"), postgresql_where=text("status = 'running'")),
        CheckConstraint("kind IN ('practice', 'group')", name="ck_quiz_rounds_kind"),
        CheckConstraint("status IN ('running', 'stopping', 'finished', 'stopped')", name="ck_quiz_rounds_status"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    started_by: Mapped[str] = mapped_column(String(64))
    topic: Mapped[str | None] = mapped_column(String(128))
    seconds: Mapped[int | None]
    question_ids: Mapped[list[str]] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(default=-1)  # index of the question asked last
    status: Mapped[str] = mapped_column(String(16), default="running")
    owner: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class QuizAsk(Base):
    """One question as posted: the options in the order shown, and when answers stop counting."""

    __tablename__ = "quiz_asks"
    __table_args__ = (UniqueConstraint("round_id", "position", name="uq_quiz_asks_position"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("quiz_rounds.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    question_id: Mapped[str] = mapped_column(String(128))
    options: Mapped[list[str]] = mapped_column(JSON)
    correct_index: Mapped[int]
    poll_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    message_id: Mapped[str | None] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closes_at: Mapped[datetime | None]  # None: practice, open until answered
    accept_until: Mapped[datetime | None]


class QuizAnswer(Base):
    """A participant's first answer to a posted question; later ones are ignored, late ones kept but not scored."""

    __tablename__ = "quiz_answers"
    __table_args__ = (UniqueConstraint("ask_id", "channel", "user_id", name="uq_quiz_answers_once"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    ask_id: Mapped[int] = mapped_column(ForeignKey("quiz_asks.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    display_name: Mapped[str | None] = mapped_column(String(256))
    option_index: Mapped[int]
    correct: Mapped[bool]
    late: Mapped[bool] = mapped_column(default=False)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebAccount(Base):
    """A local account of the web console; chat admins (`User.role`) are separate and need none."""

    __tablename__ = "web_accounts"
    __table_args__ = (CheckConstraint("role IN ('admin', 'trainer', 'viewer')", name="ck_web_accounts_role"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login: Mapped[datetime | None]
    disabled: Mapped[bool] = mapped_column(default=False)
