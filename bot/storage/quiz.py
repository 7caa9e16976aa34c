"""What quiz mode remembers: rounds, the questions as posted, and every answer.

Kept beside `Store` (same engine, same session rules) rather than inside it, so the answering
bot's storage stays readable and quiz storage can be read on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.storage.store import Id, Store
from bot.storage.tables import QuizAnswer, QuizAsk, QuizRound, utcnow


class RoundBusy(Exception):
    """A round is already running in this chat."""


OVER = ("finished", "stopped")  # a round that is over: its results are final


@dataclass(frozen=True)
class Round:
    id: int
    channel: str
    chat_id: str
    kind: str
    started_by: str
    topic: str | None
    seconds: int | None
    question_ids: list[str]
    position: int
    status: str
    started_at: datetime
    ended_at: datetime | None

    @property
    def total(self) -> int:
        return len(self.question_ids)

    @property
    def over(self) -> bool:
        return self.status in OVER


@dataclass(frozen=True)
class RoundSummary(Round):
    """A past round for a listing: who took part (late answers included) and how many questions were posted."""

    participants: int
    asked: int


@dataclass(frozen=True)
class Ask:
    id: int
    round_id: int
    position: int
    question_id: str
    options: list[str]
    correct_index: int
    poll_id: str | None
    message_id: str | None
    opened_at: datetime
    closes_at: datetime | None
    accept_until: datetime | None


@dataclass(frozen=True)
class Recorded:
    """What became of an answer: counted (and whether right), late, or a repeat of an earlier one."""

    ask: Ask
    round: Round
    correct: bool
    counted: bool
    late: bool = False
    repeat: bool = False


@dataclass
class Participant:
    user_id: str
    name: str
    correct: int = 0
    answered: int = 0
    seconds: float = 0.0  # summed answer time: the tie-break on the leaderboard
    by_position: dict[int, bool] = field(default_factory=dict)


def _round(r: QuizRound) -> Round:
    return Round(r.id, r.channel, r.chat_id, r.kind, r.started_by, r.topic, r.seconds, list(r.question_ids),
                 r.position, r.status, r.started_at, r.ended_at)


def _ask(a: QuizAsk) -> Ask:
    return Ask(a.id, a.round_id, a.position, a.question_id, list(a.options), a.correct_index, a.poll_id,
               a.message_id, a.opened_at, a.closes_at, a.accept_until)


class QuizRecords:
    def __init__(self, store: Store) -> None:
        self._store = store

    def _session(self, write: bool = True):  # noqa: ANN202 - the store's own context manager
        return self._store._session(write=write)

    # Rounds

    def start_round(self, channel: str, chat_id: Id, kind: str, started_by: Id, question_ids: list[str], *,
                    topic: str | None = None, seconds: int | None = None, owner: str | None = None,
                    lease: timedelta | None = None) -> Round:
        """RoundBusy if one runs in the chat; a new practice round simply replaces the old one."""
        now = utcnow()
        if kind == "practice":
            with self._session() as s:
                s.execute(update(QuizRound).where(QuizRound.channel == channel, QuizRound.chat_id == str(chat_id),
                                                  QuizRound.kind == "practice", QuizRound.status == "running")
                          .values(status="stopped", ended_at=now))
        row = QuizRound(channel=channel, chat_id=str(chat_id), kind=kind, started_by=str(started_by), topic=topic,
                        seconds=seconds, question_ids=list(question_ids), position=-1, status="running",
                        owner=owner, lease_until=now + lease if lease else None, started_at=now)
        try:
            with self._session() as s:
                s.add(row)
                s.flush()
                return _round(row)
        except IntegrityError as exc:
            raise RoundBusy(f"{channel}:{chat_id}") from exc

    def running(self, channel: str, chat_id: Id) -> Round | None:
        """The round that is on in a chat (running, or stopping while its results are posted)."""
        query = select(QuizRound).where(QuizRound.channel == channel, QuizRound.chat_id == str(chat_id),
                                        QuizRound.status.in_(("running", "stopping")))
        with self._session(write=False) as s:
            row = s.scalars(query.order_by(QuizRound.id.desc())).first()
            return _round(row) if row else None

    def round(self, round_id: int) -> Round:
        with self._session(write=False) as s:
            row = s.get(QuizRound, round_id)
            if row is None:
                raise KeyError(round_id)
            return _round(row)

    def last_round(self, channel: str, chat_id: Id, kind: str = "group") -> Round | None:
        query = (select(QuizRound).where(QuizRound.channel == channel, QuizRound.chat_id == str(chat_id),
                                         QuizRound.kind == kind).order_by(QuizRound.id.desc()))
        with self._session(write=False) as s:
            row = s.scalars(query).first()
            return _round(row) if row else None

    def set_status(self, round_id: int, status: str, *, only_if: tuple[str, ...] = ()) -> bool:
        """False when `only_if` is given and the round was not in one of those states (someone was first)."""
        values: dict = {"status": status}
        if status in OVER:
            values["ended_at"] = utcnow()
        stmt = update(QuizRound).where(QuizRound.id == round_id)
        if only_if:
            stmt = stmt.where(QuizRound.status.in_(only_if))
        with self._session() as s:
            return s.execute(stmt.values(**values)).rowcount == 1

    def claim(self, round_id: int, owner: str, lease: timedelta) -> bool:
        """Drive a round: only if nobody else holds a live lease on it. Renewing one's own lease also works."""
        now = utcnow()
        stmt = (update(QuizRound)
                .where(QuizRound.id == round_id,
                       or_(QuizRound.owner == owner, QuizRound.lease_until.is_(None), QuizRound.lease_until < now))
                .values(owner=owner, lease_until=now + lease))
        with self._session() as s:
            return s.execute(stmt).rowcount == 1

    def release(self, round_id: int, owner: str) -> None:
        with self._session() as s:
            s.execute(update(QuizRound).where(QuizRound.id == round_id, QuizRound.owner == owner)
                      .values(lease_until=None))

    def release_all(self, owner: str) -> int:
        """A worker shutting down hands over every session it holds, including those whose driver failed
        and were waiting for their lease to run out: the next worker need not wait for it. Returns how many."""
        stmt = (update(QuizRound)
                .where(QuizRound.owner == owner, QuizRound.status.in_(("running", "stopping")),
                       QuizRound.lease_until.is_not(None))
                .values(lease_until=None))
        with self._session() as s:
            return s.execute(stmt).rowcount

    def orphaned(self) -> list[Round]:
        """Group rounds on whose driver's lease ran out: a crash or restart left them; someone must carry on."""
        query = select(QuizRound).where(QuizRound.kind == "group", QuizRound.status.in_(("running", "stopping")),
                                        or_(QuizRound.lease_until.is_(None), QuizRound.lease_until < utcnow()))
        with self._session(write=False) as s:
            return [_round(r) for r in s.scalars(query.order_by(QuizRound.id))]

    # Questions as posted

    def record_ask(self, round_id: int, position: int, question_id: str, options: list[str], correct_index: int, *,
                   seconds: int | None = None, grace: timedelta = timedelta(0), at: datetime | None = None,
                   poll_id: str | None = None, message_id: str | None = None) -> Ask:
        """A question as posted (or skipped). Written once the channel accepted it, so a question whose post
        failed leaves no row and is posted again; `at` is when the post was sent, which opens the question."""
        now = at or utcnow()
        closes = now + timedelta(seconds=seconds) if seconds else None
        row = QuizAsk(round_id=round_id, position=position, question_id=question_id, options=list(options),
                      correct_index=correct_index, poll_id=poll_id, message_id=message_id, opened_at=now,
                      closes_at=closes, accept_until=closes + grace if closes else None)
        with self._session() as s:
            s.add(row)
            s.execute(update(QuizRound).where(QuizRound.id == round_id).values(position=position))
            s.flush()
            return _ask(row)

    def extend(self, ask_id: int, until: datetime) -> None:
        """After a restart: answers Telegram accepted while we were down still arrive, and still count."""
        with self._session() as s:
            s.execute(update(QuizAsk).where(QuizAsk.id == ask_id, or_(QuizAsk.accept_until.is_(None),
                                                                     QuizAsk.accept_until < until))
                      .values(accept_until=until))

    def ask_by_poll(self, poll_id: str) -> Ask | None:
        with self._session(write=False) as s:
            row = s.scalars(select(QuizAsk).where(QuizAsk.poll_id == poll_id)).first()
            return _ask(row) if row else None

    def current_ask(self, round_id: int) -> Ask | None:
        query = select(QuizAsk).where(QuizAsk.round_id == round_id).order_by(QuizAsk.position.desc())
        with self._session(write=False) as s:
            row = s.scalars(query).first()
            return _ask(row) if row else None

    def asks(self, round_id: int) -> list[Ask]:
        with self._session(write=False) as s:
            rows = s.scalars(select(QuizAsk).where(QuizAsk.round_id == round_id).order_by(QuizAsk.position))
            return [_ask(r) for r in rows]

    # Answers

    def record_answer(self, ask_id: int, channel: str, user_id: Id, name: str | None, option_index: int, *,
                      at: datetime | None = None) -> Recorded:
        """The first answer of each person counts if it came in time; a second is a repeat and changes nothing."""
        now = at or utcnow()
        with self._session() as s:
            ask = s.get(QuizAsk, ask_id)
            if ask is None:
                raise KeyError(ask_id)
            rnd = s.get(QuizRound, ask.round_id)
            assert rnd is not None
            correct = option_index == ask.correct_index
            closed = ask.accept_until is not None and now > ask.accept_until
            late = closed or rnd.status not in ("running", "stopping")
            existing = s.scalars(select(QuizAnswer).where(QuizAnswer.ask_id == ask_id, QuizAnswer.channel == channel,
                                                          QuizAnswer.user_id == str(user_id))).first()
            if existing is not None:
                return Recorded(_ask(ask), _round(rnd), existing.correct, False, existing.late, repeat=True)
            s.add(QuizAnswer(ask_id=ask_id, channel=channel, user_id=str(user_id), display_name=name,
                             option_index=option_index, correct=correct and not late, late=late, answered_at=now))
            return Recorded(_ask(ask), _round(rnd), correct, counted=not late, late=late)

    def participants(self, round_id: int) -> list[Participant]:
        """Everyone who answered, best first: most correct, then the quickest in total."""
        query = (select(QuizAnswer, QuizAsk).join(QuizAsk, QuizAnswer.ask_id == QuizAsk.id)
                 .where(QuizAsk.round_id == round_id).order_by(QuizAnswer.answered_at))
        people: dict[tuple[str, str], Participant] = {}
        with self._session(write=False) as s:
            for answer, ask in s.execute(query):
                p = people.setdefault((answer.channel, answer.user_id),
                                      Participant(answer.user_id, answer.display_name or answer.user_id))
                if answer.display_name:
                    p.name = answer.display_name
                if answer.late:
                    continue
                p.answered += 1
                p.correct += answer.correct
                p.seconds += max(0.0, (answer.answered_at - ask.opened_at).total_seconds())
                p.by_position[ask.position] = answer.correct
        return sorted(people.values(), key=lambda p: (-p.correct, p.seconds, p.name))

    def history(self, channel: str, user_id: Id) -> dict[str, tuple[bool, datetime]]:
        """Each question this person answered: whether the latest answer was right, and when."""
        query = (select(QuizAsk.question_id, QuizAnswer.correct, QuizAnswer.answered_at)
                 .join(QuizAsk, QuizAnswer.ask_id == QuizAsk.id)
                 .where(QuizAnswer.channel == channel, QuizAnswer.user_id == str(user_id), QuizAnswer.late.is_(False))
                 .order_by(QuizAnswer.answered_at))
        out: dict[str, tuple[bool, datetime]] = {}
        with self._session(write=False) as s:
            for question_id, correct, at in s.execute(query):
                out[question_id] = (bool(correct), at)
        return out

    def last_taken(self, channel: str, user_id: Id, kind: str = "group") -> Round | None:
        """The latest round that is over (finished or stopped) in which this person answered, late answers
        included: what `/on_tap` reviews when no round is named. Only rounds of `channel`, whose user ids
        these are."""
        query = (select(QuizRound).join(QuizAsk, QuizAsk.round_id == QuizRound.id)
                 .join(QuizAnswer, QuizAnswer.ask_id == QuizAsk.id)
                 .where(QuizRound.channel == channel, QuizRound.kind == kind,
                        QuizRound.status.in_(OVER),
                        QuizAnswer.channel == channel, QuizAnswer.user_id == str(user_id))
                 .order_by(QuizRound.id.desc()).limit(1))
        with self._session(write=False) as s:
            row = s.scalars(query).first()
            return _round(row) if row else None

    def answers_by(self, round_id: int, channel: str, user_id: Id) -> dict[int, tuple[int, bool, bool]]:
        """One person's answers in a round: question position → (option index as posted, counted as right,
        late). Empty when they took no part in it."""
        query = (select(QuizAsk.position, QuizAnswer.option_index, QuizAnswer.correct, QuizAnswer.late)
                 .join(QuizAsk, QuizAnswer.ask_id == QuizAsk.id)
                 .where(QuizAsk.round_id == round_id, QuizAnswer.channel == channel,
                        QuizAnswer.user_id == str(user_id)))
        with self._session(write=False) as s:
            rows = s.execute(query).all()
        return {int(pos): (int(option), bool(correct), bool(late)) for pos, option, correct, late in rows}

    # Statistics

    def question_rates(self, since: datetime | None = None) -> dict[str, tuple[int, int]]:
        """Per bank question: (answers, correct) over every round, practice and group; late answers are left
        out, as on the leaderboard, so a question is judged by the answers that counted."""
        right = func.coalesce(func.sum(case((QuizAnswer.correct.is_(True), 1), else_=0)), 0)
        query = (select(QuizAsk.question_id, func.count(), right).select_from(QuizAnswer)
                 .join(QuizAsk, QuizAnswer.ask_id == QuizAsk.id)
                 .where(QuizAnswer.late.is_(False))
                 .group_by(QuizAsk.question_id))
        if since is not None:
            query = query.where(QuizAnswer.answered_at >= since)
        with self._session(write=False) as s:
            return {str(qid): (int(n), int(ok)) for qid, n, ok in s.execute(query)}

    def rounds(self, kind: str = "group", limit: int = 50) -> list[RoundSummary]:
        """Rounds that are over (finished or stopped), newest first, with participant and question counts."""
        query = (select(QuizRound).where(QuizRound.kind == kind, QuizRound.status.in_(OVER))
                 .order_by(QuizRound.started_at.desc(), QuizRound.id.desc()).limit(limit))
        with self._session(write=False) as s:
            rows = [_round(r) for r in s.scalars(query)]
            ids = [r.id for r in rows]
            asked = dict(s.execute(select(QuizAsk.round_id, func.count()).where(QuizAsk.round_id.in_(ids))
                                   .group_by(QuizAsk.round_id)).all())
            # Distinct people first, then counted per round: COUNT(DISTINCT a, b) is not portable.
            people = (select(QuizAsk.round_id, QuizAnswer.channel, QuizAnswer.user_id).distinct()
                      .select_from(QuizAnswer).join(QuizAsk, QuizAnswer.ask_id == QuizAsk.id)
                      .where(QuizAsk.round_id.in_(ids)).subquery())
            counts = dict(s.execute(select(people.c.round_id, func.count()).group_by(people.c.round_id)).all())
        return [RoundSummary(**vars(r), participants=int(counts.get(r.id, 0)), asked=int(asked.get(r.id, 0)))
                for r in rows]
