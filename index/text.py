"""Vietnamese text handling shared by indexing and querying.

Users type on phones: decomposed Unicode (NFD) from some keyboards, no diacritics at all
("cong chuc co duoc dinh cong khong"), chat abbreviations ("ko", "dc"). Everything that compares
text goes through here so documents and queries are normalised the same way.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from index.thesaurus import entries  # the same "short | full" line format as the wording list

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+", re.UNICODE)

# Chat shorthand ("ko", "dc", "ubnd", "vk"), expanded before search and never shown to users; a
# versioned data file, one "short | full" line each, so the list grows without touching code.
ABBREVIATIONS = Path(__file__).with_name("data") / "viet_tat.txt"


@lru_cache(maxsize=1)
def _abbreviations() -> tuple[dict[str, str], re.Pattern[str] | None]:
    table = {unicodedata.normalize("NFC", short.lower()): full for short, full in entries(ABBREVIATIONS)}
    if not table:
        return table, None
    # Longest first, whole words only: "tn&mt" before "tt", and "ko?" or "(vc)" still match.
    keys = sorted(table, key=len, reverse=True)
    return table, re.compile(r"(?<!\w)(" + "|".join(re.escape(k) for k in keys) + r")(?!\w)", re.IGNORECASE)


_VIETNAMESE_MARKS = set("ăâđêôơưĂÂĐÊÔƠƯ")


def normalize(text: str) -> str:
    """NFC and single spaces: the form every stored and compared string is in."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def strip_diacritics(text: str) -> str:
    """'Cán bộ, công chức' → 'Can bo, cong chuc' (đ → d), for matching queries typed without marks."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def has_diacritics(text: str) -> bool:
    """True when the text carries Vietnamese marks, i.e. the user typed with a Vietnamese keyboard."""
    return any(c in _VIETNAMESE_MARKS or unicodedata.combining(c) for c in unicodedata.normalize("NFD", text))


def expand_abbreviations(text: str) -> str:
    """Chat shorthand written out ("cc có dc nhận quà ko?" → "công chức có được nhận quà không?")."""
    table, pattern = _abbreviations()
    if pattern is None:
        return text
    return pattern.sub(lambda m: table[m.group().lower()], text)


def words(text: str) -> list[str]:
    """Lower-cased syllables without punctuation."""
    return _WORD.findall(normalize(text).lower())


@lru_cache(maxsize=1)
def _pyvi():  # imported lazily: pyvi loads a CRF model (~1 s) that only segmentation needs
    from pyvi import ViTokenizer

    return ViTokenizer


def segment(text: str) -> str:
    """pyvi word segmentation ('cán bộ công chức' → 'cán_bộ công_chức')."""
    return _pyvi().tokenize(normalize(text))


def segmented_words(text: str) -> list[str]:
    """Lower-cased pyvi words, punctuation dropped: the BM25 vocabulary for accented text."""
    return [w for w in (t.lower() for t in segment(text).split(" ")) if _WORD.search(w)]


def plain_words(text: str) -> list[str]:
    """Syllables without diacritics: the BM25 view that serves queries typed without marks."""
    return words(strip_diacritics(text))

