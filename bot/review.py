"""Grouping the questions an admin reviews, so twenty wordings of one gap are one line to judge.

Token-set overlap of the words folded to lower case without diacritics: people type the same question
with and without marks ("công chức có được nhận quà không" / "cong chuc co duoc nhan qua khong?"),
and that is most of what separates them. No model is needed and the result is deterministic, so the
same list groups the same way on every page load and every worker.
"""

from __future__ import annotations

from bot.storage import ReviewItem
from index.text import expand_abbreviations, plain_words
from index.text import words as syllables


def words(text: str) -> frozenset[str]:
    """The question's syllables, chat shorthand expanded ("ko" → "không"), folded without marks."""
    return frozenset(plain_words(expand_abbreviations(" ".join(syllables(text)))))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard: shared words over all words; two empty questions are not alike."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def group(items: list[ReviewItem], threshold: float = 0.5) -> list[list[ReviewItem]]:
    """Single-link groups: a question joins every group holding one it is at least `threshold` alike to
    (merging them). Biggest group first, then the one asked most recently; newest first inside a group."""
    bags = [words(item.text) for item in items]
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(items)):
        for j in range(i):
            if similarity(bags[i], bags[j]) >= threshold:
                parent[root(i)] = root(j)
    groups: dict[int, list[ReviewItem]] = {}
    for i, item in enumerate(items):
        groups.setdefault(root(i), []).append(item)
    newest = [sorted(g, key=lambda q: (q.asked_at, q.id), reverse=True) for g in groups.values()]
    return sorted(newest, key=lambda g: (len(g), g[0].asked_at, g[0].id), reverse=True)
