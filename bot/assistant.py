"""What every chat channel does, once: answer and record, follow-ups, feedback, admin actions.

Telegram and Zalo differ only in how messages arrive and how replies look; the decisions — who
is an admin, what is recorded, what an upload may contain — live here so both channels make them
the same way. Methods are synchronous (model, index and database are); channels call them through
`asyncio.to_thread`.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass

from bot import messages
from bot.admin import Actor, Admin
from bot.answer import Answer, Answerer
from bot.config import Settings
from bot.conversation import Conversations
from bot.library import Library
from bot.quiz.master import QuizMaster
from bot.storage import Stats, Store
from knowledge_base import hygiene
from knowledge_base.model import Document
from retrieval.analysis import MAX_QUESTION_CHARS


@dataclass(frozen=True)
class Asked:
    answer: Answer
    question_id: int


class RateLimiter:
    """At most `per_minute` questions per user in any sliding minute: one person cannot starve the rest."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, channel: str, user_id: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._seen[(channel, user_id)]
            while times and now - times[0] >= 60:
                times.popleft()
            if len(times) >= self.per_minute:
                return False
            times.append(now)
            return True


class Assistant:
    def __init__(self, settings: Settings, library: Library | None = None, store: Store | None = None) -> None:
        self.settings = settings
        self.library = library or Library(settings)
        self.store = store or Store(settings.database, log_content=settings.log_question_text)
        self.admin = Admin(settings, self.library, self.store)
        self.limiter = RateLimiter(settings.questions_per_minute)
        self.conversations = Conversations()

    @functools.cached_property
    def quiz(self) -> QuizMaster:
        """Quiz mode shares the database and the bank in service; channels register themselves on it."""
        return QuizMaster(self.store, self.library.quiz_bank, documents=self.library.documents)

    def warm_up(self) -> None:
        """Load the model and index before the first user waits for them."""
        self.library.ensure_index(progress=False)
        self.answerer().ask("đeo thẻ công chức")

    # ------------------------------------------------------------ questions

    def answerer(self) -> Answerer:
        """A fresh Answerer per question: it binds the index in service, which /reindex may have
        swapped, and the validity register as its files say now."""
        return Answerer(self.library.index, register=self.library.register(), wording=self.library.wording())

    def ask(self, channel: str, user_id: str, chat_id: str, text: str, display_name: str | None = None) -> Asked:
        self.store.touch_user(channel, user_id, display_name)
        reading = self.conversations.read((channel, str(chat_id), str(user_id)), text)
        answer = self.answerer().ask(reading.text, read_with=reading.read_with)
        # What was searched is what is kept: a button pressed later re-asks it with its context.
        question_id = self.store.record_question(
            channel, user_id, chat_id, hygiene.clean(reading.text)[:MAX_QUESTION_CHARS], refused=answer.refused,
            citations=[c.label for c in answer.citations[:3]], took_ms=answer.took_ms,
        )
        return Asked(answer, question_id)

    def answer_again(self, question_id: int) -> Answer | None:
        """A recorded question answered anew: a follow-up button that reaches another worker, or
        arrives after a restart, needs its answer; None when the words were not logged."""
        text = self.store.question_text(question_id)
        return self.answerer().ask(text) if text else None

    def article_text(self, answer: Answer, position: int = 0) -> tuple[str, str] | None:
        """(heading with citation, full text) of the article a cited provision belongs to."""
        if position >= len(answer.hits) or answer.refused:
            return None
        chunk = answer.hits[position].chunk
        article = self.library.index.article(chunk)
        if article is None:
            return None
        return f"{article['heading']} — {article['label']}", article["text"]

    def feedback(self, question_id: int, channel: str, user_id: str, value: int) -> None:
        self.store.record_feedback(question_id, channel, user_id, value)

    # ------------------------------------------------------------ admins

    def actor(self, channel: str, user_id: str) -> Actor:
        return Actor(channel, str(user_id))

    def is_admin(self, channel: str, user_id: str) -> bool:
        return self.admin.is_admin(Actor(channel, str(user_id)))

    def allow_admin(self, channel: str, user_id: str, action: str) -> bool:
        """Admins pass; anyone else's attempt is recorded as refused (the channel tells them so)."""
        return self.admin.allow(Actor(channel, str(user_id)), action)

    def documents(self) -> list[Document]:
        return self.library.documents()

    def documents_text(self, channel: str, user_id: str) -> str:
        """`/docs`: the documents and their validity; admins also see the files skipped because of errors."""
        text = messages.document_list(self.library.documents(), self.library.register())
        if self.is_admin(channel, user_id) and self.library.skipped():
            text += "\n\n" + messages.skipped_files(self.library.skipped())
        return text

    def stats(self, days: int = 7) -> Stats:
        return self.store.stats(days)

