"""Everything the bot remembers: users and roles, questions, feedback, the admin audit, documents.

One class over SQLAlchemy so the same calls run on SQLite (the default, one file) and PostgreSQL
(set `DATABASE_URL`). Several bot worker processes may share the database, so writes that depend on
existing rows are single upsert statements, and SQLite write transactions take the write lock up
front (BEGIN IMMEDIATE): a deferred transaction that read first can fail with SQLITE_BUSY at once
instead of waiting out `busy_timeout`.

The methods are synchronous; the async bot calls them in a worker thread.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, case, create_engine, event, func, or_, select, update
from sqlalchemy import text as sql
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from bot.storage.tables import (
    ROLES,
    VERDICTS,
    AdminAudit,
    Base,
    Document,
    Feedback,
    Question,
    QuestionReview,
    User,
    utcnow,
)

BUSY_TIMEOUT_MS = 10_000
MAX_STATS_DAYS = 366
# Serialises create_all between workers starting at once on PostgreSQL (any constant will do).
_SCHEMA_LOCK = 0x636F6E64
_READ_ONLY = "conduct_read_only"

Id = str | int  # Telegram hands out integers, Zalo strings; both are stored as text.


def normalize_url(url: str | URL) -> URL:
    """`postgresql://` and `postgres://` mean psycopg 3, the driver we ship (SQLAlchemy's default is psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    channel: str
    user_id: str
    action: str
    detail: str
    result: str


@dataclass(frozen=True)
class DocumentRecord:
    doc_id: str
    title: str
    status: str
    added_at: datetime
    updated_at: datetime
    added_by_channel: str | None
    added_by_user: str | None
    source: str | None
    removed: bool
    removed_at: datetime | None


@dataclass(frozen=True)
class Review:
    """An admin's verdict on a question (see `QuestionReview`)."""

    verdict: str
    note: str
    provision: str | None
    by: str
    at: datetime


@dataclass(frozen=True)
class ReviewItem:
    """A question worth an admin's look: refused, or voted down at least once."""

    id: int
    asked_at: datetime
    channel: str
    text: str
    refused: bool
    citations: list[str]
    top_citation: str | None
    up: int
    down: int
    review: Review | None


@dataclass(frozen=True)
class Stats:
    """What /stats shows for the last `days` days (the unanswered list and feedback included)."""

    per_day: list[tuple[date, int]]
    total: int
    refused: int
    refused_share: float
    top_citations: list[tuple[str, int]]
    unanswered: list[tuple[datetime, str]]
    feedback_up: int
    feedback_down: int


class Store:
    def __init__(self, url: str | URL, *, log_content: bool = True) -> None:
        """Connects and creates missing tables; `log_content=False` keeps question texts out of the database.

        The default location (a SQLite file in the data directory) is `Settings.database`'s to decide.
        """
        self.url = normalize_url(url)
        self.log_content = log_content
        self.engine = _make_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.create_all()

    def create_all(self) -> None:
        """Idempotent, and safe when several workers start at once."""
        with self.engine.begin() as conn:
            if self.engine.dialect.name == "postgresql":
                conn.execute(sql("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
            Base.metadata.create_all(conn)

    def close(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        # The URL may carry a password: show the backend and database only.
        return f"Store({self.url.drivername}:{self.url.database!r})"

    @contextmanager
    def _session(self, *, write: bool = True) -> Iterator[Session]:
        with self._sessions() as s, s.begin():
            if not write:
                # Before the first statement, so the SQLite begin hook sees it and does not lock.
                s.connection(execution_options={_READ_ONLY: True})
            yield s

    def _insert(self, table: type[Base]) -> Any:
        """INSERT … ON CONFLICT: one atomic statement on both backends, so concurrent workers cannot race."""
        dialect = self.engine.dialect.name
        if dialect == "postgresql":
            return postgresql.insert(table)
        if dialect == "sqlite":
            return sqlite.insert(table)
        raise NotImplementedError(f"upsert on {dialect}")

    # Users and roles

    def touch_user(self, channel: str, user_id: Id, display_name: str | None = None) -> None:
        """Records a visit; a missing display name keeps the one we had."""
        now = utcnow()
        stmt = self._insert(User).values(
            channel=channel, user_id=str(user_id), display_name=display_name, role="user", first_seen=now, last_seen=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[User.channel, User.user_id],
            set_={"last_seen": now, "display_name": func.coalesce(stmt.excluded.display_name, User.display_name)},
        )
        with self._session() as s:
            s.execute(stmt)

    def set_role(self, channel: str, user_id: Id, role: str) -> None:
        """Works for users who never wrote yet, so an admin can be named before their first message."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, not {role!r}")
        now = utcnow()
        stmt = self._insert(User).values(
            channel=channel, user_id=str(user_id), role=role, first_seen=now, last_seen=now
        )
        stmt = stmt.on_conflict_do_update(index_elements=[User.channel, User.user_id], set_={"role": role})
        with self._session() as s:
            s.execute(stmt)

    def is_admin(self, channel: str, user_id: Id) -> bool:
        with self._session(write=False) as s:
            role = s.scalar(select(User.role).where(User.channel == channel, User.user_id == str(user_id)))
        return role == "admin"

    # Questions and feedback

    def record_question(
        self,
        channel: str,
        user_id: Id,
        chat_id: Id,
        text: str | None,
        *,
        refused: bool,
        citations: Sequence[str],
        took_ms: float,
        at: datetime | None = None,
    ) -> int:
        """Returns the question's id, which the feedback buttons carry; `at` is for imports and tests."""
        labels = list(citations)
        row = Question(
            asked_at=_aware(at) if at else utcnow(),
            channel=channel,
            user_id=str(user_id),
            chat_id=str(chat_id),
            text=text if self.log_content else None,
            refused=refused,
            top_citation=labels[0] if labels else None,
            citations=labels,
            took_ms=float(took_ms),
        )
        with self._session() as s:
            s.add(row)
            s.flush()
            return row.id

    def question_text(self, question_id: int) -> str | None:
        """The words of a question (None when unknown or not logged): a follow-up button on another
        worker, or after a restart, asks it again instead of relying on memory."""
        with self._session(write=False) as s:
            return s.scalar(select(Question.text).where(Question.id == question_id))

    def record_feedback(
        self, question_id: int, channel: str, user_id: Id, value: int, *, at: datetime | None = None
    ) -> None:
        """+1 or -1; voting again replaces the vote. KeyError for an unknown question (a stale button)."""
        if value not in (1, -1) or isinstance(value, bool):
            raise ValueError(f"feedback must be +1 or -1, not {value!r}")
        when = _aware(at) if at else utcnow()
        stmt = self._insert(Feedback).values(
            question_id=question_id, channel=channel, user_id=str(user_id), value=value, at=when
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[Feedback.question_id, Feedback.channel, Feedback.user_id], set_={"value": value, "at": when}
        )
        with self._session() as s:
            if s.get(Question, question_id) is None:
                raise KeyError(f"no question {question_id}")
            s.execute(stmt)

    # Admin audit

    def audit(
        self, channel: str, user_id: Id, action: str, detail: str, result: str, *, at: datetime | None = None
    ) -> None:
        """`result` is "ok…", "refused: <why>" (the request was not allowed or not valid) or "error: <what>"
        (it failed inside); call it for refusals and failures too, that is when it matters. `at` is for tests."""
        row = AdminAudit(channel=channel, user_id=str(user_id), action=action, detail=detail, result=result,
                         at=_aware(at) if at else utcnow())
        with self._session() as s:
            s.add(row)

    def audit_log(
        self,
        limit: int = 50,
        *,
        action: str | None = None,
        channel: str | None = None,
        user_id: Id | None = None,
        result: str | None = None,
        since: datetime | None = None,
        offset: int = 0,
    ) -> list[AuditEntry]:
        """Newest first; `result` matches a prefix ("ok", "refused", "error"), the other filters exactly."""
        query = select(AdminAudit)
        if action is not None:
            query = query.where(AdminAudit.action == action)
        if channel is not None:
            query = query.where(AdminAudit.channel == channel)
        if user_id is not None:
            query = query.where(AdminAudit.user_id == str(user_id))
        if result is not None:
            query = query.where(AdminAudit.result.startswith(result, autoescape=True))
        if since is not None:
            query = query.where(AdminAudit.at >= _aware(since))
        query = query.order_by(AdminAudit.at.desc(), AdminAudit.id.desc()).limit(limit).offset(offset)
        with self._session(write=False) as s:
            rows = s.scalars(query)
            return [AuditEntry(r.at, r.channel, r.user_id, r.action, r.detail, r.result) for r in rows]

    def audit_actions(self) -> list[str]:
        """Every action that was ever audited, sorted: the choices of an audit filter."""
        with self._session(write=False) as s:
            return list(s.scalars(select(AdminAudit.action).distinct().order_by(AdminAudit.action)))

    # Reviewing questions the bot could not answer well

    def review_questions(self, days: int = 30, limit: int = 200, *, now: datetime | None = None) -> list[ReviewItem]:
        """Questions of the last `days` days that were refused or voted down, newest first, with their votes
        and verdict. Questions whose text was not logged are left out: there is nothing to review."""
        now = _aware(now) if now else utcnow()
        votes = (
            select(
                Feedback.question_id.label("question_id"),
                func.sum(case((Feedback.value == 1, 1), else_=0)).label("up"),
                func.sum(case((Feedback.value == -1, 1), else_=0)).label("down"),
            )
            .group_by(Feedback.question_id)
            .subquery()
        )
        down = func.coalesce(votes.c.down, 0)
        query = (
            select(Question, func.coalesce(votes.c.up, 0), down, QuestionReview)
            .outerjoin(votes, votes.c.question_id == Question.id)
            .outerjoin(QuestionReview, QuestionReview.question_id == Question.id)
            .where(
                Question.asked_at >= now - timedelta(days=days),
                Question.asked_at <= now,
                Question.text.is_not(None),
                or_(Question.refused.is_(True), down > 0),
            )
            .order_by(Question.asked_at.desc(), Question.id.desc())
            .limit(limit)
        )
        with self._session(write=False) as s:
            return [
                ReviewItem(
                    id=q.id,
                    asked_at=q.asked_at,
                    channel=q.channel,
                    text=str(q.text),
                    refused=q.refused,
                    citations=list(q.citations or []),
                    top_citation=q.top_citation,
                    up=int(up),
                    down=int(down_votes),
                    review=Review(r.verdict, r.note, r.provision, r.by, r.at) if r else None,
                )
                for q, up, down_votes, r in s.execute(query)
            ]

    def review_question(
        self, question_id: int, verdict: str, *, note: str = "", provision: str | None = None, by: str
    ) -> None:
        """One verdict per question: a later one replaces the earlier. KeyError for an unknown question."""
        if verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, not {verdict!r}")
        values = {"verdict": verdict, "note": note, "provision": provision, "by": by, "at": utcnow()}
        stmt = self._insert(QuestionReview).values(question_id=question_id, **values)
        stmt = stmt.on_conflict_do_update(index_elements=[QuestionReview.question_id], set_=values)
        with self._session() as s:
            if s.get(Question, question_id) is None:
                raise KeyError(f"no question {question_id}")
            s.execute(stmt)

    def missing_reports(self) -> list[tuple[str, int, datetime]]:
        """What admins found missing from the knowledge base: each note, how often, and when last; most
        frequent first, so the gaps that cost the most answers are filled first."""
        n = func.count().label("n")
        latest = func.max(QuestionReview.at).label("latest")
        query = (
            select(QuestionReview.note, n, latest)
            .where(QuestionReview.verdict == "missing")
            .group_by(QuestionReview.note)
            .order_by(n.desc(), latest.desc(), QuestionReview.note)
        )
        with self._session(write=False) as s:
            return [(str(note), int(count), at) for note, count, at in s.execute(query)]

    # Document registry

    def register_document(
        self,
        doc_id: str,
        title: str,
        status: str,
        *,
        channel: str | None = None,
        user_id: Id | None = None,
        source: str | None = None,
    ) -> None:
        """Adds or replaces an entry; registering a removed document again brings it back."""
        now = utcnow()
        values = {
            "title": title,
            "status": status,
            "added_by_channel": channel,
            "added_by_user": None if user_id is None else str(user_id),
            "added_at": now,
            "updated_at": now,
            "source": source,
            "removed": False,
            "removed_at": None,
        }
        stmt = self._insert(Document).values(doc_id=doc_id, **values)
        stmt = stmt.on_conflict_do_update(index_elements=[Document.doc_id], set_=values)
        with self._session() as s:
            s.execute(stmt)

    def mark_document(self, doc_id: str, status: str) -> None:
        """A new status (e.g. no longer in force); KeyError if the document was never registered."""
        self._update_document(doc_id, status=status, updated_at=utcnow())

    def remove_document(self, doc_id: str) -> None:
        """Keeps the row, flagged, so the registry still tells who added what was removed."""
        now = utcnow()
        self._update_document(doc_id, removed=True, removed_at=now, updated_at=now)

    def _update_document(self, doc_id: str, **values: Any) -> None:
        with self._session() as s:
            result = s.execute(update(Document).where(Document.doc_id == doc_id).values(**values))
            if result.rowcount == 0:
                raise KeyError(f"no document {doc_id!r}")

    def documents(self, *, include_removed: bool = False) -> list[DocumentRecord]:
        query = select(Document).order_by(Document.doc_id)
        if not include_removed:
            query = query.where(Document.removed.is_(False))
        with self._session(write=False) as s:
            return [
                DocumentRecord(
                    doc_id=d.doc_id,
                    title=d.title,
                    status=d.status,
                    added_at=d.added_at,
                    updated_at=d.updated_at,
                    added_by_channel=d.added_by_channel,
                    added_by_user=d.added_by_user,
                    source=d.source,
                    removed=d.removed,
                    removed_at=d.removed_at,
                )
                for d in s.scalars(query)
            ]

    # Statistics

    def last_questions(self) -> dict[str, datetime]:
        """When each channel last brought a question: the console's sign that a bot channel is alive."""
        query = select(Question.channel, func.max(Question.asked_at)).group_by(Question.channel)
        with self._session(write=False) as s:
            return {str(channel): at for channel, at in s.execute(query) if at is not None}


    def stats(self, days: int = 7, *, now: datetime | None = None, top: int = 5, unanswered: int = 5) -> Stats:
        """The last `days` calendar days up to today, in the time zone of `now` (UTC by default).

        Pass `now=datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))` to count Vietnamese days. Everything,
        feedback and the unanswered list included, covers the window.
        """
        if not 1 <= days <= MAX_STATS_DAYS:
            raise ValueError(f"days must be between 1 and {MAX_STATS_DAYS}, not {days}")
        now = _aware(now) if now else utcnow()
        zone = now.tzinfo or UTC
        today = now.date()
        dates = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
        bounds = [datetime.combine(d, time.min, tzinfo=zone) for d in [*dates, today + timedelta(days=1)]]
        start, end = bounds[0], bounds[-1]
        in_window = and_(Question.asked_at >= start, Question.asked_at < end)

        # One row, one column per day: portable, unlike date functions, and time-zone exact.
        day_counts = [
            func.coalesce(func.sum(case((and_(Question.asked_at >= lo, Question.asked_at < hi), 1), else_=0)), 0)
            for lo, hi in pairwise(bounds)
        ]
        refused_count = func.coalesce(func.sum(case((Question.refused.is_(True), 1), else_=0)), 0)
        cited = func.count().label("n")
        top_query = (
            select(Question.top_citation, cited)
            .where(in_window, Question.refused.is_(False), Question.top_citation.is_not(None))
            .group_by(Question.top_citation)
            .order_by(cited.desc(), Question.top_citation)
            .limit(top)
        )
        unanswered_query = (
            select(Question.asked_at, Question.text)
            .where(in_window, Question.refused.is_(True), Question.text.is_not(None))
            .order_by(Question.asked_at.desc(), Question.id.desc())
            .limit(unanswered)
        )
        votes_query = (
            select(Feedback.value, func.count()).where(Feedback.at >= start, Feedback.at < end).group_by(Feedback.value)
        )
        with self._session(write=False) as s:
            counts_row = s.execute(select(*day_counts, refused_count).where(in_window)).one()
            tops = [(str(label), int(n)) for label, n in s.execute(top_query)]
            latest = [(at, str(body)) for at, body in s.execute(unanswered_query)]
            votes = {int(value): int(n) for value, n in s.execute(votes_query)}
        per_day = [(d, int(n)) for d, n in zip(dates, counts_row[:-1], strict=True)]
        total = sum(n for _, n in per_day)
        refused = int(counts_row[-1])
        return Stats(
            per_day=per_day,
            total=total,
            refused=refused,
            refused_share=refused / total if total else 0.0,
            top_citations=tops,
            unanswered=latest,
            feedback_up=votes.get(1, 0),
            feedback_down=votes.get(-1, 0),
        )


def _aware(at: datetime) -> datetime:
    """Naive datetimes are refused: their zone would be a guess, and a wrong guess shifts /stats by hours."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at!r}: pass an aware one, e.g. datetime.now(UTC)")
    return at


def _make_engine(url: URL) -> Engine:
    if url.get_backend_name() != "sqlite":
        # pre_ping: a long-running bot outlives server restarts and idle-connection reaping.
        return create_engine(url, pool_pre_ping=True)
    memory = url.database in (None, "", ":memory:")
    if not memory and not url.database.startswith("file:"):
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        # An in-memory database exists once per connection: share one, or each thread sees another.
        **({"poolclass": StaticPool} if memory else {}),
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver must not open transactions itself; the "begin" hook below does, our way.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")  # first: switching to WAL may wait
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")  # durable enough with WAL, and much faster
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(_READ_ONLY) else "BEGIN IMMEDIATE")

    return engine
