"""Quiz mode on Telegram: native quiz polls, practice in private chats, training sessions in groups.

Handlers stay thin: they parse the command, check who may run a session, and hand over to the
channel-neutral `QuizMaster`. This module also adapts Telegram to `QuizChannel` (polls, texts,
the CSV and chart at the end).
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from datetime import timedelta

from telegram import Bot, InputFile, LinkPreviewOptions, Update
from telegram.constants import ChatMemberStatus, ChatType, MessageLimit, PollType
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CommandHandler,
    ContextTypes,
    PollAnswerHandler,
    filters,
)

from bot.assistant import Assistant
from bot.quiz import messages
from bot.quiz.bank import QuizQuestion
from bot.quiz.master import QuizError, QuizMaster
from bot.storage.quiz import Ask

CHANNEL = "telegram"
log = logging.getLogger(__name__)
_TRAINER_STATUSES = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


class TelegramQuizChannel:
    name = CHANNEL
    native_feedback = True  # the quiz poll shows right/wrong and the explanation itself
    again = messages.AGAIN_IN_CHAT

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def post_question(self, chat_id: str, question: QuizQuestion, options: list[str], correct: int,
                            position: int, total: int, seconds: int | None) -> tuple[str | None, str | None]:
        text = f"{messages.header(position, total)}. {question.question}"
        if len(text) > 300:
            text = question.question
        message = await self.bot.send_poll(
            chat_id, text, options, type=PollType.QUIZ, correct_option_ids=[correct], is_anonymous=False,
            explanation=question.explanation, open_period=seconds,
        )
        return (message.poll.id if message.poll else None), str(message.message_id)

    async def post_text(self, chat_id: str, text: str) -> None:
        # No preview: the only links in quiz texts are the review deep links, whose preview is just the bot.
        await self.bot.send_message(chat_id, text, link_preview_options=_NO_PREVIEW)

    async def post_results(self, chat_id: str, csv_data: bytes, chart: bytes, caption: str, rates: str) -> None:
        await self.bot.send_document(chat_id, InputFile(csv_data, filename="ket-qua.csv"), caption=caption)
        await self.bot.send_photo(chat_id, InputFile(chart, filename="ket-qua.png"))

    async def close_question(self, chat_id: str, ask: Ask) -> None:
        if ask.message_id:
            await self.bot.stop_poll(chat_id, int(ask.message_id))

    def review_hint(self, round_id: int) -> str:
        return messages.review_hint_telegram(_username(self.bot), round_id)

    def retry_delay(self, error: Exception) -> float | None:
        """Flood control (wait as told), timeouts, connection trouble and HTTP 5xx pass; PTB maps those to
        `NetworkError`. `BadRequest` is a `NetworkError` too but permanent, like `Forbidden` (the bot was
        removed from the group) and everything else."""
        if isinstance(error, RetryAfter):
            return _seconds(error)
        if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
            return 0.0
        return None


_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def _username(bot: Bot) -> str | None:
    """The bot's @username, known once the Application initialised it (getMe); None before."""
    try:
        return bot.username
    except RuntimeError:
        return None


def _seconds(error: RetryAfter) -> float:
    """`retry_after` is an int or a timedelta depending on PTB_TIMEDELTA, and warns while that is unset."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# "/start on_tap_12": what Telegram sends when someone opens the deep link under a session's leaderboard.
REVIEW_START = filters.Regex(r"^/start(@\w+)?\s+on_tap(_\d+)?\s*$")


def install(app: Application, assistant: Assistant) -> None:
    assistant.quiz.add_channel(TelegramQuizChannel(app.bot))
    app.add_handler(CommandHandler("quiz", cmd_quiz))
    app.add_handler(CommandHandler("quiz_start", cmd_quiz_start))
    app.add_handler(CommandHandler("quiz_stop", cmd_quiz_stop))
    app.add_handler(CommandHandler("quiz_results", cmd_quiz_results))
    app.add_handler(CommandHandler("on_tap", cmd_on_tap))
    # Ahead of the general /start (the help, in group 0), which then does not run for this update.
    app.add_handler(CommandHandler("start", cmd_start_review, filters=REVIEW_START), group=-1)
    app.add_handler(PollAnswerHandler(on_poll_answer))


def _quiz(context: ContextTypes.DEFAULT_TYPE) -> QuizMaster:
    return context.application.bot_data["assistant"].quiz


def _name(update: Update) -> str | None:
    user = update.effective_user
    return user.full_name if user else None


async def cmd_quiz(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/quiz [chủ đề]: a practice round for the person asking, in private."""
    message = update.effective_message
    if update.effective_chat.type != ChatType.PRIVATE:
        await message.reply_text(messages.PRIVATE_ONLY)
        return
    topic = " ".join(context.args or [])
    if topic in ("?", "chủ đề", "chu de"):
        await message.reply_text(messages.topics(_quiz(context).bank))
        return
    try:
        await _quiz(context).start_practice(CHANNEL, str(update.effective_chat.id), str(update.effective_user.id),
                                            topic)
    except QuizError as exc:
        await message.reply_text(str(exc))


async def _may_train(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """The bot's admins anywhere; a group's own administrators in their group."""
    assistant: Assistant = context.application.bot_data["assistant"]
    user_id = str(update.effective_user.id)
    if await asyncio.to_thread(assistant.is_admin, CHANNEL, user_id):
        return True
    member = await context.bot.get_chat_member(update.effective_chat.id, update.effective_user.id)
    return member.status in _TRAINER_STATUSES


async def _trainer_in_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Sessions run in groups, by trainers; anyone else is told why, and False comes back."""
    if update.effective_chat.type == ChatType.PRIVATE:
        await update.effective_message.reply_text(messages.GROUP_ONLY)
        return False
    if not await _may_train(update, context):
        await update.effective_message.reply_text(messages.NOT_TRAINER)
        return False
    return True


async def cmd_quiz_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if not await _trainer_in_group(update, context):
        return
    try:
        await _quiz(context).start_session(CHANNEL, str(update.effective_chat.id), str(update.effective_user.id),
                                           list(context.args or []))
    except QuizError as exc:
        await message.reply_text(str(exc))


async def cmd_quiz_stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if not await _trainer_in_group(update, context):
        return
    try:
        await _quiz(context).stop_session(CHANNEL, str(update.effective_chat.id))
    except QuizError as exc:
        await message.reply_text(str(exc))
        return
    await message.reply_text(messages.STOPPING)


async def cmd_quiz_results(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The last finished session's CSV and chart again, for a trainer who lost them in the scroll."""
    if not await _trainer_in_group(update, context):
        return
    quiz = _quiz(context)
    rnd = await asyncio.to_thread(quiz.records.last_round, CHANNEL, str(update.effective_chat.id))
    if rnd is None or not rnd.over:
        await update.effective_message.reply_text(messages.NO_RESULTS)
        return
    await quiz.send_results(rnd)


async def cmd_on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/on_tap [số phiên]: the provisions behind the questions the person missed in a group session."""
    await _review(update, context, " ".join(context.args or []))


async def cmd_start_review(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start on_tap_<round id>, from the deep link under a session's final leaderboard."""
    payload = (context.args or ["on_tap"])[0]
    await _review(update, context, payload.removeprefix("on_tap").lstrip("_"))
    raise ApplicationHandlerStop  # the help /start would otherwise answer too


async def _review(update: Update, context: ContextTypes.DEFAULT_TYPE, words: str) -> None:
    """Only in a private chat, and only the asker's own answers: colleagues must not see each other's mistakes."""
    message = update.effective_message
    user = update.effective_user
    if update.effective_chat.type != ChatType.PRIVATE or user is None:
        username = _username(context.bot)
        await message.reply_text(messages.review_private_only(messages.review_link(username) if username else None),
                                 link_preview_options=_NO_PREVIEW)
        return
    try:
        texts = await _quiz(context).review(CHANNEL, str(user.id), words, limit=MessageLimit.MAX_TEXT_LENGTH)
    except QuizError as exc:
        texts = [str(exc)]
    for text in texts:
        await message.reply_text(text, link_preview_options=_NO_PREVIEW)


async def on_poll_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    answer = update.poll_answer
    if answer is None or answer.user is None or not answer.option_ids:
        return  # a retracted vote (quiz polls allow none, but regular polls do)
    await _quiz(context).answer_poll(CHANNEL, answer.poll_id, str(answer.user.id), answer.user.full_name,
                                     answer.option_ids[0])
