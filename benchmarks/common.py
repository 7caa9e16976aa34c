"""What run.py and tune.py share: paths, the two corpora, the question sets, resource readings.

Importing this module puts the project root on sys.path, because the benchmarks run as plain
scripts (`python benchmarks/run.py`) and the project is not installed into the venv.
"""

from __future__ import annotations

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
from knowledge_base.model import Document, Kind, Node  # noqa: E402
from knowledge_base.parsers.structure import split_article_lines  # noqa: E402

SHARED = ROOT.parent / "shared"
DEV_SET = SHARED / "eval" / "dev_questions.jsonl"
ALQAC_LAWS = SHARED / "corpus" / "benchmarks" / "alqac2023" / "law.json"
ALQAC_QUESTIONS = SHARED / "corpus" / "benchmarks" / "alqac2025" / "alqac25_train.json"
CACHE = Path(__file__).resolve().parent / ".cache"
ALQAC_VECTORS = CACHE / "alqac-vectors"  # VectorCache dir for the ALQAC corpus: re-runs embed nothing
IN_DOMAIN_LAW = "Luật Viên chức"


def dev_items() -> list[EvalItem]:
    return read_items(DEV_SET)


def alqac_documents(path: Path = ALQAC_LAWS) -> list[Document]:
    """ALQAC's law.json as product Documents, so the very same chunker, BM25 and embedder index it.

    Each article's text is "title\\n\\nbody"; the body lines go through the product's own
    `split_article_lines`, as pháp điển records do, so khoản and điểm become chunks the usual way.
    """
    docs = []
    for law in json.loads(path.read_text(encoding="utf-8")):
        body = []
        for art in law["articles"]:
            lines = [line.strip() for line in art["text"].split("\n")]
            title, rest = lines[0], [line for line in lines[1:] if line]
            body.append(Node(Kind.ARTICLE, str(art["id"]), title=title, children=split_article_lines(rest)))
        docs.append(Document(id=law["id"], doc_type="Luật", title=law["id"], name=law["id"], body=body))
    return docs


def alqac_items(limit: int | None = None, path: Path = ALQAC_QUESTIONS) -> list[EvalItem]:
    """ALQAC 2025 questions in the dev-set format; `limit` keeps an evenly spaced sample (all laws stay in)."""
    records = json.loads(path.read_text(encoding="utf-8"))
    if limit and limit < len(records):
        records = [records[i * len(records) // limit] for i in range(limit)]
    return [
        EvalItem(
            r["question_id"],
            r["text"],
            [{"doc": g["law_id"], "article": str(g["article_id"])} for g in r["relevant_articles"]],
            IN_DOMAIN_LAW if any(g["law_id"] == IN_DOMAIN_LAW for g in r["relevant_articles"]) else "other",
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
