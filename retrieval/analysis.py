"""Question analysis: what the retrievers search for, from what the user typed.

Chat questions arrive with markup pasted from elsewhere, without diacritics, with shorthand
("ko", "dc") and in everyday words ("sếp", "phong bì"). This stage turns one into the text the
retrievers search: cleaned, shorthand expanded, marks restored when the user typed none, and the
legal terms of everyday phrases appended (`index/data/tu_dong_nghia.txt`).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from index import thesaurus
from index.text import expand_abbreviations, has_diacritics, normalize
from knowledge_base import hygiene

MAX_QUESTION_CHARS = 1000


class Restorer(Protocol):
    def restore(self, text: str) -> str: ...


RestorerSource = Callable[[], Restorer]  # built on first need: ~0.5 s, and most questions carry marks


@dataclass(frozen=True)
class Query:
    typed: str  # the question as search should read it: cleaned, cut to MAX_QUESTION_CHARS
    text: str  # what the retrievers search
    without_marks: bool  # typed without Vietnamese diacritics
    truncated: bool = False

    @property
    def empty(self) -> bool:
        return not re.search(r"\w", self.typed)


def analyse(question: str, restorer: RestorerSource | None = None) -> Query:
    typed = clean_question(question)
    truncated = len(typed) > MAX_QUESTION_CHARS
    typed = typed[:MAX_QUESTION_CHARS]
    without_marks = not has_diacritics(typed)
    text = expand_abbreviations(typed)
    if without_marks and restorer is not None and text:
        text = restorer().restore(text)
    # Both retrievers search with the legal terms added: on the dev set the dense side gains as
    # much from them as BM25 does (hit@3 .82 with BM25 only, .90 with both).
    return Query(typed, thesaurus.expand(text), without_marks, truncated)


# ---------------------------------------------------------------- cleaning

# Tags that only style a word: dropped without a trace. Any other tag (<p>, <br>, <div>…) separated
# text, so it becomes a space and the words on either side stay apart.
_INLINE_TAGS = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "del", "dfn", "em", "font", "i", "ins", "kbd",
    "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "tg-emoji", "tg-spoiler",
    "tt", "u", "var",
})
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9:.-]*)(?:\s[^<>]*)?/?>")  # ASCII names: <khoản 2> is not a tag
_LINK = re.compile(r"!?\[([^\[\]]+)\]\([^()\s]+\)")  # [text](url) → text
# *bold*, **bold**, _italic_, __underline__, ~strike~, ||spoiler||, `code`: the words stay.
_WRAPPED = re.compile(r"(?<!\w)(\*{1,2}|_{1,2}|~{1,2}|\|\||`{1,3})(?=\S)(.+?)(?<=\S)\1(?!\w)", re.DOTALL)
_STRAY_MARKS = re.compile(r"`+|\*+")  # an unpaired backtick or asterisk is never part of a question


def clean_question(text: str) -> str:
    """The words of a question, as search should see them: one form however it was typed or pasted.

    In order: lone surrogates (undecodable bytes from a terminal) become U+FFFD, HTML/XML tags and
    comments go, entities are decoded (&amp; → &), chat markup loses its markers but keeps its
    words, control and format characters go (C0/C1 but tab and newline, NUL, zero-width and
    direction marks), then NFC and single spaces. Each step exists because that input changed
    answers or crashed pyvi (surrogates make its tagger raise SystemError).
    """
    text = hygiene.clean(text)
    text = _TAG.sub(_tag_gap, _COMMENT.sub(" ", text))
    text = html.unescape(text)
    text = _without_chat_markup(text)
    text = "".join(c for c in text if c in "\t\n" or unicodedata.category(c) not in ("Cc", "Cf"))
    return normalize(text)


def _tag_gap(tag: re.Match[str]) -> str:
    return "" if tag.group(1).lower() in _INLINE_TAGS else " "


def _without_chat_markup(text: str) -> str:
    text = _LINK.sub(r"\1", text)
    previous = None
    while previous != text:  # nested markup: *_quà_*
        previous, text = text, _WRAPPED.sub(r"\2", text)
    return _STRAY_MARKS.sub(" ", text)
