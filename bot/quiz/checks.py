"""Is each question proved by the text it cites? The rule behind "never invent law", for quizzes.

The checks are textual and strict on purpose: the correct option must be words of the cited unit,
every distractor must be absent from it, a true statement must be quoted verbatim and a false one
must not be. A reviewer still reads the questions; these checks catch what a generator or a
hurried admin gets wrong.
"""

from __future__ import annotations

import re
import unicodedata

from bot.quiz.bank import TRUE_FALSE, QuizQuestion
from knowledge_base.model import Document
from knowledge_base.provisions import Provision

GAP = "___"
_QUOTED = re.compile(r"«(.+?)»", re.S)
_STOPWORDS = frozenset({
    "của", "và", "là", "các", "những", "được", "không", "có", "cho", "trong", "theo", "với", "này", "đó", "nào",
    "sau", "đây", "một", "việc", "người", "khi", "thì", "để", "về", "hoặc", "đến", "từ", "tại", "do", "bị", "đã",
    "sẽ", "phải", "cũng", "như", "nếu", "mà", "ra", "vào", "lại",
})


def comparable(text: str) -> str:
    """Case, spacing, quotes and edge punctuation ignored; words and diacritics kept."""
    text = unicodedata.normalize("NFC", text).replace("…", " ").casefold()
    text = re.sub(r"[“”\"]", "", text)
    text = re.sub(r"\s+", " ", text)
    return text.strip(" .;:,")


def contains(haystack: str, needle: str) -> bool:
    return comparable(needle) in comparable(haystack)


def quoted(question: str) -> str | None:
    found = _QUOTED.findall(question)
    return found[-1] if found else None


def support_problems(q: QuizQuestion, provision: Provision, documents: dict[str, Document]) -> list[str]:
    source = provision.text
    problems: list[str] = []
    if not q.quote:
        return ["thiếu trích dẫn nguyên văn (quote) chứng minh đáp án"]
    if not contains(source, q.quote):
        problems.append(f"quote không có nguyên văn trong {provision.label}")
    if q.answer not in q.options:
        return problems
    distractors = [o for o in q.options if o != q.answer]
    if q.kind == "multiple_choice":
        if not contains(q.quote, q.answer):
            problems.append("đáp án đúng không phải là lời văn của đoạn trích (quote)")
        problems += [f"phương án sai lại có trong {provision.label}: {d[:50]}" for d in distractors
                     if contains(source, d)]
        problems += cue_problems(q)
    elif q.kind == "true_false":
        statement = quoted(q.question)
        if statement is not None:
            true_by_text = contains(source, statement)
            if true_by_text != (q.answer == TRUE_FALSE[0]):
                problems.append(f"nhận định trong «…» {'có' if true_by_text else 'không có'} nguyên văn trong "
                                f"{provision.label} nhưng đáp án là {q.answer}")
    elif q.kind == "fill_gap":
        passage = quoted(q.question)
        if passage is None or passage.count(GAP) != 1:
            problems.append(f"câu điền khuyết phải có một đoạn «…» với đúng một chỗ trống {GAP}")
        else:
            if not contains(source, passage.replace(GAP, q.answer)):
                problems.append(f"điền đáp án vào chỗ trống không cho lại nguyên văn {provision.label}")
            problems += [f"điền phương án sai «{d}» vẫn khớp nguyên văn" for d in distractors
                         if contains(source, passage.replace(GAP, d))]
    elif q.kind == "provision" and comparable(q.answer) != comparable(provision.unit):
        problems.append(f"đáp án phải là {provision.unit}")
    return problems


def cue_problems(q: QuizQuestion) -> list[str]:
    """Questions a guesser could answer from the wording: the right option echoes the stem, or
    it is by far the longest. Checked for multiple choice, where these cues are most common."""
    stem = _content_words(q.question)
    overlap = {o: len(_content_words(o) & stem) for o in q.options}
    others = [n for o, n in overlap.items() if o != q.answer]
    out = []
    if others and overlap[q.answer] >= 2 and overlap[q.answer] > 2 * max(others) + 1:
        out.append("đáp án đúng lặp lại từ ngữ của câu hỏi (đoán được từ câu chữ)")
    lengths = sorted((len(o), o == q.answer) for o in q.options)
    if len(lengths) > 2 and lengths[-1][1] and lengths[-1][0] > 2.5 * lengths[-2][0]:
        out.append("đáp án đúng dài vượt hẳn các phương án khác (đoán được từ độ dài)")
    return out


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", comparable(text)) if w not in _STOPWORDS and not w.isdigit()}
