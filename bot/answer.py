"""Retrieve → pick the best provisions → answer in Vietnamese, or refuse.

The answer never paraphrases law: it quotes the provision verbatim, names it the way lawyers do,
says whether it is in force, and adds at most two related provisions. When the evidence is weak
it says nothing was found and how to ask instead — a wrong citation is worse than none.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from index.chunking import Chunk
from index.searcher import HybridIndex
from index.text import plain_words, strip_diacritics
from knowledge_base import hygiene
from knowledge_base.model import Status
from retrieval.analysis import MAX_QUESTION_CHARS
from retrieval.hit import Hit
from retrieval.pipeline import Pipeline
from retrieval.settings import Settings
from retrieval.units import lead_in_article, pick

QUOTE_CHARS = 900
RELATED_QUOTE_CHARS = 240


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
    quotes_article: bool = False  # the first quote is the whole article (its unit only announced a list)

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "citations": [c.__dict__ for c in self.citations],
            "took_ms": round(self.took_ms, 1),
        }


class Answerer:
    """Writes the answer from what the retrieval pipeline found: a verbatim quote, its citation and
    validity, related provisions — or a refusal that says how to ask instead."""

    def __init__(self, index: HybridIndex, settings: Settings | None = None, mode: str = "hybrid") -> None:
        self.index = index
        self.pipeline = Pipeline(index, settings, mode)

    def ask(self, question: str) -> Answer:
        """Answer one question as typed in any channel or the terminal.

        Search sees the question cleaned (`retrieval.analysis`), so markup pasted from a chat or a
        web page never changes the answer; the answer's `question` keeps what the user typed, minus
        the characters that cannot be stored or printed (`knowledge_base.hygiene.clean`), so logs
        and `--json` show their words.
        """
        started = time.perf_counter()
        found = self.pipeline.run(question)
        question = hygiene.clean(question)
        if found.query.empty:
            return Answer(question, EMPTY_QUESTION, True, took_ms=_ms(started))
        hits = found.hits
        if found.refused:
            return Answer(question, refusal(found.query.typed), True, [], _ms(started), hits)
        chosen = pick(hits)
        whole = lead_in_article(self.index, chosen[0])
        body = compose(chosen, whole)
        if found.query.truncated:
            body = TRUNCATED_NOTE + "\n\n" + body
        citations = [Citation.from_hit(h) for h in chosen] + [
            Citation.from_hit(h) for h in hits if h not in chosen
        ]
        return Answer(question, body, False, citations, _ms(started), hits, quotes_article=bool(whole))


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

