"""Quiz mode on Telegram end to end: the real PTB Application against the fake Bot API server.

A group training session runs with several people answering, a repeated and a late answer, and a
bot restart between two questions; practice in private remembers wrong answers; afterwards each
participant rereads, in private, the provisions behind the questions they missed. Sessions heal: a
502 on one poll is retried, a drive that gave up is picked up by the running bot once its (short)
lease runs out, a bot removed from the group ends the session, and shutdown hands the lease over
even with a poll or a database call in flight.
"""

from __future__ import annotations

import csv
import io
import threading
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from telegram.constants import MessageLimit

from bot.assistant import Assistant
from bot.channels.telegram import build_application
from bot.library import Library
from bot.quiz import messages, review
from bot.quiz.bank import MAX_EXPLANATION, MAX_OPTION, MAX_QUESTION
from bot.quiz.master import RetryPolicy
from bot.storage.quiz import Round
from bot.storage.tables import utcnow
from knowledge_base.provisions import resolve
from tests.fakes.telegram_api import FakeTelegram, run_app
from tests.test_telegram_bot import data  # noqa: F401 - the module's copied data directory fixture

GROUP = -1009876543210
TRAINER, LAN, MINH, HOA = 501, 502, 503, 504


@pytest.fixture
def fake():
    with FakeTelegram() as server:
        yield server
        assert not server.internal_errors, server.internal_errors


def _assistant(settings, library, data_dir, db_path) -> Assistant:  # noqa: F811
    own = replace(settings, data_dir=data_dir, database_url=f"sqlite:///{db_path}", admin_ids=frozenset())
    lib = Library(own)
    lib._embedder = library.embedder
    assistant = Assistant(own, library=lib)
    # A quick session: short grace, fine ticks, a leaderboard every 2 questions.
    assistant.quiz.grace, assistant.quiz.tick, assistant.quiz.leaderboard_every = timedelta(seconds=0.5), 0.2, 2
    return assistant


def _healing(assistant: Assistant, lease: float = 1.0, **retry) -> Assistant:
    """Failures handled at test speed: a short lease, a supervisor looking often, quick retries."""
    quiz = assistant.quiz
    quiz.lease, quiz.sweep, quiz.catch_up = timedelta(seconds=lease), 0.2, timedelta(seconds=0.5)
    quiz.retry = RetryPolicy(**{"backoff": (0.05,), **retry})
    return assistant


def _start(fake: FakeTelegram, words: str) -> int:
    """A trainer's /quiz_start in the group; returns the mark to look for its replies after."""
    mark = fake.mark()
    fake.user_message(f"/quiz_start {words}", user_id=TRAINER, chat_id=GROUP, chat_type="supergroup")
    return mark


def _polls(fake: FakeTelegram, n: int, timeout: float = 15, since: int = 0) -> list:
    """The first n polls Telegram accepted after `since`, once there are n (failed sendPoll calls left out)."""

    def accepted() -> list:
        return [c for c in fake.calls[since:] if c.method == "sendPoll" and c.ok]

    fake.wait_for(lambda _call: len(accepted()) >= n, timeout=timeout, since=since)
    return accepted()[:n]


def _app(fake: FakeTelegram, assistant: Assistant):
    settings = replace(assistant.settings, telegram_token=fake.token, telegram_api_url=fake.url)
    return build_application(settings, assistant)


def _poll(call) -> tuple[str, int, list[str]]:
    poll = call.result["poll"]
    return poll["id"], int(call.params["correct_option_ids"][0]), [o["text"] for o in poll["options"]]


def _wrong(correct: int) -> int:
    return 0 if correct else 1


def test_group_session_with_restart_late_answers_csv_and_chart(fake, settings, library, data, tmp_path):  # noqa: F811
    db = tmp_path / "quiz.sqlite3"
    fake.chat_admins[GROUP] = {TRAINER}
    first = _assistant(settings, library, data, db)

    def before_restart():
        fake.user_message("/quiz_start 3 kỷ luật 5", user_id=LAN, chat_id=GROUP, chat_type="supergroup")
        refused = fake.wait_for(lambda c: c.method == "sendMessage" and c.params["text"] == messages.NOT_TRAINER)
        fake.user_message("/quiz_start 3 kỷ luật 5", user_id=TRAINER, chat_id=GROUP, chat_type="supergroup")
        intro = fake.wait_for(lambda c: c.method == "sendMessage" and "Bắt đầu phiên kiểm tra" in c.params["text"])
        q1 = fake.wait_for_call("sendPoll")
        poll1, right1, _ = _poll(q1)
        fake.poll_answer(poll1, LAN, [right1], first_name="Lan")
        fake.poll_answer(poll1, MINH, [_wrong(right1)], first_name="Minh")
        time.sleep(0.5)  # updates are handled concurrently: let the first vote land before the repeat
        fake.poll_answer(poll1, LAN, [_wrong(right1)], first_name="Lan", delayed=True)  # a repeat changes nothing
        mark = fake.mark()
        fake.user_message("/quiz_start 2", user_id=TRAINER, chat_id=GROUP, chat_type="supergroup")
        fake.wait_for(lambda c: c.method == "sendMessage" and c.params["text"] == messages.BUSY, since=mark)
        q2 = fake.wait_for_call("sendPoll", n=2, timeout=15)
        return refused, intro, q1, q2

    refused, intro, q1, q2 = run_app(_app(fake, first), before_restart)
    assert "kỷ luật" in intro.params["text"] and refused and q1.params["type"] == "quiz"
    for call in (q1, q2):
        assert call.params["is_anonymous"] is False and call.params["open_period"] == 5
        assert len(call.params["question"]) <= MAX_QUESTION and len(call.params["explanation"]) <= MAX_EXPLANATION
        assert all(len(o) <= MAX_OPTION for o in _poll(call)[2])
        assert "Điều" in call.params["explanation"]  # every explanation cites its provision

    # The bot restarts while question 2 is open; Hoa's vote on it reaches the new process late.
    poll1, right1, _ = _poll(q1)
    poll2, right2, _ = _poll(q2)
    second = _assistant(settings, library, data, db)

    def after_restart():
        fake.poll_answer(poll2, HOA, [right2], first_name="Hoa", delayed=True)
        fake.poll_answer(poll2, LAN, [right2], first_name="Lan", delayed=True)
        board = fake.wait_for(lambda c: c.method == "sendMessage" and "Bảng xếp hạng sau 2/3" in c.params["text"],
                              timeout=15)
        q3 = fake.wait_for_call("sendPoll", n=3, timeout=15)
        poll3, right3, _ = _poll(q3)
        fake.poll_answer(poll3, MINH, [right3], first_name="Minh")
        time.sleep(1.0)
        fake.poll_answer(poll1, HOA, [right1], first_name="Hoa", delayed=True)  # long after question 1 closed
        final = fake.wait_for(lambda c: c.method == "sendMessage" and "đã kết thúc" in c.params["text"], timeout=15)
        document = fake.wait_for_call("sendDocument", timeout=15)
        photo = fake.wait_for_call("sendPhoto", timeout=15)
        return board, final, document, photo

    board, final, document, photo = run_app(_app(fake, second), after_restart)
    # Lan: q1 right, q2 right; Hoa: q2 right (q1 late: not counted); Minh: q1 wrong, q3 right.
    assert "Lan: 2 câu đúng" in final.params["text"]
    assert "Hoa: 1 câu đúng" in final.params["text"] and "Minh: 1 câu đúng" in final.params["text"]
    assert final.params["text"].index("Lan") < final.params["text"].index("Hoa")
    assert "Lan: 1 câu đúng" in board.params["text"] or "Lan: 2 câu đúng" in board.params["text"]
    name, content = next(iter(document.files.values()))
    assert name.endswith(".csv")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    by_name = {r[0]: r for r in rows[1:] if r and r[0] in ("Lan", "Minh", "Hoa")}
    assert by_name["Lan"][2:5] == ["2", "2", "3"] and by_name["Hoa"][2] == "1" and by_name["Minh"][2] == "1"
    assert by_name["Hoa"][6] == ""  # question 1: Hoa's late answer is kept out of the score
    _, png = next(iter(photo.files.values()))
    assert png.startswith(b"\x89PNG")
    rnd = second.quiz.records.last_round("telegram", str(GROUP))
    assert rnd is not None and rnd.status == "finished" and rnd.total == 3


def test_quiz_stop_ends_the_session_early_and_closes_the_poll(fake, settings, library, data, tmp_path):  # noqa: F811
    assistant = _assistant(settings, library, data, tmp_path / "stop.sqlite3")
    fake.chat_admins[GROUP] = {TRAINER}

    def scenario():
        fake.user_message("/quiz_start 5 30", user_id=TRAINER, chat_id=GROUP, chat_type="supergroup")
        q1 = fake.wait_for_call("sendPoll")
        poll, right, _ = _poll(q1)
        fake.poll_answer(poll, LAN, [right], first_name="Lan")
        fake.user_message("/quiz_stop", user_id=TRAINER, chat_id=GROUP, chat_type="supergroup")
        stopped = fake.wait_for_call("stopPoll")
        final = fake.wait_for(lambda c: c.method == "sendMessage" and "kết thúc sớm" in c.params["text"])
        fake.wait_for_call("sendPhoto")
        return stopped, final

    stopped, final = run_app(_app(fake, assistant), scenario)
    assert "Lan: 1 câu đúng" in final.params["text"] and "1/5 câu" in final.params["text"]
    assert len(fake.calls_to("sendPoll")) == 1 and stopped.ok


def test_private_practice_asks_wrong_answers_again(fake, settings, library, data, tmp_path):  # noqa: F811
    assistant = _assistant(settings, library, data, tmp_path / "practice.sqlite3")

    def round_of_five(wrong_first: bool) -> list:
        polls = []
        mark = fake.mark()
        fake.user_message("/quiz quà tặng", user_id=LAN, first_name="Lan")
        for i in range(5):
            call = fake.wait_for_call("sendPoll", n=i + 1, since=mark)
            poll, right, _ = _poll(call)
            fake.poll_answer(poll, LAN, [_wrong(right) if (wrong_first and i == 0) else right], first_name="Lan")
            polls.append(call)
        done = fake.wait_for(lambda c: c.method == "sendMessage" and "Kết thúc lượt luyện tập" in c.params["text"],
                             since=mark)
        return polls, done

    def scenario():
        first, done1 = round_of_five(wrong_first=True)
        second, done2 = round_of_five(wrong_first=False)
        fake.user_message("/quiz chủ đề không có", user_id=LAN)
        unknown = fake.wait_for(lambda c: c.method == "sendMessage" and "Không tìm thấy chủ đề" in c.params["text"])
        return first, done1, second, done2, unknown

    first, done1, second, done2, unknown = run_app(_app(fake, assistant), scenario)
    assert "đúng 4/5" in done1.params["text"] and "đúng 5/5" in done2.params["text"]
    assert done1.params["text"].endswith("Gõ /quiz để luyện tiếp.")  # the chat's own way to go on
    assert all(p.params["open_period"] is None if "open_period" in p.params else True for p in first)
    assert second[0].params["question"].split(". ", 1)[1] == first[0].params["question"].split(". ", 1)[1]
    assert "quà tặng" in unknown.params["text"]


# ---------------------------------------------------------------- sessions that heal


def _text_after(fake: FakeTelegram, text: str, since: int, timeout: float = 15):
    return fake.wait_for(lambda c: c.method == "sendMessage" and c.ok and text in c.params["text"], timeout=timeout,
                         since=since)


def test_a_502_on_one_poll_is_retried_and_the_session_goes_on(fake, settings, library, data, tmp_path):  # noqa: F811
    # A long lease: question 2 can only come in time through the retry, not through the supervisor.
    assistant = _healing(_assistant(settings, library, data, tmp_path / "502.sqlite3"), lease=30)
    fake.chat_admins[GROUP] = {TRAINER}

    def scenario():
        _start(fake, "2 5")
        (q1,) = _polls(fake, 1)
        fake.fail_next("sendPoll", 502)  # question 2's first try meets a Bad Gateway
        poll1, right1, _ = _poll(q1)
        fake.poll_answer(poll1, LAN, [right1], first_name="Lan")
        _, q2 = _polls(fake, 2)
        poll2, right2, _ = _poll(q2)
        fake.poll_answer(poll2, LAN, [right2], first_name="Lan")
        final = _text_after(fake, "đã kết thúc", since=0)
        fake.wait_for_call("sendPhoto", timeout=15)
        return final

    final = run_app(_app(fake, assistant), scenario)
    outcomes = [c.error["error_code"] if c.error else "ok" for c in fake.calls_to("sendPoll")]
    assert outcomes == ["ok", 502, "ok"]
    assert "Lan: 2 câu đúng" in final.params["text"] and "(2/2 câu)" in final.params["text"]
    assert assistant.quiz.records.last_round("telegram", str(GROUP)).status == "finished"


def test_a_drive_that_gave_up_is_resumed_by_the_running_bot(fake, settings, library, data, tmp_path):  # noqa: F811
    lease = 1.0
    assistant = _healing(_assistant(settings, library, data, tmp_path / "gaveup.sqlite3"), lease=lease)
    fake.chat_admins[GROUP] = {TRAINER}
    fake.fail_next("sendPoll", 502, times=3)  # every try of the first drive

    def scenario():
        _start(fake, "1 5")
        (q1,) = _polls(fake, 1)
        mark = _start(fake, "1 5")  # the session is alive again, so the group is busy, as it should be
        busy = fake.wait_for(lambda c: c.method == "sendMessage" and c.params["text"] == messages.BUSY, since=mark)
        poll, right, _ = _poll(q1)
        fake.poll_answer(poll, LAN, [right], first_name="Lan")
        final = _text_after(fake, "đã kết thúc", since=0)
        fake.wait_for_call("sendPhoto", timeout=15)
        mark = _start(fake, "1 5")  # and once it is over, a new session starts
        intro = _text_after(fake, "Bắt đầu phiên kiểm tra", since=mark)
        _polls(fake, 1, since=mark)  # let the new session post before the bot stops
        return q1, busy, final, intro

    q1, busy, final, intro = run_app(_app(fake, assistant), scenario)
    failed = [c for c in fake.calls_to("sendPoll") if not c.ok]
    assert [c.error["error_code"] for c in failed] == [502, 502, 502]
    # Not retried at once: the session rested until its lease ran out, then the supervisor took it up.
    assert q1.at - failed[-1].at >= lease / 2
    assert "Lan: 1 câu đúng" in final.params["text"] and busy.ok and intro.ok


def test_a_bot_removed_from_the_group_ends_the_session(fake, settings, library, data, tmp_path):  # noqa: F811
    assistant = _healing(_assistant(settings, library, data, tmp_path / "kicked.sqlite3"), failed_drives=2)
    fake.chat_admins[GROUP] = {TRAINER}
    fake.fail_next("sendPoll", 403, times=2, description="Forbidden: bot was kicked from the supergroup chat")

    def scenario():
        _start(fake, "3 5")
        notice = _text_after(fake, messages.SESSION_FAILED, since=0)
        polls_then = len(fake.calls_to("sendPoll"))
        mark = _start(fake, "1 5")  # the group is free again (the bot was added back meanwhile)
        intro = _text_after(fake, "Bắt đầu phiên kiểm tra", since=mark)
        _polls(fake, 1, since=mark)
        return notice, polls_then, intro

    notice, polls_then, intro = run_app(_app(fake, assistant), scenario)
    assert polls_then == 2  # a permanent error is not retried in place: one try per drive, two drives
    records = assistant.quiz.records
    first = records.round(records.last_round("telegram", str(GROUP)).id - 1)
    assert first.status == "stopped" and first.ended_at is not None and notice.ok and intro.ok


def test_shutdown_during_a_poll_hands_the_session_over_without_posting_it_twice(
        fake, settings, library, data, tmp_path):  # noqa: F811
    db = tmp_path / "inflight.sqlite3"
    # A long lease: if the session is free after shutdown, shutdown released it; it did not run out.
    first = _healing(_assistant(settings, library, data, db), lease=30)
    fake.chat_admins[GROUP] = {TRAINER}
    in_flight = fake.hold_next("sendPoll", 1.5)  # the poll is in the chat; Telegram's reply is slow

    def until_the_poll_is_sent():
        _start(fake, "2 5")
        assert in_flight.wait(15)  # return now: the bot stops while sendPoll waits for its reply

    run_app(_app(fake, first), until_the_poll_is_sent)
    records = first.quiz.records
    rnd = records.last_round("telegram", str(GROUP))
    (q1,) = fake.calls_to("sendPoll")
    assert rnd.status == "running" and rnd.id in [r.id for r in records.orphaned()]
    assert [a.poll_id for a in records.asks(rnd.id)] == [q1.result["poll"]["id"]]  # the late reply was recorded

    second = _healing(_assistant(settings, library, data, db), lease=30)
    q2 = run_app(_app(fake, second), lambda: _polls(fake, 2)[1])
    assert len(fake.calls_to("sendPoll")) == 2 and q2.params["question"] != q1.params["question"]
    assert [a.position for a in records.asks(rnd.id)] == [0, 1]


def test_shutdown_waits_for_a_lease_claim_in_flight_before_releasing(
        fake, settings, library, data, tmp_path, monkeypatch):  # noqa: F811
    """A claim still running in its thread when shutdown cancels the driver must not renew the lease
    after shutdown released it. The claim here is held until the release happened (or 1 s passed)."""
    assistant = _healing(_assistant(settings, library, data, tmp_path / "claim.sqlite3"), lease=30)
    records = assistant.quiz.records
    fake.chat_admins[GROUP] = {TRAINER}
    slow, in_claim, released = threading.Event(), threading.Event(), threading.Event()
    real_claim, real_release_all = records.claim, records.release_all

    def claim(*args, **kwargs):
        if slow.is_set():
            in_claim.set()
            released.wait(1.0)  # a slow disk: without the fix the release comes first, then this renews
        return real_claim(*args, **kwargs)

    def release_all(*args, **kwargs):
        try:
            return real_release_all(*args, **kwargs)
        finally:
            released.set()

    monkeypatch.setattr(records, "claim", claim)
    monkeypatch.setattr(records, "release_all", release_all)

    def scenario():
        _start(fake, "1 30")
        _polls(fake, 1)
        slow.set()
        assert in_claim.wait(10)  # the driver renews its lease every tick; this renewal is in flight

    run_app(_app(fake, assistant), scenario)
    rnd = records.last_round("telegram", str(GROUP))
    assert rnd.status == "running" and rnd.id in [r.id for r in records.orphaned()]


# ---------------------------------------------------------------- reviewing a session in private


def _private_replies(fake: FakeTelegram, text: str, user_id: int, name: str, expect: str) -> list[str]:
    """`text` from `user_id` in their private chat with the bot; every message the bot sent there in reply
    (waiting for one that holds `expect`, then a moment for further parts — or a second, unwanted reply)."""
    mark = fake.mark()
    fake.user_message(text, user_id=user_id, first_name=name)
    fake.wait_for(lambda c: c.method == "sendMessage" and c.ok and str(c.params["chat_id"]) == str(user_id)
                  and expect in c.params["text"], since=mark, timeout=15)
    time.sleep(0.8)
    return [c.params["text"] for c in fake.calls[mark:]
            if c.method == "sendMessage" and str(c.params["chat_id"]) == str(user_id)]


def test_participants_reread_the_provisions_behind_the_questions_they_missed_in_private(
        fake, settings, library, data, tmp_path):  # noqa: F811
    assistant = _assistant(settings, library, data, tmp_path / "review.sqlite3")
    records = assistant.quiz.records
    fake.chat_admins[GROUP] = {TRAINER}

    def scenario():
        _start(fake, "3 5")
        (q1,) = _polls(fake, 1)
        poll1, right1, _ = _poll(q1)
        fake.poll_answer(poll1, LAN, [right1], first_name="Lan")
        fake.poll_answer(poll1, MINH, [right1], first_name="Minh")
        _, q2 = _polls(fake, 2)
        poll2, right2, _ = _poll(q2)
        fake.poll_answer(poll2, LAN, [_wrong(right2)], first_name="Lan")
        fake.poll_answer(poll2, MINH, [right2], first_name="Minh")
        *_, q3 = _polls(fake, 3)
        poll3, right3, _ = _poll(q3)
        fake.poll_answer(poll3, MINH, [right3], first_name="Minh")
        final = _text_after(fake, "đã kết thúc", since=0)
        rid = records.last_round("telegram", str(GROUP)).id
        # Lan's answer to question 3 reaches the bot after the session ended: late, so reviewed as missed.
        fake.poll_answer(poll3, LAN, [right3], first_name="Lan", delayed=True)
        deadline = time.monotonic() + 10
        while len(records.answers_by(rid, "telegram", str(LAN))) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        heading = f"Ôn tập phiên kiểm tra #{rid}"
        replies = {
            "link": _private_replies(fake, f"/start on_tap_{rid}", LAN, "Lan", heading),
            "latest": _private_replies(fake, "/on_tap", LAN, "Lan", heading),
            "all right": _private_replies(fake, "/on_tap", MINH, "Minh", "Chúc mừng"),
            "stranger": _private_replies(fake, "/on_tap", HOA, "Hoa", messages.REVIEW_NONE),
            "not hers": _private_replies(fake, f"/start on_tap_{rid}", HOA, "Hoa", f"#{rid}"),
        }
        mark = fake.mark()
        fake.user_message("/on_tap", user_id=LAN, chat_id=GROUP, chat_type="supergroup", first_name="Lan")
        in_group = _text_after(fake, messages.REVIEW_PRIVATE_ONLY, since=mark)
        return final, rid, replies, in_group

    final, rid, replies, in_group = run_app(_app(fake, assistant), scenario)
    link = f"https://t.me/{fake.bot_username}?start=on_tap_{rid}"
    assert link in final.params["text"] and "/on_tap" in final.params["text"]
    assert final.params["text"].index("Lan") < final.params["text"].index(link)

    bank = assistant.quiz.bank
    documents = {d.id: d for d in assistant.documents()}
    asks = records.asks(rid)
    assert len(replies["link"]) == 1  # the review alone: the deep link's /start does not also send the help
    review = replies["link"][0]
    assert replies["latest"] == [review]  # without a number: the latest session she took part in
    assert "đúng 1/3 câu" in review and "2 câu" in review
    for ask in asks[1:]:  # question 2 answered wrongly, question 3 late
        question = bank.get(ask.question_id)
        assert resolve(question.citation, documents).label in review
        assert f"✅ Đáp án đúng: {ask.options[ask.correct_index]}" in review
        assert question.question in review
    assert bank.get(asks[0].question_id).question not in review  # the one she got right is not there
    assert "❌ Bạn chọn:" in review and "đã hết giờ, nên không được tính" in review
    assert review.index(f"Câu 2: {bank.get(asks[1].question_id).question}") < review.index("Câu 3:")

    assert len(replies["all right"]) == 1 and "đúng cả 3/3 câu" in replies["all right"][0]
    assert replies["stranger"] == [messages.REVIEW_NONE]
    assert replies["not hers"] == [messages.review_not_found(rid)]  # nobody reads another person's mistakes
    assert in_group.params["text"].startswith(messages.REVIEW_PRIVATE_ONLY)
    assert f"https://t.me/{fake.bot_username}?start=on_tap" in in_group.params["text"]
    assert not any(c.method == "sendMessage" and str(c.params["chat_id"]) == str(GROUP) and "Ôn tập" in c.params["text"]
                   for c in fake.calls)


def test_review_texts_are_clipped_at_a_word_and_fit_telegrams_messages():
    words = " ".join(f"quy{i} định" for i in range(400))
    clipped = review.clip(words)
    assert len(clipped) <= review.CLIP and clipped.endswith("…") and words.startswith(clipped[:-1])
    assert words[len(clipped) - 1] == " " or words[len(clipped):].startswith(" ")  # ends after a whole word
    assert review.clip("Ngắn gọn.") == "Ngắn gọn."  # nothing cut, no "…"
    # The quote that proves the answer stays in view even when it sits far into a long article.
    far = review.clip(words, keep="quy390 định")
    assert far.startswith("…") and "quy390 định" in far and len(far) <= review.CLIP

    rnd = Round(7, "telegram", str(GROUP), "group", str(TRAINER), None, 30, [f"q{i}" for i in range(12)], 11,
                "finished", utcnow(), utcnow())
    missed = [review.Missed(i, f"Câu hỏi số {i}?" + " dài" * 70, f"Đáp án {i}", None, False,
                            f"khoản {i} Điều 5 Luật Thử", review.clip(words), "Giải thích." * 15, False)
              for i in range(12)]
    parts = review.pack(messages.review_blocks(review.Review(rnd, 12, 0, missed)), MessageLimit.MAX_TEXT_LENGTH)
    assert len(parts) > 1 and all(len(p) <= MessageLimit.MAX_TEXT_LENGTH for p in parts)
    for i in range(12):  # no question is cut across two messages
        assert sum(f"khoản {i} Điều 5 Luật Thử" in p for p in parts) == 1
