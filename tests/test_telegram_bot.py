"""The Telegram bot end to end: the real PTB Application, over HTTP, against a fake Bot API server.

The assistant behind it is the real one (real index, real model, SQLite), in a data directory of
its own so uploads and rebuilds here never disturb the other tests' index.
"""

from __future__ import annotations

import shutil
import threading
from dataclasses import replace

import pytest

from bot import messages
from bot.assistant import Assistant
from bot.channels.telegram import build_application
from bot.library import Library
from tests.fakes.telegram_api import BOT_USERNAME, DEFAULT_USER_ID, FakeTelegram, run_app

ADMIN = 4242
BADGE = "Khi tiếp dân công chức có phải đeo thẻ không?"


@pytest.fixture(scope="module")
def data(settings, library, tmp_path_factory):
    """A copy of the session's knowledge base and index: cheap, and ours to change."""
    root = tmp_path_factory.mktemp("telegram-data")
    library.ensure_index(progress=False)
    for name in ("knowledge_base", "index", "cache"):
        if (settings.data_dir / name).exists():
            shutil.copytree(settings.data_dir / name, root / name, symlinks=True)
    return root


@pytest.fixture
def fake():
    with FakeTelegram() as server:
        yield server
        assert not server.internal_errors, server.internal_errors


@pytest.fixture
def assistant(settings, library, data, tmp_path):
    own = replace(settings, data_dir=data, database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
                  admin_ids=frozenset({("telegram", str(ADMIN))}), questions_per_minute=30)
    lib = Library(own)
    lib._embedder = library.embedder  # one model in memory for the whole test run
    return Assistant(own, library=lib)


def _app(fake: FakeTelegram, assistant: Assistant):
    settings = replace(assistant.settings, telegram_token=fake.token, telegram_api_url=fake.url)
    return build_application(settings, assistant)


def _html(call) -> str:
    return call.params["text"]


def test_question_is_answered_with_citation_and_buttons(fake, assistant):
    def scenario():
        fake.user_message(BADGE)
        typing = fake.wait_for_call("sendChatAction")
        reply = fake.wait_for_call("sendMessage")
        return typing, reply

    typing, reply = run_app(_app(fake, assistant), scenario)
    assert typing.params["action"] == "typing"
    assert reply.params["parse_mode"] == "HTML"
    assert "<b>Nguồn:</b>" in _html(reply) and "đeo thẻ" in _html(reply)
    buttons = [b for row in reply.params["reply_markup"]["inline_keyboard"] for b in row]
    texts = [b["text"] for b in buttons]
    assert any(t.startswith("📄 Xem toàn văn Điều") for t in texts) and "👍" in texts and "👎" in texts
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)
    assert assistant.store.stats().total == 1


def test_html_and_markdown_in_a_question_are_never_markup(fake, assistant):
    question = "<b>Công chức</b> & <i>viên chức</i> có được *nhận quà* [tết](http://x) không? </pre>"

    def scenario():
        fake.user_message(question)
        return fake.wait_for_call("sendMessage")

    reply = run_app(_app(fake, assistant), scenario)
    assert reply.ok, reply.describe()  # the fake rejects bad HTML as Telegram would
    assert "<i>viên chức</i>" not in _html(reply) and "</pre>" not in _html(reply)


def test_huge_message_is_answered_in_parts_under_the_limit(fake, assistant):
    question = (BADGE + " ") * 250  # ~12,000 characters

    def scenario():
        fake.user_message(question)
        return fake.wait_for_call("sendMessage")

    reply = run_app(_app(fake, assistant), scenario)
    assert reply.ok
    visible = fake.sent_texts()
    assert visible and all(len(t) <= 4096 for t in visible)
    assert "chỉ dùng phần đầu" in visible[0]


def test_sticker_and_photo_get_a_polite_text_only_reply(fake, assistant):
    def scenario():
        fake.sticker_message()
        fake.wait_for_call("sendMessage")
        fake.photo_message()
        fake.wait_for_call("sendMessage", n=2)

    run_app(_app(fake, assistant), scenario)
    assert fake.sent_texts() == [messages.TEXT_ONLY, messages.TEXT_ONLY]


def test_group_answers_only_when_addressed(fake, assistant):
    group = -1009876543210

    def scenario():
        fake.user_message("Hôm nay họp lúc mấy giờ?", chat_id=group, chat_type="supergroup")
        fake.user_message(f"@{BOT_USERNAME} {BADGE}", chat_id=group, chat_type="supergroup")
        return fake.wait_for_call("sendMessage")

    reply = run_app(_app(fake, assistant), scenario)
    assert str(reply.params["chat_id"]) == str(group)
    assert len(fake.calls_to("sendMessage")) == 1  # the unaddressed message got nothing
    assert assistant.store.stats().total == 1


def test_buttons_show_the_article_and_record_feedback(fake, assistant):
    def scenario():
        fake.user_message(BADGE)
        reply = fake.wait_for_call("sendMessage")
        markup = reply.params["reply_markup"]["inline_keyboard"]
        data = {b["text"]: b["callback_data"] for row in markup for b in row}
        article = next(v for k, v in data.items() if k.startswith("📄"))
        fake.callback_query(article, message=reply.result)
        fake.wait_for_call("sendMessage", n=2)
        fake.callback_query(data["👍"], message=reply.result)
        fake.wait_for(lambda c: c.method == "answerCallbackQuery" and c.params.get("text") == messages.THANKS_FEEDBACK)

    run_app(_app(fake, assistant), scenario)
    article_text = fake.sent_texts()[1]
    assert article_text.startswith("Điều ") and "đeo thẻ" in article_text
    assert assistant.store.stats().feedback_up == 1


def test_non_admin_cannot_use_admin_commands_or_upload(fake, assistant):
    def scenario():
        fake.user_message("/reindex")
        fake.wait_for_call("sendMessage")
        fake.document_message("chi_thi.txt", "Điều 1. Thử\nNội dung.".encode(), "text/plain")
        fake.wait_for_call("sendMessage", n=2)

    run_app(_app(fake, assistant), scenario)
    assert fake.sent_texts() == [messages.ADMINS_ONLY, messages.UPLOAD_ADMINS_ONLY]
    denied = assistant.store.audit_log()
    assert {e.action for e in denied} == {"reindex", "upload"}
    assert all(e.result.startswith("refused") and e.user_id == str(DEFAULT_USER_ID) for e in denied)


DIRECTIVE = """ỦY BAN NHÂN DÂN TỈNH THỬ NGHIỆM
Số: 99/QĐ-UBND
QUYẾT ĐỊNH
Ban hành Quy định về ứng xử khi sử dụng điện thoại di động trong giờ làm việc
Điều 1. Phạm vi điều chỉnh
Quy định này áp dụng đối với cán bộ, công chức tại bộ phận một cửa.
Điều 2. Sử dụng điện thoại di động
1. Không sử dụng điện thoại di động vào việc riêng khi đang giải quyết hồ sơ cho người dân.
2. Chuyển điện thoại sang chế độ im lặng trong phòng tiếp nhận hồ sơ.
"""


def test_admin_uploads_a_directive_and_it_answers_at_once(fake, assistant):
    def scenario():
        fake.document_message("qd_dien_thoai.txt", DIRECTIVE.encode(), "text/plain", user_id=ADMIN)
        preview = fake.wait_for_call("sendMessage")
        confirm = preview.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        fake.callback_query(confirm, message=preview.result, user_id=ADMIN)
        fake.wait_for(lambda c: c.method == "editMessageText" and "Đã thêm" in c.params.get("text", ""), timeout=120)
        fake.user_message("Ở bộ phận một cửa có được dùng điện thoại vào việc riêng khi giải quyết hồ sơ không?")
        return preview, fake.wait_for_call("sendMessage", n=2)

    preview, answer = run_app(_app(fake, assistant), scenario)
    assert "99/QĐ-UBND" in _html(preview) and "2 điều" in _html(preview)
    assert "Không sử dụng điện thoại di động vào việc riêng" in _html(answer)
    assert "99/QĐ-UBND" in _html(answer)
    assert [e.action for e in assistant.store.audit_log()][:2] == ["add_document", "upload"]
    assert assistant.library.remove("99/QĐ-UBND", actor="test:cleanup")  # leave the module's knowledge base as it was


def test_a_broken_upload_changes_nothing(fake, assistant):
    before = {d.id for d in assistant.documents()}

    def scenario():
        fake.document_message("hong.docx", b"PK\x03\x04 not really a docx", "application/msword", user_id=ADMIN)
        fake.wait_for_call("sendMessage")
        fake.document_message("anh.exe", b"MZ", "application/octet-stream", user_id=ADMIN)
        fake.wait_for_call("sendMessage", n=2)

    run_app(_app(fake, assistant), scenario)
    broken, wrong_type = fake.sent_texts()
    assert "hỏng" in broken and messages.NOTHING_CHANGED in broken
    assert "chỉ nhận" in wrong_type
    assert {d.id for d in assistant.documents()} == before
    assert not list(assistant.settings.uploads_dir.glob("*.md"))


def test_reindex_while_questions_arrive(fake, assistant):
    """Questions during a rebuild are answered from the old index; none fails."""

    def scenario():
        start = fake.mark()
        fake.user_message("/reindex", user_id=ADMIN)
        fake.wait_for_call("sendMessage", since=start)
        for _ in range(3):
            fake.user_message(BADGE)
        done = fake.wait_for(lambda c: c.method == "editMessageText" and "Đã xây xong" in c.params.get("text", ""),
                             timeout=300, since=start)
        fake.wait_for_call("sendMessage", n=4, since=start)
        return done

    run_app(_app(fake, assistant), scenario)
    answers = [t for t in fake.sent_texts() if "Nguồn:" in t]
    assert len(answers) == 3
    assert not [c for c in fake.calls if c.method == "sendMessage" and messages.APOLOGY in c.params.get("text", "")]
    assert assistant.store.audit_log()[0].action == "reindex"


def test_retry_after_from_the_server_is_honoured(fake, assistant):
    def scenario():
        fake.fail_next("sendMessage", error_code=429, retry_after=1)
        fake.user_message(BADGE)
        return fake.wait_for(lambda c: c.method == "sendMessage" and c.ok, timeout=30)

    reply = run_app(_app(fake, assistant), scenario)
    assert "Nguồn:" in _html(reply)
    assert len(fake.calls_to("sendMessage")) == 2  # the refused attempt, then the retry


def test_a_failing_handler_apologises_and_the_bot_goes_on(fake, assistant, monkeypatch):
    calls = threading.Event()

    def broken(*args, **kwargs):
        calls.set()
        raise RuntimeError("index exploded")

    monkeypatch.setattr(assistant, "ask", broken)

    def scenario():
        fake.user_message(BADGE)
        fake.wait_for_call("sendMessage")
        fake.user_message("/help")
        fake.wait_for_call("sendMessage", n=2)

    run_app(_app(fake, assistant), scenario)
    apology, help_text = fake.sent_texts()
    assert calls.is_set() and apology == messages.APOLOGY
    assert "Luật Cán bộ, công chức số 80/2025/QH15" in help_text


def test_token_never_appears_in_logs(fake, assistant, caplog):
    caplog.set_level("DEBUG")

    def scenario():
        fake.user_message(BADGE)
        fake.wait_for_call("sendMessage")

    run_app(_app(fake, assistant), scenario)
    secret = fake.token.split(":", 1)[1]
    assert secret not in caplog.text
    assert secret not in repr(replace(assistant.settings, telegram_token=fake.token))




REPLACEMENT = """QUỐC HỘI
Số: 42/2013/QH13
LUẬT
Tiếp công dân (bản thử nghiệm)
Điều 1. Phạm vi
1. Luật này thử thay văn bản đã có.
"""


def test_an_upload_under_an_existing_number_names_what_it_replaces_and_the_law_comes_back(fake, assistant):
    kb = assistant.settings.kb_dir
    original = (kb / "42-2013-QH13.md").read_bytes()
    articles = sum(1 for line in original.decode().splitlines() if line.startswith("#### Điều "))

    def scenario():
        fake.document_message("luat-tcd.txt", REPLACEMENT.encode(), "text/plain", user_id=ADMIN)
        preview = fake.wait_for_call("sendMessage")
        replace_button = preview.params["reply_markup"]["inline_keyboard"][0][0]
        fake.callback_query(replace_button["callback_data"], message=preview.result)  # not an admin
        fake.wait_for(lambda c: c.method == "answerCallbackQuery" and c.params.get("show_alert"))
        fake.callback_query(replace_button["callback_data"], message=preview.result, user_id=ADMIN)
        done = fake.wait_for(lambda c: c.method == "editMessageText" and "Đã thay" in c.params.get("text", ""),
                             timeout=120)
        fake.user_message("/lich_su 42/2013/QH13", user_id=ADMIN)
        history = fake.wait_for_call("sendMessage", n=2)
        fake.user_message("/khoi_phuc 42/2013/QH13 1", user_id=ADMIN)
        restored = fake.wait_for(lambda c: c.method == "sendMessage" and "Đã khôi phục" in c.params.get("text", ""),
                                 timeout=120)
        return preview, replace_button, done, history, restored

    preview, button, done, history, restored = run_app(_app(fake, assistant), scenario)
    assert f"Số hiệu này đã có: Luật Tiếp công dân số 42/2013/QH13 ({articles} điều)" in _html(preview)
    assert button["text"] == "♻️ Thay thế văn bản đã có"
    assert "/khoi_phuc 42/2013/QH13 1" in done.params["text"]
    assert "bản số 1" in _html(history) and f"telegram:{ADMIN}" in _html(history)
    assert "Đã khôi phục bản số 1 của Luật Tiếp công dân số 42/2013/QH13" in _html(restored)
    assert (kb / "42-2013-QH13.md").read_bytes() == original
    audit = [(e.action, e.user_id, e.result.split(":")[0]) for e in assistant.store.audit_log()]
    assert ("confirm_upload", str(DEFAULT_USER_ID), "refused") in audit
    assert ("replace_document", str(ADMIN), "ok") in audit and ("restore_document", str(ADMIN), "ok") in audit


NO_TITLE = "Số: 556/QĐ-UBND\nQUYẾT ĐỊNH\n\nĐiều 1. Phạm vi\n1. Quy định này áp dụng cho công chức.\n"


def test_an_upload_without_title_and_a_confirmation_that_fails_are_explained_and_audited(fake, assistant):
    before = {d.id for d in assistant.documents()}

    def scenario():
        fake.document_message("t.txt", NO_TITLE.encode(), "text/plain", user_id=ADMIN)
        refused = fake.wait_for_call("sendMessage")
        fake.document_message("qd_dien_thoai.txt", DIRECTIVE.encode(), "text/plain", user_id=ADMIN)
        preview = fake.wait_for_call("sendMessage", n=2)
        # Meanwhile the same number is added another way: confirming must not replace it silently.
        doc = assistant.admin.uploads.get(preview.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
                                          .split(":")[2]).document
        assistant.library.add(doc, actor="cli:other")
        fake.callback_query(preview.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
                            message=preview.result, user_id=ADMIN)
        failed = fake.wait_for(lambda c: c.method == "editMessageText" and "đã có" in c.params.get("text", ""),
                               timeout=60)
        return refused, failed

    refused, failed = run_app(_app(fake, assistant), scenario)
    text = _html(refused)
    assert "không tìm thấy trích yếu" in text and messages.NOTHING_CHANGED in text
    assert str(assistant.settings.data_dir) not in text and "Traceback" not in text
    assert messages.NOTHING_CHANGED in failed.params["text"]
    audit = {(e.action, e.result.split(":")[0]) for e in assistant.store.audit_log()}
    assert ("upload", "refused") in audit and ("add_document", "refused") in audit
    assistant.library.remove("99/QĐ-UBND", actor="test:cleanup")
    assert {d.id for d in assistant.documents()} == before


def test_a_follow_up_in_chat_is_read_with_the_previous_question_and_says_so(fake, assistant):
    def scenario():
        fake.user_message("Công chức có được nhận quà Tết của doanh nghiệp không?")
        fake.wait_for_call("sendMessage")
        fake.user_message("còn viên chức thì sao?")
        fake.user_message("còn viên chức thì sao?", user_id=DEFAULT_USER_ID + 1)  # someone else: nothing to lean on
        return fake.wait_for_call("sendMessage", n=3, timeout=60)

    run_app(_app(fake, assistant), scenario)
    texts = fake.sent_texts()
    follow = next(t for t in texts if "Tôi đọc câu này cùng câu hỏi trước của bạn" in t)
    assert "“Công chức có được nhận quà Tết của doanh nghiệp không?”" in follow
    assert sum("Tôi đọc câu này cùng" in t for t in texts) == 1
