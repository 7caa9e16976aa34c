"""Runs practice rounds and group sessions for any chat channel, with all state in the database.

A channel (Telegram, Zalo) only knows how to post a question, a text and the result files; the
rules — who may start, how long a question stays open, which answers count, when leaderboards
appear, how a session survives a restart — are here, once.

Restarts and failures: the task driving a session renews a lease on it every tick. Every worker
runs a supervisor that, at start-up and then every `sweep` seconds, claims the sessions whose lease
ran out — their worker died, shut down, or its driver gave up — and carries them on from the
question the database says is current. After a restart, answers Telegram accepted while nobody
was listening still count, because the current question's deadline is extended on that first pass.

Posting: a transient channel error (network, 5xx, flood control) is retried a few times in place
(`RetryPolicy`); if that is not enough, or the error is permanent, the driver gives up and keeps its
lease, so the session rests until the lease runs out and the supervisor tries again. After
`RetryPolicy.failed_drives` such failures in a row the session is stopped, said so in the chat when
possible, and logged: a bot removed from a group must not retry for ever. The count is kept in the
worker's memory, so a restart or another worker starts it afresh; it stays bounded per process.

Posting twice: a question is recorded only after the channel accepted it, so a failed post leaves
no record and the question is posted again, never skipped. Shutdown waits (up to
`RetryPolicy.in_flight` seconds) for a post already sent, so SIGTERM does not lose or repeat it.
A duplicate remains possible only when the platform took a post but its answer never reached us
(a timeout, a crash between the answer and the record); a repeated question is better than a
silent gap, and votes on the lost copy are ignored. A leaderboard before a failed question is
likewise posted again on resume.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Protocol, TypeVar

from bot.quiz import messages, review
from bot.quiz.bank import TRUE_FALSE, Bank, QuizQuestion
from bot.quiz.picking import pick
from bot.quiz.results import question_rates, to_chart, to_csv
from bot.storage.quiz import Ask, Participant, QuizRecords, Round, RoundBusy
from bot.storage.store import Store
from bot.storage.tables import utcnow
from knowledge_base.model import Document

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_QUESTIONS, MAX_QUESTIONS = 10, 50
DEFAULT_SECONDS, MIN_SECONDS, MAX_SECONDS = 30, 5, 600  # Telegram's open_period limits
PRACTICE_SIZE = 5
LEADERBOARD_EVERY = 5


class QuizChannel(Protocol):
    """What a chat channel must do for quiz mode; ids are strings, as stored."""

    name: str
    native_feedback: bool  # True: the channel shows right/wrong itself (Telegram quiz polls)
    again: str  # how a person starts another practice round here, said at the end of one

    async def post_question(self, chat_id: str, question: QuizQuestion, options: list[str], correct: int,
                            position: int, total: int, seconds: int | None) -> tuple[str | None, str | None]:
        """Returns (poll id, message id) when the channel has them."""

    async def post_text(self, chat_id: str, text: str) -> None: ...

    async def post_results(self, chat_id: str, csv_data: bytes, chart: bytes, caption: str, rates: str) -> None:
        """`rates` is the per-question summary as text, for channels that cannot send files."""

    async def close_question(self, chat_id: str, ask: Ask) -> None: ...

    def retry_delay(self, error: Exception) -> float | None:
        """None when `error` is permanent (retrying cannot help: the bot left the chat, a bad request);
        otherwise the least wait the platform asked for before trying again (0 when it named none).
        The channel decides, so the master never needs to know Telegram's or Zalo's exceptions."""

    # Optional: `review_hint(round_id) -> str`, the line under a session's final leaderboard telling the
    # participants how to get their review in private (`/on_tap`). A channel without it adds no line.


@dataclass(frozen=True)
class RetryPolicy:
    """How hard a post is tried before a session gives up, in one place so tests can make it quick."""

    attempts: int = 3  # tries of one post when its errors are transient
    backoff: tuple[float, ...] = (1.0, 3.0)  # waits before the 2nd, 3rd… try (the last repeats)
    longest_wait: float = 10.0  # flood control asking for more: give up now, the supervisor retries later
    failed_drives: int = 5  # drives in a row that gave up before the session is stopped
    in_flight: float = 10.0  # shutdown waits this long for a post already sent (PTB times out after 5 s)

    def wait(self, attempt: int, asked: float) -> float | None:
        """Seconds to wait after failed try number `attempt`, or None: do not try again."""
        if attempt >= self.attempts:
            return None
        wait = max(self.backoff[min(attempt, len(self.backoff)) - 1] if self.backoff else 0.0, asked)
        return wait if wait <= self.longest_wait else None


class _LeaseLost(Exception):
    """Another worker took the session over while we waited to retry: it drives now, we stop quietly."""


async def _to_the_end(aw: Awaitable[T], limit: float | None = None) -> T:
    """Await `aw`; if the caller is cancelled meanwhile, let `aw` finish first (for at most `limit`
    seconds, then cancel it too) before the cancellation goes on.

    Why: cancelling a task does not stop a database call running in a thread — a lease claim still
    in flight would renew the lease after shutdown released it — and a post already sent may still
    arrive, so it must be recorded or it would be posted again by whoever resumes the session.
    """
    task = asyncio.ensure_future(aw)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        done, _ = await asyncio.wait({task}, timeout=limit)
        if not done:
            task.cancel()
            await asyncio.wait({task})
        if not task.cancelled():
            task.exception()  # retrieved: asyncio would warn about an exception nobody looked at
        raise


@dataclass(frozen=True)
class SessionArgs:
    questions: int = DEFAULT_QUESTIONS
    topic: str | None = None
    seconds: int = DEFAULT_SECONDS


class QuizError(Exception):
    """A request that cannot be honoured; the message is for the user, in Vietnamese."""


def parse_session_args(words: list[str], bank: Bank) -> SessionArgs:
    """`/quiz_start [số câu] [chủ đề] [giây]`: the first number is the count, a second the seconds,
    everything else the topic (several words allowed: "giao tiếp")."""
    numbers = [w for w in words if w.isdigit()]
    rest = " ".join(w for w in words if not w.isdigit())
    if len(numbers) > 2:
        raise QuizError(messages.SESSION_USAGE)
    count = int(numbers[0]) if numbers else DEFAULT_QUESTIONS
    seconds = int(numbers[1]) if len(numbers) > 1 else DEFAULT_SECONDS
    if not 1 <= count <= MAX_QUESTIONS or not MIN_SECONDS <= seconds <= MAX_SECONDS:
        raise QuizError(messages.SESSION_USAGE)
    topic = None
    if rest:
        topic = bank.match_topic(rest)
        if topic is None:
            raise QuizError(messages.unknown_topic(rest, bank))
    return SessionArgs(count, topic, seconds)


class QuizMaster:
    def __init__(self, store: Store, bank: Callable[[], Bank], *, lease: timedelta = timedelta(seconds=20),
                 grace: timedelta = timedelta(seconds=3), tick: float = 1.0,
                 leaderboard_every: int = LEADERBOARD_EVERY, sweep: float | None = None,
                 catch_up: timedelta = timedelta(seconds=10), retry: RetryPolicy = RetryPolicy(),
                 documents: Callable[[], Iterable[Document]] | None = None) -> None:
        """`sweep`: seconds between the supervisor's looks for orphaned sessions (default: half the lease,
        so a session whose driver failed waits at most about 1.5 leases). `catch_up`: after a restart, how
        long the current question keeps accepting the answers that were queued while we were down.
        `documents`: the knowledge base in service (`Library.documents`), to cite provisions in reviews;
        without it a review shows each question's own quote."""
        self.records = QuizRecords(store)
        self._bank = bank
        self._documents = documents
        self.channels: dict[str, QuizChannel] = {}
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.lease, self.grace, self.tick = lease, grace, tick
        self.leaderboard_every = leaderboard_every
        self.sweep, self.catch_up, self.retry = sweep, catch_up, retry
        self._tasks: dict[int, asyncio.Task] = {}
        self._failures: dict[int, int] = {}  # round id → drives in a row that gave up, in this worker
        self._supervisor: asyncio.Task | None = None
        self._closed = False

    def add_channel(self, channel: QuizChannel) -> None:
        self.channels[channel.name] = channel

    @property
    def bank(self) -> Bank:
        return self._bank()

    async def _db(self, fn: Callable, *args, **kwargs):  # noqa: ANN202 - whatever fn returns
        """Run a storage call in a thread; a cancelled caller still waits for it (see `_to_the_end`)."""
        return await _to_the_end(asyncio.to_thread(fn, *args, **kwargs))

    async def _deliver(self, rnd: Round, send: Callable[[], Awaitable[T]], what: str, *, lease: bool) -> T:
        """Run one channel call, retrying it while the channel calls its errors transient; the last error
        goes up when the policy says stop. `lease`: the call is part of driving a group session, whose
        lease is renewed before each new try (a retry may take a while; if another worker took the
        session meanwhile, it drives now and `_LeaseLost` ends this drive)."""
        channel = self.channels[rnd.channel]
        attempt = 1
        while True:
            try:
                return await _to_the_end(send(), self.retry.in_flight)
            except Exception as exc:
                asked = channel.retry_delay(exc)
                wait = None if asked is None else self.retry.wait(attempt, asked)
                if wait is None:
                    raise
                log.warning("quiz: %s in session %s failed (%s); try %d of %d in %.1f s", what, rnd.id, exc,
                            attempt + 1, self.retry.attempts, wait)
            await asyncio.sleep(wait)
            if lease and not await self._db(self.records.claim, rnd.id, self.owner, self.lease):
                raise _LeaseLost(rnd.id)
            attempt += 1

    async def _say(self, rnd: Round, text: str, what: str, *, lease: bool) -> None:
        """Post a text to the round's chat, retried like every post (see `_deliver`)."""
        await self._deliver(rnd, partial(self.channels[rnd.channel].post_text, rnd.chat_id, text), what, lease=lease)

    # ------------------------------------------------------------ practice

    async def start_practice(self, channel: str, chat_id: str, user_id: str, topic_text: str = "",
                             n: int = PRACTICE_SIZE) -> None:
        bank = self.bank
        topic = None
        if topic_text.strip():
            topic = bank.match_topic(topic_text)
            if topic is None:
                raise QuizError(messages.unknown_topic(topic_text.strip(), bank))
        history = await self._db(self.records.history, channel, user_id)
        chosen = pick(bank, n, topic=topic, history=history)
        if not chosen:
            raise QuizError(messages.EMPTY_BANK)
        rnd = await self._db(self.records.start_round, channel, chat_id, "practice", user_id,
                             [q.id for q in chosen], topic=topic)
        await self._say(rnd, messages.practice_intro(len(chosen), topic), "the introduction", lease=False)
        await self._post(rnd, 0, seconds=None)

    async def _practice_next(self, rnd: Round, ask: Ask, chosen: int) -> None:
        channel = self.channels[rnd.channel]
        question = self.bank.get(ask.question_id)
        if not channel.native_feedback and question is not None:
            text = messages.feedback(question, ask.options, chosen, ask.correct_index)
            await self._say(rnd, text, "the feedback", lease=False)
        if ask.position + 1 < rnd.total:
            await self._post(rnd, ask.position + 1, seconds=None)
            return
        await self._db(self.records.set_status, rnd.id, "finished", only_if=("running",))
        people = await self._db(self.records.participants, rnd.id)
        correct = people[0].correct if people else 0
        history = await self._db(self.records.history, rnd.channel, rnd.started_by)
        retry = sum(1 for right, _ in history.values() if not right)
        await self._say(rnd, messages.practice_done(correct, rnd.total, retry, channel.again), "the summary",
                        lease=False)

    # ------------------------------------------------------------ group sessions

    async def start_session(self, channel: str, chat_id: str, trainer: str, words: list[str]) -> Round:
        bank = self.bank
        args = parse_session_args(words, bank)
        seconds = args.seconds
        chosen = pick(bank, args.questions, topic=args.topic, rng=random.Random())
        if not chosen:
            raise QuizError(messages.EMPTY_BANK)
        try:
            rnd = await self._db(self.records.start_round, channel, chat_id, "group", trainer,
                                 [q.id for q in chosen], topic=args.topic, seconds=seconds, owner=self.owner,
                                 lease=self.lease)
        except RoundBusy as exc:
            raise QuizError(messages.BUSY) from exc
        try:
            await self._say(rnd, messages.session_intro(len(chosen), args.topic, seconds), "the introduction",
                            lease=True)
        except Exception:
            # The questions carry their own "Câu 1/10" headers; if the chat is really out of reach, the
            # driver finds out, and its failures are counted like any other.
            log.warning("quiz: could not introduce session %s; it starts anyway", rnd.id, exc_info=True)
        self._spawn(rnd.id)
        return rnd

    async def stop_session(self, channel: str, chat_id: str) -> Round:
        rnd = await self._db(self.records.running, channel, chat_id)
        if rnd is None or rnd.kind != "group":
            raise QuizError(messages.NO_SESSION)
        await self._db(self.records.set_status, rnd.id, "stopping", only_if=("running",))
        if rnd.id not in self._tasks and await self._db(self.records.claim, rnd.id, self.owner, self.lease):
            self._spawn(rnd.id)  # nobody drives it (its worker died): finish it here
        return rnd

    def _spawn(self, round_id: int) -> None:
        if self._closed or round_id in self._tasks:
            return  # shutting down (the lease runs out and another worker takes it), or already driven
        task = asyncio.create_task(self._drive(round_id), name=f"quiz-{round_id}")
        self._tasks[round_id] = task
        task.add_done_callback(lambda _t: self._tasks.pop(round_id, None))

    # ------------------------------------------------------------ supervision

    @property
    def sweep_seconds(self) -> float:
        return self.sweep if self.sweep is not None else self.lease.total_seconds() / 2

    def start(self) -> None:
        """Look after group sessions while this worker runs: resume the ones a restart left behind now,
        then every `sweep_seconds` any whose driver failed or died. Idempotent; `close` stops it."""
        self._closed = False
        if self._supervisor is None or self._supervisor.done():
            self._supervisor = asyncio.create_task(self._supervise(), name="quiz-supervisor")

    async def _supervise(self) -> None:
        after_restart = True
        while True:
            try:
                resumed = await self.resume(after_restart=after_restart)
            except Exception:  # the database may be away for a moment: look again at the next sweep
                log.exception("quiz: looking for sessions to resume failed")
            else:
                if resumed and after_restart:
                    log.info("quiz: %d session(s) resumed after a restart", resumed)
                after_restart = False
            await asyncio.sleep(self.sweep_seconds)

    async def resume(self, *, after_restart: bool = False) -> int:
        """Claim the group sessions of our channels whose lease ran out and carry them on; returns how many.

        `after_restart`: the first pass of a starting worker, when votes may be waiting in the platform's
        queue; later passes find sessions whose driver failed in a running worker, which heard everything.
        """
        resumed = 0
        for rnd in await self._db(self.records.orphaned):
            if rnd.channel not in self.channels or rnd.id in self._tasks or self._closed:
                continue
            if not await self._db(self.records.claim, rnd.id, self.owner, self.lease):
                continue
            ask = await self._db(self.records.current_ask, rnd.id)
            if after_restart and ask is not None and ask.closes_at is not None:
                # Answers given while we were down are still in Telegram's queue: let them count.
                await self._db(self.records.extend, ask.id, utcnow() + self.grace + self.catch_up)
            log.info("quiz: resuming session %s in %s:%s after question %s", rnd.id, rnd.channel, rnd.chat_id,
                     rnd.position + 1)
            self._spawn(rnd.id)
            resumed += 1
        return resumed

    async def close(self) -> None:
        """Stop supervising and driving (shutdown), then hand every session we hold over at once.

        Each task ends only after its database call in flight, and a post already sent, completed (see
        `_to_the_end`); releasing after that means no late claim can take the lease back.
        """
        self._closed = True
        tasks = [task for task in (self._supervisor, *self._tasks.values()) if task is not None]
        self._supervisor = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        released = await self._db(self.records.release_all, self.owner)
        if released:
            log.info("quiz: handed over %d session(s) on shutdown", released)

    # ------------------------------------------------------------ driving a session

    async def _drive(self, round_id: int) -> None:
        try:
            await self._run(round_id)
        except asyncio.CancelledError:
            raise
        except _LeaseLost:
            log.info("quiz: session %s is driven by another worker now", round_id)
        except Exception as exc:
            await self._failed(round_id, exc)
        else:
            self._failures.pop(round_id, None)

    async def _run(self, round_id: int) -> None:
        while True:
            if not await self._db(self.records.claim, round_id, self.owner, self.lease):
                return  # another worker drives it
            rnd = await self._db(self.records.round, round_id)
            if rnd.status == "stopping":
                await self._finish(rnd, stopped=True)
                return
            if rnd.status != "running":
                return
            ask = await self._db(self.records.current_ask, round_id)
            now = utcnow()
            deadline = ask.accept_until or ask.closes_at if ask else None
            if deadline is not None and now < deadline:
                await asyncio.sleep(min(self.tick, (deadline - now).total_seconds()))
                continue
            position = ask.position + 1 if ask else 0
            if position >= rnd.total:
                await self._finish(rnd, stopped=False)
                return
            if position and position % self.leaderboard_every == 0:
                people = await self._db(self.records.participants, rnd.id)
                text = messages.leaderboard(people, position, rnd.total, final=False)
                await self._say(rnd, text, "the leaderboard", lease=True)
            await self._post(rnd, position, seconds=rnd.seconds)

    async def _failed(self, round_id: int, error: Exception) -> None:
        """A drive gave up. It keeps the lease, so the session rests until the lease runs out and the
        supervisor picks it up again — unless it failed too often in a row: then it is stopped."""
        count = self._failures.get(round_id, 0) + 1
        self._failures[round_id] = count
        if count < self.retry.failed_drives:
            log.warning("quiz: session %s failed (%d of %d in a row); it is resumed when its lease runs out",
                        round_id, count, self.retry.failed_drives, exc_info=error)
            return
        self._failures.pop(round_id, None)
        try:
            await self._abandon(round_id, count, error)
        except Exception:
            log.exception("quiz: could not stop session %s after %d failures", round_id, count)

    async def _abandon(self, round_id: int, count: int, error: Exception) -> None:
        """End a session the bot cannot post to (removed from the group, chat gone, platform down for
        long): status "stopped", the answers so far kept for /quiz_results, the lease handed back so the
        chat is free for a new /quiz_start, and one attempt at telling the chat why."""
        if not await self._db(self.records.set_status, round_id, "stopped", only_if=("running", "stopping")):
            return  # finished or stopped meanwhile
        await self._db(self.records.release, round_id, self.owner)
        rnd = await self._db(self.records.round, round_id)
        log.error("quiz: session %s in %s:%s stopped after %d failed attempts in a row (last: %s)", round_id,
                  rnd.channel, rnd.chat_id, count, error)
        try:
            await self.channels[rnd.channel].post_text(rnd.chat_id, messages.SESSION_FAILED)
        except Exception as exc:  # most likely the very reason it stopped
            log.warning("quiz: could not tell %s:%s that session %s stopped: %s", rnd.channel, rnd.chat_id,
                        round_id, exc)

    async def _finish(self, rnd: Round, stopped: bool) -> None:
        channel = self.channels[rnd.channel]
        asks = await self._db(self.records.asks, rnd.id)
        if stopped and asks and asks[-1].closes_at and utcnow() < asks[-1].closes_at:
            try:
                await channel.close_question(rnd.chat_id, asks[-1])
            except Exception:  # the poll may have closed on its own meanwhile
                log.warning("quiz: could not close the last question of session %s", rnd.id, exc_info=True)
            # Votes cast just before the stop may still be on their way: they count, as at a deadline.
            await asyncio.sleep(self.grace.total_seconds())
        status = "stopped" if stopped else "finished"
        if not await self._db(self.records.set_status, rnd.id, status, only_if=("running", "stopping")):
            return  # someone else finished it
        people = await self._db(self.records.participants, rnd.id)
        board = messages.leaderboard(people, len(asks), rnd.total, True, stopped)
        hint = getattr(channel, "review_hint", None)
        if people and hint is not None:
            board += "\n\n" + hint(rnd.id)
        await self._say(rnd, board, "the final leaderboard", lease=True)
        if asks:
            await self._post_results(rnd, asks, people, lease=True)

    async def send_results(self, rnd: Round) -> None:
        """A finished session's results again (`/quiz_results`)."""
        asks = await self._db(self.records.asks, rnd.id)
        people = await self._db(self.records.participants, rnd.id)
        await self._post_results(rnd, asks, people, lease=False)

    async def _post_results(self, rnd: Round, asks: list[Ask], people: list[Participant], *, lease: bool) -> None:
        """A retry after a failed chart may send the CSV again: two copies beat none."""
        csv_data = to_csv(rnd, asks, people, self.bank)
        chart = await asyncio.to_thread(to_chart, rnd, asks, people)
        rates = messages.question_rates(question_rates(asks, people))
        send = partial(self.channels[rnd.channel].post_results, rnd.chat_id, csv_data, chart,
                       messages.results_caption(rnd.id), rates)
        await self._deliver(rnd, send, "the results", lease=lease)

    # ------------------------------------------------------------ reviewing in private

    async def review(self, channel: str, user_id: str, words: str = "", *, limit: int) -> list[str]:
        """`/on_tap [số phiên]` from `user_id` in a private chat: the questions they missed in a group session
        that is over — by default the latest they took part in — each with its provision, as messages of at
        most `limit` characters. Only their own answers, in rounds of this channel they answered in.
        QuizError (its text for the user) when there is nothing to review or the words make no sense."""
        wanted = words.strip().lstrip("#")
        if wanted and not (wanted.isascii() and wanted.isdigit() and len(wanted) <= 12):
            raise QuizError(messages.REVIEW_USAGE)
        if not wanted:
            rnd = await self._db(self.records.last_taken, channel, user_id)
            if rnd is None:
                raise QuizError(messages.REVIEW_NONE)
        else:
            round_id = int(wanted)
            try:
                rnd = await self._db(self.records.round, round_id)
            except KeyError:
                raise QuizError(messages.review_not_found(round_id)) from None
            if rnd.channel != channel or rnd.kind != "group":
                raise QuizError(messages.review_not_found(round_id))
        answers = await self._db(self.records.answers_by, rnd.id, channel, user_id)
        if not answers:
            raise QuizError(messages.review_not_found(rnd.id))
        if not rnd.over:
            raise QuizError(messages.review_not_over(rnd.id))
        asks = await self._db(self.records.asks, rnd.id)
        documents = await asyncio.to_thread(self._documents_by_id)
        found = review.build(rnd, asks, answers, self.bank, documents)
        return review.pack(messages.review_blocks(found), limit)

    def _documents_by_id(self) -> dict[str, Document] | None:
        if self._documents is None:
            return None
        return {d.id: d for d in self._documents()}

    # ------------------------------------------------------------ posting and answers

    async def _post(self, rnd: Round, position: int, seconds: int | None) -> None:
        question = self.bank.get(rnd.question_ids[position])
        if question is None:  # disabled or removed since the round began: skip it, visibly in the results
            await self._db(self.records.record_ask, rnd.id, position, rnd.question_ids[position],
                           list(review.SKIPPED), 0, seconds=1)
            return
        options = list(question.options)
        if question.kind != "true_false" or options != list(TRUE_FALSE):
            random.shuffle(options)
        correct = options.index(question.answer)
        channel = self.channels[rnd.channel]

        async def post_and_record() -> None:
            # One step that shutdown lets finish: a poll that reached the chat is recorded, not posted again.
            opened = utcnow()
            poll_id, message_id = await channel.post_question(rnd.chat_id, question, options, correct, position,
                                                              rnd.total, seconds)
            await self._db(self.records.record_ask, rnd.id, position, question.id, options, correct,
                           seconds=seconds, grace=self.grace, at=opened, poll_id=poll_id, message_id=message_id)

        await self._deliver(rnd, post_and_record, f"question {position + 1}", lease=rnd.kind == "group")
        self._failures.pop(rnd.id, None)  # it can post again: earlier failures no longer count

    async def records_running(self, channel: str, chat_id: str) -> bool:
        return await self._db(self.records.running, channel, chat_id) is not None

    async def answer_poll(self, channel: str, poll_id: str, user_id: str, name: str | None, option: int) -> None:
        ask = await self._db(self.records.ask_by_poll, poll_id)
        for _ in range(10):
            if ask is not None:
                break
            # A quick vote can arrive before the poll is recorded (after sendPoll's reply): wait briefly.
            await asyncio.sleep(0.2)
            ask = await self._db(self.records.ask_by_poll, poll_id)
        if ask is None:
            return  # not one of ours
        await self._answer(channel, ask, user_id, name, option)

    async def answer_letter(self, channel: str, chat_id: str, user_id: str, name: str | None, text: str) -> bool:
        """A reply "A"–"D" in a chat with a round on; False when it is not a quiz answer at all."""
        letter = text.strip().rstrip(".").upper()
        if len(letter) != 1 or letter not in messages.LETTERS:
            return False
        rnd = await self._db(self.records.running, channel, chat_id)
        if rnd is None:
            return False
        ask = await self._db(self.records.current_ask, rnd.id)
        index = messages.LETTERS.index(letter)
        if ask is None or index >= len(ask.options):
            return False
        await self._answer(channel, ask, user_id, name, index)
        return True

    async def _answer(self, channel: str, ask: Ask, user_id: str, name: str | None, option: int) -> None:
        recorded = await self._db(self.records.record_answer, ask.id, channel, user_id, name, option)
        rnd = recorded.round
        if rnd.kind == "practice" and recorded.counted and not recorded.repeat and rnd.status == "running":
            current = await self._db(self.records.current_ask, rnd.id)
            if current is not None and current.id == ask.id:
                await self._practice_next(rnd, ask, option)
