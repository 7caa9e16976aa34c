"""Example questions kept beside the provisions they are answered by ("document expansion").

Staff ask in everyday words ("sếp bảo em …", "phong bì", "đi làm muộn"); provisions are written in
legal ones. Fusion compared a question with the legal text only, so a story about a colleague's
envelope had to meet Điều 22 Luật Phòng, chống tham nhũng through the few words they share. Each
article of the core conduct documents therefore carries a handful of questions that it answers,
written in the staff's voice from the article's text alone (`index/data/cau_hoi_theo_dieu.jsonl`;
who wrote them and how they are checked: README, "How it works", and `tests/test_examples.py`).
The build embeds them as questions; at search time a question is compared with them too
(`retrieval.candidates.ExampleRetriever`): question-to-question similarity, the thing a sentence
embedding is best at.

An example only ever points at its article: it never becomes an answer or a quote, and an article
that a build does not hold (another version of the law, a document removed) drops its examples.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from index.embedders.base import Embedder
from index.vector_cache import VectorCache

EXAMPLES_FILE = Path(__file__).with_name("data") / "cau_hoi_theo_dieu.jsonl"
# Marks a text embedded as a question in the vector cache, which otherwise holds passages: e5 reads
# "query: …" and "passage: …" differently, so the same words must not share one cached vector.
_QUERY_MARK = "\x01query\x01"


def read(path: Path = EXAMPLES_FILE) -> list[dict]:
    """Rows {"doc", "article", "question"}, with "attachment" for an article of a document's appendix
    (the regulation a Quyết định issues: the chunks' `attachment`) and "clause" where one clause answers."""
    if not path.exists():
        return []
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                article = None if row["article"] is None else str(row["article"])  # None: a text without articles
                rows.append({"doc": row["doc"], "article": article,
                             "attachment": row.get("attachment", ""), "question": row["question"],
                             **({"clause": str(row["clause"])} if row.get("clause") else {})})
    return rows


def key(row: dict) -> tuple[str, str | None, str]:
    """The article an example points at, as `Chunk.article_key` names it."""
    return (row["doc"], row["article"], row.get("attachment", ""))


def for_build(chunks: list[dict], rows: list[dict] | None = None) -> list[dict]:
    """The examples whose article is in this build."""
    present = {(c["doc"], c["article"], c.get("attachment", "")) for c in chunks}
    return [r for r in (read() if rows is None else rows) if key(r) in present]


def embed(embedder: Embedder, rows: list[dict], cache: VectorCache) -> np.ndarray:
    """Each example's question vector, as the dense retriever embeds a user's question; looked up in
    (and added to) the builder's vector cache."""
    if not rows:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    vectors = cache.embed(cache_texts(rows), computer(embedder))
    cache.save()
    return vectors


def cache_texts(rows: list[dict]) -> list[str]:
    """The texts under which the examples' vectors are cached (also in the shipped vector file)."""
    return [_QUERY_MARK + r["question"] for r in rows]


def computer(embedder: Embedder) -> Callable[[list[str], bool], np.ndarray]:
    """What `VectorCache.embed` calls for the examples it lacks: the question embedding of each."""

    def compute(missing: list[str], _progress: bool) -> np.ndarray:
        return embedder.embed_queries([m.removeprefix(_QUERY_MARK) for m in missing])

    return compute
