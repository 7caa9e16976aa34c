"""Train the reranker and choose the refusal threshold, from tune data only; write both.

    python benchmarks/tune.py [--alqac-root DIR] [--dry-run]

Writes `retrieval/data/reranker.json` (the model) and `refusal.min_confidence`, `refusal.min_article`
and `rerank.enabled` in `retrieval/data/settings.yaml`, so no value is copied by hand.

Training data, none of which is evaluated on:
- ALQAC 2022 (520 questions over its own four codes; `common.ALQAC_SETS["alqac2022"]`): a chunk is
  a positive when it belongs to the gold article.
- the **tune** half of our staff questions (`benchmarks/data/staff_questions.jsonl`) and the questions
  written only for training (`benchmarks/data/train_questions.jsonl`), and the trained half ("th-a")
  of the quiz's situation questions (story-shaped, `common.situation_items("train")`), as typed and
  without diacritics: a chunk is a positive when it contains a gold unit (the strict measure), or,
  when no candidate does, when it belongs to a gold article;
- the **tune** half of `benchmarks/data/out_of_scope.jsonl` and the out-of-scope staff tune
  questions: every candidate is a negative, which is what teaches the model's probability to be low
  when nothing answers.
The test halves (the situation questions' "th-b" half included), the dev set and ALQAC 2025 are
never read here.

The model is two logistic heads on standardised features, fitted by Newton's method with an L2
penalty: the article head on ALQAC and ours (article-level gold), the unit head on ours (unit-level
gold). The penalty and the weight of our own questions against ALQAC are chosen by 5-fold
cross-validation over the tune questions (folds by question), on hit@1 + hit@3 + strict@1.

Refusal reads two more heads. The domain head (logistic, over the question's embedding) says
whether a question is about what this knowledge base covers; the answerable head combines its
log-odds with the likeliest article's probability. Each is fitted on out-of-fold inputs (each
question's article probabilities from a model that did not see it, as at run time), and the
penalties and the cut are chosen on the answerable head's own out-of-fold probabilities: the most
out-of-scope questions refused while at most `MAX_IN_SCOPE_REFUSED` of the in-scope ones are, the
cut halfway between two observed values so that it does not sit on one question. The same rule on
the article probability alone gives `refusal.min_article`, the fallback for another embedding model.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import random
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import common
import numpy as np

from bot.config import Settings as BotSettings
from bot.evaluation import EvalItem, contains, matches
from bot.library import Library
from index.embedders import load_embedder
from index.searcher import HybridIndex
from retrieval import rerank
from retrieval.analysis import analyse
from retrieval.pipeline import Pipeline
from retrieval.settings import SETTINGS_FILE, default

MAX_IN_SCOPE_REFUSED = 0.04  # the bound is .05; a point of margin for questions not seen
PENALTIES = (0.3, 1.0, 3.0, 10.0, 30.0)
DOMAIN_WEIGHTS = (1.0, 3.0, 10.0)
DOMAIN_PENALTIES = (30.0, 100.0)  # 385 weights from a few hundred questions: strongly penalised
ANSWERABLE_PENALTIES = (1.0, 10.0)
FOLDS = 5


@dataclass
class Group:
    """One question's candidates: features, labels, and what ranking them well means."""

    id: str
    domain: bool  # our own question (not ALQAC)
    x: np.ndarray
    y: np.ndarray
    strict: np.ndarray  # candidate contains a gold unit
    article: np.ndarray  # candidate is in a gold article
    in_scope: bool
    keys: list  # each candidate's article (doc, article, attachment)
    vector: np.ndarray | None = None  # the question's embedding


def candidate_rows(pipeline: Pipeline, item: EvalItem, unit_labels: bool) -> Group:
    """The candidates and feature rows the product's reranker would read for this question, labelled."""
    found = pipeline.candidates(analyse(item.question, lambda: pipeline.index.restorer))
    order, x = pipeline.head(found, pipeline.fuse(found))
    chunks = [pipeline.index.chunks[i] for i in order]
    article = np.asarray([any(matches((c.doc, c.article), g) for g in item.gold) for c in chunks], dtype=bool)
    strict = np.asarray([any(contains(c.doc, c.article, c.clause, c.point, u) for u in item.units) for c in chunks],
                        dtype=bool)
    y = strict if (unit_labels and strict.any()) else article
    return Group(item.id, unit_labels, x, y.astype(np.float64), strict, article, bool(item.gold),
                 [c.article_key for c in chunks], found.vector)


def fit_head(groups: list[Group], labels: str, penalty: float, domain_weight: float) -> rerank.Head:
    """One logistic head on `labels` ("article" or "y") over every candidate of `groups`."""
    x = np.vstack([g.x for g in groups])
    y = np.concatenate([getattr(g, labels).astype(np.float64) for g in groups])
    # Each question weighs the same whatever its number of candidates; ours weigh `domain_weight`.
    w = np.concatenate([np.full(len(g.y), (domain_weight if g.domain else 1.0) / max(len(g.y), 1)) for g in groups])
    return logistic(x, y, w, penalty)


def logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray, penalty: float) -> rerank.Head:
    """Weighted logistic regression on standardised columns (column 0 is the bias), by Newton's
    method with an L2 penalty."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    mean[0], scale[0] = 0.0, 1.0  # the bias column stays a constant 1
    scale[scale < 1e-9] = 1.0
    z = (x - mean) / scale
    beta = np.zeros(z.shape[1])
    ridge = np.full(z.shape[1], penalty)
    ridge[0] = 1e-6
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(z @ beta)))
        gradient = z.T @ (w * (p - y)) + ridge * beta
        hessian = (z * (w * p * (1 - p))[:, None]).T @ z + np.diag(ridge)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return rerank.Head(mean, scale, beta)


def fit(ours: list[Group], alqac: list[Group], penalty: float, domain_weight: float) -> rerank.Model:
    """The article head learns from ALQAC and ours; the unit head from ours only (unit-level gold),
    within the first-ranked article: CV strict@1 .532 → .554 against training it on every candidate.
    The answerable head is fitted afterwards, on these heads' out-of-fold probabilities."""
    article = fit_head(ours + alqac, "article", penalty, domain_weight)
    unit = fit_head([within for g in ours if g.in_scope and (within := within_article(g)) is not None], "y",
                    penalty, 1.0)
    return rerank.Model(article, unit)


def within_article(g: Group) -> Group | None:
    """The candidates of the question's first-ranked article, labelled by whether each holds a gold
    unit: the only choice the unit head makes in the product (`rerank.Model.order`), so the only
    one it learns. None when that article is not a gold one or holds no gold unit among them."""
    rows = np.asarray([k == g.keys[0] for k in g.keys])
    if not g.article[0] or not g.strict[rows].any() or rows.sum() < 2:
        return None
    return dataclasses.replace(g, x=g.x[rows], y=g.strict[rows].astype(np.float64), strict=g.strict[rows],
                               article=g.article[rows], keys=[k for k, r in zip(g.keys, rows, strict=True) if r])


def _articles(g: Group) -> list[tuple]:
    return [tuple(k) for k in g.keys]


def score(model: rerank.Model, groups: list[Group]) -> dict[str, float]:
    """hit@1, hit@3 (distinct articles) and strict@1 of the reranked order, over in-scope questions."""
    hit1 = hit3 = strict = n = 0
    for g in groups:
        if not g.in_scope or not len(g.y):
            continue
        ranked, _ = model.order(g.x, _articles(g), default().rerank.reorder)
        n += 1
        hit1 += bool(g.article[ranked[0]])
        strict += bool(g.strict[ranked[0]])
        seen: list[tuple] = []
        for r in ranked:
            if g.keys[r] not in seen:
                seen.append(g.keys[r])
                if len(seen) <= 3 and g.article[r]:
                    hit3 += 1
                    break
    return {"hit1": hit1 / max(n, 1), "hit3": hit3 / max(n, 1), "strict1": strict / max(n, 1), "n": n}


def fused_baseline(groups: list[Group]) -> dict[str, float]:
    in_scope = [g for g in groups if g.in_scope and len(g.y)]
    return {"hit1": sum(bool(g.article[0]) for g in in_scope) / max(len(in_scope), 1),
            "strict1": sum(bool(g.strict[0]) for g in in_scope) / max(len(in_scope), 1)}


def folds(ours: list[Group]) -> dict[str, int]:
    """A question and its unaccented copy share a fold: neither may be seen when the other is scored."""
    ids = sorted({g.id.rstrip("~") for g in ours})
    random.Random(7).shuffle(ids)
    return {qid: n % FOLDS for n, qid in enumerate(ids)}


def out_of_fold(ours: list[Group], alqac: list[Group], penalty: float, weight: float) -> dict[str, np.ndarray]:
    """Each tune question's candidates' article probabilities, from a model that did not see it."""
    fold_of = folds(ours)
    found: dict[str, np.ndarray] = {}
    for fold in range(FOLDS):
        model = fit([g for g in ours if fold_of[g.id.rstrip("~")] != fold], alqac, penalty, weight)
        for g in ours:
            if fold_of[g.id.rstrip("~")] == fold:
                found[g.id] = model.article.probability(g.x) if len(g.y) else np.zeros(0)
    return found


def cut(seen: list[tuple[bool, float]]) -> tuple[float, dict]:
    """The probability below which to refuse: the most out-of-scope questions refused while at most
    MAX_IN_SCOPE_REFUSED of the in-scope ones are; among equals the gentlest, halfway between two
    observed values so that it does not sit on one question. `seen`: (in scope, probability)."""
    inside = sum(1 for s in seen if s[0])
    values = sorted({p for _, p in seen})
    best: tuple | None = None
    for c in [0.0] + [round((a + b) / 2, 4) for a, b in itertools.pairwise(values)]:
        wrong = sum(1 for i, p in seen if i and p < c)
        if wrong > MAX_IN_SCOPE_REFUSED * inside:
            continue
        right = sum(1 for i, p in seen if not i and p < c)
        if best is None or (right, -wrong, -c) > best[0]:
            best = ((right, -wrong, -c), c)
    assert best is not None
    (right, wrong, _), chosen = best
    return chosen, {"in_scope": inside, "in_scope_refused": -wrong, "out_of_scope": len(seen) - inside,
                    "out_of_scope_refused": right}


def question_head(ours: list[Group], x: np.ndarray, penalty: float) -> tuple[np.ndarray, rerank.Head]:
    """A head over one row per question, labelled in scope or not: each question's probability from
    the head fitted on the other folds, and the head fitted on all of them."""
    fold_of = folds(ours)
    y = np.asarray([float(g.in_scope) for g in ours])
    fold = np.asarray([fold_of[g.id.rstrip("~")] for g in ours])
    found = np.zeros(len(ours))
    for f in range(FOLDS):
        head = logistic(x[fold != f], y[fold != f], np.ones(int((fold != f).sum())), penalty)
        found[fold == f] = head.probability(x[fold == f])
    return found, logistic(x, y, np.ones(len(y)), penalty)


def domain_out_of_fold(ours: list[Group], penalty: float) -> tuple[dict[str, float], rerank.Head]:
    """Each question's domain log-odds from a head that did not see it, and the head fitted on all."""
    found, head = question_head(ours, np.vstack([rerank.domain_row(g.vector) for g in ours]), penalty)
    return {g.id: float(np.log(max(p, 1e-9) / max(1 - p, 1e-9))) for g, p in zip(ours, found, strict=True)}, head


def answerable_out_of_fold(ours: list[Group], article_p: dict[str, np.ndarray], domain: dict[str, float],
                           penalty: float) -> tuple[dict[str, float], rerank.Head]:
    """Each question's answerable probability from a head that did not see it, and the head fitted on
    all. Its inputs are out-of-fold themselves, as at run time no head has seen the question."""
    x = np.vstack([rerank.answerable_row(article_p[g.id], domain[g.id]) for g in ours])
    found, head = question_head(ours, x, penalty)
    # Nothing found is always refused.
    return {g.id: float(p) if len(g.y) else 0.0 for g, p in zip(ours, found, strict=True)}, head


def fit_refusal(ours: list[Group], article_p: dict[str, np.ndarray]) -> tuple[rerank.Head, rerank.Head, float, dict]:
    """The domain and answerable heads and the refusal cut: the penalties whose out-of-fold
    probabilities refuse the most out-of-scope questions within the in-scope bound."""
    results = {}
    domains = {dp: domain_out_of_fold(ours, dp) for dp in DOMAIN_PENALTIES}
    for dp, ap in itertools.product(DOMAIN_PENALTIES, ANSWERABLE_PENALTIES):
        domain, domain_head = domains[dp]
        probability, answerable_head = answerable_out_of_fold(ours, article_p, domain, ap)
        chosen, report = cut([(g.in_scope, probability[g.id]) for g in ours])
        results[(dp, ap)] = (domain_head, answerable_head, chosen, {"penalties": [dp, ap], **report})
    best = max(results, key=lambda k: (results[k][3]["out_of_scope_refused"], -results[k][3]["in_scope_refused"], k))
    return results[best]


def write_settings(min_confidence: float, min_article: float, path: Path = SETTINGS_FILE) -> None:
    """Set rerank.enabled and the refusal cuts in the YAML file, keeping its comments."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^(  enabled: )\S+", r"\g<1>true", text, count=1)
    text = re.sub(r"(?m)^(  min_article: )\S+", rf"\g<1>{min_article}", text, count=1)
    text = re.sub(r"(?m)^(  min_confidence: )\S+", rf"\g<1>{min_confidence}", text, count=1)
    path.write_text(text, encoding="utf-8")


def cross_validate(ours: list[Group], alqac: list[Group]) -> tuple[tuple[float, float], dict]:
    fold_of = folds(ours)
    results = {}
    for penalty, weight in itertools.product(PENALTIES, DOMAIN_WEIGHTS):
        totals = {"hit1": 0.0, "hit3": 0.0, "strict1": 0.0}
        for fold in range(FOLDS):
            train = [g for g in ours if fold_of[g.id.rstrip("~")] != fold]
            held = [g for g in ours if fold_of[g.id.rstrip("~")] == fold]
            got = score(fit(train, alqac, penalty, weight), held)
            for key in totals:
                totals[key] += got[key] * got["n"]
        n = sum(1 for g in ours if g.in_scope)
        results[(penalty, weight)] = {k: v / n for k, v in totals.items()}
    best = max(results, key=lambda k: (sum(results[k].values()), -k[0]))
    return best, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--alqac-root", type=Path, default=common.CACHE / "index-alqac2022",
                        help="a built ALQAC 2022 index (benchmarks/run.py builds one)")
    parser.add_argument("--dry-run", action="store_true", help="print, write nothing")
    args = parser.parse_args()
    settings = default().replace("rerank.enabled", False)
    embedder = load_embedder()
    with tempfile.TemporaryDirectory(prefix="rerank-kb-") as tmp:
        library = Library(BotSettings(data_dir=Path(tmp)))
        library._embedder = embedder
        library.ensure_index(progress=True)
        kb = Pipeline(library.index, settings)
        staff = [*common.staff_items("tune"), *common.train_items(), *common.situation_items("train")]
        oos = common.out_of_scope_items("tune")
        questions = [*staff, *common.stripped(staff), *oos, *common.stripped(oos)]
        ours = [candidate_rows(kb, item, unit_labels=True) for item in questions]
        known = frozenset(library.index.manifest.documents)
    alqac_index = HybridIndex.load(args.alqac_root, embedder)
    alqac_pipeline = Pipeline(alqac_index, settings)
    alqac = [candidate_rows(alqac_pipeline, item, unit_labels=False)
             for item in common.ALQAC_SETS["alqac2022"].items()]
    print(f"{len(ours)} of our tune questions (with and without diacritics), {len(alqac)} ALQAC 2022 questions")
    print(f"fusion alone, tune: {fused_baseline(ours)}")
    (penalty, weight), results = cross_validate(ours, alqac)
    for (p, w), r in sorted(results.items()):
        print(f"  penalty {p:<5} our weight {w:<5} CV hit@1 {r['hit1']:.3f} hit@3 {r['hit3']:.3f} "
              f"strict@1 {r['strict1']:.3f}")
    model = fit(ours, alqac, penalty, weight)
    cv = results[(penalty, weight)]
    article_p = out_of_fold(ours, alqac, penalty, weight)
    min_article, by_article = cut([(g.in_scope, float(article_p[g.id].max()) if len(g.y) else 0.0) for g in ours])
    domain, answerable, min_confidence, refusal = fit_refusal(ours, article_p)
    model = rerank.Model(model.article, model.unit, domain, answerable, embedder.model_id, known, {
        "trained": datetime.now(UTC).strftime("%Y-%m-%d"),
        "script": "benchmarks/tune.py",
        "data": {"alqac2022_questions": len(alqac), "staff_tune_and_train_questions": len(staff),
                 "out_of_scope_tune_questions": len(oos), "also_without_diacritics": True},
        "penalty": penalty, "our_weight": weight,
        "cross_validation_on_tune": {k: round(v, 3) for k, v in cv.items()},
        "fusion_alone_on_tune": {k: round(v, 3) for k, v in fused_baseline(ours).items()},
        "refusal_on_tune_out_of_fold": {"min_confidence": min_confidence, **refusal},
        "article_probability_alone_out_of_fold": {"min_article": min_article, **by_article},
    })
    print(f"chosen: penalty {penalty}, our weight {weight}; CV {cv}")
    for name, a, u in zip(rerank.FEATURES, model.article.weights, model.unit.weights, strict=True):
        print(f"  {name:26} article {a:+.3f}  unit {u:+.3f}")
    for name, a in zip(rerank.ANSWERABLE_FEATURES, answerable.weights, strict=True):
        print(f"  {name:26} answerable {a:+.3f}")
    print(f"refusal on the article probability alone: below {min_article} ({by_article})")
    print(f"refusal on the answerable head: below {min_confidence} (out of fold on tune: {refusal})")
    if args.dry_run:
        return
    model.save()
    write_settings(min_confidence, min_article)
    print(f"written to {rerank.MODEL_FILE} and {SETTINGS_FILE}")


if __name__ == "__main__":
    main()
