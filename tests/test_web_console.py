"""The admin console in a real browser (Debian Chromium through Selenium) against the real app served
by uvicorn, on a copy of the real knowledge base and index: what an admin, a trainer and a viewer do.

Every page is saved as a screenshot (artifacts/screenshots, or CONDUCT_SCREENSHOTS), on a laptop
and, for the main pages, on a phone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import yaml

from bot.accounts import Accounts
from bot.assistant import Assistant
from bot.library import Library
from bot.web.app import create_app
from tests.browser import serve_in_thread
from tests.test_kb_changes import DIRECTIVE, SATURDAY  # the small directive the CLI tests add too

pytestmark = pytest.mark.slow

PASSWORD = "mat-khau-du-dai-2026"


@dataclass
class Console:
    base: str
    assistant: Assistant
    data: Path


@pytest.fixture
def console(settings, library, data):
    """The console on a copy of the data directory, with one account per role, served on localhost."""
    s = replace(settings, data_dir=data)
    lib = Library(s)
    lib._embedder = library.embedder  # one model in memory per test run
    assistant = Assistant(s, library=lib)
    accounts = Accounts(assistant.store)
    for name, role in (("quantri", "admin"), ("giangvien", "trainer"), ("nguoixem", "viewer")):
        accounts.add(name, PASSWORD, role)
    with serve_in_thread(create_app(s, assistant), lifespan="off") as base:
        yield Console(base, assistant, data)


def _by(kind: str):  # noqa: ANN202
    from selenium.webdriver.common.by import By

    return getattr(By, kind)


def _text(browser) -> str:  # noqa: ANN001
    return browser.driver.find_element(_by("TAG_NAME"), "body").text


def _click(browser, element) -> None:  # noqa: ANN001
    """Click what submits a form or follows a link, and wait until the next page has replaced this one."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    page = browser.driver.find_element(_by("TAG_NAME"), "html")
    element.click()

    def replaced(_driver) -> bool:  # noqa: ANN001
        try:
            page.is_enabled()
        except WebDriverException:  # stale, or "does not belong to the document" mid-navigation
            return True
        return False

    WebDriverWait(browser.driver, 30).until(replaced)


def _press(browser, css: str) -> None:  # noqa: ANN001
    _click(browser, browser.driver.find_element(_by("CSS_SELECTOR"), css))


def _login(browser, console: Console, name: str, password: str = PASSWORD) -> None:  # noqa: ANN001
    d = browser.driver
    d.get(f"{console.base}/dang-nhap")
    d.find_element(_by("NAME"), "username").send_keys(name)
    d.find_element(_by("NAME"), "password").send_keys(password)
    _press(browser, "#login-form button")


def _wait_for(browser, check, timeout: float = 10) -> None:  # noqa: ANN001
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser.driver, timeout).until(lambda _d: check())


def test_login_wrong_password_then_right_then_every_page(browser, console):
    _login(browser, console, "quantri", "sai-mat-khau-roi")
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in _text(browser)
    browser.screenshot("01-dang-nhap-sai-mat-khau")
    _login(browser, console, "quantri")
    assert "Tổng quan" in _text(browser) and "quantri (quản trị)" in _text(browser)
    cookie = browser.driver.get_cookie("conduct_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    browser.screenshot("02-tong-quan")
    pages = [("03-van-ban", "/van-ban", "Văn bản còn thiếu"),
             ("04-van-ban-80-2025", "/van-ban/xem?so=80/2025/QH15", "Cấu trúc và nội dung"),
             ("05-hieu-luc", "/hieu-luc", "Sổ theo dõi hiệu lực"),
             ("06-cau-hoi", "/cau-hoi", "Câu hỏi chưa trả lời được"),
             ("07-ngan-hang-cau-hoi", "/trac-nghiem", "Ngân hàng câu hỏi trắc nghiệm"),
             ("08-tap-huan", "/tap-huan", "Buổi tập huấn"),
             ("09-nhat-ky", "/nhat-ky", "Nhật ký quản trị"),
             ("10-chi-muc", "/chi-muc", "Xây lại chỉ mục")]
    for name, path, heading in pages:
        browser.driver.get(console.base + path)
        assert heading in _text(browser), path
        browser.screenshot(name)
    # The register's changes show on the document's own page: PCTN khoản 3 Điều 51 lists an abolished form.
    browser.driver.get(console.base + "/van-ban/xem?so=36/2018/QH14")
    assert "khoản 3 Điều 51" in _text(browser) and "Đã thay đổi:" in _text(browser)
    with browser.phone():
        for name, path in (("11-dien-thoai-tong-quan", "/"), ("12-dien-thoai-van-ban", "/van-ban")):
            browser.driver.get(console.base + path)
            width = browser.driver.execute_script("return document.documentElement.scrollWidth")
            assert width <= 400, f"{path} scrolls sideways on a phone ({width}px)"
            browser.screenshot(name)
    audit = console.assistant.store.audit_log(10, action="login")
    assert [e.result.split(":")[0] for e in audit[:2]] == ["ok", "refused"]


def test_upload_preview_confirm_then_a_chat_answer_cites_it_and_supersede_changes_its_label(browser, console,
                                                                                          tmp_path):
    _login(browser, console, "quantri")
    d = browser.driver
    d.get(console.base + "/van-ban")
    before = len(console.assistant.library.documents())
    broken = tmp_path / "hong.pdf"
    broken.write_bytes(b"%PDF-1.4 \x00\x01 this is not a pdf at all")
    d.find_element(_by("NAME"), "file").send_keys(str(broken))
    _press(browser, "#upload-form button")
    assert "hong.pdf" in _text(browser) and "Cơ sở tri thức không thay đổi." in _text(browser)
    browser.screenshot("13-tai-len-tep-hong")
    assert len(console.assistant.library.documents()) == before

    good = tmp_path / "qd-77.txt"
    good.write_text(DIRECTIVE, encoding="utf-8")
    d.find_element(_by("NAME"), "file").send_keys(str(good))
    _press(browser, "#upload-form button")
    preview = d.find_element(_by("ID"), "preview").text
    assert "Số hiệu: 77/QĐ-UBND" in preview and "Tìm thấy: 2 điều" in preview
    browser.screenshot("14-xem-truoc-van-ban")
    assert console.assistant.library.document("77/QĐ-UBND") is None  # nothing before the confirmation
    _press(browser, "#confirm-form button")
    assert "Điều 1. Giờ tiếp nhận hồ sơ" in _text(browser)
    browser.screenshot("15-van-ban-moi")

    asked = console.assistant.ask("telegram", "501", "501", SATURDAY)
    first = asked.answer.citations[0]
    assert first.doc == "77/QĐ-UBND" and "thứ Bảy" in first.text
    assert "hết hiệu lực" not in first.validity

    d.find_element(_by("NAME"), "by").send_keys("80/2025/QH15")
    _press(browser, "#supersede-form button")
    assert "hết hiệu lực" in d.find_element(_by("ID"), "validity-label").text
    again = console.assistant.ask("telegram", "501", "501", SATURDAY)
    cited = next(c for c in again.answer.citations if c.doc == "77/QĐ-UBND")
    assert cited.validity.startswith("hết hiệu lực")
    assert "được thay thế bởi văn bản số 80/2025/QH15" in again.answer.answer
    actions = [(e.channel, e.user_id, e.action, e.result) for e in console.assistant.store.audit_log(10)]
    assert ("web", "quantri", "mark_superseded", "ok") in actions
    assert ("web", "quantri", "add_document", "ok") in actions


def test_a_form_without_the_right_csrf_token_is_refused_and_changes_nothing(browser, console):
    _login(browser, console, "quantri")
    d = browser.driver
    d.get(console.base + "/van-ban/xem?so=42/2013/QH13")
    d.execute_script("document.querySelector('#supersede-form input[name=csrf_token]').value = 'gia-mao';")
    _press(browser, "#supersede-form button")
    assert "mã CSRF không đúng" in d.find_element(_by("ID"), "error-message").text
    browser.screenshot("16-csrf-bi-tu-choi")
    assert console.assistant.library.document("42/2013/QH13").validity.status.value != "superseded"
    # The same form with its own token works: the refusal was the token's doing.
    d.get(console.base + "/van-ban/xem?so=42/2013/QH13")
    assert d.find_element(_by("CSS_SELECTOR"), "#supersede-form input[name=csrf_token]").get_attribute("value")


def test_a_viewer_sees_everything_and_can_change_nothing(browser, console):
    _login(browser, console, "nguoixem")
    d = browser.driver
    d.get(console.base + "/van-ban")
    assert "Thêm văn bản" not in _text(browser)
    d.get(console.base + "/van-ban/xem?so=42/2013/QH13")
    assert not d.find_elements(_by("ID"), "supersede-form")
    d.get(console.base + "/trac-nghiem")
    assert not d.find_elements(_by("CSS_SELECTOR"), "button[name=do-approve]")
    # A form posted anyway (with a valid token from the page) is refused by role.
    d.execute_script("""
        const f = document.createElement('form'); f.method = 'post'; f.action = arguments[0];
        for (const [k, v] of [['doc', '42/2013/QH13'], ['by', ''],
                              ['csrf_token', document.querySelector('input[name=csrf_token]').value]]) {
          const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i); }
        document.body.appendChild(f); f.submit();""", console.base + "/van-ban/het-hieu-luc")
    _wait_for(browser, lambda: "Không có quyền" in _text(browser))
    browser.screenshot("17-nguoi-xem-khong-co-quyen")
    assert console.assistant.library.document("42/2013/QH13").validity.status.value != "superseded"


def _a_generated_question(console: Console):  # noqa: ANN202
    bank = console.assistant.library.quiz_bank()
    return next(q for q in bank.questions if q.origin == "generated" and q.kind == "multiple_choice"
                and not q.reviewed and len(q.options) == 4 and q.enabled)


def test_a_trainer_approves_and_edits_a_quiz_question_and_an_invalid_edit_is_refused(browser, console):
    from selenium.webdriver.support.ui import Select

    q = _a_generated_question(console)
    bank_file = console.data / "knowledge_base" / "quiz" / "generated.yaml"
    _login(browser, console, "giangvien")
    d = browser.driver
    d.get(f"{console.base}/trac-nghiem?chu_de={q.topic}")
    _press(browser, f"#q-{q.id} button[name=do-approve]")
    assert f"Câu {q.id}: đã duyệt" in _text(browser)
    assert console.assistant.library.quiz_bank().get(q.id).reviewed
    browser.screenshot("18-duyet-cau-hoi")

    d.get(f"{console.base}/trac-nghiem/sua?id={q.id}")
    right = q.options.index(q.answer) + 1
    wrong = next(i for i in range(1, 5) if i != right)
    before = bank_file.read_bytes()
    Select(d.find_element(_by("NAME"), "answer")).select_by_value(str(wrong))
    _wait_for(browser, lambda: "đáp án đúng không phải là lời văn" in d.find_element(_by("ID"), "quiz-problems").text)
    browser.screenshot("19-sua-cau-hoi-loi-hien-ngay")
    _press(browser, "#quiz-form button[type=submit]")
    assert "Chưa lưu được" in _text(browser)
    assert bank_file.read_bytes() == before  # refused: the bank in service is untouched

    Select(d.find_element(_by("NAME"), "answer")).select_by_value(str(right))
    explanation = d.find_element(_by("NAME"), "explanation")
    explanation.clear()
    explanation.send_keys("Giải thích do giảng viên viết lại.")
    _wait_for(browser, lambda: "Câu hỏi hợp lệ" in d.find_element(_by("ID"), "quiz-problems").text)
    _press(browser, "#quiz-form button[type=submit]")
    assert f"Đã lưu câu {q.id}" in _text(browser)
    saved = {e["id"]: e for e in yaml.safe_load(bank_file.read_text(encoding="utf-8"))}[q.id]
    assert saved["explanation"] == "Giải thích do giảng viên viết lại." and saved["reviewed"] is True
    assert console.assistant.library.quiz_bank().get(q.id).explanation == "Giải thích do giảng viên viết lại."
    actions = [(e.user_id, e.action, e.result.split(":")[0]) for e in console.assistant.store.audit_log(10)]
    assert ("giangvien", "quiz_edit", "refused") in actions and ("giangvien", "quiz_edit", "ok") in actions


def test_unanswered_questions_are_grouped_and_an_admin_teaches_search_and_keeps_a_regression_case(browser, console):
    store = console.assistant.store
    first = console.assistant.ask("telegram", "7", "7",
                                  "Công chức đi công tác nước ngoài được thanh toán tiền khách sạn bao nhiêu một đêm?")
    console.assistant.ask("zalo", "8", "8",
                          "cong chuc di cong tac nuoc ngoai dc thanh toan tien khach san bao nhieu 1 dem")
    console.assistant.ask("telegram", "9", "9", "Mức lương cơ sở năm nay là bao nhiêu?")
    down = console.assistant.ask("telegram", "7", "7", "Khi tiếp dân công chức có phải đeo thẻ không?")
    store.record_feedback(down.question_id, "telegram", "7", -1)
    _login(browser, console, "quantri")
    d = browser.driver
    d.get(console.base + "/cau-hoi")
    groups = d.find_elements(_by("CSS_SELECTOR"), ".question-group")
    texts = [g.text for g in groups]
    hotel = [t for t in texts if "khách sạn" in t]
    assert len(hotel) == 1 and "2 câu tương tự" in hotel[0], texts  # one group for the two ways of asking
    assert any("đeo thẻ" in t and "1 chưa tốt" in t for t in texts)
    browser.screenshot("20-cau-hoi-chua-tra-loi")

    group = next(g for g in groups if "khách sạn" in g.text)
    group.find_element(_by("TAG_NAME"), "summary").click()
    form = group.find_element(_by("CSS_SELECTOR"), ".review-thesaurus")
    form.find_element(_by("NAME"), "phrase").send_keys("khách sạn")
    form.find_element(_by("NAME"), "terms").send_keys("tiền thuê phòng nghỉ, công tác phí")
    _click(browser, form.find_element(_by("TAG_NAME"), "button"))
    assert "Đã thêm vào từ điển cách nói" in _text(browser)
    analysed = console.assistant.answerer().pipeline.run("khách sạn thì sao").query.text
    assert "tiền thuê phòng nghỉ, công tác phí" in analysed  # the next question reads it, no reindex

    d.get(console.base + "/cau-hoi?tat_ca=1")
    group = next(g for g in d.find_elements(_by("CSS_SELECTOR"), ".question-group") if "đeo thẻ" in g.text)
    group.find_element(_by("TAG_NAME"), "summary").click()
    form = group.find_element(_by("CSS_SELECTOR"), ".review-linked")
    form.find_element(_by("NAME"), "provision").send_keys("khoản 1 Điều 8 42/2013/QH13")
    _click(browser, form.find_element(_by("TAG_NAME"), "button"))
    assert "Đã lưu làm câu kiểm thử r001" in _text(browser)
    case = json.loads((console.data / "regression.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert case["question"] == "Khi tiếp dân công chức có phải đeo thẻ không?"
    assert case["gold"] == [{"doc": "42/2013/QH13", "article": "8", "clause": "1"}]
    assert first.question_id != down.question_id


def test_a_training_session_page_shows_its_leaderboard_rates_and_csv(browser, console):
    records = console.assistant.quiz.records
    bank = console.assistant.library.quiz_bank()
    questions = bank.enabled()[:3]
    rnd = records.start_round("telegram", "-100", "group", "42", [q.id for q in questions], topic="tổng hợp")
    for position, q in enumerate(questions):
        ask = records.record_ask(rnd.id, position, q.id, q.options, q.answer_index)
        records.record_answer(ask.id, "telegram", "1", "Nguyễn Văn An", q.answer_index)
        records.record_answer(ask.id, "telegram", "2", "Trần Thị Bình", (q.answer_index + 1) % len(q.options)
                              if position else q.answer_index)
    records.set_status(rnd.id, "finished")
    _login(browser, console, "giangvien")
    d = browser.driver
    d.get(console.base + "/tap-huan")
    _click(browser, d.find_element(_by("LINK_TEXT"), f"#{rnd.id}"))
    board = d.find_element(_by("ID"), "leaderboard").text
    assert board.index("Nguyễn Văn An") < board.index("Trần Thị Bình") and "3" in board
    assert "Câu 1" in d.find_element(_by("CSS_SELECTOR"), "svg.chart").get_attribute("innerHTML")
    browser.screenshot("21-buoi-tap-huan")
    cookies = {c["name"]: c["value"] for c in d.get_cookies()}
    import httpx

    csv = httpx.get(f"{console.base}/tap-huan/{rnd.id}/csv", cookies=cookies).content.decode("utf-8-sig")
    assert "Nguyễn Văn An" in csv and "Tỉ lệ đúng (%)" in csv
