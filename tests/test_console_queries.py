"""What the web console reads: the filtered audit log, questions to review and their verdicts, the
grouping of like questions, and quiz statistics — on SQLite, and on PostgreSQL when it is set up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from bot.review import group, similarity, words
from bot.storage import Store
from bot.storage.quiz import QuizRecords
from bot.storage.tables import Question, QuestionReview

NOW = datetime(2025, 3, 10, 15, 0, tzinfo=UTC)
GIFT = "công chức có được nhận quà không"
GIFT_PLAIN = "cong chuc co duoc nhan qua khong?"
OVERTIME = "viên chức có được làm thêm ngoài giờ không"


def ask(store: Store, text: str | None, at: datetime, *, refused: bool = False, cites: tuple[str, ...] = ()) -> int:
    return store.record_question("telegram", "42", "42", text, refused=refused, citations=list(cites), took_ms=5,
                                 at=at)


def count(store: Store, query) -> int:
    with store.engine.connect() as conn:
        return conn.execute(query).scalar_one()


# Audit log


def test_audit_log_filters(store):
    store.audit("telegram", 111, "add_document", "80/2025/QH15", "ok", at=NOW - timedelta(days=3))
    store.audit("telegram", 111, "remove_document", "99/2099/QH99", "refused: no such document",
                at=NOW - timedelta(days=2))
    store.audit("zalo", "abc", "add_document", "x.docx", "error: unreadable", at=NOW - timedelta(days=1))
    store.audit("web", "alice", "set_role", "telegram:222 admin", "ok: done", at=NOW)
    store.audit("web", "bob", "odd_%_action", "", "ok_%", at=NOW)

    def actions(**kwargs) -> list[str]:
        return [e.action for e in store.audit_log(**kwargs)]

    assert actions() == ["odd_%_action", "set_role", "add_document", "remove_document", "add_document"]
    assert actions(limit=2) == ["odd_%_action", "set_role"]
    assert actions(limit=2, offset=2) == ["add_document", "remove_document"]
    assert actions(action="add_document") == ["add_document", "add_document"]
    assert [e.detail for e in store.audit_log(action="add_document", channel="telegram")] == ["80/2025/QH15"]
    assert actions(user_id=111) == ["remove_document", "add_document"]
    assert actions(result="ok") == ["odd_%_action", "set_role", "add_document"]
    assert actions(result="ok_%") == ["odd_%_action"]  # LIKE wildcards are matched literally
    assert actions(result="refused") == ["remove_document"]
    assert actions(result="error") == ["add_document"]
    assert actions(since=NOW - timedelta(days=1)) == ["odd_%_action", "set_role", "add_document"]
    assert actions(channel="web", result="error") == []
    assert store.audit_actions() == ["add_document", "odd_%_action", "remove_document", "set_role"]


# Questions to review


@pytest.fixture
def questions(make_store) -> tuple[Store, dict[str, int]]:
    """Refused, voted down, voted up only, unlogged, too old, and answered without votes."""
    store, private = make_store(), make_store(log_content=False)
    ids = {
        "gift": ask(store, GIFT, NOW - timedelta(days=1, hours=1), refused=True),
        "gift_plain": ask(store, GIFT_PLAIN, NOW - timedelta(hours=2), cites=("khoản 1 Điều 8", "Điều 9")),
        "liked": ask(store, "công chức có được đánh bạc không", NOW - timedelta(hours=1), cites=("Điều 20",)),
        "unlogged": ask(private, "câu hỏi riêng tư", NOW - timedelta(hours=1), refused=True),
        "old": ask(store, "câu hỏi cũ", NOW - timedelta(days=40), refused=True),
        "quiet": ask(store, "không ai chấm", NOW - timedelta(hours=1), cites=("Điều 3",)),
        "changed_mind": ask(store, "đổi ý", NOW - timedelta(hours=1), cites=("Điều 4",)),
        "overtime": ask(store, OVERTIME, NOW - timedelta(hours=3), refused=True),
        "future": ask(store, "sau thời điểm xem", NOW + timedelta(hours=1), refused=True),
    }
    store.record_feedback(ids["gift_plain"], "telegram", "u1", -1, at=NOW)
    store.record_feedback(ids["gift_plain"], "zalo", "u2", 1, at=NOW)
    store.record_feedback(ids["gift_plain"], "zalo", "u3", -1, at=NOW)
    store.record_feedback(ids["liked"], "telegram", "u1", 1, at=NOW)
    store.record_feedback(ids["changed_mind"], "telegram", "u1", -1, at=NOW)
    store.record_feedback(ids["changed_mind"], "telegram", "u1", 1, at=NOW)
    store.record_feedback(ids["unlogged"], "telegram", "u1", -1, at=NOW)
    return store, ids


def test_review_questions_are_the_refused_and_the_voted_down(questions):
    store, ids = questions
    items = store.review_questions(now=NOW)
    assert [i.id for i in items] == [ids["gift_plain"], ids["overtime"], ids["gift"]]
    plain = items[0]
    assert (plain.text, plain.channel, plain.refused, plain.up, plain.down) == (GIFT_PLAIN, "telegram", False, 1, 2)
    assert plain.citations == ["khoản 1 Điều 8", "Điều 9"] and plain.top_citation == "khoản 1 Điều 8"
    assert plain.asked_at == NOW - timedelta(hours=2) and plain.review is None
    gift = items[2]
    assert (gift.refused, gift.up, gift.down, gift.citations, gift.top_citation) == (True, 0, 0, [], None)
    assert [i.id for i in store.review_questions(now=NOW, limit=1)] == [ids["gift_plain"]]
    assert [i.id for i in store.review_questions(days=1, now=NOW)] == [ids["gift_plain"], ids["overtime"]]
    assert len(store.review_questions(days=60, now=NOW)) == 4  # the old one too


def test_a_later_verdict_replaces_the_earlier(questions):
    store, ids = questions
    store.review_question(ids["gift"], "missing", note="quà tặng dưới 500.000 đồng", by="web:alice")
    store.review_question(ids["gift"], "linked", provision="khoản 1 Điều 8 42/2013/QH13", by="web:bob")
    assert count(store, select(func.count()).select_from(QuestionReview)) == 1
    review = next(i for i in store.review_questions(now=NOW) if i.id == ids["gift"]).review
    assert review is not None
    assert (review.verdict, review.note, review.provision, review.by) == (
        "linked", "", "khoản 1 Điều 8 42/2013/QH13", "web:bob")
    assert review.at.tzinfo is not None and abs(datetime.now(UTC) - review.at) < timedelta(minutes=1)
    with pytest.raises(ValueError):
        store.review_question(ids["gift"], "fixed", by="web:alice")
    with pytest.raises(KeyError):
        store.review_question(max(ids.values()) + 100, "dismissed", by="web:alice")
    with store.engine.begin() as conn:  # a deleted question takes its verdict with it
        conn.execute(delete(Question).where(Question.id == ids["gift"]))
    assert count(store, select(func.count()).select_from(QuestionReview)) == 0


def test_missing_reports_count_each_note(questions):
    store, ids = questions
    store.review_question(ids["gift"], "missing", note="quà tặng", by="web:alice")
    store.review_question(ids["overtime"], "missing", note="làm thêm ngoài giờ", by="web:alice")
    store.review_question(ids["gift_plain"], "missing", note="quà tặng", by="web:bob")
    store.review_question(ids["old"], "dismissed", note="quà tặng", by="web:bob")
    reports = store.missing_reports()
    assert [(note, n) for note, n, _ in reports] == [("quà tặng", 2), ("làm thêm ngoài giờ", 1)]
    assert all(at.tzinfo is not None and abs(datetime.now(UTC) - at) < timedelta(minutes=1) for *_, at in reports)
    store.review_question(ids["gift_plain"], "thesaurus", by="web:bob")  # no longer missing
    # As often as each other now: the one noted most recently comes first.
    assert [(note, n) for note, n, _ in store.missing_reports()] == [("làm thêm ngoài giờ", 1), ("quà tặng", 1)]


def test_like_questions_are_grouped_with_or_without_marks(questions):
    store, ids = questions
    groups = group(store.review_questions(now=NOW))
    assert [[i.id for i in g] for g in groups] == [[ids["gift_plain"], ids["gift"]], [ids["overtime"]]]
    assert words("Cc có đc nhận quà ko?") == words(GIFT)
    assert similarity(words(GIFT), words(OVERTIME)) < 0.5
    assert similarity(frozenset(), frozenset()) == 0.0
    assert group([]) == []


# Quiz statistics


def test_question_rates_and_past_rounds(store):
    records = QuizRecords(store)
    t0 = NOW
    options = ["đúng", "sai", "không rõ"]
    session = records.start_round("telegram", "-100", "group", "admin", ["q-a", "q-b"], topic="quà tặng", seconds=30)
    first = records.record_ask(session.id, 0, "q-a", options, 0, seconds=30, at=t0)
    assert records.record_answer(first.id, "telegram", "u1", "An", 0, at=t0 + timedelta(seconds=5)).counted
    assert records.record_answer(first.id, "telegram", "u2", "Bình", 2, at=t0 + timedelta(seconds=10)).counted
    assert records.record_answer(first.id, "telegram", "u3", "Chi", 0, at=t0 + timedelta(seconds=90)).late
    second = records.record_ask(session.id, 1, "q-b", options, 1, seconds=30, at=t0 + timedelta(seconds=40))
    records.record_answer(second.id, "telegram", "u1", "An", 1, at=t0 + timedelta(seconds=45))
    records.set_status(session.id, "finished")

    practice = records.start_round("zalo", "u9", "practice", "u9", ["q-a"])
    alone = records.record_ask(practice.id, 0, "q-a", options, 0, at=t0 + timedelta(minutes=5))
    records.record_answer(alone.id, "zalo", "u9", "Dũng", 0, at=t0 + timedelta(minutes=6))
    records.set_status(practice.id, "finished")

    records.start_round("telegram", "-200", "group", "admin", ["q-a"], seconds=30)  # still running: not listed
    empty = records.start_round("telegram", "-300", "group", "admin", ["q-b"], seconds=30)
    records.set_status(empty.id, "stopped")

    assert records.question_rates() == {"q-a": (3, 2), "q-b": (1, 1)}
    assert records.question_rates(since=t0 + timedelta(seconds=7)) == {"q-a": (2, 1), "q-b": (1, 1)}
    assert records.question_rates(since=t0 + timedelta(hours=1)) == {}

    past = records.rounds()
    assert [(r.id, r.status, r.participants, r.asked) for r in past] == [(empty.id, "stopped", 0, 0),
                                                                         (session.id, "finished", 3, 2)]
    assert (past[1].topic, past[1].chat_id, past[1].total, past[1].seconds) == ("quà tặng", "-100", 2, 30)
    assert past[1].ended_at is not None
    assert [r.id for r in records.rounds(limit=1)] == [empty.id]
    assert [(r.id, r.participants, r.asked) for r in records.rounds("practice")] == [(practice.id, 1, 1)]
