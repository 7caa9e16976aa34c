"""Answer-unit selection: which of the ranked provisions the answer quotes, and how much of them.

The best hit is quoted; up to two more are shown as related, none repeating or containing another.
A unit ending in ':' only announces a list, so the whole article is quoted instead.
"""

from __future__ import annotations

from index.chunking import Chunk
from index.searcher import HybridIndex
from retrieval.hit import Hit

MAX_RELATED = 2


def pick(hits: list[Hit]) -> list[Hit]:
    """The best hit and up to two related ones, none repeating or containing another."""
    chosen = [hits[0]]
    for hit in hits[1:]:
        if len(chosen) > MAX_RELATED:
            break
        if any(overlaps(hit.chunk, c.chunk) for c in chosen):
            continue
        chosen.append(hit)
    return chosen


def overlaps(a: Chunk, b: Chunk) -> bool:
    if a.doc != b.doc or a.article != b.article or a.attachment != b.attachment:
        return False
    if a.article is None:
        return a.text == b.text
    # Same article: a clause and its own point, or the same unit twice.
    return a.clause is None or b.clause is None or a.clause == b.clause


def lead_in_article(index: HybridIndex, best: Hit) -> str:
    """A unit ending in ':' only announces a list; the answer must show the list too."""
    if not best.chunk.text.rstrip().endswith(":"):
        return ""
    article = index.article(best.chunk)
    return article["text"] if article else ""
