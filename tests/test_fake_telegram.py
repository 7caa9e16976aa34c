"""Tests of the fake Telegram Bot API itself, driven by a real python-telegram-bot Application.

If these pass, end-to-end tests of the bot can trust that what PTB does against the fake is what
it would do against api.telegram.org: same HTTP encoding, same error mapping, same polling loop.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Poll, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    PollAnswerHandler,
    filters,
)

from tests.fakes.telegram_api import (
    BOT_USERNAME,
    DEFAULT_USER_ID,
    FakeTelegram,
    TelegramAPIError,
    render_html,
    run_app,
)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server
        assert not server.internal_errors, server.internal_errors


def _app(fake: FakeTelegram) -> tuple[Application, list[BaseException]]:
    """A real PTB Application on the fake, plus the exceptions its handlers raise (PTB would only log them)."""
    app = fake.application_builder().build()
    errors: list[BaseException] = []

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        errors.append(context.error)

    app.add_error_handler(on_error)
    return app, errors


# ------------------------------------------------------------------ through a real PTB Application


def test_echo_and_command_round_trip(fake: FakeTelegram) -> None:
    app, errors = _app(fake)

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text("<b>Xin chào</b>", parse_mode=ParseMode.HTML)

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        text = html.escape(update.effective_message.text)
        await update.effective_message.reply_text(f"Bạn nói: <i>{text}</i>", parse_mode=ParseMode.HTML)

    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))

    def scenario() -> None:
        fake.user_message("xin chào <3 😀")
        call = fake.wait_for_call("sendMessage")
        assert call.ok, call.error
        assert call.params["chat_id"] == DEFAULT_USER_ID
        assert call.params["parse_mode"] == "HTML"
        assert call.params["text"] == "Bạn nói: <i>xin chào &lt;3 😀</i>"
        # The echoed Message carries rendered text and UTF-16 entity offsets, like Telegram's.
        assert call.result["text"] == "Bạn nói: xin chào <3 😀"
        assert call.result["entities"] == [{"type": "italic", "offset": 9, "length": 14}]

        fake.user_message("/start")
        start_call = fake.wait_for_call("sendMessage", n=2)
        assert start_call.params["text"] == "<b>Xin chào</b>"

        fake.user_message(f"@{BOT_USERNAME} hỏi gì đó", chat_type="supergroup", chat_id=-100777, user_id=42)
        group_call = fake.wait_for_call("sendMessage", n=3)
        assert group_call.params["chat_id"] == -100777

    run_app(app, scenario)
    assert not errors, errors

    assert fake.calls_to("getMe"), "PTB initialises by calling getMe"
    assert fake.calls_to("deleteWebhook"), "start_polling bootstraps with deleteWebhook"
    assert fake.sent_texts(DEFAULT_USER_ID) == ["Bạn nói: xin chào <3 😀", "Xin chào"]
    assert fake.sent_texts(-100777) == ["Bạn nói: @conduct_test_bot hỏi gì đó"]
    assert not fake.pending_updates(), "the final getUpdates on stop confirms every fetched update"


def test_callback_query_is_answered_and_message_edited(fake: FakeTelegram) -> None:
    app, errors = _app(fake)

    async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Điều 5", callback_data="article:5")]])
        await update.effective_message.reply_text("Chọn điều khoản:", reply_markup=keyboard)

    async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer("Đang mở…")
        await query.edit_message_text(f"Bạn chọn {query.data}")

    app.add_handler(CommandHandler("menu", menu))
    app.add_handler(CallbackQueryHandler(on_button))

    def scenario() -> None:
        fake.user_message("/menu")
        sent = fake.wait_for_call("sendMessage").result
        assert sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "article:5"

        update = fake.callback_query("article:5", message=sent)
        answer = fake.wait_for_call("answerCallbackQuery")
        assert answer.ok, answer.error
        assert answer.params["callback_query_id"] == update["callback_query"]["id"]
        assert answer.params["text"] == "Đang mở…"

        edit = fake.wait_for_call("editMessageText")
        assert edit.ok, edit.error
        assert edit.params["message_id"] == sent["message_id"]

    run_app(app, scenario)
    assert not errors, errors

    edited = fake.last_message(DEFAULT_USER_ID)
    assert edited["text"] == "Bạn chọn article:5"
    assert "reply_markup" not in edited, "an edit without reply_markup drops the keyboard, as on Telegram"


def test_document_is_downloaded_by_the_bot_and_files_are_uploaded(fake: FakeTelegram) -> None:
    app, errors = _app(fake)
    payload = bytes(range(256)) * 40 + b"\r\n--boundary-lookalike\r\n"
    received: list[bytes] = []

    async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        document = update.message.document
        data = bytes(await (await document.get_file()).download_as_bytearray())
        received.append(data)
        digest = hashlib.sha256(data).hexdigest()[:12]
        await update.message.reply_text(f"Đã nhận {document.file_name}: {len(data)} byte, {digest}")
        await update.message.reply_document(data, filename="bản sao.pdf", caption="Bản sao")

    app.add_handler(MessageHandler(filters.Document.ALL, on_document))

    def scenario() -> None:
        fake.document_message("Nghị định 50.pdf", payload, "application/pdf", caption="Xem giúp")
        fake.wait_for_call("sendDocument")

    run_app(app, scenario)
    assert not errors, errors

    assert received == [payload]
    get_file = fake.calls_to("getFile")[0]
    assert get_file.result["file_path"].startswith("documents/")
    upload = fake.calls_to("sendDocument")[0]
    assert upload.ok, upload.error
    filename, data = upload.files["document"]
    assert (filename, data) == ("bản sao.pdf", payload)
    assert upload.params["caption"] == "Bản sao"
    assert upload.result["document"]["file_name"] == "bản sao.pdf"
    assert fake.sent_texts()[0].startswith("Đã nhận Nghị định 50.pdf: 10264 byte")


# PTB's own RetryAfter.__init__ reads the deprecated int-valued retry_after; nothing we can change.
@pytest.mark.filterwarnings("ignore:Deprecated since version v22.2:telegram.warnings.PTBDeprecationWarning")
def test_injected_429_surfaces_as_retry_after_then_sending_works(fake: FakeTelegram) -> None:
    app, errors = _app(fake)

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(f"echo: {update.effective_message.text}")

    app.add_handler(MessageHandler(filters.TEXT, echo))

    def scenario() -> None:
        fake.fail_next("sendMessage", error_code=429, retry_after=1)
        fake.user_message("một")
        first = fake.wait_for_call("sendMessage")
        assert first.error == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        }
        fake.user_message("hai")
        second = fake.wait_for_call("sendMessage", n=2)
        assert second.ok, second.error

    run_app(app, scenario)

    assert len(errors) == 1 and isinstance(errors[0], RetryAfter), errors
    assert fake.sent_texts() == ["echo: hai"]


def test_send_poll_and_collect_answers(fake: FakeTelegram) -> None:
    app, errors = _app(fake)
    polls: list[Poll] = []
    answers: list[tuple[str, int, tuple[int, ...]]] = []
    closed: list[Poll] = []

    async def quiz(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = await context.bot.send_poll(
            update.effective_chat.id,
            "Cán bộ được nhận quà khi nào?",
            ["Không bao giờ", "Theo quy định", "Tuỳ ý"],
            type=Poll.QUIZ,
            correct_option_ids=[1],
            is_anonymous=False,
            open_period=60,
            explanation="Xem <b>Điều 5</b>",
            explanation_parse_mode=ParseMode.HTML,
        )
        polls.append(message.poll)

    async def on_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        answer = update.poll_answer
        answers.append((answer.poll_id, answer.user.id, answer.option_ids))
        sent = fake.sent_messages()[-1]
        closed.append(await context.bot.stop_poll(sent["chat"]["id"], sent["message_id"]))

    app.add_handler(CommandHandler("quiz", quiz))
    app.add_handler(PollAnswerHandler(on_answer))

    def scenario() -> None:
        fake.user_message("/quiz")
        call = fake.wait_for_call("sendPoll")
        assert call.ok, call.error
        assert call.params["options"] == [{"text": "Không bao giờ"}, {"text": "Theo quy định"}, {"text": "Tuỳ ý"}]
        poll = call.result["poll"]
        fake.poll_answer(poll["id"], user_id=77, option_ids=[1], first_name="Lan")
        fake.wait_for_call("stopPoll")

    run_app(app, scenario)
    assert not errors, errors

    sent_poll = fake.calls_to("sendPoll")[0].result["poll"]
    assert [p.id for p in polls] == [sent_poll["id"]]
    assert polls[0].type == Poll.QUIZ and polls[0].correct_option_ids == (1,)
    assert polls[0].explanation == "Xem Điều 5" and polls[0].close_date is not None
    assert answers == [(sent_poll["id"], 77, (1,))]
    assert closed[0].is_closed and closed[0].total_voter_count == 1
    assert [o.voter_count for o in closed[0].options] == [0, 1, 0]


def test_strict_mode_rejects_what_telegram_rejects(fake: FakeTelegram) -> None:
    app, errors = _app(fake)
    outcomes: list[BaseException | str] = []

    async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        for attempt in (
            lambda: message.reply_text("a < b", parse_mode=ParseMode.HTML),
            lambda: message.reply_text("<b>mở nhưng không đóng", parse_mode=ParseMode.HTML),
            lambda: message.reply_text("x" * 4097),
        ):
            try:
                await attempt()
                outcomes.append("sent")
            except BadRequest as exc:
                outcomes.append(exc)
        sent = await message.reply_text("ổn")
        try:
            await sent.edit_text("ổn")
        except BadRequest as exc:
            outcomes.append(exc)

    app.add_handler(MessageHandler(filters.TEXT, reply))

    def scenario() -> None:
        fake.user_message("thử")
        fake.wait_for_call("editMessageText")

    run_app(app, scenario)
    assert not errors, errors

    messages = [str(o) for o in outcomes]
    assert "unclosed start tag" in messages[0].lower()
    assert 'end tag corresponding to start tag "b"' in messages[1]
    assert "too long" in messages[2].lower()
    assert "not modified" in messages[3]


# ------------------------------------------------------------------ the fake's HTTP surface directly


def test_get_updates_honours_offset_and_long_poll_cap(fake: FakeTelegram) -> None:
    api = f"{fake.url}/bot{fake.token}"
    first = fake.user_message("một")
    second = fake.user_message("hai")
    with httpx.Client() as client:
        got = client.post(f"{api}/getUpdates", data={"offset": "0", "timeout": "5"}).json()["result"]
        assert [u["update_id"] for u in got] == [first["update_id"], second["update_id"]]
        got = client.post(f"{api}/getUpdates", data={"offset": str(second["update_id"]), "timeout": "0"}).json()
        assert [u["update_id"] for u in got["result"]] == [second["update_id"]]
        response = client.post(f"{api}/getUpdates", json={"offset": second["update_id"] + 1, "timeout": 30})
        assert response.json() == {"ok": True, "result": []}
        assert response.elapsed.total_seconds() < 3, "long polls are capped to keep tests fast"
        assert client.post(f"{fake.url}/botWRONG/getMe").status_code == 401
        unknown = client.post(f"{api}/sendTelepathy", data={"chat_id": "1"})
        assert unknown.status_code == 404 and unknown.json()["ok"] is False
    assert fake.calls_to("sendTelepathy")[0].params == {"chat_id": 1}
    assert not fake.pending_updates()


def test_form_values_are_decoded_like_ptb_encodes_them(fake: FakeTelegram) -> None:
    api = f"{fake.url}/bot{fake.token}"
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    with httpx.Client() as client:
        client.post(
            f"{api}/sendMessage",
            data={
                "chat_id": "-100123",
                "text": "123",
                "disable_notification": "true",
                "reply_markup": json.dumps(markup),
            },
        )
    params = fake.calls_to("sendMessage")[0].params
    assert params == {"chat_id": -100123, "text": "123", "disable_notification": True, "reply_markup": markup}


def test_wait_for_times_out_with_a_listing(fake: FakeTelegram) -> None:
    with httpx.Client() as client:
        client.post(f"{fake.url}/bot{fake.token}/sendMessage", data={"chat_id": "5", "text": "xin chào"})
    with pytest.raises(AssertionError, match=r"sendMessage \{\"chat_id\": 5, \"text\": \"xin chào\"\}"):
        fake.wait_for_call("sendPhoto", timeout=0.2)


def test_fail_next_with_description_then_recovers(fake: FakeTelegram) -> None:
    fake.fail_next("editMessageText", 400, description="Bad Request: message is not modified", times=2)
    api = f"{fake.url}/bot{fake.token}"
    with httpx.Client() as client:
        sent = client.post(f"{api}/sendMessage", data={"chat_id": "5", "text": "a"}).json()["result"]
        edit = {"chat_id": "5", "message_id": str(sent["message_id"]), "text": "b"}
        codes = [client.post(f"{api}/editMessageText", data=edit).status_code for _ in range(3)]
    assert codes == [400, 400, 200]
    assert fake.sent_messages(5)[0]["text"] == "b"


@pytest.mark.parametrize(
    ("source", "visible", "entities"),
    [
        ("a &lt;b&gt; &amp; c", "a <b> & c", []),
        ("<b>đậm</b> và <a href='https://x.vn/?a=1&amp;b=2'>link</a>", "đậm và link", ["bold", "text_link"]),
        ("😀<i>x</i>", "😀x", ["italic"]),
        ('<pre><code class="language-python">x</code></pre>', "x", ["pre"]),
    ],
)
def test_render_html(source: str, visible: str, entities: list[str]) -> None:
    text, ents = render_html(source)
    assert text == visible
    assert [e["type"] for e in ents] == entities
    if source.startswith("😀"):
        assert ents[0]["offset"] == 2, "offsets are UTF-16 code units"


@pytest.mark.parametrize("bad", ["1 < 2", "<b>x", "<b>x</i>", "<script>x</script>", "x</b>"])
def test_render_html_rejects(bad: str) -> None:
    with pytest.raises(TelegramAPIError, match="can't parse entities"):
        render_html(bad)


def test_custom_handler_overrides_a_method(fake: FakeTelegram) -> None:
    seen: list[dict[str, Any]] = []

    def get_chat(call: Any) -> dict[str, Any]:
        seen.append(call.params)
        return {"id": call.params["chat_id"], "type": "private", "accent_color_id": 0, "max_reaction_count": 11}

    fake.on("getChat", get_chat)
    response = httpx.post(f"{fake.url}/bot{fake.token}/getChat", data={"chat_id": "9"}).json()
    assert response["result"]["id"] == 9 and seen == [{"chat_id": 9}]
