"""Everyday wording → the terms the law uses, so "gây khó dễ" also finds "gây phiền hà, sách nhiễu".

Civil servants describe situations ("sếp", "phong bì", "anh rể"); statutes name them ("người đứng
đầu", "quà tặng bằng tiền", "chồng của chị ruột"). Neither BM25 nor a small embedding model bridges
that gap on its own. The list is a plain text file that admins can extend
(`index/data/tu_dong_nghia.txt`); the terms are appended to the question for search only.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

THESAURUS = Path(__file__).with_name("data") / "tu_dong_nghia.txt"


@lru_cache(maxsize=4)
def load(path: Path = THESAURUS) -> tuple[tuple[re.Pattern[str], str], ...]:
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or "|" not in line:
            continue
        phrase, _, terms = (part.strip() for part in line.partition("|"))
        entries.append((re.compile(rf"(?<!\w){re.escape(phrase.lower())}(?!\w)"), terms))
    return tuple(entries)


def expand(text: str, path: Path = THESAURUS) -> str:
    """The question followed by the legal terms of every everyday phrase it contains."""
    lowered = text.lower()
    extra = [terms for pattern, terms in load(path) if pattern.search(lowered)]
    return f"{text} ({'; '.join(extra)})" if extra else text
