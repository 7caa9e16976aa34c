"""Choose SearchSettings and RefusalPolicy by measurement on the dev set (and only the dev set).

    python benchmarks/tune.py [--index-root DIR]

Every configuration is run through the product's own `HybridIndex.search`, `Answerer._weak` and
`evaluate`, so the sweep measures the code as it is, not a copy of it. It stays fast because the
expensive parts are computed once and remembered: each question is embedded once, and for every
way of scoring the lexical side (`HybridIndex._lexical`, patched on the instance) BM25 and the
dense candidates are computed once per question; a fusion setting then costs only its arithmetic.

45 questions (39 in scope, 6 out of scope) are few. A setting is recommended from the middle of a
plateau (mean of each grid point and its neighbours), and the report says how flat that plateau is.

Search is tuned on the dev set as typed. Refusal is tuned on a wider pool, because six
out-of-scope questions cannot place a threshold: the dev set, the same questions typed without
diacritics, and the "tune" half of benchmarks/data/out_of_scope.jsonl (also both ways). The
"test" half is only reported, never looked at by the choice.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import itertools
import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import common
import numpy as np

from bot.answer import MAX_QUESTION_CHARS, Answer, Answerer, RefusalPolicy
from bot.evaluation import EvalItem, EvalResult, evaluate, ranked_units
from index import builder, fusion, storage
from index import text as textmod
from index.embedders import load_embedder
from index.lexical import BM25
from index.searcher import Hit, HybridIndex, SearchSettings
from index.text import has_diacritics, normalize, segmented_words, words
from knowledge_base import store

ALPHAS = [round(0.30 + 0.05 * i, 2) for i in range(13)]  # 0.30 … 0.90
# RRF is invariant to scaling both weights, so only the ratio dense:lexical matters.
RRF_RATIOS = [0.25, 0.33, 0.5, 0.67, 0.75, 1.0, 1.33, 1.5, 2.0, 3.0, 4.0]
# Queries without marks never go to pyvi words (they cannot match accented text); this is the
# plain-syllable query vocabulary of whatever version of the product is installed.
plain_query: Callable[[str], list[str]] = getattr(textmod, "plain_terms", textmod.plain_words)
# Which Hit attribute (or coverage) each known RefusalPolicy threshold is compared with.
POLICY_SIGNALS = {"min_dense": "dense", "floor_dense": "dense", "min_score": "score", "min_coverage": "coverage"}


def rrf_weights(ratio: float) -> tuple[float, float]:
    return (ratio, 1.0) if ratio <= 1 else (1.0, round(1 / ratio, 2))


# Each fusion family as its parameter grid in order, so a plateau can be read along it.
FAMILIES: dict[str, list[tuple[str, SearchSettings]]] = {
    "convex": [(f"{a:.2f}", SearchSettings(fusion="convex", alpha=a)) for a in ALPHAS],
    "rrf": [(f"{r:g}", SearchSettings(fusion="rrf", rrf_weights=rrf_weights(r))) for r in RRF_RATIOS],
}
FAMILY_PARAM = {"convex": "alpha", "rrf": "dense:lexical"}


class MemoEmbedder:
    """The real embedder with query vectors remembered: the sweep embeds each question once."""

    def __init__(self, real) -> None:
        self.real, self.model_id, self.dim = real, real.model_id, real.dim
        self.memo: dict[str, np.ndarray] = {}

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        for text in texts:
            if text not in self.memo:
                self.memo[text] = self.real.embed_queries([text])[0]
        return np.stack([self.memo[t] for t in texts])

    def embed_passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        return self.real.embed_passages(texts, show_progress)


class Lexical:
    """The ways of scoring the lexical side that are compared; each maps (typed, expanded text) → scores.

    "typed" is what the user wrote; the index sees it after chat abbreviations are expanded, and
    "dc"→"được" puts marks into a query typed without any, which matters to variants that branch
    on marks.
    """

    def __init__(self, index: HybridIndex, chunks: list[dict]) -> None:
        self.index = index
        self.product = index._lexical  # bound before any patching: the installed product's own scoring
        # Accented syllables: pyvi words split back at "_", so nothing is re-segmented.
        self.syllables = BM25([[s for t in c["tokens"] for s in t.split("_")] for c in chunks])
        self.variants: dict[str, Callable[[str, str], np.ndarray]] = {
            "product": lambda typed, text: self.product(text),
            "seg|plain": lambda typed, text: self.seg(text) if has_diacritics(typed) else self.plain(text),
            "seg|plain (marks after expansion)": (
                lambda typed, text: self.seg(text) if has_diacritics(text) else self.plain(text)),
            "syl|plain": lambda typed, text: self.syl(text) if has_diacritics(typed) else self.plain(text),
            "plain": lambda typed, text: self.plain(text),
            "mean(seg,syl)|plain": (
                lambda typed, text: (_unit(self.seg(text)) + _unit(self.syl(text))) / 2
                if has_diacritics(typed) else self.plain(text)),
            "mean(seg,syl,plain)": (
                lambda typed, text: (_unit(self.seg(text)) + _unit(self.syl(text)) + _unit(self.plain(text))) / 3),
            "seg+plain (raw sum)": lambda typed, text: self.seg(text) + self.plain(text),
        }

    def seg(self, text: str) -> np.ndarray:
        return self.index.bm25_segmented.scores(segmented_words(text))

    def plain(self, text: str) -> np.ndarray:
        return self.index.bm25_plain.scores(plain_query(text))

    def syl(self, text: str) -> np.ndarray:
        return self.syllables.scores(words(text))


def _unit(scores: np.ndarray) -> np.ndarray:
    return fusion.max_normalised(scores) if hasattr(fusion, "max_normalised") else scores / max(scores.max(), 1e-9)


class Sweep:
    """Runs the product's search for (lexical variant, settings) with the costly parts remembered."""

    def __init__(self, index: HybridIndex, chunks: list[dict], items: list[EvalItem]) -> None:
        self.index, self.items = index, items
        self.lexical = Lexical(index, chunks)
        self.product_dense = index._dense
        self.variant = "product"
        self.typed = ""
        self._lex_memo: dict[tuple[str, str], np.ndarray] = {}
        self._dense_memo: dict[tuple[str, str, bool], np.ndarray] = {}
        index._lexical = self._patched_lexical  # instance attributes: the class is untouched
        index._dense = self._patched_dense

    def _patched_lexical(self, text: str) -> np.ndarray:
        key = (self.variant, text)
        if key not in self._lex_memo:
            self._lex_memo[key] = self.lexical.variants[self.variant](self.typed, text)
        return self._lex_memo[key]

    def _patched_dense(self, text: str, lexical: np.ndarray, settings: SearchSettings) -> np.ndarray:
        key = (self.variant, text, settings.mode == "lexical")
        if key not in self._dense_memo:
            self._dense_memo[key] = self.product_dense(text, lexical, settings)
        return self._dense_memo[key]

    def hits(self, variant: str, settings: SearchSettings) -> dict[str, list[Hit]]:
        self.variant = variant
        out = {}
        for item in self.items:
            self.typed = normalize(item.question)[:MAX_QUESTION_CHARS]  # what Answerer.ask passes on
            out[item.question] = self.index.search(self.typed, 10, settings)
        return out

    def run(self, variant: str, settings: SearchSettings) -> tuple[EvalResult, dict[str, list[Hit]]]:
        by_question = self.hits(variant, settings)
        return evaluate(self.items, lambda q: Answer(q, "", False, hits=by_question[q])), by_question


def settings_name(s: SearchSettings) -> str:
    if s.mode != "hybrid":
        return s.mode
    return f"convex α={s.alpha:.2f}" if s.fusion == "convex" else f"rrf w={s.rrf_weights[0]:g}/{s.rrf_weights[1]:g}"


def all_settings() -> list[SearchSettings]:
    out = [SearchSettings(mode="dense"), SearchSettings(mode="lexical"), SearchSettings()]
    return out + [st for grid in FAMILIES.values() for _, st in grid]


def objective(r: EvalResult) -> float:
    """hit@3 + MRR@10: the two dev-set targets, weighted equally."""
    return r.hit_at[3] + r.mrr_at_10


def smoothed(values: list[float]) -> list[float]:
    """Mean of each grid point and its two neighbours: a setting that is good alone is not trusted."""
    return [sum(values[max(0, n - 1):n + 2]) / len(values[max(0, n - 1):n + 2]) for n in range(len(values))]


def sign_test(better: int, worse: int) -> float:
    """Two-sided exact sign test on paired per-question wins and losses."""
    total = better + worse
    if total == 0:
        return 1.0
    return min(1.0, 2 * sum(math.comb(total, i) for i in range(min(better, worse) + 1)) / 2**total)


def paired_rr(a: EvalResult, b: EvalResult) -> tuple[int, int]:
    """Questions where `a` puts the first gold article higher than `b`, and lower."""
    rr = lambda row: 1 / row["first_gold_rank"] if row["first_gold_rank"] else 0.0  # noqa: E731
    other = {row["id"]: rr(row) for row in b.per_question}
    better = sum(rr(row) > other[row["id"]] for row in a.per_question)
    worse = sum(rr(row) < other[row["id"]] for row in a.per_question)
    return better, worse


# ---------------------------------------------------------------- refusal


@dataclass
class Outcome:
    policy: RefusalPolicy
    refused_oos: int
    refused_in_scope: list[str]
    f1: float
    neighbourhood: float = 0.0


class RefusalSweep:
    """Every RefusalPolicy on a grid of cut points, judged by the product's own `Answerer._weak`.

    Thresholds only matter between observed values, so each threshold's grid is the midpoints
    between consecutive observed values of its signal on the 45 best hits (plus one point beyond
    each end): every distinct outcome appears once, at the widest margin on both sides.
    """

    def __init__(self, answerer: Answerer, items: list[EvalItem], hits: dict[str, list[Hit]]) -> None:
        self.answerer, self.items = answerer, items
        self.best = [hits[i.question][0] if hits[i.question] else None for i in items]
        self.typed = [normalize(i.question)[:MAX_QUESTION_CHARS] for i in items]
        self.oos = np.asarray([not i.gold for i in items])
        self.stripped = np.asarray([i.id.endswith("~") for i in items])
        self.default = answerer.policy
        self.fields = [f.name for f in dataclasses.fields(RefusalPolicy)]
        self.two_args = len(inspect.signature(answerer._weak).parameters) == 2  # older (question, hit)
        self.signals = {name: self._signal(name) for name in self.fields if name in POLICY_SIGNALS}
        self.observed = {name: np.unique(v) for name, v in self.signals.items()}
        self.grids = {name: _cut_points(v) for name, v in self.observed.items()}

    def _signal(self, name: str) -> np.ndarray:
        kind = POLICY_SIGNALS[name]
        if kind == "coverage":
            from bot import answer

            return np.asarray([answer.coverage(q, b.chunk) if b else 0.0 for q, b in zip(self.typed, self.best,
                                                                                       strict=True)])
        return np.asarray([getattr(b, kind) if b else 0.0 for b in self.best])

    def refused(self, policy: RefusalPolicy) -> np.ndarray:
        self.answerer.policy = policy
        try:
            out = []
            for q, b in zip(self.typed, self.best, strict=True):
                if b is None:
                    out.append(True)
                else:
                    out.append(self.answerer._weak(q, b) if self.two_args else self.answerer._weak(b))
            return np.asarray(out)
        finally:
            self.answerer.policy = self.default

    def outcome(self, policy: RefusalPolicy) -> Outcome:
        refused = self.refused(policy)
        tp = int((refused & self.oos).sum())
        precision = tp / int(refused.sum()) if refused.any() else 1.0
        recall = tp / max(int(self.oos.sum()), 1)
        f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
        wrong = [self.items[n].id for n in np.flatnonzero(refused & ~self.oos)]
        return Outcome(policy, tp, wrong, f1)

    def grid(self) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
        """F1, out-of-scope refused and in-scope refused over the whole grid (axes in `names` order)."""
        names = list(self.grids)
        shape = tuple(len(self.grids[n]) for n in names)
        f1, tp, wrong = np.zeros(shape), np.zeros(shape, int), np.zeros(shape, int)
        for idx in itertools.product(*(range(s) for s in shape)):
            policy = dataclasses.replace(self.default, **{n: float(self.grids[n][i]) for n, i in zip(names, idx,
                                                                                                    strict=True)})
            o = self.outcome(policy)
            f1[idx], tp[idx], wrong[idx] = o.f1, o.refused_oos, len(o.refused_in_scope)
        return names, f1, tp, wrong

    def cell(self, policy: RefusalPolicy, names: list[str]) -> tuple[int, ...]:
        """The grid cell with the same effect as `policy`: both lie between the same two observations."""
        return tuple(int(np.searchsorted(self.observed[n], getattr(policy, n), side="left")) for n in names)


def _cut_points(v: np.ndarray) -> np.ndarray:
    """One threshold between each pair of sorted observed values, and one beyond each end."""
    mids = (v[:-1] + v[1:]) / 2
    step = max(float(v[-1] - v[0]) / 100, 1e-6)
    return np.concatenate([[v[0] - step], mids, [v[-1] + step]])


def neighbourhood_mean(values: np.ndarray, grids: list[np.ndarray], share: float = 0.02) -> np.ndarray:
    """Mean over each cell and the cells a small step away in value (`share` of each threshold's range).

    The grid has one cut point between each pair of observed values, so where observations crowd
    together "±1 cut point" is a hair's breadth; a step in value is what a new question can move.
    """
    offsets = []
    for grid in grids:
        step = share * float(grid[-1] - grid[0])
        here = np.arange(len(grid))
        offsets.append([np.clip(np.searchsorted(grid, grid + d, side="left"), 0, len(grid) - 1) if d else here
                        for d in (-step, 0.0, step)])
    out = np.zeros_like(values, dtype=float)
    for choice in itertools.product(range(3), repeat=values.ndim):
        out += values[np.ix_(*[offsets[axis][c] for axis, c in enumerate(choice)])]
    return out / 3**values.ndim


# ---------------------------------------------------------------- report


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def metrics_row(r: EvalResult) -> list[str]:
    return [f"{r.hit_at[1]:.3f}", f"{r.hit_at[3]:.3f}", f"{r.hit_at[5]:.3f}", f"{r.recall_at_5:.3f}",
            f"{r.mrr_at_10:.3f}"]


def open_index(index_root: Path | None, tmp: str) -> tuple[HybridIndex, list[dict]]:
    embedder = MemoEmbedder(load_embedder())
    if index_root:
        path = storage.current_build(index_root)
    else:
        print("Building the bundled knowledge base's index from the shipped vectors…", flush=True)
        path = builder.build(Path(tmp), store.load_all(), embedder, cache_dir=None)
    files = storage.read_build(path)
    return HybridIndex(files, embedder, path), files.chunks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index-root", type=Path, help="an existing index directory (default: build one)")
    parser.add_argument("--max-wrong-share", type=float, default=0.10,
                        help="share of in-scope questions the refusal policy may refuse (default 10%%, rounded up)")
    args = parser.parse_args()
    items = common.dev_items()
    oos_tune, oos_test = common.out_of_scope_items("tune"), common.out_of_scope_items("test")
    pool = items + common.stripped(items) + oos_tune + common.stripped(oos_tune)
    held_out = oos_test + common.stripped(oos_test)
    with tempfile.TemporaryDirectory(prefix="tune-") as tmp:
        index, chunks = open_index(args.index_root, tmp)
        sweep = Sweep(index, chunks, items)
        variant, settings = tune_search(sweep, items)
        sweep.items = pool + held_out
        hits = sweep.hits(variant, settings)
        budget = math.ceil(args.max_wrong_share * sum(bool(i.gold) for i in pool))
        tune_refusal(Answerer(index, settings), pool, held_out, hits, budget)


def tune_search(sweep: Sweep, items: list[EvalItem]) -> tuple[str, SearchSettings]:
    """The lexical variant and fusion setting to recommend, with the report that justifies them."""
    variants = list(sweep.lexical.variants)
    one_question = 1 / max(sum(bool(i.gold) for i in items), 1)  # one in-scope question's worth of hit@k
    results: dict[tuple[str, str], EvalResult] = {}
    for variant in variants:
        for settings in all_settings():
            results[variant, settings_name(settings)] = sweep.run(variant, settings)[0]
    current_name = settings_name(SearchSettings())
    current = results["product", current_name]
    print(f"\nProduct as installed ({current_name}, lexical: "
          f"{(sweep.lexical.product.__doc__ or 'its own').strip().splitlines()[0]}):")
    print("  hit@1 / hit@3 / hit@5 / recall@5 / MRR@10 = " + " / ".join(metrics_row(current)))

    header = ["lexical side", "fusion", "hit@1", "hit@3", "hit@5", "recall@5", "MRR@10"]
    rows = sorted(results.items(), key=lambda kv: -objective(kv[1]))
    print(f"\n== Top 20 of {len(rows)} configurations by hit@3 + MRR@10 ==")
    print(table(header, [[v, n, *metrics_row(r)] for (v, n), r in rows[:20]]))
    print("\nSingle-sided, for reference:")
    for mode in ("dense", "lexical"):
        for variant in ("product", "seg|plain"):
            print(f"  {mode}-only, lexical {variant}: " + " / ".join(metrics_row(results[variant, mode])))

    curves: dict[tuple[str, str], tuple[list[float], list[float]]] = {}
    for variant in variants:
        for family, grid in FAMILIES.items():
            raw = [objective(results[variant, settings_name(st)]) for _, st in grid]
            curves[variant, family] = (raw, smoothed(raw))
    short = {v: f"L{n}" for n, v in enumerate(variants, start=1)}
    print("\nLexical variants: " + "; ".join(f"{short[v]} = {v}" for v in variants))
    for family, grid in FAMILIES.items():
        print(f"\n== {family}: hit@3 + MRR@10 per {FAMILY_PARAM[family]} (mean with both neighbours in brackets) ==")
        rows = [[label, *[f"{curves[v, family][0][n]:.2f} ({curves[v, family][1][n]:.2f})" for v in variants]]
                for n, (label, _) in enumerate(grid)]
        print(table([FAMILY_PARAM[family], *[short[v] for v in variants]], rows))

    # Choose by the neighbourhood mean, and change nothing that does not gain more than one question.
    def best_point(variant: str) -> tuple[float, str, int]:
        return max((curves[variant, f][1][m], f, m) for f, g in FAMILIES.items() for m in range(len(g)))

    top_variant = max(variants, key=lambda v: best_point(v)[0])
    if best_point("product")[0] >= best_point(top_variant)[0] - one_question:
        chosen = "product"
        why_lexical = (f"the product's own lexical side is within one question of the best ({top_variant}: "
                       f"{best_point(top_variant)[0]:.3f} vs {best_point('product')[0]:.3f})")
    else:
        chosen = top_variant
        why_lexical = f"better than the product's by {best_point(top_variant)[0] - best_point('product')[0]:.3f}"
    best_smooth, family, n = best_point(chosen)
    current_family = SearchSettings().fusion
    current_n = next((m for m, (_, st) in enumerate(FAMILIES[current_family]) if st == SearchSettings()), None)
    if current_n is not None and curves[chosen, current_family][1][current_n] >= best_smooth - one_question:
        why_fusion = (f"the current default is within one question of the best grid point "
                      f"({FAMILIES[family][n][0]} {family}: {best_smooth:.3f} vs "
                      f"{curves[chosen, current_family][1][current_n]:.3f}), so it stays")
        family, n = current_family, current_n
    else:
        why_fusion = "best neighbourhood mean on the grid"
    label, recommended = FAMILIES[family][n]
    rec_result, rec_hits = sweep.run(chosen, recommended)
    raw, smooth = curves[chosen, family]
    flat = [FAMILIES[family][m][0] for m in range(len(raw)) if raw[m] >= raw[n] - one_question - 1e-9]
    print("\n== Recommendation: search (by the mean of a grid point and its neighbours) ==")
    print(f"lexical side: {chosen} — {why_lexical}")
    print(f"fusion: {why_fusion}")
    print(f"SearchSettings(mode='hybrid', fusion={recommended.fusion!r}, alpha={recommended.alpha}, "
          f"rrf_weights={recommended.rrf_weights})")
    print("hit@1 / hit@3 / hit@5 / recall@5 / MRR@10 = " + " / ".join(metrics_row(rec_result))
          + f"; objective {raw[n]:.3f}, neighbourhood {smooth[n]:.3f}")
    print(f"flatness: within one question ({one_question:.3f}) of this point for {FAMILY_PARAM[family]} in "
          f"{{{', '.join(flat)}}} ({len(flat)} of {len(raw)} grid points); spread over the grid "
          f"{max(raw) - min(raw):.3f}")
    for other in FAMILIES:
        o_raw, o_smooth = curves[chosen, other]
        m = max(range(len(o_raw)), key=lambda i: (o_smooth[i], o_raw[i]))
        print(f"  best {other} for this lexical side: {FAMILY_PARAM[other]} {FAMILIES[other][m][0]} → "
              f"{o_raw[m]:.3f} (neighbourhood {o_smooth[m]:.3f}); spread over its grid {max(o_raw) - min(o_raw):.3f}")
    for variant in variants:
        m = max(range(len(FAMILIES[family])), key=lambda i, v=variant: curves[v, family][1][i])
        better, worse = paired_rr(rec_result, results[variant, settings_name(FAMILIES[family][m][1])])
        print(f"  vs {variant:<34} at its best {family} point ({FAMILIES[family][m][0]}): better on {better} "
              f"questions, worse on {worse}")
    better, worse = paired_rr(rec_result, current)
    print(f"  vs the product as installed: better on {better}, worse on {worse} (sign test p = "
          f"{sign_test(better, worse):.2g})")
    if chosen != "product":
        print(f"  NOTE: the lexical side '{chosen}' is not what HybridIndex._lexical does today; see tune.py Lexical.")

    print("\n== Recommended search: hit@3 by kind ==")
    kinds: dict[str, list[int]] = {}
    for row in rec_result.per_question:
        if row["kind"] != "out_of_scope":
            rank = row["first_gold_rank"]
            kinds.setdefault(row["kind"], []).append(int(rank is not None and rank <= 3))
    print(table(["kind", "n", "hit@3"], [[k, str(len(v)), f"{sum(v) / len(v):.2f}"] for k, v in sorted(kinds.items())]))
    print("\n== In-scope questions whose gold is not in the top 5 (recommended search) ==")
    for item, row in zip(items, rec_result.per_question, strict=True):
        rank = row["first_gold_rank"]
        if item.gold and (rank is None or rank > 5):
            hits = rec_hits[item.question]
            units = ranked_units(Answer(item.question, "", False, hits=hits))
            gold = ", ".join(f"{g['doc']} Đ{g.get('article', '*')}" for g in item.gold)
            first = hits[0].chunk.label if hits else "—"
            print(f"- {item.id} [{item.kind}] {item.question}\n    gold: {gold}; gold rank: {rank or '>10'}; "
                  f"first: {first}; top articles: {', '.join(f'{d} Đ{a}' for d, a in units[:3])}")
    return chosen, recommended


def tune_refusal(answerer: Answerer, items: list[EvalItem], held_out: list[EvalItem], hits: dict[str, list[Hit]],
                 max_wrong: int) -> None:
    rs = RefusalSweep(answerer, items, hits)
    n_oos = int(rs.oos.sum())
    print(f"\n== Refusal pool: {len(items)} questions, {len(items) - n_oos} in scope, {n_oos} out of scope "
          f"(dev, dev without diacritics '~', out_of_scope.jsonl tune half both ways); held out: "
          f"{len(held_out)} ==")
    print(f"\n== Refusal: signals of the best hit (fusion {settings_name(answerer.search)}; out of scope marked *) ==")
    names = list(rs.signals)
    order = np.argsort(rs.signals[names[-1]]) if names else range(len(items))
    rows = [[("*" if rs.oos[n] else " ") + items[n].id, *[f"{rs.signals[s][n]:.4f}" for s in names], items[n].kind]
            for n in order]
    print(table(["id", *[f"{s} ← {POLICY_SIGNALS[s]}" for s in names], "kind"], rows))
    for s in names:
        v = rs.signals[s]
        print(f"{POLICY_SIGNALS[s]}: in scope {v[~rs.oos].min():.4f}…{v[~rs.oos].max():.4f}; "
              f"out of scope {v[rs.oos].min():.4f}…{v[rs.oos].max():.4f}")
    default = rs.outcome(rs.default)
    print(f"\ncurrent default {rs.default}: refuses {default.refused_oos}/{n_oos} out of scope, "
          f"F1 {default.f1:.3f}; in-scope refused {len(default.refused_in_scope)} {default.refused_in_scope}")
    if not names:
        print("RefusalPolicy has no threshold this sweep knows; nothing to tune.")
        return
    names, f1, tp, wrong = rs.grid()
    near = neighbourhood_mean(f1, [rs.grids[n] for n in names])
    print(f"\n== Trade-off: most out-of-scope questions refused for at most N in-scope refusals "
          f"(grid {' × '.join(str(len(rs.grids[n])) for n in names)} over {', '.join(names)}) ==")
    rows, seen = [], set()
    for budget in range(int(wrong.max()) + 1):
        o = pick_policy(rs, names, f1, wrong, near, budget)
        if (o.refused_oos, len(o.refused_in_scope)) in seen:
            continue  # a larger budget that buys nothing more
        seen.add((o.refused_oos, len(o.refused_in_scope)))
        rows.append([str(budget), f"{o.refused_oos}/{n_oos}", f"{o.f1:.3f}", _policy_text(o.policy, names),
                     " ".join(o.refused_in_scope)])
        if o.refused_oos == n_oos:
            break
    print(table(["N", "OOS refused", "F1", "policy", "in-scope refused"], rows))

    rec = pick_policy(rs, names, f1, wrong, near, max_wrong)
    keep = (len(default.refused_in_scope) <= max_wrong
            and near[rs.cell(rs.default, names)] >= near[rs.cell(rec.policy, names)] - 1e-9)
    if keep:
        rec = default
    print(f"\n== Recommendation: refusal (best neighbourhood-mean F1 with at most {max_wrong} "
          "in-scope refusals; ties → raw F1) ==")
    if keep:
        print("The current default already reaches the best neighbourhood F1 within the budget: keep it.")
    print(f"{rec.policy}: refuses {rec.refused_oos}/{n_oos} out of scope, F1 {rec.f1:.3f}; "
          f"in-scope wrongly refused: {len(rec.refused_in_scope)} {rec.refused_in_scope}")
    idx = rs.cell(rec.policy, names)
    print(f"neighbourhood mean F1 (±2% of each threshold's range) {near[idx]:.3f}")
    for axis, name in enumerate(names):
        sel = tuple(slice(None) if a == axis else idx[a] for a in range(f1.ndim))
        same = set(np.flatnonzero((f1[sel] >= rec.f1 - 1e-9) & (wrong[sel] <= max_wrong)).tolist())
        lo = hi = idx[axis]
        while lo - 1 in same:
            lo -= 1
        while hi + 1 in same:
            hi += 1
        observed = rs.observed[name]
        low = f"{observed[lo - 1]:.4f}" if lo > 0 else "−∞"
        high = f"{observed[hi]:.4f}" if hi < len(observed) else "+∞"
        print(f"  {name}: the same F1 for any value in ({low}, {high}] with the others fixed "
              f"({hi - lo + 1} cut point(s))")

    test = RefusalSweep(answerer, held_out, hits)
    print("\n== Held out (out_of_scope.jsonl test half; not used above) ==")
    for name, policy in (("recommended", rec.policy), ("current default", rs.default)):
        refused = test.refused(policy)
        print(f"{name} {policy}: " + "; ".join(
            f"{label} {int((refused & mask).sum())}/{int(mask.sum())} refused"
            for label, mask in (("typed with diacritics", ~test.stripped), ("without", test.stripped))))


def pick_policy(rs: RefusalSweep, names: list[str], f1: np.ndarray, wrong: np.ndarray, near: np.ndarray,
                budget: int) -> Outcome:
    """Best neighbourhood-mean F1 with at most `budget` in-scope refusals; ties → raw F1, then fewer refusals.

    A threshold whose own F1 is best but whose neighbours are worse sits between two questions a
    hair apart and will not hold on new questions; the neighbourhood mean prefers a plateau.

    The thresholds returned are round numbers inside the interval between the observations around
    the chosen cut point, so every question is refused or answered exactly as at the cut point.
    """
    score = np.where(wrong <= budget, near, -1.0)
    cells = np.argwhere(score >= score.max() - 1e-9)
    idx = tuple(max(cells, key=lambda c: (f1[tuple(c)], -wrong[tuple(c)])))
    values = {}
    for name, i in zip(names, idx, strict=True):
        observed = rs.observed[name]
        low = observed[i - 1] if i > 0 else observed[0] - 1.0
        high = observed[i] if i < len(observed) else observed[-1] + 1.0
        values[name] = _round_inside(low, high)
    return rs.outcome(dataclasses.replace(rs.default, **values))


def _round_inside(low: float, high: float) -> float:
    """The roundest number in (low, high]: what a person would write, with the same effect."""
    mid = (low + high) / 2
    for decimals in range(0, 7):
        step = 10.0**-decimals
        candidates = [k * step for k in range(math.floor(low / step), math.ceil(high / step) + 1)]
        inside = [c for c in candidates if low < c <= high]
        if inside:
            return round(min(inside, key=lambda c: abs(c - mid)), decimals)
    return mid


def _policy_text(policy: RefusalPolicy, names: list[str]) -> str:
    return ", ".join(f"{n}={getattr(policy, n):g}" for n in names)


if __name__ == "__main__":
    main()
