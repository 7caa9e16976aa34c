"""Retrieve → pick the best provisions → answer in Vietnamese, or refuse.

The answer never paraphrases law: it quotes the provision verbatim, names it the way lawyers do,
says whether it is in force, and adds at most two related provisions. When the evidence is weak
it says nothing was found and how to ask instead — a wrong citation is worse than none.
"""

from __future__ import annotations

import html
import re
import time
import unicodedata
from dataclasses import dataclass, field

from index.chunking import Chunk
from index.searcher import Hit, HybridIndex, SearchSettings
from index.text import normalize, plain_words, strip_diacritics
from knowledge_base import hygiene
from knowledge_base.model import Status

MAX_QUESTION_CHARS = 1000
QUOTE_CHARS = 900
RELATED_QUOTE_CHARS = 240
MAX_RELATED = 2


@dataclass
class RefusalPolicy:
    """Refuse when the best hit is weak on both signals.

    A fused score well below 1 means the dense and lexical rankings disagree about the best
    provision, or that the dense side barely separates its candidates (`DENSE_MIN_SPREAD`); a low
    cosine means nothing is close in meaning. Chosen by `benchmarks/tune.py` on a pool of 134
    questions (the dev set and our own out-of-scope questions, each also typed without diacritics):
    it refuses 51 of 59 out-of-scope and 7 of 75 answerable ones, 5 of those typed without marks.
    min_dense is the threshold that binds, and it sits in a narrow gap between questions; on the
    held-out half of the out-of-scope questions it refuses 41 of 48. See benchmarks/RESULTS.md.
    """

    min_score: float = 0.685
    min_dense: float = 0.87566


@dataclass
class Citation:
    doc: str
    doc_title: str
    article: str | None
    clause: str | None
    point: str | None
    label: str
    status: str
    score: float
    text: str
    source: str

    @classmethod
    def from_hit(cls, hit: Hit) -> Citation:
        c = hit.chunk
        return cls(c.doc, c.doc_title, c.article, c.clause, c.point, c.label, c.status, round(hit.score, 4),
                   c.text, c.source)


@dataclass
class Answer:
    question: str
    answer: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    took_ms: float = 0.0
    hits: list[Hit] = field(default_factory=list, repr=False)  # for the chat channels' buttons

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "citations": [c.__dict__ for c in self.citations],
            "took_ms": round(self.took_ms, 1),
        }


class Answerer:
    def __init__(self, index: HybridIndex, search: SearchSettings | None = None,
                 policy: RefusalPolicy | None = None) -> None:
        self.index = index
        self.search = search or SearchSettings()
        self.policy = policy or RefusalPolicy()

    def ask(self, question: str, k: int = 10) -> Answer:
        """Answer one question as typed in any channel or the terminal.

        Search sees `clean_question(question)`, so markup pasted from a chat or a web page never
        changes the answer; the answer's `question` keeps what the user typed, minus the characters
        that cannot be stored or printed (`knowledge_base.hygiene.clean`), so logs and `--json` show their words.
        """
        started = time.perf_counter()
        text = clean_question(question)
        question = hygiene.clean(question)
        if not text or not re.search(r"\w", text):
            return Answer(question, EMPTY_QUESTION, True, took_ms=_ms(started))
        truncated = len(text) > MAX_QUESTION_CHARS
        hits = self.index.search(text[:MAX_QUESTION_CHARS], k=k, settings=self.search)
        if not hits or self._weak(hits[0]):
            return Answer(question, refusal(text), True, [], _ms(started), hits)
        chosen = pick(hits)
        body = compose(chosen, self._lead_in_article(chosen[0]))
        if truncated:
            body = TRUNCATED_NOTE + "\n\n" + body
        citations = [Citation.from_hit(h) for h in chosen] + [
            Citation.from_hit(h) for h in hits if h not in chosen
        ]
        return Answer(question, body, False, citations, _ms(started), hits)

    def _lead_in_article(self, best: Hit) -> str:
        """A unit ending in ':' only announces a list; the answer must show the list too."""
        if not best.chunk.text.rstrip().endswith(":"):
            return ""
        article = self.index.article(best.chunk)
        return article["text"] if article else ""

    def _weak(self, best: Hit) -> bool:
        return best.score < self.policy.min_score and best.dense < self.policy.min_dense


# ---------------------------------------------------------------- question hygiene

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


def pick(hits: list[Hit]) -> list[Hit]:
    """The best hit and up to two related ones, none repeating or containing another."""
    chosen = [hits[0]]
    for hit in hits[1:]:
        if len(chosen) > MAX_RELATED:
            break
        if any(_overlaps(hit.chunk, c.chunk) for c in chosen):
            continue
        chosen.append(hit)
    return chosen


def _overlaps(a: Chunk, b: Chunk) -> bool:
    if a.doc != b.doc or a.article != b.article or a.attachment != b.attachment:
        return False
    if a.article is None:
        return a.text == b.text
    # Same article: a clause and its own point, or the same unit twice.
    return a.clause is None or b.clause is None or a.clause == b.clause


def compose(chosen: list[Hit], whole_article: str = "") -> str:
    best = chosen[0].chunk
    quote = whole_article or best.text
    lines = [f"“{clip(quote, QUOTE_CHARS)}”", f"Nguồn: {best.label} ({status_text(best)})"]
    warning = status_warning(best)
    if warning:
        lines.append(warning)
    related = chosen[1:]
    if related:
        lines.append("")
        lines.append("Quy định liên quan:")
        for hit in related:
            c = hit.chunk
            flag = "" if c.status == Status.IN_FORCE.value else f" ({status_text(c)})"
            lines.append(f"• {c.label}{flag}: “{clip(c.text, RELATED_QUOTE_CHARS)}”")
    return "\n".join(lines)


def status_text(chunk: Chunk) -> str:
    return Status(chunk.status).label


def status_warning(chunk: Chunk) -> str:
    status = Status(chunk.status)
    if status is Status.SUPERSEDED:
        return "Lưu ý: văn bản này đã hết hiệu lực; hãy đối chiếu với văn bản thay thế trước khi áp dụng."
    if status is Status.PARTLY_SUPERSEDED:
        return "Lưu ý: văn bản này đã hết hiệu lực một phần; hãy kiểm tra quy định này còn áp dụng không."
    if status is Status.UNVERIFIED:
        return "Lưu ý: chưa xác minh được văn bản này còn hiệu lực; hãy đối chiếu bản gốc trước khi áp dụng."
    if status is Status.REFERENCE:
        return "Lưu ý: đây là bài viết tham khảo, không phải văn bản quy phạm pháp luật."
    return ""


def clip(text: str, limit: int) -> str:
    """Shorten at a line or word boundary; the ellipsis shows the quote continues in the source."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit)
    if cut < limit // 2:
        cut = text.rfind(" ", 0, limit)
    return text[: max(cut, 1)].rstrip(" ,;:") + " …"


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


EMPTY_QUESTION = (
    "Bạn chưa nhập câu hỏi. Hãy hỏi về quy tắc ứng xử, đạo đức công vụ, văn hóa giao tiếp, "
    "những việc không được làm, quà tặng hoặc kỷ luật, ví dụ: “Khi tiếp dân công chức có phải đeo thẻ không?”"
)
TRUNCATED_NOTE = f"(Câu hỏi dài hơn {MAX_QUESTION_CHARS} ký tự nên tôi chỉ dùng phần đầu để tra cứu.)"

# Topics people ask about that the bundled knowledge base does not cover, and what would.
_SUGGESTIONS = [
    (("luong", "phu cap", "nang bac", "thu nhap"), "các nghị định về chế độ tiền lương, phụ cấp"),
    (("thi dua", "khen thuong", "chien si", "danh hieu", "huan chuong"), "Luật Thi đua, khen thưởng"),
    (("bao hiem", "huu tri", "nghi huu", "luong huu"), "Luật Bảo hiểm xã hội"),
    (("nghi phep", "nghi le", "nghi om", "thai san"), "Bộ luật Lao động và quy định về chế độ nghỉ"),
    (("trang phuc", "dong phuc", "anh bac", "quoc huy", "quoc ky", "bai tri", "van hoa cong so"),
     "Quyết định 129/2007/QĐ-TTg (Quy chế văn hóa công sở) — chưa có trong kho, quản trị viên có thể bổ sung"),
    (("thue", "nguoi nop thue"), "các quy định chuyên ngành thuế"),
]


def refusal(question: str) -> str:
    plain = " ".join(plain_words(strip_diacritics(question)))
    hints = [doc for keys, doc in _SUGGESTIONS if any(k in plain for k in keys)]
    lines = [
        "Xin lỗi, tôi chưa tìm thấy quy định nào trong cơ sở tri thức trả lời trực tiếp câu hỏi này, "
        "nên không dám trả lời để tránh dẫn sai văn bản.",
        "",
        "Bạn có thể thử:",
        "• hỏi cụ thể hơn: nêu rõ đối tượng (cán bộ, công chức hay viên chức) và hành vi, tình huống;",
        "• dùng từ ngữ của văn bản, ví dụ “quà tặng”, “kỷ luật”, “giao tiếp với Nhân dân”, "
        "“những việc không được làm”;",
    ]
    if hints:
        lines.append(f"• tra cứu văn bản chuyên ngành: {'; '.join(hints)}.")
    else:
        lines.append("• nếu câu hỏi thuộc lĩnh vực chuyên ngành, hãy tra cứu văn bản của lĩnh vực đó.")
    return "\n".join(lines)

