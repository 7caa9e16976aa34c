"""Quiz mode in a terminal (`conduct-bot quiz play`): the text channel, printing instead of sending."""

from __future__ import annotations

from bot.quiz import messages
from bot.quiz.bank import QuizQuestion
from bot.storage.quiz import Ask


class TerminalChannel:
    name = "terminal"
    native_feedback = False
    again = "Chạy lại conduct-bot quiz play để luyện tiếp."

    async def post_question(self, chat_id: str, question: QuizQuestion, options: list[str], correct: int,
                            position: int, total: int, seconds: int | None) -> tuple[str | None, str | None]:
        print("\n" + messages.text_question(question, options, position, total, seconds), flush=True)
        return None, None

    async def post_text(self, chat_id: str, text: str) -> None:
        print("\n" + text, flush=True)

    async def post_results(self, chat_id: str, csv_data: bytes, chart: bytes, caption: str, rates: str) -> None:
        print(f"\n{caption}\n{rates}", flush=True)

    async def close_question(self, chat_id: str, ask: Ask) -> None:
        return None

    def retry_delay(self, error: Exception) -> float | None:
        return None  # printing does not fail for a while and then work again
