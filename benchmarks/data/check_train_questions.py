"""Checks benchmarks/data/train_questions.jsonl (adapted from check_staff_questions.py).

Differences from the original: split must be 'train'; the similarity check also compares with every
question of staff_questions.jsonl (test lines are compared but their text is never printed) and
between the train questions themselves.
"""
import difflib
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks" / "data"))
import check_staff_questions as C  # noqa: E402  (reuses Base, check_record, constants)

DATA = ROOT / "benchmarks" / "data" / "train_questions.jsonl"
OTHERS = [(name, C.QUESTION_SETS[name]) for name in ("dev", "oos", "staff")]


def main():
    records, problems = C.check_other_file(DATA.read_text(encoding="utf-8"), "t", "train")
    # similarity against other files
    maxr = 0.0
    for name, path in OTHERS:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            o = json.loads(line)
            e = C.norm(o["question"]).lower()
            hidden = name == "staff" and o.get("split") == "test"
            for rec in records:
                q = C.norm(rec["question"]).lower()
                r = difflib.SequenceMatcher(None, q, e).ratio()
                maxr = max(maxr, r)
                if r >= C.SIMILARITY_LIMIT:
                    shown = "<test question hidden>" if hidden else repr(e)
                    problems.append(f"{rec['id']}: too close ({r:.2f}) to {name} {o.get('id')} {shown}")
    # within file
    maxin = 0.0
    for i, a in enumerate(records):
        for b in records[i + 1:]:
            r = difflib.SequenceMatcher(None, C.norm(a["question"]).lower(), C.norm(b["question"]).lower()).ratio()
            maxin = max(maxin, r)
            if r >= C.SIMILARITY_LIMIT:
                problems.append(f"{a['id']}/{b['id']}: too close ({r:.2f}) within file")
    plain = sum(1 for r in records if not C.has_diacritics(r["question"]))
    outside = sum(r["kind"] == "out_of_scope" for r in records)
    print(f"records {len(records)}; in scope {len(records) - outside}; out of scope {outside}; "
          f"without diacritics {plain} ({plain / len(records):.0%})")
    print(f"max similarity to other files {maxr:.2f}; within file {maxin:.2f}")
    for field in ("kind", "subject", "asks", "topic"):
        c = Counter(r[field] for r in records)
        print(field, dict(sorted(c.items())))
    c = Counter((r["kind"] == "out_of_scope", C.has_diacritics(r["question"])) for r in records)
    print("(oos, diacritics):", dict(c))
    return C.finish(problems, "OK")


if __name__ == "__main__":
    sys.exit(main())
