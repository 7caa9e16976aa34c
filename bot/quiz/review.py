"""After a group session: the questions one person missed, with the provision behind each, to reread.

A question counts as missed when the person answered it wrongly, did not answer it, or answered after
it closed (a late answer is not scored, so it is reviewed too). Each missed question comes with its
right answer (as posted), the citation label and the verbatim text of the cited unit, resolved from the
knowledge base as a chat answer would cite it, and the question's explanation. The wording is in
`bot.quiz.messages`; this module gathers the facts and packs the texts into chat messages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.quiz.bank import Bank, QuizQuestion
from bot.storage.quiz import Ask, Round
from bot.textsplit import split_text, text_length
from knowledge_base.model import Document
from knowledge_base.provisions import UnknownProvision, resolve

CLIP = 600  # characters of a provision's text shown per question
SKIPPED = ("—",)  # the options recorded for a question that left the bank before it could be posted


@dataclass(frozen=True)
class Missed:
    position: int
    question: str | None  # None: the question has left the bank since the session
    answer: str  # the right option, as it was posted
    given: str | None  # the option the person chose; None when they did not answer
    late: bool
    label: str | None  # "điểm a khoản 2 Điều 13 Luật Cán bộ, công chức số 80/2025/QH15"
    text: str  # the unit's verbatim text, clipped to `CLIP`
    explanation: str
    changed: bool  # the validity register records a change to the cited unit since


@dataclass(frozen=True)
class Review:
    round: Round
    asked: int  # questions posted (skipped ones left out)
    correct: int
    missed: list[Missed]


def build(rnd: Round, asks: list[Ask], answers: Mapping[int, tuple[int, bool, bool]], bank: Bank,
          documents: dict[str, Document] | None) -> Review:
    """`answers`: position → (option index, counted as right, late), as `QuizRecords.answers_by` gives them.
    `documents` by id; None when the knowledge base cannot be reached (the question's own quote is shown)."""
    posted = [a for a in asks if tuple(a.options) != SKIPPED]
    missed = []
    correct = 0
    for ask in posted:
        option, right, late = answers.get(ask.position, (None, False, False))
        if right and not late:
            correct += 1
            continue
        given = ask.options[option] if option is not None and 0 <= option < len(ask.options) else None
        missed.append(_missed(ask, given, late, bank.get(ask.question_id), bank, documents))
    return Review(rnd, len(posted), correct, missed)


def _missed(ask: Ask, given: str | None, late: bool, q: QuizQuestion | None, bank: Bank,
            documents: dict[str, Document] | None) -> Missed:
    answer = ask.options[ask.correct_index] if 0 <= ask.correct_index < len(ask.options) else ""
    if q is None:
        return Missed(ask.position, None, answer, given, late, None, "", "", False)
    label, text = None, ""
    if documents is not None:
        try:
            provision = resolve(q.citation, documents)
        except UnknownProvision:
            pass  # the document left the knowledge base since the bank was loaded: fall back below
        else:
            label, text = provision.label, provision.text
    if label is None:
        unit = q.citation.label()
        label = f"{unit} văn bản số {q.citation.doc}" if unit else f"văn bản số {q.citation.doc}"
        text = q.quote
    return Missed(ask.position, q.question, answer or q.answer, given, late, label, clip(text, q.quote),
                  q.explanation, bank.changed(q))


def clip(text: str, keep: str = "", limit: int = CLIP) -> str:
    """At most `limit` characters of `text`, cut after a whole word with "…" only when something was cut.
    When the words in `keep` (the quote that proves the answer) lie beyond the cut, the window moves to
    them — from the start of their line, or of the earliest sentence or clause that still fits — with "…" in
    front too."""
    text = text.strip()
    if len(text) <= limit:
        return text
    start = 0
    found = _find(text, keep)
    if found is not None and found.end() > limit - 1:
        start = found.start()
        line = text.rfind("\n", 0, start) + 1
        starts = [line, *(line + m.end() for m in re.finditer(r"[.;:]\s+", text[line:start]))]
        start = next((s for s in starts if found.end() - s <= limit - 2), start)
        while start > 0 and not text[start - 1].isspace():
            start -= 1
    prefix = "…" if start else ""
    body = text[start:].strip()
    if len(prefix) + len(body) <= limit:
        return prefix + body
    room = limit - len(prefix) - 1  # and one for the closing "…"
    cut = max((m.start() for m in re.finditer(r"\s", body[: room + 1])), default=0)
    head = body[:cut] if cut > 0 else body[:room]  # one word longer than the limit: cut it
    return prefix + head.rstrip().rstrip(",;:.") + "…"


def _find(text: str, words: str) -> re.Match[str] | None:
    """Where `words` stand in `text`, spacing and case aside."""
    parts = words.split()
    if not parts:
        return None
    return re.search(r"\s+".join(map(re.escape, parts)), text, flags=re.IGNORECASE)


def pack(blocks: list[str], limit: int) -> list[str]:
    """Blocks joined by a blank line into as few messages of at most `limit` characters as they fit in;
    a block is split only when it alone is longer than a message."""
    out: list[str] = []
    current = ""
    for block in blocks:
        for piece in split_text(block, limit):
            joined = f"{current}\n\n{piece}" if current else piece
            if text_length(joined) <= limit:
                current = joined
            else:
                out.append(current)
                current = piece
    if current:
        out.append(current)
    return out
