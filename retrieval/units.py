"""Answer-unit selection: which of the ranked provisions the answer quotes, and how much of them.

The best hit is quoted; up to two more are shown as related, none repeating or containing another.
How much of the best hit's article is quoted depends on what was asked: a unit ending in ':' only
announces a list, and a question that asks for a whole list ("những việc …", "gồm những ai") is
answered by the list — the article, when the leading hits are several clauses of it — rather than by
whichever single item ranked first.
"""

from __future__ import annotations

import re

from index.chunking import Chunk
from index.searcher import HybridIndex
from retrieval.analysis import Query
from retrieval.hit import Hit

MAX_RELATED = 2
LIST_SPREAD = 3  # a list question whose leading hits hold two clauses of one article gets the article
# "Chính phủ quy định chi tiết Điều này." says who will detail the article, not what it rules: shown
# as a related provision it only takes the place of one that answers.
_DELEGATION = re.compile(r"^(\d+\.\s*)?[^.;:]{0,100}\bquy định chi tiết\b[^.;:]{0,100}\bĐiều này\.?$", re.IGNORECASE)


def pick(hits: list[Hit], whole: bool = False) -> list[Hit]:
    """The best hit and up to two related ones, none repeating or containing another nor only
    delegating its article to a decree; when the best hit's whole article is quoted, nothing else
    from that article."""
    chosen = [hits[0]]
    for hit in hits[1:]:
        if len(chosen) > MAX_RELATED:
            break
        if any(overlaps(hit.chunk, c.chunk) for c in chosen) or delegates_only(hit.chunk):
            continue
        if whole and hit.chunk.article_key == hits[0].chunk.article_key:
            continue
        chosen.append(hit)
    return chosen


def delegates_only(chunk: Chunk) -> bool:
    """The unit only says who will detail its article ("Chính phủ quy định chi tiết khoản 1 Điều này.")."""
    return bool(_DELEGATION.match(chunk.text.strip()))


def overlaps(a: Chunk, b: Chunk) -> bool:
    if a.doc != b.doc or a.article != b.article or a.attachment != b.attachment:
        return False
    if a.article is None:
        return a.text == b.text
    # Same article: a clause and its own point, or the same unit twice.
    return a.clause is None or b.clause is None or a.clause == b.clause


def whole_article(index: HybridIndex, query: Query, hits: list[Hit], whole_list: bool = True) -> dict | None:
    """The article (its "text" and "label") when the answer must quote all of it, else None."""
    best = hits[0].chunk
    if best.article is None:
        return None
    announces = best.text.rstrip().endswith(":")
    spread = whole_list and query.asks_list and len({h.chunk.clause for h in hits[:LIST_SPREAD]
                                      if h.chunk.article_key == best.article_key}) >= 2
    if not (announces or spread):
        return None
    return index.article(best)
