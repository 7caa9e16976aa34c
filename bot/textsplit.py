"""Cutting a long answer into chat messages without breaking a clause, a sentence or a word.

Telegram accepts 4096 and Zalo 2000 characters per message; a legal answer can be longer. Both
channels split the same way, at the coarsest boundary that fits.
"""

from __future__ import annotations

import re
import unicodedata


def text_length(text: str) -> int:
    """Length as Telegram counts it, and Zalo is assumed to: UTF-16 code units (``len`` for Vietnamese)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _fit(text: str, limit: int) -> int:
    """The largest index i such that ``text[:i]`` is within ``limit`` UTF-16 units."""
    used = 0
    for i, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            return i
    return len(text)


# Candidate split points, coarse to fine. Group 1 (if any), else the whole match, starts at the cut. The head
# keeps everything before the cut, and whitespace at the cut is dropped.
_SPLITTERS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\n[^\S\n]*\n"),  # paragraph: a blank line
    re.compile(r"\n"),  # line
    # sentence end, with closing quotes or brackets; not the dot of a short number ("Điều 3.", "1.")
    re.compile(r"(?<!\b\d)(?<!\b\d\d)(?<!\b\d\d\d)[.!?…]+[\"'”’»)\]]*(\s+)"),
    re.compile(r"\s+"),  # word
)


def _find_cut(text: str, end: int, min_fill: int) -> int | None:
    """The best cut at or before ``end``: the coarsest kind of boundary with a head of at least ``min_fill``."""
    for pattern in _SPLITTERS:
        best = None
        for match in pattern.finditer(text, 0, end + 1):
            cut = match.start(1) if pattern.groups else match.start()
            if min_fill <= cut <= end and text[:cut].strip():
                best = cut
        if best is not None:
            return best
    return None


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into messages a chat accepts. Prefer paragraph, then line, then sentence, then word breaks.

    A word is cut only when it alone is longer than ``limit``, and never between a letter and its combining mark.
    Rejoined, the parts equal ``text`` except for whitespace at the cut points. No part is empty or blank, and a
    text that already fits is returned unchanged. Coarse breaks that would leave a part under a quarter of ``limit``
    give way to finer ones, so a short opening line does not become its own message.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    parts: list[str] = []
    rest = text
    while text_length(rest) > limit:
        end = max(1, _fit(rest, limit))
        cut = _find_cut(rest, end, max(1, limit // 4)) or _find_cut(rest, end, 1)
        if cut is None:  # one word longer than the limit: cut it, but keep combining marks with their letter
            cut = end
            while cut > 1 and unicodedata.combining(rest[cut]):
                cut -= 1
            head, rest = rest[:cut], rest[cut:]
        else:
            head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if head.strip():
            parts.append(head)
    if rest.strip():
        parts.append(rest)
    return parts
