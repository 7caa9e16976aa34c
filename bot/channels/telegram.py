"""The Telegram bot: python-telegram-bot's `Application` with thin handlers over `Assistant`.

Private chats: any text is a question. Groups: only messages that mention the bot, reply to it,
or use `/hoi …` — a bot that answered every group message would be muted within a day.
Every reply is HTML with all text escaped (`bot.render`), under 4096 characters per message.
Flood limits: `AIORateLimiter` queues sends and honours RetryAfter by waiting and retrying.
"""

from __future__ import annotations

import asyncio
import logging
import re
from functools import partial

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, MessageEntityType
from telegram.error import BadRequest
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import commands, messages, render
from bot.admin import Actor, AdminError, ReindexRunning
from bot.answer import Answer
from bot.assistant import Asked, Assistant
from bot.channels import telegram_quiz
from bot.config import Settings
from bot.redaction import install_log_redaction

CHANNEL = "telegram"
log = logging.getLogger(__name__)

COMMANDS = [
    BotCommand("hoi", "Hỏi về quy tắc ứng xử: /hoi câu hỏi"),
    BotCommand("help", "Hướng dẫn và các văn bản đã có"),
    BotCommand("docs", "Danh sách văn bản và hiệu lực"),
    BotCommand("quiz", "Tự luyện: /quiz [chủ đề]"),
    BotCommand("quiz_start", "Phiên kiểm tra trong nhóm: /quiz_start [số câu] [chủ đề] [giây]"),
    BotCommand("quiz_stop", "Kết thúc sớm phiên kiểm tra"),
    BotCommand("on_tap", "Xem lại quy định của các câu mình trả lời sai trong phiên kiểm tra (nhắn riêng)"),
]


def build_application(settings: Settings, assistant: Assistant, *, webhook: bool = False) -> Application:
    install_log_redaction()
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token)
        .base_url(f"{settings.telegram_api_url}/bot")
        .base_file_url(f"{settings.telegram_api_url}/file/bot")
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(True)
        .post_init(_post_init)
        .post_stop(_post_stop)
    )
    if webhook:
        builder = builder.updater(None)
    app = builder.build()
    app.bot_data["assistant"] = assistant
    app.bot_data["answers"] = {}
    admin_only = partial(_admin, CHANNEL)
    app.add_handler(CommandHandler(["start", "help"], cmd_help))
    app.add_handler(CommandHandler("hoi", cmd_ask))
    app.add_handler(CommandHandler("docs", cmd_docs))
    app.add_handler(CommandHandler("reindex", admin_only(cmd_reindex)))
    app.add_handler(CommandHandler(list(commands.TEXT_COMMANDS), admin_only(cmd_text)))
    app.add_handler(MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE, on_document))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, on_private_text))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.GROUPS, on_group_text))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.COMMAND, on_other))
    app.add_handler(CallbackQueryHandler(on_button))
    telegram_quiz.install(app, assistant)
    app.add_error_handler(on_error)
    return app


async def _post_init(app: Application) -> None:
    await app.bot.set_my_commands(COMMANDS)
    app.bot_data["assistant"].quiz.start()


async def _post_stop(app: Application) -> None:
    """Quiz sessions are handed over here, not in post_shutdown: by then PTB has closed the bot's HTTP
    client, and a poll already on its way must still get its answer so it is recorded, not posted twice."""
    await app.bot_data["assistant"].quiz.close()


def _assistant(context: ContextTypes.DEFAULT_TYPE) -> Assistant:
    return context.application.bot_data["assistant"]


def _user_id(update: Update) -> str:
    return str(update.effective_user.id) if update.effective_user else ""


# ---------------------------------------------------------------- questions


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    assistant = _assistant(context)
    message = update.effective_message
    user = update.effective_user
    if not assistant.limiter.allow(CHANNEL, _user_id(update)):
        await message.reply_text(messages.SLOW_DOWN)
        return
    await context.bot.send_chat_action(message.chat_id, ChatAction.TYPING)
    asked: Asked = await asyncio.to_thread(
        assistant.ask, CHANNEL, _user_id(update), str(message.chat_id), text, user.full_name if user else None
    )
    _remember(context, asked)
    parts = render.telegram_messages(asked.answer.answer)
    for i, part in enumerate(parts):
        markup = _answer_buttons(asked) if i == len(parts) - 1 else None
        await message.reply_html(part, reply_markup=markup, disable_web_page_preview=True)


def _remember(context: ContextTypes.DEFAULT_TYPE, asked: Asked, keep: int = 500) -> None:
    """Recent answers by question id, for the buttons; older ones are asked again from the database."""
    answers: dict[int, Answer] = context.application.bot_data["answers"]
    answers[asked.question_id] = asked.answer
    while len(answers) > keep:
        answers.pop(next(iter(answers)))


def _answer_buttons(asked: Asked) -> InlineKeyboardMarkup | None:
    if asked.answer.refused or not asked.answer.citations:
        return None
    qid = asked.question_id
    first = asked.answer.citations[0]
    rows = []
    if first.article:
        rows.append([InlineKeyboardButton(f"📄 Xem toàn văn Điều {first.article}", callback_data=f"a:{qid}")])
    if len(asked.answer.citations) > 1:
        rows.append([InlineKeyboardButton("🔗 Quy định liên quan", callback_data=f"r:{qid}")])
    rows.append([InlineKeyboardButton("👍", callback_data=f"f:{qid}:1"),
                 InlineKeyboardButton("👎", callback_data=f"f:{qid}:-1")])
    return InlineKeyboardMarkup(rows)


async def cmd_ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text = " ".join(context.args or [])
    if not text.strip():
        await update.effective_message.reply_text(messages.ASK_USAGE)
        return
    await answer_question(update, context, text)


async def on_private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await answer_question(update, context, update.effective_message.text or "")


async def on_group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer in a group only when addressed: a mention of the bot, or a reply to one of its messages."""
    message = update.effective_message
    username = (context.bot.username or "").lower()
    mentioned = any(
        entity.type == MessageEntityType.MENTION and text.lower() == f"@{username}"
        for entity, text in message.parse_entities([MessageEntityType.MENTION]).items()
    )
    replied = bool(message.reply_to_message and message.reply_to_message.from_user
                   and message.reply_to_message.from_user.id == context.bot.id)
    if not (mentioned or replied):
        return
    text = message.text or ""
    if username:
        text = re.sub(re.escape(f"@{username}"), "", text, flags=re.IGNORECASE).strip()
    await answer_question(update, context, text)


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(messages.TEXT_ONLY)


async def cmd_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    docs = await asyncio.to_thread(_assistant(context).documents)
    for part in render.telegram_messages(messages.help_text(docs)):
        await update.effective_message.reply_html(part)


async def cmd_docs(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text = await asyncio.to_thread(_assistant(context).documents_text, CHANNEL, _user_id(update))
    for part in render.telegram_messages(text):
        await update.effective_message.reply_html(part)


# ---------------------------------------------------------------- buttons


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    kind, _, rest = (query.data or "").partition(":")
    if kind == "f":
        qid, _, value = rest.partition(":")
        await asyncio.to_thread(_assistant(context).feedback, int(qid), CHANNEL, _user_id(update), int(value))
        await query.answer(messages.THANKS_FEEDBACK)
        return
    if kind == "u":
        await _on_upload_button(update, context, rest)
        return
    await query.answer()
    answer = await _answer_for(context, int(rest))
    if answer is None:
        await query.message.reply_text(messages.ASK_AGAIN)
        return
    if kind == "a":
        found = await asyncio.to_thread(_assistant(context).article_text, answer, 0)
        text = render.article_text(*found) if found else messages.ASK_AGAIN
    else:
        text = messages.related(answer)
    for part in render.telegram_messages(text):
        await query.message.reply_html(part)


async def _answer_for(context: ContextTypes.DEFAULT_TYPE, question_id: int) -> Answer | None:
    """The answer a button belongs to: from memory, else asked again (another worker, or a restart)."""
    answers: dict[int, Answer] = context.application.bot_data["answers"]
    if question_id not in answers:
        answer = await asyncio.to_thread(_assistant(context).answer_again, question_id)
        if answer is None:
            return None
        answers[question_id] = answer
    return answers[question_id]


# ---------------------------------------------------------------- admins


def _admin(channel: str, handler):
    """Wrap an admin command: non-admins get a clear refusal, and the attempt is recorded."""

    async def wrapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        command = (update.effective_message.text or "").split(" ")[0].lstrip("/")
        if not await asyncio.to_thread(_assistant(context).allow_admin, channel, _user_id(update), command):
            await update.effective_message.reply_text(messages.ADMINS_ONLY)
            return
        await handler(update, context)

    return wrapped


def _actor(update: Update) -> Actor:
    return Actor(CHANNEL, _user_id(update))


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assistant = _assistant(context)
    message = update.effective_message
    if not await asyncio.to_thread(assistant.admin.allow, _actor(update), "upload"):
        await message.reply_text(messages.UPLOAD_ADMINS_ONLY)
        return
    document = message.document
    limit = assistant.settings.max_upload_mb * 1024 * 1024
    if document.file_size and document.file_size > limit:
        await asyncio.to_thread(assistant.admin.audit, _actor(update), "upload", document.file_name or "",
                                "refused: tệp quá lớn")
        await message.reply_text(messages.upload_too_big(document.file_size, limit))
        return
    await context.bot.send_chat_action(message.chat_id, ChatAction.TYPING)
    data = bytes(await (await document.get_file()).download_as_bytearray())
    try:
        pending = await asyncio.to_thread(assistant.admin.preview_upload, _actor(update), document.file_name or "",
                                          data, limit)
    except AdminError as exc:
        await message.reply_text(str(exc))
        return
    confirm = (InlineKeyboardButton("♻️ Thay thế văn bản đã có", callback_data=f"u:rp:{pending.token}")
               if pending.replaces else
               InlineKeyboardButton("✅ Thêm vào cơ sở tri thức", callback_data=f"u:ok:{pending.token}"))
    buttons = InlineKeyboardMarkup([[confirm, InlineKeyboardButton("✖️ Hủy", callback_data=f"u:no:{pending.token}")]])
    parts = render.telegram_messages(f"Xem trước văn bản vừa tải lên:\n\n{pending.preview()}")
    for i, part in enumerate(parts):
        await message.reply_html(part, reply_markup=buttons if i == len(parts) - 1 else None)


async def _on_upload_button(update: Update, context: ContextTypes.DEFAULT_TYPE, rest: str) -> None:
    query = update.callback_query
    admin = _assistant(context).admin
    action, _, token = rest.partition(":")
    if not await asyncio.to_thread(admin.allow, _actor(update), "confirm_upload"):
        await query.answer(messages.ADMINS_ONLY, show_alert=True)
        return
    await query.answer()
    if action == "no":
        await asyncio.to_thread(admin.cancel_upload, _actor(update), token)
        await _edit(query.message, f"Đã hủy. {messages.NOTHING_CHANGED}")
        return
    await _edit(query.message, "Đang thêm văn bản và cập nhật chỉ mục…")
    try:
        change = await asyncio.to_thread(admin.confirm_upload, _actor(update), token, action == "rp")
    except AdminError as exc:
        await _edit(query.message, str(exc))
        return
    await _edit(query.message, messages.added(change.document, change.previous, change.kept))


async def cmd_reindex(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Rebuild in the background; one message shows the progress; questions keep being answered."""
    assistant = _assistant(context)
    status = await update.effective_message.reply_text("Bắt đầu xây lại chỉ mục; câu hỏi vẫn được trả lời "
                                                       "bằng chỉ mục cũ cho tới khi xong.")
    loop = asyncio.get_running_loop()

    def report(line: str) -> None:  # called from the worker thread
        loop.call_soon_threadsafe(lambda: context.application.create_task(_edit(status, line)))

    async def run() -> None:
        try:
            count = await asyncio.to_thread(assistant.admin.reindex, _actor(update), report)
        except ReindexRunning:
            await _edit(status, messages.REINDEX_RUNNING)
        except AdminError as exc:
            await _edit(status, messages.reindex_failed(exc))
        else:
            await _edit(status, messages.reindex_done(count))

    context.application.create_task(run(), update=update)


async def cmd_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats, /het_hieu_luc, /xoa, /lich_su, /khoi_phuc, /hieu_luc: the shared admin commands (`bot.commands`),
    so both channels read the same words the same way and answer with the same text."""
    name = (update.effective_message.text or "").split()[0].lstrip("/").split("@")[0].lower()
    text = await asyncio.to_thread(commands.run, _assistant(context).admin, _actor(update), name,
                                   list(context.args or []))
    for part in render.telegram_messages(text):
        await update.effective_message.reply_html(part)


# ---------------------------------------------------------------- plumbing


async def _edit(message: Message, text: str) -> None:
    try:
        await message.edit_text(text)
    except BadRequest as exc:  # "message is not modified" when progress repeats itself
        if "not modified" not in str(exc).lower():
            raise


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log (never the token: it lives only in URLs, which are not logged) and apologise to the user."""
    log.error("handler failed: %s", context.error, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat:
        try:
            await context.bot.send_message(update.effective_chat.id, messages.APOLOGY)
        except Exception:  # the apology itself failing must not loop back into this handler
            log.exception("could not send the apology")


def run_polling(settings: Settings, assistant: Assistant) -> None:
    app = build_application(settings, assistant)
    app.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)

