"""Quiz mode on Zalo: questions as text with options A–D, answered by replying with a letter.

The Zalo Bot API has no quiz polls and cannot upload files, so the results arrive as a text
table; the CSV and chart of a Zalo session are available to admins through `/quiz_results` on
Telegram or from the database.
"""

from __future__ import annotations

from bot.quiz import messages
from bot.quiz.bank import QuizQuestion
from bot.storage.quiz import Ask


class ZaloQuizChannel:
    name = "zalo"
    native_feedback = False
    again = messages.AGAIN_IN_CHAT

    def __init__(self, send) -> None:  # noqa: ANN001 - ZaloBot.send(chat_id, *texts)
        self._send = send

    async def post_question(self, chat_id: str, question: QuizQuestion, options: list[str], correct: int,
                            position: int, total: int, seconds: int | None) -> tuple[str | None, str | None]:
        await self._send(chat_id, messages.text_question(question, options, position, total, seconds))
        return None, None

    async def post_text(self, chat_id: str, text: str) -> None:
        await self._send(chat_id, text)

    async def post_results(self, chat_id: str, csv_data: bytes, chart: bytes, caption: str, rates: str) -> None:
        await self._send(chat_id, f"{caption.split(':')[0]}:\n{rates}")

    async def close_question(self, chat_id: str, ask: Ask) -> None:
        await self._send(chat_id, "Câu hỏi này đã đóng.")
