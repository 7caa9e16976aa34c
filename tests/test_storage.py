"""The bot's database on SQLite always, and on a real PostgreSQL server when one is reachable.

Set CONDUCT_TEST_DATABASE_URL (e.g. from `bash scripts/postgres.sh`) to run every test on PostgreSQL
too; each test then gets a schema of its own, dropped afterwards (the fixtures are in conftest.py).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.storage import Store, normalize_url
from bot.storage.tables import Feedback, Question, User

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 3, 10, 15, 0, tzinfo=UTC)


def column(store: Store, query) -> list:
    with store.engine.connect() as conn:
        return list(conn.execute(query).scalars())


def ask(store: Store, text: str | None, *, at: datetime, refused: bool = False, cites: tuple[str, ...] = ()) -> int:
    return store.record_question(
        "telegram", "42", "-1001234567890", text, refused=refused, citations=list(cites), took_ms=12.5, at=at
    )


# Connection set-up


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    path = tmp_path / "nested" / "dir" / "bot.sqlite3"  # parents are created
    store = Store(f"sqlite:///{path}")
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        store.close()
    # WAL is a property of the file: a plain connection that never ran our set-up sees it too.
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert {"users", "questions", "feedback", "admin_audit", "documents"} <= {
            name for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }


def test_postgresql_urls_use_psycopg3():
    assert normalize_url("postgresql://u:p@db:5432/bot").drivername == "postgresql+psycopg"
    assert normalize_url("postgres://u@db/bot").drivername == "postgresql+psycopg"
    assert normalize_url("postgresql+psycopg://u@db/bot").drivername == "postgresql+psycopg"
    assert normalize_url("sqlite:///x.db").drivername == "sqlite"


def test_repr_hides_the_password():
    fake = Store.__new__(Store)  # printing needs no connection
    fake.url = normalize_url("postgresql://bot:secret@db/bot")
    assert "secret" not in repr(fake) and "postgresql+psycopg" in repr(fake)


def test_create_all_is_idempotent_and_keeps_data(make_store):
    first = make_store()
    qid = ask(first, "Có được nhận quà không?", at=NOW)
    second = make_store()  # a second worker starting on the same database
    second.create_all()
    assert column(second, select(Question.id)) == [qid]


def test_in_memory_sqlite_is_shared_between_threads():
    store = Store("sqlite://")
    try:
        thread = threading.Thread(target=store.set_role, args=("telegram", "1", "admin"))
        thread.start()
        thread.join()
        assert store.is_admin("telegram", "1")
    finally:
        store.close()


# Users and roles


def test_roles(store):
    assert not store.is_admin("telegram", "7")
    store.set_role("telegram", "7", "admin")  # before the user ever wrote
    assert store.is_admin("telegram", "7")
    store.touch_user("telegram", "7", "Chị Lan")  # a visit keeps the role
    assert store.is_admin("telegram", "7")
    assert not store.is_admin("zalo", "7")  # roles are per channel
    store.set_role("telegram", "7", "user")
    assert not store.is_admin("telegram", "7")
    with pytest.raises(ValueError):
        store.set_role("telegram", "7", "owner")


def test_touch_user_upserts_and_keeps_a_known_name(store):
    store.touch_user("zalo", "a1b2c3d4e5f6", "Anh Minh")
    first = column(store, select(User.last_seen))[0]
    store.touch_user("zalo", "a1b2c3d4e5f6", None)
    with store.engine.connect() as conn:
        rows = conn.execute(select(User.display_name, User.role, User.first_seen, User.last_seen)).all()
    assert len(rows) == 1
    name, role, first_seen, last_seen = rows[0]
    assert (name, role) == ("Anh Minh", "user")
    assert last_seen >= first and first_seen <= last_seen
    assert last_seen.tzinfo is UTC


def test_telegram_sized_ids_round_trip(store):
    user, chat = 7_123_456_789, -1001234567890  # beyond 32 bits, negative for supergroups
    store.touch_user("telegram", user, "Bot tester")
    store.set_role("telegram", user, "admin")
    assert store.is_admin("telegram", user) and store.is_admin("telegram", str(user))
    qid = store.record_question("telegram", user, chat, "Hỏi", refused=False, citations=["Điều 1"], took_ms=3)
    with store.engine.connect() as conn:
        row = conn.execute(select(Question.user_id, Question.chat_id).where(Question.id == qid)).one()
    assert tuple(row) == ("7123456789", "-1001234567890")
    assert int(row.chat_id) == chat


# Questions and statistics


def test_stats_round_trip(store):
    day = lambda n, hour=10: NOW.replace(hour=hour) - timedelta(days=n)  # noqa: E731
    # Outside the window (8 days ago): must not count anywhere, though it would top the citations.
    for _ in range(3):
        ask(store, "cũ", at=day(7, 23), cites=("Điều 99",))
    ask(store, "câu từ chối cũ", at=day(7), refused=True)
    # Inside: 6 days ago, 3 days ago, today.
    ask(store, "a", at=day(6), cites=("Điều 5", "Điều 6"))
    ask(store, "b", at=day(3, 1), cites=("Điều 5",))
    ask(store, "c", at=day(3, 2), cites=("Điều 6", "Điều 5"))
    ask(store, "Lương hưu tính thế nào?", at=day(3, 3), refused=True, cites=("Điều 7",))  # near misses don't count
    ask(store, "d", at=day(0, 8), cites=("Điều 5",))
    ask(store, "Mức phạt vượt đèn đỏ?", at=day(0, 9), refused=True)
    ask(store, "Thời tiết hôm nay?", at=day(0, 14), refused=True)
    ask(store, "e", at=day(0, 14), cites=())  # answered without a citation: counted, cites nothing

    stats = store.stats(7, now=NOW)
    assert stats.per_day == [
        (date(2025, 3, 4), 1),
        (date(2025, 3, 5), 0),
        (date(2025, 3, 6), 0),
        (date(2025, 3, 7), 3),
        (date(2025, 3, 8), 0),
        (date(2025, 3, 9), 0),
        (date(2025, 3, 10), 4),
    ]
    assert (stats.total, stats.refused) == (8, 3)
    assert stats.refused_share == pytest.approx(3 / 8)
    assert stats.top_citations == [("Điều 5", 3), ("Điều 6", 1)]
    assert stats.unanswered == [
        (day(0, 14), "Thời tiết hôm nay?"),
        (day(0, 9), "Mức phạt vượt đèn đỏ?"),
        (day(3, 3), "Lương hưu tính thế nào?"),
    ]
    assert all(at.tzinfo is UTC for at, _ in stats.unanswered)

    small = store.stats(7, now=NOW, top=1, unanswered=1)
    assert small.top_citations == [("Điều 5", 3)]
    assert small.unanswered == [(day(0, 14), "Thời tiết hôm nay?")]

    wide = store.stats(30, now=NOW)
    assert len(wide.per_day) == 30 and wide.per_day[0][0] == date(2025, 2, 9)
    assert wide.total == 12 and wide.top_citations[0] == ("Điều 5", 3)
    assert wide.top_citations[1] == ("Điều 99", 3)  # ties: alphabetical, so the output is stable

    with pytest.raises(ValueError):
        store.stats(0, now=NOW)


def test_stats_of_an_empty_database(store):
    stats = store.stats(3, now=NOW)
    assert stats.per_day == [(date(2025, 3, 8), 0), (date(2025, 3, 9), 0), (date(2025, 3, 10), 0)]
    assert (stats.total, stats.refused, stats.refused_share) == (0, 0, 0.0)
    assert (stats.top_citations, stats.unanswered, stats.feedback_up, stats.feedback_down) == ([], [], 0, 0)


def test_stats_count_days_in_the_time_zone_of_now(store):
    vietnam = timezone(timedelta(hours=7))
    ask(store, "sau nửa đêm", at=datetime(2025, 3, 9, 18, 30, tzinfo=UTC))  # 01:30 on the 10th in Hà Nội
    in_utc = store.stats(2, now=NOW)
    in_vietnam = store.stats(2, now=NOW.astimezone(vietnam))
    assert in_utc.per_day == [(date(2025, 3, 9), 1), (date(2025, 3, 10), 0)]
    assert in_vietnam.per_day == [(date(2025, 3, 9), 0), (date(2025, 3, 10), 1)]


def test_naive_datetimes_are_refused(store):
    naive = datetime(2025, 3, 10, 12, 0)
    with pytest.raises(ValueError, match="naive"):
        ask(store, "x", at=naive)
    qid = ask(store, "x", at=NOW)
    with pytest.raises(ValueError, match="naive"):
        store.record_feedback(qid, "telegram", "1", 1, at=naive)
    with pytest.raises(ValueError, match="naive"):
        store.stats(now=naive)


def test_content_logging_off_stores_no_text(make_store):
    private = make_store(log_content=False)
    logging = make_store()  # same database, another worker with logging on
    private.record_question("zalo", "u1", "c1", "Câu hỏi riêng tư", refused=True, citations=[], took_ms=1, at=NOW)
    private.record_question("zalo", "u1", "c1", "Câu trả lời", refused=False, citations=["Điều 3"], took_ms=1, at=NOW)
    logging.record_question("zalo", "u2", "c2", "Câu hỏi công khai", refused=True, citations=[], took_ms=1, at=NOW)
    assert sorted(column(private, select(Question.text)), key=str) == ["Câu hỏi công khai", None, None]
    stats = private.stats(1, now=NOW)
    assert (stats.total, stats.refused) == (3, 2)  # still counted
    assert stats.unanswered == [(NOW, "Câu hỏi công khai")]  # but nothing private to show
    assert stats.top_citations == [("Điều 3", 1)]


def test_citations_are_stored_in_order(store):
    qid = ask(store, "q", at=NOW, cites=("điểm a khoản 2 Điều 13 Luật Cán bộ, công chức số 80/2025/QH15", "Điều 9"))
    with store.engine.connect() as conn:
        top, cites = conn.execute(select(Question.top_citation, Question.citations).where(Question.id == qid)).one()
    assert top == "điểm a khoản 2 Điều 13 Luật Cán bộ, công chức số 80/2025/QH15"
    assert cites == [top, "Điều 9"]


# Feedback


def test_feedback_replaces_the_earlier_vote(store):
    qid = ask(store, "q", at=NOW)
    other = ask(store, "q2", at=NOW)
    store.record_feedback(qid, "telegram", "1", 1, at=NOW)
    store.record_feedback(qid, "telegram", "1", -1, at=NOW)  # changed their mind
    store.record_feedback(qid, "telegram", "2", 1, at=NOW)
    store.record_feedback(other, "telegram", "1", 1, at=NOW)
    store.record_feedback(qid, "telegram", "3", -1, at=NOW - timedelta(days=10))  # outside the window
    stats = store.stats(7, now=NOW)
    assert (stats.feedback_up, stats.feedback_down) == (2, 1)
    assert column(store, select(func.count()).select_from(Feedback)) == [4]


def test_feedback_values_and_unknown_questions(store):
    qid = ask(store, "q", at=NOW)
    for bad in (0, 2, -2, True):
        with pytest.raises(ValueError):
            store.record_feedback(qid, "telegram", "1", bad)
    with pytest.raises(KeyError):
        store.record_feedback(qid + 1000, "telegram", "1", 1)
    assert column(store, select(func.count()).select_from(Feedback)) == [0]


# Admin audit


def test_audit_log_newest_first(store):
    store.audit("telegram", 111, "add_document", "80/2025/QH15 (luat.docx)", "ok")
    store.audit("telegram", "111", "remove_document", "99/2099/QH99", "error: no such document")
    store.audit("zalo", "abc", "set_role", "telegram:222 admin", "ok")
    log = store.audit_log()
    assert [(e.channel, e.user_id, e.action, e.result) for e in log] == [
        ("zalo", "abc", "set_role", "ok"),
        ("telegram", "111", "remove_document", "error: no such document"),
        ("telegram", "111", "add_document", "ok"),
    ]
    assert log[2].detail == "80/2025/QH15 (luat.docx)"
    assert all(e.at.tzinfo is UTC and abs(datetime.now(UTC) - e.at) < timedelta(minutes=1) for e in log)
    assert [e.action for e in store.audit_log(limit=1)] == ["set_role"]


# Document registry


def test_document_registry(store):
    store.register_document(
        "80/2025/QH15", "Luật Cán bộ, công chức", "in_force", channel="telegram", user_id=111, source="luat-cbcc.docx"
    )
    store.register_document("52/2019/QH14", "Luật Viên chức (sửa đổi)", "in_force")
    docs = store.documents()
    assert [d.doc_id for d in docs] == ["52/2019/QH14", "80/2025/QH15"]
    cbcc = docs[1]
    assert (cbcc.title, cbcc.status, cbcc.added_by_channel, cbcc.added_by_user, cbcc.source) == (
        "Luật Cán bộ, công chức",
        "in_force",
        "telegram",
        "111",
        "luat-cbcc.docx",
    )
    assert not cbcc.removed and cbcc.removed_at is None and cbcc.added_at.tzinfo is UTC
    assert docs[0].added_by_user is None

    store.mark_document("52/2019/QH14", "amended")
    store.remove_document("80/2025/QH15")
    assert [(d.doc_id, d.status) for d in store.documents()] == [("52/2019/QH14", "amended")]
    removed = {d.doc_id: d for d in store.documents(include_removed=True)}["80/2025/QH15"]
    assert removed.removed and removed.removed_at is not None and removed.added_by_user == "111"

    store.register_document("80/2025/QH15", "Luật Cán bộ, công chức", "in_force", channel="zalo", user_id="z9")
    back = {d.doc_id: d for d in store.documents()}["80/2025/QH15"]
    assert not back.removed and back.removed_at is None and back.added_by_channel == "zalo"
    assert len(store.documents(include_removed=True)) == 2

    with pytest.raises(KeyError):
        store.mark_document("1/2000/QH10", "expired")
    with pytest.raises(KeyError):
        store.remove_document("1/2000/QH10")


# Several workers


def test_two_stores_writing_from_threads_lose_nothing(make_store):
    stores = [make_store(), make_store()]
    seed = ask(stores[0], "seed", at=datetime.now(UTC))
    per_thread, threads = 50, 4  # two threads on each Store: shared engines and separate ones
    barrier = threading.Barrier(threads)
    ids: list[list[int]] = [[] for _ in range(threads)]
    errors: list[BaseException] = []

    def work(n: int) -> None:
        store = stores[n % 2]
        try:
            barrier.wait()
            for i in range(per_thread):
                ids[n].append(
                    store.record_question(
                        "telegram", n, -100 - n, f"q{n}-{i}", refused=i % 5 == 0, citations=["Điều 1"], took_ms=i
                    )
                )
                store.touch_user("telegram", n, f"user {n}")
                store.record_feedback(seed, "telegram", n, 1 if i % 2 else -1)  # read-then-write path
                if i % 10 == 0:
                    store.audit("telegram", n, "reindex", str(i), "ok")
        except BaseException as exc:  # reported below with the thread's context
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors, errors
    every = [qid for chunk in ids for qid in chunk]
    assert len(every) == len(set(every)) == threads * per_thread
    assert len(column(stores[1], select(Question.id))) == threads * per_thread + 1
    assert column(stores[1], select(func.count()).select_from(User)) == [threads]
    assert column(stores[1], select(func.count()).select_from(Feedback)) == [threads]  # one vote each, replaced
    assert len(stores[0].audit_log(limit=1000)) == threads * per_thread // 10
    stats = stores[1].stats(2)
    assert stats.total == threads * per_thread + 1 and stats.refused == threads * per_thread // 5


def test_two_processes_share_a_sqlite_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    Store(url).close()
    code = (
        "import sys\nfrom bot.storage import Store\ns = Store(sys.argv[1])\n"
        "for i in range(50):\n"
        "    s.record_question('zalo', sys.argv[2], 'c', 'q', refused=False, citations=['Điều 2'], took_ms=1)\n"
        "    s.set_role('zalo', sys.argv[2], 'admin' if i % 2 else 'user')\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, url, str(n)], cwd=ROOT, stderr=subprocess.PIPE, text=True)
        for n in range(2)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    store = Store(url)
    try:
        assert store.stats(1).total == 100
        assert store.stats(1).top_citations == [("Điều 2", 100)]
        assert store.is_admin("zalo", "0") and store.is_admin("zalo", "1")
    finally:
        store.close()
