"""Quiz mode on Zalo: questions as text with options A–D, answered by replying with a letter.

The Zalo Bot API has no quiz polls and cannot upload files, so the results arrive as a text
table; the CSV and chart of a Zalo session are available to admins through `/quiz_results` on
Telegram or from the database.

Unlike the bot's replies (`ZaloBot.send`, which logs a failure and carries on), every call here
raises: the quiz master retries what `retry_delay` calls transient and must know when a question
did not arrive.
"""

from __future__ import annotations

from bot.channels.zalo_api import ZaloApiError, ZaloBotApi, ZaloRetryAfter, is_transient, split_text
from bot.quiz import messages
from bot.quiz.bank import QuizQuestion
from bot.storage.quiz import Ask


class ZaloQuizChannel:
    name = "zalo"
    native_feedback = False
    again = messages.AGAIN_IN_CHAT

    def __init__(self, api: ZaloBotApi) -> None:
        self._api = api

    async def _send(self, chat_id: str, text: str) -> str | None:
        """Send `text` (in 2000-character parts if longer); the id of the last message sent."""
        message_id = None
        for part in split_text(text):
            result = await self._api.send_message(chat_id, part)
            message_id = str(result["message_id"]) if result.get("message_id") is not None else None
        return message_id

    async def post_question(self, chat_id: str, question: QuizQuestion, options: list[str], correct: int,
                            position: int, total: int, seconds: int | None) -> tuple[str | None, str | None]:
        return None, await self._send(chat_id, messages.text_question(question, options, position, total, seconds))

    async def post_text(self, chat_id: str, text: str) -> None:
        await self._send(chat_id, text)

    async def post_results(self, chat_id: str, csv_data: bytes, chart: bytes, caption: str, rates: str) -> None:
        await self._send(chat_id, f"{caption.split(':')[0]}:\n{rates}")

    async def close_question(self, chat_id: str, ask: Ask) -> None:
        await self._send(chat_id, "Câu hỏi này đã đóng.")

    def review_hint(self, round_id: int) -> str:
        return messages.review_hint_zalo(round_id)

    def retry_delay(self, error: Exception) -> float | None:
        """The client's own judgement (`is_transient`): no answer, 5xx and 429 pass, waiting as asked."""
        if not isinstance(error, ZaloApiError) or not is_transient(error):
            return None
        return error.retry_after if isinstance(error, ZaloRetryAfter) else 0.0
