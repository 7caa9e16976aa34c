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
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROLES = ("user", "admin")

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
