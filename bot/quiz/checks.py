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
# A catch-all sends the reader elsewhere ("Những việc khác … theo quy định của …", "Các hành vi vi
# phạm pháp luật khác …"): it says nothing one could get right or wrong.
CATCH_ALL = re.compile(
    r"\bkhác\b.*\btheo quy định\b"
    r"|^(các|những) (việc|nghĩa vụ|quyền|hành vi)\b[^,;.]{0,40}\bkhác\b"
    r"|\b(vi phạm|thực hiện) (các )?quy định khác\b", re.I)
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
    elif q.kind == "situation":
        problems += situation_problems(q, provision)
    elif q.kind == "provision" and comparable(q.answer) != comparable(provision.unit):
        problems.append(f"đáp án phải là {provision.unit}")
    if q.origin == "generated":
        problems += generated_problems(q)
    return problems


def generated_problems(q: QuizQuestion) -> list[str]:
    """Defects `conduct-bot quiz generate` once made, caught again should it make them anew: an
    option cut short with "…", a stem saying "quy định về «Quy định về …»", a false statement made
    from a catch-all ("Những việc khác … được làm theo quy định …" reads as nonsense)."""
    out = [f"phương án bị cắt ngắn bằng “…”: {o[:50]}" for o in q.options if "…" in o]
    if re.search(r"quy định về\s*«\s*(các\s+|những\s+)?quy định\b", q.question, re.I):
        out.append("câu hỏi lặp “quy định về «Quy định …»”")
    if q.kind == "true_false" and q.answer == TRUE_FALSE[1] and CATCH_ALL.search(q.quote):
        out.append("nhận định sai dựng từ một điều khoản “các việc khác …” (vô nghĩa)")
    return out


def situation_problems(q: QuizQuestion, provision: Provision) -> list[str]:
    """A situation question tests judgement, so its answer is a conclusion, not words of the law; what
    proves it is the verbatim quote (checked above) and an explanation that names the provision and
    the rule, so the reader can reread it. A stem that is only a rule ("Theo Điều …") is no situation."""
    out = []
    if len(q.options) < 3:
        out.append("câu tình huống cần 3–4 phương án (cách xử lý hoặc kết luận)")
    if not q.question.rstrip().endswith("?"):
        out.append("câu tình huống phải kết thúc bằng một câu hỏi (dấu ?)")
    if len(_content_words(q.question)) < 12:
        out.append("tình huống quá ngắn: hãy kể ai, ở đâu, việc gì trong một hai câu")
    if re.match(r"\s*(theo|căn cứ)\b", comparable(q.question)):
        out.append("câu tình huống kể một việc, không mở đầu bằng “Theo …” như câu hỏi điều khoản")
    if comparable(provision.unit) not in comparable(q.explanation):
        out.append(f"giải thích phải nêu quy định chứng minh ({provision.unit})")
    out += cue_problems(q)
    return out


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
