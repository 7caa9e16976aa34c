"""Retrieve → pick the best provisions → answer in Vietnamese, or refuse.

The answer never paraphrases law: it quotes the provision verbatim, names it the way lawyers do,
says whether it is in force, and adds at most two related provisions. When the evidence is weak
it says nothing was found and how to ask instead — a wrong citation is worse than none.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from index.chunking import Chunk
from index.searcher import HybridIndex
from knowledge_base import hygiene
from knowledge_base.applicability import names
from knowledge_base.model import Status
from retrieval.analysis import MAX_QUESTION_CHARS, Query, applicability, missing_sources, parts
from retrieval.hit import Hit
from retrieval.pipeline import Pipeline, Retrieved
from retrieval.settings import Settings
from retrieval.units import overlaps, pick, whole_article

QUOTE_CHARS = 900
WHOLE_ARTICLE_CHARS = 1600  # a list asked for whole: longer, the button shows the rest
MAX_PARTS = 3  # questions in one message answered one by one
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
    applies_to: list[str] = field(default_factory=list)  # whom the provision binds; empty = anyone

    @classmethod
    def from_hit(cls, hit: Hit) -> Citation:
        c = hit.chunk
        return cls(c.doc, c.doc_title, c.article, c.clause, c.point, c.label, c.status, round(hit.score, 4),
                   c.text, c.source, list(c.applies_to))


@dataclass
class Answer:
    question: str
    answer: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    took_ms: float = 0.0
    hits: list[Hit] = field(default_factory=list, repr=False)  # for the chat channels' buttons
    quotes_article: bool = False  # the first quote is the whole article (its unit only announced a list)
    read_with: str | None = None  # a follow-up: the earlier question it was read together with
    timings: dict[str, float] = field(default_factory=dict, repr=False)  # ms per retrieval stage

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "citations": [c.__dict__ for c in self.citations],
            "took_ms": round(self.took_ms, 1),
            **({"read_with": self.read_with} if self.read_with else {}),
        }


class Answerer:
    """Writes the answer from what the retrieval pipeline found: a verbatim quote, its citation and
    validity, related provisions — or a refusal that says how to ask instead."""

    def __init__(self, index: HybridIndex, settings: Settings | None = None, mode: str = "hybrid") -> None:
        self.index = index
        self.pipeline = Pipeline(index, settings, mode)

    def ask(self, question: str, read_with: str | None = None) -> Answer:
        """Answer one question as typed in any channel or the terminal.

        Search sees the question cleaned (`retrieval.analysis`), so markup pasted from a chat or a
        web page never changes the answer; the answer's `question` keeps what the user typed, minus
        the characters that cannot be stored or printed (`knowledge_base.hygiene.clean`), so logs
        and `--json` show their words.
        """
        started = time.perf_counter()
        answer, timings = self._answer(question, started)
        answer.timings = {**timings, "answer": max(answer.took_ms - sum(timings.values()), 0.0)}
        if read_with:
            answer.read_with = read_with
            answer.answer = f"(Tôi đọc câu này cùng câu hỏi trước của bạn: “{read_with}”)\n\n{answer.answer}"
        return answer

    def _answer(self, question: str, started: float) -> tuple[Answer, dict[str, float]]:
        found = self.pipeline.run(question)
        question = hygiene.clean(question)
        if found.query.empty:
            return Answer(question, EMPTY_QUESTION, True, took_ms=_ms(started)), found.timings
        hits = found.hits
        answered = self._parts_answered(found.query)
        if found.refused and answered:
            # The message as a whole matches nothing well, but the things it asks one by one do:
            # the first of them leads, the others follow as their own sections.
            found = answered[0][2]
            hits = found.hits
        if found.refused:
            return Answer(question, refusal(found.query.typed), True, [], _ms(started), hits), found.timings
        article = whole_article(self.index, found.query, hits, self.pipeline.settings.units.whole_list)
        seen = {hits[0].chunk.article_key}
        extra = []
        for asked, hit, _ in answered:
            if hit.chunk.article_key not in seen:
                seen.add(hit.chunk.article_key)
                extra.append((asked, hit))
        # Related provisions never repeat what a part's own section quotes (those lie in other
        # articles than the first answer, so the first hit always stays).
        others = [hit for _, hit in extra]
        chosen = pick([h for h in hits if not any(overlaps(h.chunk, o.chunk) for o in others)],
                      whole=article is not None)
        body = compose(chosen, article, found.query, extra)
        if found.query.truncated:
            body = TRUNCATED_NOTE + "\n\n" + body
        ordered = [chosen[0], *(hit for _, hit in extra), *chosen[1:]]
        citations = [Citation.from_hit(h) for h in ordered] + [
            Citation.from_hit(h) for h in hits if h not in ordered
        ]
        if article is not None:  # the first citation is the article the answer quotes whole
            citations[0] = replace(citations[0], clause=None, point=None, label=article["label"], text=article["text"])
        return (Answer(question, body, False, citations, _ms(started), hits, quotes_article=article is not None),
                found.timings)


    def _parts_answered(self, query: Query) -> list[tuple[str, Hit, Retrieved]]:
        """A message that asks two or three things gets each searched with the story told before it:
        (what was asked, its best unit, what the search found), for every piece not refused."""
        if not self.pipeline.settings.units.answer_parts:
            return []
        story, asked = parts(query.typed)
        if len(asked) < 2:
            return []
        out = []
        for piece in asked[:MAX_PARTS]:
            sub = self.pipeline.run(f"{story} {piece}".strip())
            if not sub.refused and sub.hits:
                out.append((piece, sub.hits[0], sub))
        return out


def compose(chosen: list[Hit], article: dict | None = None, query: Query | None = None,
            parts_answered: list[tuple[str, Hit]] = ()) -> str:
    best = chosen[0].chunk
    quote, label, limit = (article["text"], article["label"], WHOLE_ARTICLE_CHARS) if article else (
        best.text, best.label, QUOTE_CHARS)
    lines = [f"“{clip(quote, limit)}”", f"Nguồn: {label} ({status_text(best)})"]
    warning = status_warning(best)
    if warning:
        lines.append(warning)
    other = _for_others(query, best)
    if other:
        lines.append(other)
    for asked, hit in parts_answered:
        c = hit.chunk
        lines += ["", f"Về ý “{asked.rstrip('?').strip()}”:", f"“{clip(c.text, QUOTE_CHARS)}”",
                  f"Nguồn: {c.label} ({status_text(c)})"]
        flag = status_warning(c) or _for_others(query, c)
        if flag:
            lines.append(flag)
    related = chosen[1:]
    if related:
        lines.append("")
        lines.append("Quy định liên quan:")
        for hit in related:
            c = hit.chunk
            flag = "" if c.status == Status.IN_FORCE.value else f" ({status_text(c)})"
            lines.append(f"• {c.label}{flag}: “{clip(c.text, RELATED_QUOTE_CHARS)}”")
    return "\n".join(lines)


def _for_others(query: Query | None, chunk: Chunk) -> str:
    """When the best rule binds another group than the one asked about, the answer says so."""
    if query is None or applicability(query, chunk.applies_to) >= 0:
        return ""
    asked = names(sorted(query.subjects))
    return (f"Lưu ý: quy định này áp dụng cho {names(chunk.applies_to)}, không phải cho {asked} như bạn hỏi; "
            f"hãy đối chiếu quy định dành cho {asked} trước khi áp dụng.")


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

def refusal(question: str) -> str:
    hints = list(missing_sources(question))
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

