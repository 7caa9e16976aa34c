"""Retrieve → pick the best provisions → answer in Vietnamese, or refuse.

The answer never paraphrases law: it quotes the provision verbatim, names it the way lawyers do,
says whether it is in force, and adds at most two related provisions. When the evidence is weak
it says nothing was found and how to ask instead — a wrong citation is worse than none.
"""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

from index.chunking import Chunk
from index.searcher import HybridIndex
from index.text import strip_diacritics
from knowledge_base import hygiene, validity
from knowledge_base.applicability import names
from knowledge_base.model import Status
from knowledge_base.provisions import Ref
from knowledge_base.validity import CHANGES, Change, Register, Term
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
    validity: str = ""  # the document's status with its basis and date
    changes: list[str] = field(default_factory=list)  # what the validity register records for this unit

    @classmethod
    def from_hit(cls, hit: Hit, register: Register | None = None) -> Citation:
        c = hit.chunk
        changes = [change.sentence(whole) for change, whole in
                   (register.for_unit(c.doc, c.article, c.clause, c.point) if register else [])]
        return cls(c.doc, c.doc_title, c.article, c.clause, c.point, c.label, c.status, round(hit.score, 4),
                   c.text, c.source, list(c.applies_to), status_text(c), changes)


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

    def __init__(self, index: HybridIndex, settings: Settings | None = None, mode: str = "hybrid",
                 register: Register | None = None, wording: tuple[Path, ...] = ()) -> None:
        self.index = index
        self.pipeline = Pipeline(index, settings, mode, wording)
        # The validity register (knowledge_base.validity): the library's, with the admins' entries;
        # the curated one alone where no library is at hand (benchmarks).
        self.register = register if register is not None else validity.curated()

    def ask(self, question: str, read_with: str | None = None) -> Answer:
        """Answer one question as typed in any channel or the terminal.

        Search sees the question cleaned (`retrieval.analysis`), so markup pasted from a chat or a
        web page never changes the answer; the answer's `question` keeps what the user typed, minus
        the characters that cannot be stored or printed (`knowledge_base.hygiene.clean`), so logs
        and `--json` show their words.
        """
        started = time.perf_counter()
        # A follow-up read with the question before it is one question, though the two sentences
        # look like two asked things ("… nhận quà Tết không? còn viên chức thì sao?"): not split.
        answer, timings = self._answer(question, started, split=not read_with)
        answer.timings = {**timings, "answer": max(answer.took_ms - sum(timings.values()), 0.0)}
        if read_with:
            answer.read_with = read_with
            answer.answer = f"(Tôi đọc câu này cùng câu hỏi trước của bạn: “{read_with}”)\n\n{answer.answer}"
        return answer

    def _answer(self, question: str, started: float, split: bool = True) -> tuple[Answer, dict[str, float]]:
        mentions = replaced_mentions(question, self.index.manifest.documents)
        found = self.pipeline.run(without_mentions(question, mentions) if mentions else question)
        question = hygiene.clean(question)
        if found.query.empty:
            return Answer(question, EMPTY_QUESTION, True, took_ms=_ms(started)), found.timings
        hits = found.hits
        answered = self._parts_answered(found.query) if split else []
        if found.refused and answered:
            # The message as a whole matches nothing well, but the things it asks one by one do:
            # the first of them leads, the others follow as their own sections.
            found = answered[0][2]
            hits = found.hits
        if found.refused:
            text = "\n".join([*mention_notes(mentions), refusal(found.query.typed)])
            return Answer(question, text, True, [], _ms(started), hits), found.timings
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
        lead = current_rule(self.index, self.register, chosen[0], found.query)
        body = compose(chosen, article, found.query, extra, self.register, lead, self.index.manifest.documents,
                       mentions)
        if found.query.truncated:
            body = TRUNCATED_NOTE + "\n\n" + body
        ordered = [chosen[0], *(hit for _, hit in extra), *chosen[1:]]
        citations = [Citation.from_hit(h, self.register) for h in ordered] + [
            Citation.from_hit(h, self.register) for h in hits if h not in ordered
        ]
        if article is not None:  # the first citation is the article the answer quotes whole
            citations[0] = replace(citations[0], clause=None, point=None, label=article["label"], text=article["text"])
        if lead is not None:  # the current rule leads; the unit the search found first follows
            citations.insert(0, replace(Citation.from_hit(lead.hit, self.register), clause=lead.hit.chunk.clause
                                        if lead.whole is None else None, point=None, label=lead.label, text=lead.text))
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


@dataclass
class Lead:
    """The current rule, quoted first: the unit the search found first was changed (`change`), or the
    question names something the reforms abolished (`term`: "có còn bị giáng chức không?")."""

    hit: Hit  # a chunk of the current rule, for the citation
    label: str
    text: str
    change: Change | None = None
    term: Term | None = None
    whole: dict | None = None  # the current rule's whole article, when the register names an article


def current_rule(index: HybridIndex, register: Register, best: Hit, query: Query | None = None) -> Lead | None:
    """When the best unit was changed, or the question names an abolished thing, and the register
    says where the rule is now: that rule (for a question about another group, none)."""
    c = best.chunk
    reasons: list[tuple[Ref, Change | None, Term | None]] = [
        (change.current, change, None) for change, _ in register.for_unit(c.doc, c.article, c.clause, c.point)
        if change.current is not None]
    if query is not None:
        reasons += [(t.current, None, t) for t in register.terms_in(query.typed) if t.current is not None]
    for unit, change, term in reasons:
        if term is not None and unit.covers(c.doc, c.article, c.clause, c.point):
            return None  # the search found the current rule itself
        chunks = [ch for ch in index.chunks if unit.covers(ch.doc, ch.article, ch.clause, ch.point)]
        if not chunks or (query is not None and applicability(query, chunks[0].applies_to) < 0):
            continue
        first = min(chunks, key=lambda ch: (ch.point is not None, ch.clause is not None))
        # The rule in force answers in place of the unit found first: it carries that unit's score.
        hit = Hit(first, best.score, best.dense, best.lexical, best.fused)
        whole = index.article(first) if unit.clause is None else None
        label, text = (whole["label"], whole["text"]) if whole else (first.label, first.text)
        return Lead(hit, label, text, change, term, whole)
    return None


def compose(chosen: list[Hit], article: dict | None = None, query: Query | None = None,
            parts_answered: list[tuple[str, Hit]] = (), register: Register | None = None,
            lead: Lead | None = None, documents: dict | None = None, mentions: list[Mention] = ()) -> str:
    register = register or Register()
    best = chosen[0].chunk
    quote, label, limit = (article["text"], article["label"], WHOLE_ARTICLE_CHARS) if article else (
        best.text, best.label, QUOTE_CHARS)
    lines = mention_notes(mentions)
    quoted = [quote]
    if lead is not None and lead.term is not None:
        # The question names what the reforms abolished: say so, quote the rule in force, and keep
        # what the search found among the related provisions.
        lines += [lead.term.sentence(), f"“{clip(lead.text, WHOLE_ARTICLE_CHARS)}”",
                  f"Nguồn: {lead.label} ({status_text(lead.hit.chunk)})"]
        quoted = [lead.text]
    elif lead is not None and lead.change is not None:
        # The rule in force leads; the provision the search found first follows with what changed,
        # so a reader who knows that provision sees why it is not the answer.
        lines += [f"“{clip(lead.text, WHOLE_ARTICLE_CHARS)}”", f"Nguồn: {lead.label} ({status_text(lead.hit.chunk)})",
                  "", f"⚠️ {_capital(label)}: {lead.change.sentence()}",
                  f"“{clip(quote, RELATED_QUOTE_CHARS * 2)}”"]
        quoted.append(lead.text)
    else:
        changes = register.for_unit(best.doc, best.article, best.clause, best.point)
        lines += [f"“{clip(quote, limit)}”", f"Nguồn: {label} ({unit_status(best, changes)})"]
        lines += [f"⚠️ {change.sentence(whole)}" for change, whole in changes]
        warning = status_warning(best, documents)
        if warning:
            lines.append(warning)
    other = _for_others(query, best)
    if other:
        lines.append(other)
    for asked, hit in parts_answered:
        c = hit.chunk
        changes = register.for_unit(c.doc, c.article, c.clause, c.point)
        lines += ["", f"Về ý “{asked.rstrip('?').strip()}”:", f"“{clip(c.text, QUOTE_CHARS)}”",
                  f"Nguồn: {c.label} ({unit_status(c, changes)})"]
        lines += [f"⚠️ {change.sentence(whole)}" for change, whole in changes]
        flag = status_warning(c, documents) or _for_others(query, c)
        if flag:
            lines.append(flag)
        quoted.append(c.text)
    shown = {lead.term.by} if lead is not None and lead.term is not None else set()
    shown |= {c.by for h in chosen[:1] for c, _ in register.for_unit(h.chunk.doc, h.chunk.article, h.chunk.clause,
                                                                      h.chunk.point)}
    found = {t for text in quoted for t in register.terms_in(text)}
    terms = [t for t in register.terms if t in found and t.by not in shown]
    lines += [t.sentence() for t in terms]
    pool = chosen if lead is not None and lead.term is not None else chosen[1:]
    related = [h for h in pool if lead is None or lead.whole is None
               or h.chunk.article_key != lead.hit.chunk.article_key]  # not again what the lead quotes whole
    if related:
        lines.append("")
        lines.append("Quy định liên quan:")
        for hit in related:
            c = hit.chunk
            changes = register.for_unit(c.doc, c.article, c.clause, c.point)
            if changes:
                change = changes[0][0]
                flag = f" (⚠️ {CHANGES[change.change]} từ {change.since:%d/%m/%Y})"
            else:
                flag = "" if c.status == Status.IN_FORCE.value else f" ({status_text(c)})"
            lines.append(f"• {c.label}{flag}: “{clip(c.text, RELATED_QUOTE_CHARS)}”")
    return "\n".join(lines)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def unit_status(chunk: Chunk, changes: list[tuple[Change, bool]]) -> str:
    """The document's status, unless the register says this unit as a whole is no longer the rule:
    a repealed unit is never labelled "còn hiệu lực"."""
    for change, whole in changes:
        if whole and change.not_current:
            return f"{CHANGES[change.change]} từ {change.since:%d/%m/%Y}"
    return status_text(chunk)


@dataclass(frozen=True)
class Mention:
    """A question's mention of a law the knowledge base's documents replaced ("Luật CBCC 2008")."""

    old: str  # its number, "22/2008/QH12"
    by: str  # the document in force, as cited
    note: str  # that document's validity note, which names the provision that replaced it
    span: tuple[int, int]  # where in the question (NFC)


def replaced_mentions(question: str, documents: dict) -> list[Mention]:
    """Mentions by number ("22/2008/QH12") or by the law's name or initials with its year ("Luật CBCC
    2008", "luat can bo cong chuc nam 2008"); matched on the unaccented question, which keeps offsets."""
    text = unicodedata.normalize("NFC", question)
    plain = strip_diacritics(text).lower()
    found = []
    for meta in documents.values():
        for old in meta.get("replaces", []):
            for pattern in _mention_patterns(old, meta.get("name", "")):
                match = re.search(pattern, plain)
                if match:
                    found.append(Mention(old, meta["title"], meta.get("note", ""), match.span()))
                    break
    return found


def _mention_patterns(number: str, name: str) -> list[str]:
    sep = r"[\W_]+"
    patterns = [sep.join(re.escape(w) for w in re.findall(r"\w+", strip_diacritics(number).lower()))]
    year = re.search(r"/(\d{4})/", number)
    words = re.findall(r"\w+", strip_diacritics(name).lower())
    if year and len(words) >= 2:
        full = sep.join(words)
        initials = words[0] + sep + "".join(w[0] for w in words[1:])  # "luat cbcc"
        patterns += [rf"\b(?:{full}|{initials})(?:{sep}nam)?{sep}{year.group(1)}\b"]
    return patterns


def without_mentions(question: str, mentions: list[Mention]) -> str:
    """The question as search should read it: which old law it names says nothing about the subject."""
    text = unicodedata.normalize("NFC", question)
    for mention in sorted(mentions, key=lambda m: -m.span[0]):
        text = text[: mention.span[0]] + " " + text[mention.span[1]:]
    return " ".join(text.split())


def mention_notes(mentions: list[Mention]) -> list[str]:
    lines = [f"Lưu ý: văn bản số {m.old} mà bạn nhắc đến đã được thay thế bởi {m.by}. {m.note} "
             "Dưới đây là quy định hiện hành." for m in mentions]
    return lines + ([""] if lines else [])


def _for_others(query: Query | None, chunk: Chunk) -> str:
    """Whom the quoted rule binds, when that is not plainly the asker: a rule of another group than
    the one asked about ("… không phải cho công chức như bạn hỏi"); a rule of one group for a question
    that names nobody ("đi làm muộn thì bị gì?": the asker may be a cán bộ, a công chức or a viên
    chức); a rule of a narrower group than the one named (the inspectors' code for "cán bộ")."""
    if query is None or not chunk.applies_to:
        return ""
    if query.subjects and applicability(query, chunk.applies_to) < 0:
        asked = names(sorted(query.subjects))
        return (f"Lưu ý: quy định này áp dụng cho {names(chunk.applies_to)}, không phải cho {asked} như bạn hỏi; "
                f"hãy đối chiếu quy định dành cho {asked} trước khi áp dụng.")
    if set(chunk.applies_to) & query.subjects:
        return ""
    return f"Lưu ý: quy định này áp dụng cho {names(chunk.applies_to)}."


def status_text(chunk: Chunk) -> str:
    """The document's status with its basis and date (an index built before they were recorded has
    only the status)."""
    return chunk.validity or Status(chunk.status).label


def status_warning(chunk: Chunk, documents: dict | None = None) -> str:
    status = Status(chunk.status)
    note = ((documents or {}).get(chunk.doc) or {}).get("note", "")
    if status is Status.SUPERSEDED:
        by = ((documents or {}).get(chunk.doc) or {}).get("superseded_by", [])
        if by:  # the answer names the replacement, which the admin recorded with /het_hieu_luc
            return (f"Lưu ý: văn bản này đã hết hiệu lực, được thay thế bởi văn bản số {', '.join(by)}; "
                    "hãy áp dụng văn bản thay thế.")
        return "Lưu ý: văn bản này đã hết hiệu lực; hãy đối chiếu với văn bản thay thế trước khi áp dụng."
    if status is Status.PARTLY_SUPERSEDED:
        # The document's own note says which parts still apply (NĐ 112/2020: its viên-chức articles),
        # which a blanket "check whether this still applies" would hide.
        return f"Lưu ý: văn bản này đã hết hiệu lực một phần. {note}" if note else (
            "Lưu ý: văn bản này đã hết hiệu lực một phần; hãy kiểm tra quy định này còn áp dụng không.")
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

