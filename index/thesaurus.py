"""Everyday wording → the terms the law uses, so "gây khó dễ" also finds "gây phiền hà, sách nhiễu".

Civil servants describe situations ("sếp", "phong bì", "anh rể"); statutes name them ("người đứng
đầu", "quà tặng bằng tiền", "chồng của chị ruột"). Neither BM25 nor a small embedding model bridges
that gap on its own. The list is a plain text file shipped with the product
(`index/data/tu_dong_nghia.txt`), plus the admins' own lines (`tu_dong_nghia.txt` in the data
directory, added from the web console's unanswered questions) read beside it and re-read when they
change, so no reindex is needed; the terms are appended to the question for search only.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

THESAURUS = Path(__file__).with_name("data") / "tu_dong_nghia.txt"
ADMIN_FILE = "tu_dong_nghia.txt"  # the admins' lines, in the data directory


def load(path: Path = THESAURUS) -> tuple[tuple[re.Pattern[str], str], ...]:
    """The entries of one file, re-read when it changes; a missing file has none."""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return ()
    return _load(path, stamp)


@lru_cache(maxsize=8)
def _load(path: Path, stamp: int) -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(rf"(?<!\w){re.escape(phrase.lower())}(?!\w)"), terms) for phrase, terms in entries(path))


def entries(path: Path) -> list[tuple[str, str]]:
    """(everyday phrase, legal terms) of every "phrase | terms" line of a file; comments and blanks skipped."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or "|" not in line:
            continue
        phrase, _, terms = (part.strip() for part in line.partition("|"))
        out.append((phrase, terms))
    return out


def line_problems(phrase: str, terms: str) -> list[str]:
    """Why a line an admin typed cannot join the list (Vietnamese), or nothing."""
    out = []
    if not 2 <= len(phrase.strip()) <= 60:
        out.append("cụm từ thường dùng dài từ 2 đến 60 ký tự")
    if not 2 <= len(terms.strip()) <= 200:
        out.append("thuật ngữ pháp lý dài từ 2 đến 200 ký tự")
    if any(c in phrase + terms for c in "|\n\r#"):
        out.append("không dùng các ký tự | # hoặc xuống dòng")
    return out


def expand(text: str, *paths: Path) -> str:
    """The question followed by the legal terms of every everyday phrase it contains
    (the shipped list, then each file in `paths`)."""
    lowered = text.lower()
    extra = [terms for path in (THESAURUS, *paths) for pattern, terms in load(path) if pattern.search(lowered)]
    return f"{text} ({'; '.join(extra)})" if extra else text
