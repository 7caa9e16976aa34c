"""Checks benchmarks/data/fresh_questions.jsonl (adapted from check_train_questions.py).

Run from the repository root:

    .venv/bin/python benchmarks/data/check_fresh_questions.py

Same record checks as check_staff_questions.py (fields and allowed values, NFC, every gold article
and unit exists, gold and units agree, every “quoted” fragment of a note occurs in one of the
record's units and every gold article has a quote in its own units, out-of-scope records have no
gold). Differences: ids are f001.. in order and split must be 'fresh'; the similarity check compares
every question with

* the dev questions (shared/eval/dev_questions.jsonl) and out_of_scope.jsonl,
* every question of staff_questions.jsonl (test lines, reported as staff-test, are compared but
  never printed),
* train_questions.jsonl,
* the question stems of knowledge_base/quiz/*.yaml (`question` / `stem` values; compared, never
  printed),
* and the fresh questions among themselves.

A ratio of SIMILARITY_LIMIT (0.8) or more is an error; TARGET (0.65) or more is reported as a
warning. Exits 1 on any error.
"""
import difflib
import json
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks" / "data"))
import check_staff_questions as C  # noqa: E402  (reuses Base, check_record, constants)

DATA = ROOT / "benchmarks" / "data" / "fresh_questions.jsonl"
OTHERS = [(name, C.QUESTION_SETS[name]) for name in ("dev", "oos", "staff", "train")]
QUIZ_DIR = ROOT / "knowledge_base" / "quiz"
STEM_KEYS = ("question", "stem")
TARGET = 0.65


def quiz_stems() -> dict[str, list[str]]:
    """Every `question` / `stem` string in knowledge_base/quiz/*.yaml, per file (never printed)."""
    out: dict[str, list[str]] = {}

    def walk(node, found):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in STEM_KEYS and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value, found)
        elif isinstance(node, list):
            for item in node:
                walk(item, found)

    for path in sorted(QUIZ_DIR.glob("*.yaml")):
        found: list[str] = []
        walk(yaml.safe_load(path.read_text(encoding="utf-8")), found)
        out[path.name] = found
    return out


def other_sets() -> list[tuple[str, str, str, bool]]:
    """(set name, id, normalised question, hidden) for every question of the other sets."""
    rows = []
    for name, path in OTHERS:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            o = json.loads(line)
            hidden = name == "staff" and o.get("split") == "test"
            label = "staff-test" if hidden else name
            rows.append((label, str(o.get("id")), C.norm(o["question"]).lower(), hidden))
    for fname, stems in quiz_stems().items():
        for i, stem in enumerate(stems, 1):
            rows.append((f"quiz/{fname}", f"#{i}", C.norm(stem).lower(), True))
    return rows


def main() -> int:
    records, problems = C.check_other_file(DATA.read_text(encoding="utf-8"), "f", "fresh")
    warnings: list[str] = []

    # similarity against the other sets (hidden texts are never printed)
    rows = other_sets()
    counts = Counter(name for name, _, _, _ in rows)
    best: dict[str, tuple[float, str, str]] = {}
    mine = [(rec["id"], C.norm(rec["question"]).lower()) for rec in records]
    for name, oid, text, hidden in rows:
        for rid, q in mine:
            r = difflib.SequenceMatcher(None, q, text).ratio()
            if r > best.get(name, (0.0, "", ""))[0]:
                best[name] = (r, rid, oid)
            if r >= C.SIMILARITY_LIMIT or r >= TARGET:
                shown = "<hidden>" if hidden else repr(text)
                msg = f"{rid}: {r:.2f} to {name} {oid} {shown}"
                (problems if r >= C.SIMILARITY_LIMIT else warnings).append("too close " + msg)
    # within the file
    maxin = (0.0, "", "")
    for i, (aid, a) in enumerate(mine):
        for bid, b in mine[i + 1:]:
            r = difflib.SequenceMatcher(None, a, b).ratio()
            if r > maxin[0]:
                maxin = (r, aid, bid)
            if r >= C.SIMILARITY_LIMIT:
                problems.append(f"{aid}/{bid}: too close ({r:.2f}) within file")
            elif r >= TARGET:
                warnings.append(f"{aid}/{bid}: {r:.2f} within file")

    # provision overlap (information only): fresh in-scope questions whose gold article / unit is also
    # gold in another set; the same knowledge base makes some overlap unavoidable
    overlap = {}
    for name, path in OTHERS:
        arts, units = set(), set()
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            o = json.loads(line)
            label = f"{name}-test" if name == "staff" and o.get("split") == "test" else name
            for g in o.get("gold") or []:
                if isinstance(g, dict):
                    arts.add((label, g.get("doc"), g.get("article")))
            for u in o.get("units") or []:
                units.add((label, u.get("doc"), u.get("article"), u.get("clause"), u.get("point")))
        for label in sorted({a[0] for a in arts} | {u[0] for u in units}):
            n_art = sum(1 for r in records if any((label, g["doc"], g.get("article")) in arts for g in r["gold"]))
            n_unit = sum(1 for r in records
                         if any((label, u["doc"], u["article"], u["clause"], u["point"]) in units for u in r["units"]))
            overlap[label] = (n_art, n_unit)

    plain = sum(1 for r in records if not C.has_diacritics(r["question"]))
    outside = sum(r["kind"] == "out_of_scope" for r in records)
    print(f"records {len(records)}; in scope {len(records) - outside}; out of scope {outside}; "
          f"without diacritics {plain} ({plain / len(records):.0%})")
    for field in ("kind", "subject", "asks", "topic"):
        c = Counter(r[field] for r in records)
        print(field, dict(sorted(c.items())))
    c = Counter((r["kind"] == "out_of_scope", C.has_diacritics(r["question"])) for r in records)
    print("(oos, diacritics):", dict(sorted(c.items())))
    ngold = Counter(len(r["gold"]) for r in records if r["kind"] != "out_of_scope")
    print("gold articles per in-scope question:", dict(sorted(ngold.items())))
    docs = Counter(g["doc"] for r in records for g in {g["doc"]: g for g in r["gold"]}.values())
    print("gold documents (questions citing them):", dict(docs.most_common()))
    print("compared with:", dict(counts))
    for name in counts:
        r, rid, oid = best.get(name, (0.0, "-", "-"))
        print(f"  max similarity to {name}: {r:.2f} ({rid} vs {oid})")
    print(f"  max similarity within file: {maxin[0]:.2f} ({maxin[1]} vs {maxin[2]})")
    print("in-scope fresh questions sharing a gold article / a gold unit with (information only):")
    for label, (n_art, n_unit) in overlap.items():
        print(f"  {label}: {n_art} / {n_unit}")
    if warnings:
        print(f"\n{len(warnings)} warning(s) (similarity >= {TARGET}):")
        for w in warnings:
            print("  " + w)
    return C.finish(problems, "OK: every gold and unit exists, every note quote is found in its units, "
                              f"no question reaches {C.SIMILARITY_LIMIT} similarity")


if __name__ == "__main__":
    sys.exit(main())
