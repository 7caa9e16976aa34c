"""Question analysis: what the retrievers search for, whom the question is about, what it asks.

Chat questions arrive with markup pasted from elsewhere, without diacritics, with shorthand
("ko", "dc") and in everyday words ("sếp", "phong bì"). This stage turns one into the text the
retrievers search: cleaned, shorthand expanded, marks restored when the user typed none, and the
legal terms of everyday phrases appended (`index/data/tu_dong_nghia.txt`). It also reads who the
question is about (công chức, viên chức, người đứng đầu …), whether it asks for a whole list, and
which facet it asks (a time limit, who decides, which discipline form) from the curated cues in
`retrieval/data/question_cues.yaml`; later stages weigh provisions by them.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import yaml

from index import thesaurus
from index.text import expand_abbreviations, has_diacritics, normalize, plain_words, strip_diacritics
from knowledge_base import hygiene

MAX_QUESTION_CHARS = 1000
CUES_FILE = Path(__file__).resolve().parent / "data" / "question_cues.yaml"
MISSING_TOPICS = Path(__file__).resolve().parents[1] / "knowledge_base" / "data" / "missing_topics.yaml"


class Restorer(Protocol):
    def restore(self, text: str) -> str: ...


RestorerSource = Callable[[], Restorer]  # built on first need: ~0.5 s, and most questions carry marks


@dataclass(frozen=True)
class Query:
    typed: str  # the question as search should read it: cleaned, cut to MAX_QUESTION_CHARS
    text: str  # what the retrievers search
    without_marks: bool  # typed without Vietnamese diacritics
    truncated: bool = False
    subjects: frozenset[str] = frozenset()  # whom it is about (knowledge_base.applicability codes)
    asks_list: bool = False  # asks for a whole list ("những việc …", "gồm những ai")
    facets: frozenset[str] = frozenset()  # what it asks: thoi_han, tham_quyen, hinh_thuc …
    uncovered: tuple[str, ...] = ()  # sources the knowledge base lacks for what it asks about
    uncovered_cues: tuple[str, ...] = ()  # the phrases that said so, without diacritics
    lexical: str = ""  # what BM25 searches: `text` without the words of chat (`without_chat_words`)

    @property
    def empty(self) -> bool:
        return not re.search(r"\w", self.typed)


def analyse(question: str, restorer: RestorerSource | None = None, wording: tuple[Path, ...] = ()) -> Query:
    """`wording`: the admins' everyday-wording files read beside the shipped one (`index.thesaurus`)."""
    typed = clean_question(question)
    truncated = len(typed) > MAX_QUESTION_CHARS
    typed = typed[:MAX_QUESTION_CHARS]
    without_marks = not has_diacritics(typed)
    text = expand_abbreviations(typed)
    if without_marks and restorer is not None and text:
        text = restorer().restore(text)
    # Both retrievers search with the legal terms added: on the dev set the dense side gains as
    # much from them as BM25 does (hit@3 .82 with BM25 only, .90 with both).
    plain = strip_diacritics(text).lower()
    found = cues()
    searched = thesaurus.expand(text, *wording)
    return Query(typed, searched, without_marks, truncated,
                 subjects=frozenset(s for s, pattern in found.subjects.items() if pattern.search(plain)),
                 asks_list=bool(found.asks_list.search(plain)),
                 facets=frozenset(f for f, (pattern, _) in found.facets.items() if pattern.search(plain)),
                 uncovered=missing_sources(typed), uncovered_cues=missing_cues(typed),
                 lexical=without_chat_words(searched))


def missing_sources(question: str) -> tuple[str, ...]:
    """What would answer a question on a subject the knowledge base has no source for
    (`knowledge_base/data/missing_topics.yaml`), in the order listed there."""
    plain = " " + " ".join(plain_words(question)) + " "
    return tuple(source for cues_, source in missing_topics() if any(f" {c} " in plain for c in cues_))


def missing_cues(question: str) -> tuple[str, ...]:
    """The phrases of `missing_topics.yaml` the question uses. A candidate that uses one too may
    still answer (a gift from a "hộ kinh doanh" is a gift); one that uses none speaks of something else."""
    plain = " " + " ".join(plain_words(question)) + " "
    return tuple(c for cues_, _ in missing_topics() for c in cues_ if f" {c} " in plain)


@lru_cache(maxsize=1)
def missing_topics(path: Path = MISSING_TOPICS) -> tuple[tuple[tuple[str, ...], str], ...]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return tuple((tuple(e["cues"]), e["missing"]) for e in entries)


@dataclass(frozen=True)
class Cues:
    subjects: dict[str, re.Pattern[str]]
    compatible: dict[str, frozenset[str]]
    asks_list: re.Pattern[str]
    facets: dict[str, tuple[re.Pattern[str], re.Pattern[str]]]  # facet → (in the question, in a unit)
    follow_up: re.Pattern[str]
    follow_up_max_words: int
    subject_words: dict[str, tuple[str, ...]]
    outside_service: frozenset[str] = frozenset()
    chat_words: frozenset[str] = frozenset()
    kin: tuple[tuple[str, ...], ...] = ()


@lru_cache(maxsize=1)
def cues(path: Path = CUES_FILE) -> Cues:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Cues(
        subjects={k: re.compile(v) for k, v in data["subjects"].items()},
        compatible={k: frozenset(v) for k, v in data["compatible"].items()},
        asks_list=re.compile(data["list"]),
        facets={k: (re.compile(v["question"]), re.compile(v["unit"])) for k, v in data["facets"].items()},
        follow_up=re.compile(data["follow_up"]),
        follow_up_max_words=int(data["follow_up_max_words"]),
        subject_words={k: tuple(v) for k, v in data["subject_words"].items()},
        outside_service=frozenset(data.get("outside_service", [])),
        chat_words=frozenset(w.lower() for w in data["chat_words"]),
        kin=tuple(tuple(k.lower().split()) for k in data["kin"]),
    )


_WORD = re.compile(r"\w+")
KINSHIP = frozenset({"anh", "chị", "em"})  # pronouns that are also kinship words


def without_chat_words(text: str) -> str:
    """`text` without the words of chat, each replaced by a space; everything else untouched.

    "Em là chuyên viên, sếp bảo em … thì em nên làm gì ạ?" carries "em", "nên", "gì", "ạ": words the
    law rarely uses, so BM25 weighs them like rare legal terms and a first-person story matched
    whatever chunk happens to contain them (the kinship list "anh, chị, em ruột"). They are a closed
    class (pronouns, particles, asking words, chat shorthand: `chat_words` in the cues file), so
    leaving them out is not tuned to any question. Kinship uses ("em ruột", "anh rể", "anh chị em")
    stay, because conflict-of-interest rules turn on them.
    """
    found = cues()
    words = list(_WORD.finditer(text))
    lowered = [w.group().lower() for w in words]
    drop = []
    for i, word in enumerate(lowered):
        if word not in found.chat_words:
            continue
        if word in KINSHIP and (any(tuple(lowered[i + 1:i + 1 + len(k)]) == k for k in found.kin)
                                or (i and lowered[i - 1] in KINSHIP)):
            continue
        drop.append(words[i].span())
    for start, end in reversed(drop):
        text = f"{text[:start]} {text[end:]}"
    return text


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_PIECE = re.compile(r",\s*(?:và|rồi|còn|va|roi|con)\s+|;\s*|,\s+")
# Asking words: anywhere ("ai", "bao lâu"), or, for particles that also negate ("không được"), at the end.
_ASKING = re.compile(r"(?<!\w)(gì|gi|nào|nao|bao lâu|bao lau|bao nhiêu|bao nhieu|ra sao|thế nào|the nao|mấy|ai|đâu)"
                     r"(?!\w)|(?<!\w)(không|khong|ko|chưa|chua|sao|hả|ha)\W*(ạ|a|nhỉ|nhi)?\W*$", re.IGNORECASE)
MIN_PART_WORDS = 4  # "trong mấy ngày" belongs to the question before it


def parts(typed: str) -> tuple[str, list[str]]:
    """(the story told before the questions, each question asked) of a message.

    "Hội đồng phải có kiến nghị trong bao lâu, rồi lãnh đạo có mấy ngày để ra quyết định?" asks two
    things; each is answered and cited on its own. A piece with no asking word ("lương thưởng") stays
    with the question before it, so commas inside one question do not split it.
    """
    sentences = [x for x in _SENTENCE_END.split(typed) if x.strip()]
    first = next((i for i, x in enumerate(sentences) if _ASKING.search(x)), len(sentences))
    story = " ".join(sentences[:first])
    asked: list[str] = []
    for sentence in sentences[first:]:
        pending = ""
        for piece in (p.strip() for p in _PIECE.split(sentence) if p and p.strip()):
            if _ASKING.search(piece):
                asked.append(f"{pending} {piece}".strip())
                pending = ""
            elif asked and not pending:
                asked[-1] = f"{asked[-1]}, {piece}"
            else:
                pending = f"{pending} {piece}".strip()
        if pending:
            asked.append(pending)
    merged: list[str] = []
    for piece in asked:
        if merged and len(piece.split()) < MIN_PART_WORDS:
            merged[-1] = f"{merged[-1]}, {piece}"
        else:
            merged.append(piece)
    return story, merged


def is_follow_up(text: str) -> bool:
    """A short message that leans on the question before it ("còn viên chức thì sao?")."""
    plain = strip_diacritics(clean_question(text)).lower().strip(" .!")
    found = cues()
    return 0 < len(plain.split()) <= found.follow_up_max_words and bool(found.follow_up.search(plain))


def subjects_of(text: str) -> frozenset[str]:
    plain = strip_diacritics(clean_question(text)).lower()
    return frozenset(s for s, pattern in cues().subjects.items() if pattern.search(plain))


def applicability(query: Query, binds: list[str]) -> int:
    """+1 when the provision binds a group the question names, -1 when it binds only others, else 0.

    A provision that binds anyone (empty `binds`) is neutral; so is, for a question that names nobody,
    one binding a group of the service. The people who ask are cán bộ, công chức, viên chức: a question
    that names nobody is theirs, and a rule binding only a group outside the service (người lao động
    under Bộ luật Lao động) is someone else's unless the question names that group.
    """
    if not binds:
        return 0
    if not query.subjects:
        return -1 if set(binds) <= cues().outside_service else 0
    table = cues().compatible
    allowed = set().union(*(table.get(s, {s}) for s in query.subjects))
    return 1 if allowed & set(binds) else -1


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
