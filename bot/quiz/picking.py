"""Which questions a round asks: a person's past mistakes first, then what they have not seen."""

from __future__ import annotations

import random
from datetime import datetime

from bot.quiz.bank import Bank, QuizQuestion

RETRY_SHARE = 0.5  # at most half a practice round goes to questions answered wrongly before


def pick(bank: Bank, n: int, *, topic: str | None = None, history: dict[str, tuple[bool, datetime]] | None = None,
         rng: random.Random | None = None) -> list[QuizQuestion]:
    """`n` questions, never two on the same provision, mixing kinds so a round is not all one shape.

    A question whose latest answer was wrong comes back (up to half the round); then questions never
    answered; then those answered right longest ago.
    """
    rng = rng or random.Random()
    history = history or {}
    pool = bank.enabled(topic)
    rng.shuffle(pool)
    wrong = sorted((q for q in pool if q.id in history and not history[q.id][0]), key=lambda q: history[q.id][1])
    unseen = _interleave([q for q in pool if q.id not in history], rng)
    right = sorted((q for q in pool if q.id in history and history[q.id][0]), key=lambda q: history[q.id][1])
    chosen: list[QuizQuestion] = []
    cited: set[tuple] = set()

    def take(candidates: list[QuizQuestion], limit: int) -> None:
        for q in candidates:
            if len(chosen) >= limit:
                return
            key = (q.citation.doc, q.citation.article, q.citation.clause, q.citation.point)
            if key in cited:  # also keeps a question from coming twice: its provision is already cited
                continue
            chosen.append(q)
            cited.add(key)

    take(wrong, max(1, int(n * RETRY_SHARE)) if wrong else 0)
    take(unseen, n)
    take(right, n)
    return chosen


def _interleave(questions: list[QuizQuestion], rng: random.Random) -> list[QuizQuestion]:
    """Round-robin over kinds: the bank has more "which provision" questions than any other kind."""
    by_kind: dict[str, list[QuizQuestion]] = {}
    for q in questions:
        by_kind.setdefault(q.kind, []).append(q)
    kinds = list(by_kind)
    rng.shuffle(kinds)
    out: list[QuizQuestion] = []
    while any(by_kind.values()):
        for kind in kinds:
            if by_kind[kind]:
                out.append(by_kind[kind].pop())
    return out
