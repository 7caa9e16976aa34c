"""What run.py and tune.py share: paths, the two corpora, the question sets, resource readings.

Importing this module puts the project root on sys.path, because the benchmarks run as plain
scripts (`python benchmarks/run.py`) and the project is not installed into the venv.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.evaluation import EvalItem, read_items  # noqa: E402
from index.text import strip_diacritics  # noqa: E402
from knowledge_base.model import Document, Kind, Node  # noqa: E402
from knowledge_base.parsers.structure import split_article_lines  # noqa: E402

SHARED = ROOT.parent / "shared"
DEV_SET = SHARED / "eval" / "dev_questions.jsonl"
# Questions the bundled knowledge base cannot answer, ours: half tune the refusal policy, half only test it.
OUT_OF_SCOPE = Path(__file__).resolve().parent / "data" / "out_of_scope.jsonl"
# Our own questions in the voice of staff; the test half was frozen before tuning (staff_questions.md).
STAFF = Path(__file__).resolve().parent / "data" / "staff_questions.jsonl"
# More questions of ours, written only to train on (never a test): benchmarks/data/train_questions.jsonl.
TRAIN = Path(__file__).resolve().parent / "data" / "train_questions.jsonl"
ALQAC_DIR = SHARED / "corpus" / "benchmarks"
CACHE = Path(__file__).resolve().parent / ".cache"
IN_DOMAIN_LAW = "Luật Viên chức"


@dataclass(frozen=True)
class AlqacSet:
    """One ALQAC benchmark: a question file, the law.json it is answered from, and where its vectors are cached.

    The editions spell a few things differently: 2025 numbers questions in "question_id", 2022 in
    "id"; 2023's law.json names each law ("Luật Viên chức"), 2022's gives only its number
    ("45/2019/QH14"), so `names` supplies the citation name a product document would carry.
    """

    key: str  # report and cache key, also the corpus name of its build ("alqac2025")
    title: str  # section heading in the report
    questions: Path
    laws: Path
    vectors: Path  # VectorCache dir for this corpus: re-runs embed nothing
    id_field: str = "id"
    names: tuple[tuple[str, str], ...] = ()  # law id → citation name, where law.json has only a number
    in_domain: str | None = None  # a law reported as its own slice, if the corpus has one of ours
    note: str = ""  # what the report should say about this set's data

    def documents(self) -> list[Document]:
        return alqac_documents(self.laws, dict(self.names))

    def items(self, limit: int | None = None) -> list[EvalItem]:
        return alqac_items(self.questions, self.id_field, limit, self.in_domain)


ALQAC_SETS = {
    s.key: s
    for s in (
        AlqacSet(
            "alqac2025", "ALQAC 2025 train", ALQAC_DIR / "alqac2025" / "alqac25_train.json",
            ALQAC_DIR / "alqac2023" / "law.json", CACHE / "alqac-vectors", id_field="question_id",
            in_domain=IN_DOMAIN_LAW,
            note="The gold pair (Luật Trồng trọt, Điều 64) is not in law.json and always counts as a miss.",
        ),
        AlqacSet(
            "alqac2022", "ALQAC 2022", ALQAC_DIR / "alqac2022" / "question.json",
            ALQAC_DIR / "alqac2022" / "law.json", CACHE / "alqac2022-vectors",
            names=(("91/2015/QH13", "Bộ luật Dân sự"), ("24/2018/QH14", "Luật An ninh mạng"),
                   ("45/2019/QH14", "Bộ luật Lao động"), ("01/VBHN-VPQH", "Bộ luật Hình sự")),
            note="law.json names each law by its number only; the documents are given the law's name "
                 "(Bộ luật Dân sự, Luật An ninh mạng, Bộ luật Lao động, Bộ luật Hình sự), as a product "
                 "document would carry it.",
        ),
    )
}


def dev_items() -> list[EvalItem]:
    return read_items(DEV_SET)


def out_of_scope_items(split: str) -> list[EvalItem]:
    """The "tune" or "test" half of OUT_OF_SCOPE; only the tune half may inform a threshold."""
    records = [json.loads(line) for line in OUT_OF_SCOPE.read_text(encoding="utf-8").splitlines() if line.strip()]
    wanted = {r["id"] for r in records if r["split"] == split}
    return [item for item in read_items(OUT_OF_SCOPE) if item.id in wanted]


# Questions written in session 8 by someone who never ran the product and read no other question
# set's answers, after every choice of that session was made: nothing is ever tuned on them.
FRESH = Path(__file__).resolve().parent / "data" / "fresh_questions.jsonl"


def fresh_items() -> list[EvalItem]:
    return read_items(FRESH)


# The quiz's situation questions (knowledge_base/quiz/situations.yaml) are story-shaped questions in
# the voice of staff with a gold unit each. Their two halves were written on different topics: "th-a"
# (gifts, conflicts of interest, business, asset declaration, reporting corruption) may be trained on;
# "th-b" (citizens' reception, social media, alcohol and dress, discipline, rights of viên chức) is
# only measured. Until session 8 it told whether training on stories carried over to subjects the
# training never saw; since then the training questions t091–t170 cover those subjects too (written
# without reading th-b), so it measures unseen questions on seen subjects.
SITUATIONS = ROOT / "knowledge_base" / "quiz" / "situations.yaml"
SITUATION_HALVES = {"train": "th-a-", "test": "th-b-"}


def situation_items(half: str) -> list[EvalItem]:
    from bot.quiz.bank import load_file

    prefix = SITUATION_HALVES[half]
    return [EvalItem(q.id, q.question, [{"doc": q.citation.doc, "article": q.citation.article}], "situation",
                     [q.citation.to_dict()], half) for q in load_file(SITUATIONS) if q.id.startswith(prefix)]


def staff_items(split: str) -> list[EvalItem]:
    """The "tune" or "test" half of STAFF. Only the tune half may inform a choice; the test half is
    reported, never looked at while choosing."""
    return [item for item in read_items(STAFF) if item.split == split]


def train_items() -> list[EvalItem]:
    return read_items(TRAIN) if TRAIN.exists() else []


def question_set(name: str) -> list[EvalItem]:
    """"dev" or "oos" (the held-out half of OUT_OF_SCOPE); a trailing "~" types them without diacritics."""
    items = dev_items() if name.rstrip("~") == "dev" else out_of_scope_items("test")
    return stripped(items) if name.endswith("~") else items


def stripped(items: list[EvalItem]) -> list[EvalItem]:
    """The same questions typed without diacritics, as many users type them (ids get "~");
    questions already typed that way are left out rather than counted twice."""
    return [dataclasses.replace(i, id=f"{i.id}~", question=strip_diacritics(i.question))
            for i in items if strip_diacritics(i.question) != i.question]


def alqac_documents(path: Path, names: dict[str, str] | None = None) -> list[Document]:
    """An ALQAC law.json as product Documents, so the very same chunker, BM25 and embedder index it.

    Each article's text is "title\\n\\nbody"; the body lines go through the product's own
    `split_article_lines`, as pháp điển records do, so khoản and điểm become chunks the usual way.
    A law's `name` is `names[id]` when given, else its id (2023's ids are already names).
    """
    names = names or {}
    docs = []
    for law in json.loads(path.read_text(encoding="utf-8")):
        body = []
        for art in law["articles"]:
            lines = [line.strip() for line in art["text"].split("\n")]
            title, rest = lines[0], [line for line in lines[1:] if line]
            body.append(Node(Kind.ARTICLE, str(art["id"]), title=title, children=split_article_lines(rest)))
        name = names.get(law["id"], law["id"])
        docs.append(Document(id=law["id"], doc_type="Luật", title=name, name=name, body=body))
    return docs


def alqac_items(path: Path, id_field: str = "id", limit: int | None = None,
                in_domain: str | None = None) -> list[EvalItem]:
    """ALQAC questions in the dev-set format; `limit` keeps an evenly spaced sample (all laws stay in).

    An item's kind is `in_domain` when one of its gold articles is in that law, else "other".
    """
    records = json.loads(path.read_text(encoding="utf-8"))
    if limit and limit < len(records):
        records = [records[i * len(records) // limit] for i in range(limit)]
    return [
        EvalItem(
            str(r[id_field]),
            r["text"],
            [{"doc": g["law_id"], "article": str(g["article_id"])} for g in r["relevant_articles"]],
            in_domain if in_domain and any(g["law_id"] == in_domain for g in r["relevant_articles"]) else "other",
        )
        for r in records
    ]


def peak_rss_mb() -> float:
    """Peak resident set of this process (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> dict:
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


@dataclass
class Stopwatch:
    """Seconds since creation; a named helper keeps timing code readable in the workers."""

    started: float = 0.0

    def __post_init__(self) -> None:
        self.started = time.perf_counter()

    def seconds(self) -> float:
        return time.perf_counter() - self.started
