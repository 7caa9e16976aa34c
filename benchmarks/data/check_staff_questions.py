"""Check benchmarks/data/staff_questions.jsonl against the knowledge base.

Run from the repository root:

    .venv/bin/python benchmarks/data/check_staff_questions.py

Checks, for every record:

* the fields, their types and their allowed values; ids unique; text in NFC;
* every gold {doc, article} exists in the loaded documents (for 3509/QĐ-CT: an article of the
  attached Quy định; for 17-CT/TU: a numbered section; for seed-00N: the document, no article);
* every unit exists (clause and point under that article), every gold has a unit and every unit
  belongs to a gold article;
* every quotation in the note (text between “ and ”) occurs, after whitespace normalisation, in
  the text of at least one of the record's units, and every gold article has at least one quote
  found in its own units;
* out-of-scope records have empty gold and units;
* no question repeats or closely rewords a dev question or an existing out-of-scope question.

Prints counts and the SHA-256 of the test split (the test lines in file order, each with its
trailing newline, as UTF-8). Exits 1 if any check fails.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from knowledge_base import store  # noqa: E402
from knowledge_base.model import Document, Kind, Node  # noqa: E402

DATA = HERE / "staff_questions.jsonl"
# Every question file the checkers compare a new question with, by the name their reports use.
QUESTION_SETS = {
    "dev": ROOT.parent / "shared" / "eval" / "dev_questions.jsonl",
    "oos": HERE / "out_of_scope.jsonl",
    "staff": DATA,
    "train": HERE / "train_questions.jsonl",
}
EARLIER_SETS = [QUESTION_SETS["dev"], QUESTION_SETS["oos"]]

KINDS = {"scenario", "paraphrase", "keyword", "multi", "seed", "out_of_scope"}
SUBJECTS = {
    "can_bo",
    "cong_chuc",
    "vien_chuc",
    "nguoi_dung_dau",
    "nguoi_co_chuc_vu",
    "nguoi_tiep_cong_dan",
    "cong_chuc_thue",
    "chung",
}
ASKS = {
    "duoc_hay_khong",
    "thoi_hieu",
    "hinh_thuc_ky_luat",
    "tham_quyen",
    "thoi_han",
    "muc",
    "thu_tuc",
    "nghia_vu",
    "quyen",
    "danh_sach",
    "dinh_nghia",
    "khac",
}
FIELDS = ["id", "question", "kind", "subject", "asks", "topic", "gold", "units", "note", "split"]
QUOTE_RE = re.compile(r"“([^”]+)”")
SIMILARITY_LIMIT = 0.8


def norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def has_diacritics(text: str) -> bool:
    return any(ord(ch) > 127 for ch in text)


class Base:
    """Looks up articles, clauses and points of the loaded documents."""

    def __init__(self, docs: list[Document]) -> None:
        self.docs = {doc.id: doc for doc in docs}

    def article(self, doc_id: str, number: str) -> Node | None:
        doc = self.docs[doc_id]
        if doc_id == "3509/QĐ-CT":
            nodes = [
                node
                for part in doc.body
                if part.kind is Kind.ATTACHMENT
                for node in part.walk()
                if node.kind is Kind.ARTICLE
            ]
        else:
            nodes = list(doc.articles())
        found = [node for node in nodes if node.number == number]
        return found[0] if len(found) == 1 else None

    @staticmethod
    def child(node: Node, number: str, kinds: tuple[Kind, ...]) -> Node | None:
        found = [c for c in node.children if c.kind in kinds and c.number == number]
        return found[0] if len(found) == 1 else None

    def unit_text(self, unit: dict) -> str | None:
        doc = self.docs.get(unit["doc"])
        if doc is None:
            return None
        if unit["doc"].startswith("seed-"):
            if unit.get("article") is not None:
                return None
            return norm(doc.title + "\n" + "\n".join(n.full_text() for n in doc.body))
        if unit.get("article") is None:
            return None
        node = self.article(unit["doc"], unit["article"])
        if node is None:
            return None
        if unit.get("clause") is None:
            if unit.get("point") is not None:
                return None
            return norm(node.heading() + "\n" + node.full_text())
        clause = self.child(node, unit["clause"], (Kind.CLAUSE, Kind.SUBITEM))
        if clause is None:
            return None
        if unit.get("point") is None:
            return norm(clause.full_text())
        point = self.child(clause, unit["point"], (Kind.POINT,))
        return norm(point.full_text()) if point is not None else None


def earlier_questions() -> list[str]:
    out = []
    for path in EARLIER_SETS:
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    out.append(norm(json.loads(line)["question"]).lower())
    return out


def check_record(rec: dict, base: Base, problems: list[str]) -> None:
    rid = rec.get("id", "?")

    def bad(msg: str) -> None:
        problems.append(f"{rid}: {msg}")

    if list(rec) != FIELDS:
        bad(f"fields {list(rec)} != {FIELDS}")
        return
    for key in ("question", "note"):
        if not isinstance(rec[key], str) or not rec[key].strip():
            bad(f"empty {key}")
        elif unicodedata.normalize("NFC", rec[key]) != rec[key]:
            bad(f"{key} not NFC")
    if rec["kind"] not in KINDS:
        bad(f"kind {rec['kind']!r}")
    if rec["subject"] not in SUBJECTS:
        bad(f"subject {rec['subject']!r}")
    if rec["asks"] not in ASKS:
        bad(f"asks {rec['asks']!r}")
    if rec["split"] not in ("tune", "test"):
        bad(f"split {rec['split']!r}")

    gold, units = rec["gold"], rec["units"]
    if rec["kind"] == "out_of_scope":
        if gold or units:
            bad("out_of_scope with gold/units")
        return
    if not gold or not units:
        bad("in-scope record without gold or units")
        return
    if rec["kind"] == "multi" and len(gold) < 2:
        bad("multi with fewer than 2 gold articles")

    gold_keys = []
    for g in gold:
        doc_id = g.get("doc")
        if doc_id not in base.docs:
            bad(f"gold doc {doc_id!r} not in knowledge base")
            continue
        if doc_id.startswith("seed-"):
            if set(g) != {"doc"}:
                bad(f"seed gold {g} must have only 'doc'")
            gold_keys.append((doc_id, None))
            continue
        if set(g) != {"doc", "article"} or not isinstance(g["article"], str):
            bad(f"gold {g} must be {{doc, article}} with article as string")
            continue
        if base.article(doc_id, g["article"]) is None:
            bad(f"gold {doc_id} Điều {g['article']} not found")
        gold_keys.append((doc_id, g["article"]))
    if len(set(gold_keys)) != len(gold_keys):
        bad("duplicate gold")

    texts: dict[tuple[str, str | None], list[str]] = {}
    for u in units:
        if set(u) != {"doc", "article", "clause", "point"}:
            bad(f"unit {u} must have doc, article, clause, point")
            continue
        key = (u["doc"], u["article"])
        if key not in gold_keys:
            bad(f"unit {u} outside the gold articles")
        text = base.unit_text(u)
        if text is None:
            bad(f"unit {u} not found")
            continue
        texts.setdefault(key, []).append(text)
    for key in gold_keys:
        if key not in texts:
            bad(f"gold {key} has no unit")

    quotes = [norm(q) for q in QUOTE_RE.findall(rec["note"])]
    if not quotes:
        bad("note has no “quoted” words")
    for q in quotes:
        if not any(q in t for ts in texts.values() for t in ts):
            bad(f"quote not found in any unit: {q!r}")
    for key, ts in texts.items():
        if not any(q in t for q in quotes for t in ts):
            bad(f"no quote found in the units of gold {key}")


def main() -> int:
    raw = DATA.read_text(encoding="utf-8")
    lines = raw.splitlines(keepends=True)
    records = [json.loads(line) for line in lines]
    problems: list[str] = []
    if not raw.endswith("\n"):
        problems.append("file must end with a newline")

    base = Base(store.load_all())
    ids = Counter(r.get("id") for r in records)
    problems += [f"duplicate id {i}" for i, n in ids.items() if n > 1]
    questions = Counter(norm(r["question"]).lower() for r in records)
    problems += [f"duplicate question {q!r}" for q, n in questions.items() if n > 1]
    for rec in records:
        check_record(rec, base, problems)

    earlier = earlier_questions()
    for rec in records:
        q = norm(rec["question"]).lower()
        for e in earlier:
            ratio = difflib.SequenceMatcher(None, q, e).ratio()
            if ratio >= SIMILARITY_LIMIT:
                problems.append(f"{rec['id']}: too close ({ratio:.2f}) to earlier question {e!r}")

    test_bytes = "".join(line for line, r in zip(lines, records, strict=True) if r["split"] == "test").encode()
    digest = hashlib.sha256(test_bytes).hexdigest()

    def table(field: str) -> str:
        rows = Counter((r[field], r["split"]) for r in records)
        keys = sorted({k for k, _ in rows})
        return "\n".join(f"  {k:<22} tune {rows[(k, 'tune')]:>3}  test {rows[(k, 'test')]:>3}" for k in keys)

    plain = sum(1 for r in records if not has_diacritics(r["question"]))
    split = Counter(r["split"] for r in records)
    print(f"records: {len(records)}  tune: {split['tune']}  test: {split['test']}")
    print(
        f"in scope: {sum(r['kind'] != 'out_of_scope' for r in records)}  "
        f"out of scope: {sum(r['kind'] == 'out_of_scope' for r in records)}"
    )
    print(f"without diacritics: {plain} ({plain / len(records):.0%})")
    for field in ("kind", "subject", "asks", "topic"):
        print(f"{field}:\n{table(field)}")
    print(f"test split SHA-256: {digest}")

    return finish(problems, "OK: every gold and unit exists and every note quote is found in its units")


def check_other_file(raw: str, prefix: str, split: str) -> tuple[list[dict], list[str]]:
    """The records of a question file written beside this one (train_questions.jsonl "t…"/"train",
    fresh_questions.jsonl "f…"/"fresh") and their problems: ids `prefix`001.. in order, one split,
    no repeated question, and every record's checks as for a tune line here."""
    records = [json.loads(line) for line in raw.splitlines()]
    problems = [] if raw.endswith("\n") else ["file must end with a newline"]
    base = Base(store.load_all())
    ids = Counter(r["id"] for r in records)
    problems += [f"duplicate id {i}" for i, n in ids.items() if n > 1]
    if [r["id"] for r in records] != [f"{prefix}{i:03d}" for i in range(1, len(records) + 1)]:
        problems.append(f"ids not {prefix}001.. in order")
    questions = Counter(norm(r["question"]).lower() for r in records)
    problems += [f"duplicate question {q!r}" for q, n in questions.items() if n > 1]
    for rec in records:
        if rec.get("split") != split:
            problems.append(f"{rec['id']}: split {rec.get('split')!r} != {split!r}")
        check_record({**rec, "split": "tune"}, base, problems)  # check_record allows only tune/test
    return records, problems


def finish(problems: list[str], ok: str) -> int:
    """Print the problems (exit status 1) or the all-clear (0); check_train_questions.py ends the same way."""
    if problems:
        print(f"\n{len(problems)} problem(s):")
        for problem in problems:
            print("  " + problem)
        return 1
    print(ok)
    return 0


if __name__ == "__main__":
    sys.exit(main())
