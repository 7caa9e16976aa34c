"""Retrieval and refusal quality on a question set with gold citations (`shared/eval/` format).

Each line: {"id", "question", "gold": [{"doc", "article"?}], "kind"}, optionally "units" (the
clauses or points whose text answers the question: the strict measure), "split", "subject" and
"asks". A gold entry without "article" matches any provision of that document. Out-of-scope
questions have an empty gold list and are answered correctly only by a refusal.

Strict correctness asks more than the right article: the answer must not be a refusal, and the
unit it quotes first must contain one of the gold units — the clause or point itself, the clause
that holds the point, or the whole article when the answer quotes it (a list's lead-in).
"""

from __future__ import annotations

import json
import random
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.answer import Answer

# Chunks fetched per question. Metrics count distinct provisions (doc, article), and one article
# often fills several of the top chunks, so "@10" needs more than ten chunks to see ten provisions.
SEARCH_K = 50


@dataclass
class EvalItem:
    id: str
    question: str
    gold: list[dict]
    kind: str = ""
    units: list[dict] = field(default_factory=list)
    split: str = ""
    subject: str = ""
    asks: str = ""


@dataclass
class EvalResult:
    n: int
    hit_at: dict[int, float]
    recall_at_5: float
    mrr_at_10: float
    refusal_precision: float
    refusal_recall: float
    latency_p50_ms: float
    latency_p95_ms: float
    per_question: list[dict] = field(default_factory=list)
    strict: float | None = None  # share of in-scope questions whose first quote contains a gold unit

    def summary(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "per_question"}


def read_items(path: Path) -> list[EvalItem]:
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            items.append(EvalItem(rec["id"], rec["question"], rec.get("gold") or [], rec.get("kind", ""),
                                  rec.get("units") or [], rec.get("split", ""), rec.get("subject", ""),
                                  rec.get("asks", "")))
    return items


def ranked_units(answer: Answer) -> list[tuple[str, str | None]]:
    """Distinct (doc, article) pairs in retrieval order (kept even when the answer is a refusal)."""
    seen: list[tuple[str, str | None]] = []
    for hit in answer.hits:
        key = (hit.chunk.doc, hit.chunk.article)
        if key not in seen:
            seen.append(key)
    return seen


def quoted_unit(answer: Answer) -> tuple[str, str | None, str | None, str | None] | None:
    """(doc, article, clause, point) of what the answer quotes first; clause None = the whole article."""
    if answer.refused or not answer.citations:
        return None
    first = answer.citations[0]
    if answer.quotes_article:
        return first.doc, first.article, None, None
    return first.doc, first.article, first.clause, first.point


def strictly_right(answer: Answer, units: list[dict]) -> bool:
    quoted = quoted_unit(answer)
    return quoted is not None and any(contains(*quoted, unit) for unit in units)


def contains(doc: str, article: str | None, clause: str | None, point: str | None, unit: dict) -> bool:
    """Whether the provision (doc, article, clause, point) holds a gold unit: the unit itself, the clause
    that holds the point, or the whole article (clause None)."""
    if unit["doc"] != doc or str(unit.get("article") or "") != (article or ""):
        return False
    return clause is None or (str(unit.get("clause") or "") == clause
                              and (point is None or str(unit.get("point") or "") == point))


def matches(unit: tuple[str, str | None], gold: dict) -> bool:
    """Whether (doc, article) is a gold provision; a gold without "article" matches the whole document."""
    doc, article = unit
    if doc != gold["doc"]:
        return False
    return "article" not in gold or str(gold["article"]) == (article or "")


def evaluate(items: Iterable[EvalItem], ask: Callable[[str], Answer], k: int = 10) -> EvalResult:
    hits = {1: 0, 3: 0, 5: 0}
    recall5 = 0.0
    rr = 0.0
    in_scope = 0
    refused_total = refused_correct = oos_total = 0
    strict = strict_total = 0
    latencies: list[float] = []
    rows = []
    for item in items:
        answer = ask(item.question)
        latencies.append(answer.took_ms)
        units = ranked_units(answer)[:k]
        is_oos = not item.gold
        oos_total += is_oos
        refused_total += answer.refused
        refused_correct += answer.refused and is_oos
        first = None
        if not is_oos:
            in_scope += 1
            for rank, unit in enumerate(units, start=1):
                if any(matches(unit, g) for g in item.gold):
                    first = rank
                    break
            for cutoff in hits:
                hits[cutoff] += first is not None and first <= cutoff
            found = sum(any(matches(u, g) for u in units[:5]) for g in item.gold)
            recall5 += found / len(item.gold)
            rr += 1 / first if first else 0.0
        right = strictly_right(answer, item.units) if item.units else None
        if right is not None:
            strict_total += 1
            strict += right
        rows.append({"id": item.id, "kind": item.kind, "first_gold_rank": first, "refused": answer.refused,
                     "strict": right, "subject": item.subject, "asks": item.asks,
                     "top": [f"{d} Điều {a}" if a else d for d, a in units[:3]], "took_ms": round(answer.took_ms, 1)})
    denom = max(in_scope, 1)
    ordered = sorted(latencies) or [0.0]
    return EvalResult(
        n=len(rows),
        hit_at={c: hits[c] / denom for c in hits},
        recall_at_5=recall5 / denom,
        mrr_at_10=rr / denom,
        refusal_precision=refused_correct / refused_total if refused_total else 1.0,
        refusal_recall=refused_correct / oos_total if oos_total else 1.0,
        strict=strict / strict_total if strict_total else None,
        latency_p50_ms=statistics.median(ordered),
        latency_p95_ms=ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))],
        per_question=rows,
    )


def bootstrap(values: list[float], *, draws: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95% percentile bootstrap interval of a mean over questions: how far another sample of
    questions like these could move the number."""
    if not values:
        return (0.0, 0.0)
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(rng.choices(values, k=n)) / n for _ in range(draws))
    return means[int(0.025 * draws)], means[int(0.975 * draws) - 1]


def format_table(result: EvalResult) -> str:
    r = result
    return "\n".join([
        f"Số câu hỏi:           {r.n}",
        f"hit@1 / hit@3 / hit@5: {r.hit_at[1]:.3f} / {r.hit_at[3]:.3f} / {r.hit_at[5]:.3f}",
        f"recall@5:             {r.recall_at_5:.3f}",
        f"MRR@10:               {r.mrr_at_10:.3f}",
        f"Từ chối — precision:  {r.refusal_precision:.3f}   recall: {r.refusal_recall:.3f}",
        f"Độ trễ p50 / p95:     {r.latency_p50_ms:.1f} ms / {r.latency_p95_ms:.1f} ms",
    ])
