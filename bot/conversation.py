"""Follow-ups in a conversation: "còn viên chức thì sao?" read with the question before it.

In chat, people ask a question and then narrow or shift it in a few words. Answered on its own,
"thế nếu quà dưới 500 nghìn?" cites whatever mentions 500 nghìn. Here a short message that leans
on what came before (`retrieval.analysis.is_follow_up`) is read together with the same person's
previous question in the same chat, if that was asked within `WINDOW`; when the follow-up names
another group ("còn viên chức …"), the earlier question's group words are dropped so the two do
not pull apart. The answer says which question it was read with. Every channel (Telegram, Zalo,
`conduct-bot chat`) uses this one class; `ask --json -` does not: each line stands alone there.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from retrieval.analysis import cues, is_follow_up, subjects_of

WINDOW = 15 * 60  # seconds: a message after a longer pause starts a new topic
REMEMBERED = 5000  # conversations kept (oldest forgotten first)


@dataclass(frozen=True)
class Reading:
    text: str  # what is searched
    read_with: str | None  # the earlier question(s) it was read with, as typed ("… → …"), if any


def combine(previous: str, follow_up: str) -> str:
    """The earlier question with the follow-up after it; the earlier group words go when the
    follow-up names another group."""
    named, earlier = subjects_of(follow_up), subjects_of(previous)
    if named and named != earlier:
        for subject, words in cues().subject_words.items():
            if subject in earlier and subject not in named:
                for word in words:
                    previous = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", " ", previous, flags=re.IGNORECASE)
    return " ".join(f"{previous} {follow_up}".split())


class Conversations:
    """The last question of each (channel, chat, person), to read follow-ups with; thread-safe."""

    def __init__(self, window: float = WINDOW, clock=time.monotonic) -> None:  # noqa: ANN001 - a clock
        self.window = window
        self.clock = clock
        # key → (text searched last, as the person typed it, when)
        self._last: OrderedDict[tuple[str, str, str], tuple[str, str, float]] = OrderedDict()
        self._lock = threading.Lock()

    def read(self, key: tuple[str, str, str], text: str) -> Reading:
        """How to search `text`, and remember what to read the next follow-up with."""
        now = self.clock()
        with self._lock:
            earlier = self._last.get(key)
            if earlier is not None and now - earlier[2] <= self.window and is_follow_up(text):
                searched, typed, _ = earlier
                reading = Reading(combine(searched, text), typed)
                shown = f"{typed} → {text}"  # a second follow-up builds on the first
            else:
                reading = Reading(text, None)
                shown = text
            self._last[key] = (reading.text, shown, now)
            self._last.move_to_end(key)
            while len(self._last) > REMEMBERED:
                self._last.popitem(last=False)
        return reading
