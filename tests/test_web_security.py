"""The console's security and plumbing over HTTP (Starlette's test client, the real app, the real
database on SQLite and PostgreSQL): login rate limit on an injected clock, cookie flags, CSRF,
roles, the /admin mount in the webhook app, the questions page's actions, a reindex with progress,
and `conduct-bot serve web` started as a real process."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import replace

import httpx
import pytest
from starlette.testclient import TestClient

from bot.accounts import Accounts
from bot.assistant import Assistant
from bot.library import Library
from bot.web.app import create_app

pytestmark = pytest.mark.slow
PASSWORD = "mat-khau-du-dai-2026"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def assistant(settings, library, data, store):
    s = replace(settings, data_dir=data, database_url=store.url.render_as_string(hide_password=False))
    lib = Library(s)
    lib._embedder = library.embedder
    made = Assistant(s, library=lib, store=store)
    accounts = Accounts(store)
    accounts.add("quantri", PASSWORD, "admin")
    accounts.add("nguoixem", PASSWORD, "viewer")
    accounts.add("giangvien", PASSWORD, "trainer")
    return made


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _login(client: TestClient, name: str, password: str = PASSWORD, prefix: str = "") -> httpx.Response:
    page = client.get(f"{prefix}/dang-nhap")
    return client.post(f"{prefix}/dang-nhap", data={"csrf_token": _token(page.text), "username": name,
                                                    "password": password})


def test_login_is_rate_limited_per_address_and_name_on_the_clock_and_audited(assistant):
    clock = Clock()
    client = TestClient(create_app(assistant.settings, assistant, clock=clock))
    for _ in range(5):
        assert _login(client, "quantri", "sai-mat-khau-roi").status_code == 401
    blocked = _login(client, "quantri")  # even the right password waits now
    assert blocked.status_code == 429 and "Hãy thử lại sau 15 phút." in blocked.text
    clock.now += 60 * 14
    assert _login(client, "quantri").status_code == 429
    clock.now += 61
    ok = _login(client, "quantri")
    assert ok.status_code == 200 and "Tổng quan" in ok.text
    results = [e.result.split(":")[0] for e in assistant.store.audit_log(20, action="login")]
    assert results.count("refused") == 7 and results[0] == "ok"


def test_cookies_headers_and_csrf(assistant):
    secure = replace(assistant.settings, web_secure_cookies=True)
    client = TestClient(create_app(secure, assistant), base_url="https://testserver")
    response = _login(client, "quantri")
    cookie = response.history[0].headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    # A change without the token, or with another session's token, is refused and changes nothing.
    for token in ("", "gia-mao"):
        refused = client.post("/van-ban/het-hieu-luc", data={"csrf_token": token, "doc": "42/2013/QH13"})
        assert refused.status_code == 403 and "CSRF" in refused.text
    assert assistant.library.document("42/2013/QH13").validity.status.value != "superseded"


def test_a_viewer_is_refused_every_change(assistant):
    client = TestClient(create_app(assistant.settings, assistant))
    page = _login(client, "nguoixem")
    token = _token(page.text)
    attempts = [("/van-ban/het-hieu-luc", {"doc": "42/2013/QH13"}), ("/van-ban/go-bo", {"doc": "42/2013/QH13"}),
                ("/trac-nghiem/co", {"id": "x", "action": "approve"}), ("/chi-muc", {}),
                ("/cau-hoi/danh-dau", {"question_id": "1", "verdict": "dismissed"}),
                ("/hieu-luc", {"unit": "Điều 1 42/2013/QH13", "change": "bãi bỏ", "by": "x", "since": "01/01/2026"})]
    for path, fields in attempts:
        response = client.post(path, data={"csrf_token": token, **fields})
        assert response.status_code == 403 and "Không có quyền" in response.text, path
    assert client.get("/trac-nghiem").status_code == 200  # but reads everything


def test_the_webhook_app_serves_the_console_under_admin(assistant):
    from bot.channels.webhook import create_app as webhook_app

    settings = replace(assistant.settings, webhook_secret="bi-mat-webhook-123", telegram_token="")
    client = TestClient(webhook_app(settings, assistant, register=False))
    first = client.get("/admin/", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/admin/dang-nhap?next=/"
    page = _login(client, "quantri", prefix="/admin")
    assert page.status_code == 200 and 'href="/admin/van-ban"' in page.text and "/admin/tinh/console.css" in page.text
    assert client.get("/admin/tinh/console.css").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_questions_page_marks_a_missing_source_and_the_documents_page_lists_it(assistant):
    asked = assistant.ask("telegram", "5", "5", "Mức lương cơ sở năm nay là bao nhiêu?")
    assert asked.answer.refused
    client = TestClient(create_app(assistant.settings, assistant))
    page = _login(client, "quantri")
    listing = client.get("/cau-hoi")
    assert "Mức lương cơ sở năm nay" in listing.text
    done = client.post("/cau-hoi/danh-dau", data={"csrf_token": _token(page.text), "verdict": "missing",
                                                 "question_id": str(asked.question_id),
                                                 "note": "Nghị định về lương cơ sở năm 2026"})
    assert "Đã ghi vào danh sách văn bản còn thiếu: Nghị định về lương cơ sở năm 2026." in done.text
    missing = client.get("/van-ban").text.split('id="missing"')[1]
    assert "Nghị định về lương cơ sở năm 2026 <span class=\"muted\">(1 câu hỏi)</span>" in missing
    assert "Mức lương cơ sở năm nay" not in client.get("/cau-hoi").text  # handled: off the pending list
    empty = client.post("/cau-hoi/danh-dau", data={"csrf_token": _token(page.text),
                                                   "question_id": str(asked.question_id), "verdict": "linked",
                                                   "provision": "Điều 999 42/2013/QH13"})
    assert "Không tìm thấy quy định này trong kho" in empty.text


def test_reindex_from_the_console_reports_progress_until_done(assistant):
    client = TestClient(create_app(assistant.settings, assistant))
    page = _login(client, "quantri")
    started = client.post("/chi-muc", data={"csrf_token": _token(page.text)})
    assert started.status_code == 200 and 'data-running="1"' in started.text
    deadline = time.monotonic() + 600
    state = client.get("/chi-muc/tien-do").json()
    seen = set(state["lines"])
    while state["running"] and time.monotonic() < deadline:
        time.sleep(0.2)
        state = client.get("/chi-muc/tien-do").json()
        seen.update(state["lines"])
    assert not state["running"] and not state["failed"] and state["result"].startswith("Đã xây xong chỉ mục mới")
    assert any("văn bản" in line for line in seen)
    assert ("web", "quantri", "reindex", "ok") in [(e.channel, e.user_id, e.action, e.result)
                                                   for e in assistant.store.audit_log(5)]


def test_serve_web_runs_the_console_as_a_process(settings, data):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "CONDUCT_DATA_DIR": str(data)}
    add = subprocess.run([sys.executable, "-m", "bot", "admin", "add-user", "quantri", "--role", "admin",
                          "--password-stdin"], input=PASSWORD.encode(), env=env, capture_output=True, timeout=120)
    assert add.returncode == 0, add.stderr.decode()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "web", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/dang-nhap", timeout=5)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read().decode()
                assert time.monotonic() < deadline, "serve web did not start"
                time.sleep(0.5)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            client.cookies.update(page.cookies)
            home = client.post("/dang-nhap", data={"csrf_token": _token(page.text), "username": "quantri",
                                                   "password": PASSWORD}, follow_redirects=True)
            assert home.status_code == 200 and "Tổng quan" in home.text and "quantri" in home.text
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_trainer_adds_a_curated_question_checked_against_its_source(assistant):
    import yaml

    source = next(q for q in assistant.library.quiz_bank().questions if q.kind == "multiple_choice"
                  and len(q.options) == 4)
    fields = {"id": "tu-viet-mot", "kind": "multiple_choice", "topic": source.topic, "difficulty": "vừa",
              "question": source.question, "options": "\n".join(source.options),
              "answer": str(source.options.index(source.answer) + 1), "doc": source.citation.doc,
              "article": source.citation.article or "", "clause": source.citation.clause or "",
              "point": source.citation.point or "", "quote": source.quote, "explanation": source.explanation,
              "enabled": "y"}
    client = TestClient(create_app(assistant.settings, assistant))
    page = _login(client, "giangvien")
    token = _token(page.text)
    wrong = {**fields, "answer": str((source.options.index(source.answer) + 1) % 4 + 1)}
    checked = client.post("/trac-nghiem/kiem-tra", data={"csrf_token": token, **wrong}).json()
    assert not checked["ok"] and any("đáp án đúng không phải là lời văn" in p for p in checked["problems"])
    assert client.post("/trac-nghiem/kiem-tra", data={"csrf_token": token, **fields}).json() == {
        "ok": True, "problems": []}
    refused = client.post("/trac-nghiem/sua", data={"csrf_token": token, **wrong})
    assert refused.status_code == 400 and "Chưa lưu được" in refused.text
    saved = client.post("/trac-nghiem/sua", data={"csrf_token": token, **fields})
    assert "Đã lưu câu tu-viet-mot (đã duyệt)." in saved.text
    curated = yaml.safe_load((assistant.settings.kb_dir / "quiz" / "curated.yaml").read_text(encoding="utf-8"))
    added = next(e for e in curated if e["id"] == "tu-viet-mot")
    assert added["reviewed"] is True and added["answer"] == source.answer
    assert assistant.library.quiz_bank().get("tu-viet-mot") is not None
    again = client.post("/trac-nghiem/sua", data={"csrf_token": token, **fields})
    assert again.status_code == 400 and "mã câu hỏi tu-viet-mot đã có" in again.text


def test_trainers_see_questions_everyone_gets_right_flagged_for_review(assistant):
    from bot.quiz.results import rate_rules

    records = assistant.quiz.records
    easy, hard = assistant.library.quiz_bank().enabled()[:2]
    people = rate_rules().flag_after
    for n in range(people):
        rnd = records.start_round("telegram", f"{900 + n}", "practice", f"{900 + n}", [easy.id, hard.id])
        for position, q in enumerate((easy, hard)):
            ask = records.record_ask(rnd.id, position, q.id, q.options, q.answer_index)
            wrong = (q.answer_index + 1) % len(q.options)
            records.record_answer(ask.id, "telegram", f"{900 + n}", None, q.answer_index if q is easy else wrong)
    client = TestClient(create_app(assistant.settings, assistant))
    _login(client, "giangvien")
    page = client.get("/trac-nghiem", params={"duyet": "xem_lai"}).text
    assert "Cần xem lại theo tỉ lệ đúng (2)" in page
    rows = {m.group(1): m.group(2) for m in re.finditer(r'<tr id="q-([^"]+)">(.*?)</tr>', page, re.S)}
    assert set(rows) == {easy.id, hard.id}
    assert f"{people}/{people} (100%)" in rows[easy.id] and "quá dễ" in rows[easy.id]
    assert f"0/{people} (0%)" in rows[hard.id] and "quá khó" in rows[hard.id] and "theo kết quả: khó" in rows[hard.id]


def test_an_admin_removes_a_document_sees_it_in_the_history_and_restores_it(assistant):
    client = TestClient(create_app(assistant.settings, assistant))
    token = _token(_login(client, "quantri").text)
    doc = "64/2014/NĐ-CP"
    removed = client.post("/van-ban/go-bo", data={"csrf_token": token, "doc": doc, "reason": "thử gỡ"})
    assert removed.status_code == 200 and assistant.library.document(doc) is None
    history = client.get("/van-ban/lich-su").text
    row = next(r for r in re.findall(r"<tr>.*?</tr>", history, re.S) if doc in r)
    assert "thử gỡ" in row and "web:quantri" in row and "Khôi phục" in row
    number = re.search(r'name="version" value="(\d+)"', row).group(1)
    restored = client.post("/van-ban/khoi-phuc", data={"csrf_token": token, "doc": doc, "version": number})
    assert restored.status_code == 200 and "Cấu trúc và nội dung" in restored.text
    assert assistant.library.document(doc) is not None
    actions = [(e.action, e.result) for e in assistant.store.audit_log(5, channel="web")]
    assert ("remove_document", "ok") in actions and ("restore_document", "ok") in actions
