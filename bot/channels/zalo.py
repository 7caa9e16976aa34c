"""The Zalo bot: thin handlers over `Assistant`, fed by long polling or by the webhook endpoint.

Zalo has no buttons and no command entities, so everything is plain text: an answer ends with
numbered follow-ups ("Gõ 1 …"), and a bare "1".."4" refers to the last answer in that chat.
Commands are recognised by their leading "/". Every reply is cut into messages of at most 2000
characters (`bot.render.zalo_messages`); wordings shared with Telegram come from `bot.messages`.

In a group the bot speaks only when spoken to, as on Telegram: a message that mentions it (by a
name from getMe, or a mention of its id), replies to it, or is one of its commands (`/hoi …`).
Other chatter is ignored, with one exception: while a quiz question is open, a bare letter A–D
from anyone is an answer. A bare "1".."4" in a group is a follow-up only when addressed. How Zalo
marks mentions and replies is not documented; see `bot.channels.zalo_api` for what we read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot import commands, messages, render
from bot.admin import Actor, AdminError, ReindexRunning
from bot.answer import EMPTY_QUESTION, Answer, Citation
from bot.assistant import Assistant
from bot.channels.zalo_api import (
    MAX_TEXT_LENGTH,
    ZaloApiError,
    ZaloBotApi,
    ZaloMessage,
    ZaloNetworkError,
    ZaloUpdate,
    is_transient,
)
from bot.channels.zalo_quiz import ZaloQuizChannel
from bot.quiz import messages as quiz_messages
from bot.quiz.master import QuizError
from knowledge_base.model import Document

CHANNEL = "zalo"
POLL_TIMEOUT = 30
MAX_BACKOFF = 30.0
REMEMBERED_CHATS = 1000

log = logging.getLogger(__name__)

FOLLOW_UP_ARTICLE, FOLLOW_UP_RELATED, FOLLOW_UP_USEFUL, FOLLOW_UP_WRONG = "1", "2", "3", "4"
FEEDBACK_WRONG = (
    "Cảm ơn bạn đã góp ý! Bạn có thể hỏi lại cụ thể hơn: nêu rõ đối tượng (cán bộ, công chức hay viên chức) "
    "và tình huống, hoặc dùng từ ngữ của văn bản như “quà tặng”, “kỷ luật”, “những việc không được làm”."
)
NO_ARTICLE = "Câu trả lời này không kèm toàn văn một điều cụ thể; bạn hãy xem trích dẫn trong câu trả lời."
NOTHING_TO_FOLLOW = (
    "Các số 1–4 dùng để xem tiếp câu trả lời gần nhất có trích dẫn, nhưng hiện chưa có câu trả lời nào như vậy. "
    f"Bạn hãy gõ câu hỏi, ví dụ: “{messages.EXAMPLES[0]}”"
)
UNKNOWN_COMMAND = "Tôi chưa hiểu lệnh này. Gõ /help để xem hướng dẫn, hoặc gõ thẳng câu hỏi của bạn."
REINDEX_STARTED = "Đang xây lại chỉ mục… Trong lúc chờ, câu hỏi vẫn được trả lời bằng chỉ mục cũ."
UPLOAD_ELSEWHERE = (
    "Zalo không cho bot tải tệp về, nên chưa thêm văn bản qua Zalo được. Hãy gửi tệp (.docx, .pdf, .txt…) "
    "cho bot Telegram, hoặc trên máy chủ chạy: conduct-bot index add <tệp>."
)
HELP_FOLLOW_UPS = [
    "Sau mỗi câu trả lời, bạn có thể gõ:",
    "• 1 — xem toàn văn điều luật được trích",
    "• 2 — xem các quy định liên quan",
    "• 3 — câu trả lời hữu ích, 4 — câu trả lời chưa đúng",
]


# ---------------------------------------------------------------- formatting


def article_name(citation: Citation) -> str:
    """Label from "Điều" on ("điểm a khoản 2 Điều 13 Luật …" → "Điều 13 Luật …"): "Gõ 1" shows the whole article."""
    found = re.search(r"\bĐiều\s", citation.label)
    if found:
        return citation.label[found.start() :]
    return f"Điều {citation.article}" if citation.article else citation.label


def follow_ups(answer: Answer) -> list[str]:
    """The numbered choices under an answer; a refusal gets none (there is nothing to open or rate)."""
    if answer.refused or not answer.citations:
        return []
    lines = []
    if answer.citations[0].article:
        lines.append(f"Gõ {FOLLOW_UP_ARTICLE} để xem toàn văn {article_name(answer.citations[0])}")
    if len(answer.citations) > 1:
        lines.append(f"Gõ {FOLLOW_UP_RELATED} để xem các quy định liên quan")
    lines.append(f"Gõ {FOLLOW_UP_USEFUL} nếu câu trả lời hữu ích, gõ {FOLLOW_UP_WRONG} nếu chưa đúng")
    return lines


def help_text(docs: list[Document]) -> str:
    """The shared help, plus the numbers that stand in for Telegram's buttons."""
    return messages.help_text(docs) + "\n\n" + "\n".join(HELP_FOLLOW_UPS)


def is_help(text: str) -> bool:
    return text.strip().lower().rstrip("!?.") in ("/start", "/help", "/trogiup", "trợ giúp", "tro giup", "help")


# ---------------------------------------------------------------- groups


@dataclass(frozen=True)
class BotIdentity:
    """Who the bot is, from getMe: what a group message must name, mention or reply to."""

    user_id: str
    names: tuple[str, ...]

    @classmethod
    def from_get_me(cls, info: Mapping[str, Any]) -> BotIdentity:
        names = (info.get(key) for key in ("account_name", "display_name", "name"))
        return cls(str(info.get("id") or ""), tuple(dict.fromkeys(n for n in names if isinstance(n, str) and n)))

    def addressed(self, message: ZaloMessage) -> tuple[bool, str]:
        """Whether a group message is for the bot, and its text with the mention taken out."""
        mentioned, text = self._without_mentions(message, message.text or "")
        replied = bool(self.user_id) and message.reply_to_user_id == self.user_id
        return mentioned or replied, text

    def _without_mentions(self, message: ZaloMessage, text: str) -> tuple[bool, str]:
        spans = [m for m in message.mentions if self.user_id and m.user_id == self.user_id]
        for mention in sorted(spans, key=lambda m: m.offset or 0, reverse=True):
            text = _cut_span(text, mention.offset, mention.length)
        if self.names:
            names = "|".join(re.escape(n) for n in self.names)
            text, typed = re.subn(rf"@(?:{names})(?![\w.])", " ", text, flags=re.IGNORECASE)
        else:
            typed = 0
        return bool(spans) or typed > 0, " ".join(text.split()).strip(" ,:;-–")


def _cut_span(text: str, offset: int | None, length: int | None) -> str:
    """Remove a mention Zalo located, if the place holds one ("@…"); a span we cannot trust is left alone."""
    if offset is None or not length or text[offset : offset + 1] != "@":
        return text
    return text[:offset] + " " + text[offset + length :]


# ---------------------------------------------------------------- start-up


class StartupCheckFailed(Exception):
    """A channel cannot start. `str()` is one Vietnamese line for the terminal; `exit_code` 2 means
    fix the configuration (systemd's RestartPreventExitStatus=2 stops retrying), 1 means try again."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


ZALO_TOKEN_REJECTED = (
    "Lỗi: Zalo không chấp nhận ZALO_BOT_TOKEN (Zalo trả mã 401). Hãy lấy lại token của bot trong Zalo Bot Manager "
    "rồi đặt vào môi trường hoặc tệp .env."
)
ZALO_TOKEN_MALFORMED = (
    "Lỗi: ZALO_BOT_TOKEN không đúng dạng (có khoảng trắng hoặc dấu /). Hãy chép lại nguyên token của bot "
    "từ Zalo Bot Manager vào môi trường hoặc tệp .env."
)
ZALO_UNREACHABLE = (
    "Lỗi: chưa kết nối được Zalo Bot API tại {url} ({reason}). Hãy kiểm tra mạng của máy chủ hoặc ZALO_API_URL "
    "rồi chạy lại."
)
ZALO_START_ERROR = (
    "Lỗi: Zalo Bot API báo lỗi mã {code} khi kiểm tra token. Hãy kiểm tra ZALO_BOT_TOKEN và ZALO_API_URL."
)


async def check_token(token: str, base_url: str) -> BotIdentity:
    """getMe before anything slow starts, so a wrong token is one clear line rather than endless polling errors.

    No retries: when Zalo is out of reach we exit 1 and the supervisor (systemd's Restart=on-failure,
    docker's restart policy) starts us again a few seconds later, which also covers a network not yet up.
    """
    try:
        api = ZaloBotApi(token, base_url=base_url)
    except ValueError:
        raise StartupCheckFailed(ZALO_TOKEN_MALFORMED, 2) from None
    async with api:
        try:
            return BotIdentity.from_get_me(await api.get_me())
        except ZaloApiError as exc:
            raise _startup_failure(exc, base_url) from None


def _startup_failure(exc: ZaloApiError, base_url: str) -> StartupCheckFailed:
    if is_transient(exc):
        reason = exc.description if isinstance(exc, ZaloNetworkError) else f"Zalo trả mã {exc.error_code}"
        return StartupCheckFailed(ZALO_UNREACHABLE.format(url=base_url, reason=reason), 1)
    if exc.error_code == 401:
        return StartupCheckFailed(ZALO_TOKEN_REJECTED, 2)
    return StartupCheckFailed(ZALO_START_ERROR.format(code=exc.error_code), 2)


# ---------------------------------------------------------------- the bot


class ZaloBot:
    """One bot account. `handle` is safe to call concurrently (webhook) or one update at a time (polling)."""

    def __init__(self, api: ZaloBotApi, assistant: Assistant, me: BotIdentity | None = None) -> None:
        self.api = api
        self.assistant = assistant
        self._me = me  # from getMe; looked up at the first group message when not given
        # chat id → (question id, answer): what a bare "1".."4" refers to. Bounded: old chats ask again.
        self._last: OrderedDict[str, tuple[int, Answer]] = OrderedDict()
        self._background: set[asyncio.Task] = set()  # /reindex runs here, so polling is never blocked
        self._commands: dict[str, Callable[[ZaloMessage, str], Awaitable[None]]] = {
            "/hoi": self._cmd_ask,
            "/docs": self._cmd_docs,
            "/quiz": self._cmd_quiz,
            quiz_messages.REVIEW_COMMAND: self._cmd_review,
        }
        assistant.quiz.add_channel(ZaloQuizChannel(api))
        self._admin_commands: dict[str, Callable[[ZaloMessage, str], Awaitable[None]]] = {
            "/reindex": self._cmd_reindex,
            **{f"/{name}": self._text_command(name) for name in commands.TEXT_COMMANDS},
            "/them": self._cmd_upload,
            "/upload": self._cmd_upload,
            "/quiz_start": self._cmd_quiz_start,
            "/quiz_stop": self._cmd_quiz_stop,
        }

    # ------------------------------------------------------------ entry points

    async def handle(self, update: ZaloUpdate) -> None:
        """Answer one update. Never raises: a failure is logged and the user gets an apology."""
        message = update.message
        if message is None or message.is_bot or not message.chat_id:
            return
        try:
            await self._dispatch(message)
        except Exception:
            # Our client's errors are redacted, so the traceback carries no token; the text is not logged.
            log.exception("Zalo update %s in chat %s failed", update.event_name or "?", message.chat_id)
            await self.send(message.chat_id, messages.APOLOGY)

    async def run_polling(self, stop: asyncio.Event | None = None) -> None:
        """Long-poll until `stop` is set; network trouble backs off (1 s, 2 s, … 30 s) instead of dying.

        Quiz sessions are looked after while polling runs, and handed over when it ends.
        """
        stop = stop or asyncio.Event()
        self.assistant.quiz.start()
        try:
            await self._poll(stop)
        finally:
            await self.assistant.quiz.close()

    async def _poll(self, stop: asyncio.Event) -> None:
        backoff = 1.0
        while not stop.is_set():
            try:
                updates = await _unless_stopped(self.api.get_updates(timeout=POLL_TIMEOUT), stop)
            except Exception as exc:
                delay = getattr(exc, "retry_after", backoff)
                if isinstance(exc, ZaloApiError) and is_transient(exc):
                    log.warning("Zalo getUpdates failed (%s); retrying in %.0f s", exc, delay)
                else:  # a 4xx (bad token, webhook still set) or a bug: worth a traceback, still no reason to die
                    log.error("Zalo getUpdates failed; retrying in %.0f s", delay, exc_info=True)
                await _sleep_unless_stopped(delay, stop)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            backoff = 1.0
            for update in updates or []:
                await self.handle(update)

    async def wait_background(self) -> None:
        """Let a running /reindex report back before shutting down (polling does not wait for it)."""
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    # ------------------------------------------------------------ routing

    async def identity(self) -> BotIdentity | None:
        """The bot's getMe identity, fetched once; None while Zalo cannot tell us (asked again next time)."""
        if self._me is None:
            try:
                self._me = BotIdentity.from_get_me(await self.api.get_me())
            except ZaloApiError as exc:
                log.warning("Zalo getMe failed (%s); group mentions are not recognised until it works", exc)
        return self._me

    async def _dispatch(self, message: ZaloMessage) -> None:
        text = (message.text or "").strip()
        if message.is_group:
            me = await self.identity()
            addressed, text = me.addressed(message) if me else (False, text)
            if not addressed and not self._is_our_command(text):
                await self._overheard(message, text)
                return
        if message.kind != "text" or message.text is None:
            await self._on_not_text(message)
            return
        if is_help(text):
            await self._cmd_help(message, "")
        elif text.startswith("/"):
            await self._on_command(message, text)
        elif await self.assistant.quiz.answer_letter(CHANNEL, message.chat_id, message.user_id,
                                                     message.display_name, text):
            return  # "A"–"D" while a quiz question is open
        elif text in (FOLLOW_UP_ARTICLE, FOLLOW_UP_RELATED, FOLLOW_UP_USEFUL, FOLLOW_UP_WRONG):
            await self._on_follow_up(message, text)
        else:
            await self.answer_question(message, text)

    def _is_our_command(self, text: str) -> bool:
        """A command of ours speaks to the bot even unaddressed; an unknown one may be for another bot."""
        name = text.partition(" ")[0].lower()
        return name.startswith("/") and (is_help(name) or name in self._commands or name in self._admin_commands)

    async def _overheard(self, message: ZaloMessage, text: str) -> None:
        """Group chatter not meant for the bot: only a quiz answer (a bare A–D) counts."""
        if message.kind == "text" and text:
            await self.assistant.quiz.answer_letter(CHANNEL, message.chat_id, message.user_id,
                                                    message.display_name, text)

    async def _on_command(self, message: ZaloMessage, text: str) -> None:
        name, _, args = text.partition(" ")
        name = name.lower()
        args = args.strip()
        if name in self._commands:
            await self._commands[name](message, args)
        elif name in self._admin_commands:
            if await self._admin_allowed(message, name):
                await self._admin_commands[name](message, args)
        else:
            await self.send(message.chat_id, UNKNOWN_COMMAND)

    async def _admin_allowed(self, message: ZaloMessage, command: str) -> bool:
        """Admins pass; anyone else is told so, and the attempt goes into the audit log."""
        if await asyncio.to_thread(self.assistant.allow_admin, CHANNEL, message.user_id, command.lstrip("/")):
            return True
        await self.send(message.chat_id, messages.ADMINS_ONLY)
        return False

    async def _on_not_text(self, message: ZaloMessage) -> None:
        """Stickers, images, files: we read only text. An admin sending a file learns where uploads go."""
        text = messages.TEXT_ONLY
        if message.kind == "other" and await asyncio.to_thread(self.assistant.is_admin, CHANNEL, message.user_id):
            text = UPLOAD_ELSEWHERE
        await self.send(message.chat_id, text)

    # ------------------------------------------------------------ questions

    async def answer_question(self, message: ZaloMessage, text: str) -> None:
        if not text:
            await self.send(message.chat_id, EMPTY_QUESTION)
            return
        if not self.assistant.limiter.allow(CHANNEL, message.user_id):
            await self.send(message.chat_id, messages.SLOW_DOWN)
            return
        with contextlib.suppress(ZaloApiError):  # "typing…" is a nicety; the answer matters
            await self.api.send_chat_action(message.chat_id, "typing")
        asked = await asyncio.to_thread(
            self.assistant.ask, CHANNEL, message.user_id, message.chat_id, text, message.display_name or None
        )
        choices = follow_ups(asked.answer)
        self._remember(message.chat_id, asked.question_id, asked.answer if choices else None)
        await self.send(message.chat_id, *render.zalo_messages(asked.answer.answer, choices))

    def _remember(self, chat_id: str, question_id: int, answer: Answer | None) -> None:
        """Keep the answer a "1".."4" would refer to; after a refusal the numbers refer to nothing."""
        self._last.pop(chat_id, None)
        if answer is None:
            return
        self._last[chat_id] = (question_id, answer)
        while len(self._last) > REMEMBERED_CHATS:
            self._last.popitem(last=False)

    async def _on_follow_up(self, message: ZaloMessage, choice: str) -> None:
        """A bare number with no answer to refer to is not a question: asking it would only be refused."""
        if message.chat_id not in self._last:
            await self.send(message.chat_id, NOTHING_TO_FOLLOW)
            return
        question_id, answer = self._last[message.chat_id]
        if choice == FOLLOW_UP_ARTICLE:
            found = await asyncio.to_thread(self.assistant.article_text, answer, 0)
            text = render.article_text(*found) if found else NO_ARTICLE
        elif choice == FOLLOW_UP_RELATED:
            text = messages.related(answer, limit=3)
        else:
            value = 1 if choice == FOLLOW_UP_USEFUL else -1
            await asyncio.to_thread(self.assistant.feedback, question_id, CHANNEL, message.user_id, value)
            text = messages.THANKS_FEEDBACK if value > 0 else FEEDBACK_WRONG
        await self.send(message.chat_id, *render.zalo_messages(text))

    # ------------------------------------------------------------ commands for everyone

    async def _cmd_help(self, message: ZaloMessage, args: str) -> None:
        docs = await asyncio.to_thread(self.assistant.documents)
        await self.send(message.chat_id, *render.zalo_messages(help_text(docs)))

    async def _cmd_ask(self, message: ZaloMessage, args: str) -> None:
        if not args:
            await self.send(message.chat_id, messages.ASK_USAGE)
            return
        await self.answer_question(message, args)

    async def _cmd_docs(self, message: ZaloMessage, args: str) -> None:
        """Public, as on Telegram: the help text sends everyone here to see what is covered."""
        text = await asyncio.to_thread(self.assistant.documents_text, CHANNEL, message.user_id)
        await self.send(message.chat_id, *render.zalo_messages(text))

    async def _cmd_quiz(self, message: ZaloMessage, args: str) -> None:
        try:
            await self.assistant.quiz.start_practice(CHANNEL, message.chat_id, message.user_id, args)
        except QuizError as exc:
            await self.send(message.chat_id, str(exc))

    async def _cmd_review(self, message: ZaloMessage, args: str) -> None:
        """/on_tap [số phiên]: the provisions behind the questions the sender missed in a group session. Only
        in a private chat, and only their own answers: colleagues must not see each other's mistakes."""
        if message.is_group:
            await self.send(message.chat_id, quiz_messages.REVIEW_PRIVATE_ONLY)
            return
        try:
            texts = await self.assistant.quiz.review(CHANNEL, message.user_id, args, limit=MAX_TEXT_LENGTH)
        except QuizError as exc:
            texts = [str(exc)]
        await self.send(message.chat_id, *texts)

    # ------------------------------------------------------------ admin commands

    async def _cmd_quiz_start(self, message: ZaloMessage, args: str) -> None:
        try:
            await self.assistant.quiz.start_session(CHANNEL, message.chat_id, message.user_id, args.split())
        except QuizError as exc:
            await self.send(message.chat_id, str(exc))

    async def _cmd_quiz_stop(self, message: ZaloMessage, args: str) -> None:
        try:
            await self.assistant.quiz.stop_session(CHANNEL, message.chat_id)
        except QuizError as exc:
            await self.send(message.chat_id, str(exc))
            return
        await self.send(message.chat_id, quiz_messages.STOPPING)

    async def _cmd_reindex(self, message: ZaloMessage, args: str) -> None:
        """Rebuild in the background: it takes minutes, and other users keep being answered meanwhile."""
        await self.send(message.chat_id, REINDEX_STARTED)
        task = asyncio.create_task(self._reindex(message))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _reindex(self, message: ZaloMessage) -> None:
        try:
            count = await asyncio.to_thread(self.assistant.admin.reindex, Actor(CHANNEL, message.user_id))
        except ReindexRunning:
            text = messages.REINDEX_RUNNING
        except AdminError as exc:
            text = messages.reindex_failed(exc)
        else:
            text = messages.reindex_done(count)
        await self.send(message.chat_id, text)

    def _text_command(self, name: str) -> Callable[[ZaloMessage, str], Awaitable[None]]:
        """/stats, /het_hieu_luc, /xoa, /lich_su, /khoi_phuc, /hieu_luc: the shared admin commands (`bot.commands`),
        so both channels read the same words the same way and answer with the same text."""

        async def handle(message: ZaloMessage, args: str) -> None:
            text = await asyncio.to_thread(commands.run, self.assistant.admin, Actor(CHANNEL, message.user_id), name,
                                           args.split())
            await self.send(message.chat_id, *render.zalo_messages(text))

        return handle

    async def _cmd_upload(self, message: ZaloMessage, args: str) -> None:
        await self.send(message.chat_id, UPLOAD_ELSEWHERE)

    # ------------------------------------------------------------ sending

    async def send(self, chat_id: str, *texts: str) -> bool:
        """Send the parts of one reply in order; False if one failed.

        The client has already waited out one rate limit. If a part still fails, the rest of the reply
        is dropped (a reply with a hole in it reads wrong), the failure is logged and the bot carries on.
        """
        for text in texts:
            try:
                await self.api.send_message(chat_id, text)
            except (ZaloApiError, ValueError) as exc:
                log.warning("Zalo sendMessage to chat %s failed: %s", chat_id, exc)
                return False
        return True


# ---------------------------------------------------------------- polling helpers


async def _unless_stopped(call: Awaitable[list[ZaloUpdate]], stop: asyncio.Event) -> list[ZaloUpdate]:
    """Await a long poll, but give up on it at once when `stop` is set (shutdown must not wait 30 s)."""
    poll = asyncio.ensure_future(call)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({poll, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
        if not poll.done():
            poll.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poll
    return poll.result() if not poll.cancelled() else []


async def _sleep_unless_stopped(seconds: float, stop: asyncio.Event) -> None:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=max(seconds, 0.0))
