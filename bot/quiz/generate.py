"""Questions generated from the knowledge base, each proved by the provision it cites.

Four kinds, all built from the law's own words:
- multiple choice from a real list (sources.yaml `lists`): one list item is right, the wrong
  options are items of a contrasting list (duties when the question asks for prohibitions) or
  plausible words written in sources.yaml, and none of them is in the cited list;
- true/false: a sentence of the law as written (true) or with one careful change (false): a time
  limit replaced by another one, or "không được" turned into "được";
- fill in the gap: a time limit blanked out, the other options being other limits of the same unit
  that the law uses elsewhere;
- which provision: "Điều nào … quy định về «…»?", answered by the article number.

Every generated question passes `checks.support_problems` or is dropped, so a generator bug
shows up as fewer questions, never as a question the source does not support.
"""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.answer import clip
from bot.quiz.bank import (
    MAX_EXPLANATION,
    MAX_OPTION,
    TRUE_FALSE,
    QuizQuestion,
    shape_problems,
)
from bot.quiz.checks import GAP, comparable, contains, support_problems
from knowledge_base import validity
from knowledge_base.model import Document, Kind, Node, Status
from knowledge_base.provisions import Ref, UnknownProvision, resolve
from knowledge_base.validity import Register

SOURCES = Path(__file__).resolve().parents[2] / "knowledge_base" / "quiz" / "sources.yaml"
_QUIZZABLE = (Status.IN_FORCE, Status.PARTLY_SUPERSEDED)
_NUMBER = re.compile(r"(?<![\d/.,])(\d{1,3})\s+(ngày làm việc|ngày|tháng|năm|giờ)(?![\w(])(?! \()")
_CATCH_ALL = re.compile(r"\bkhác\b.*\btheo quy định\b|^(các|những) (việc|nghĩa vụ|quyền|hành vi) khác", re.I)
_NEGATIVE = re.compile(r"^không\b|không được|nghiêm cấm|\bcấm\b", re.I)
_MIN_SENTENCE, _MAX_SENTENCE = 40, 220


@dataclass(frozen=True)
class Unit:
    """A citable piece of text: its reference and the words that belong to it alone."""

    ref: Ref
    text: str


class SourcesError(ValueError):
    """sources.yaml names something the knowledge base does not hold."""


def generate(documents: list[Document], sources: Path = SOURCES,
             register: Register | None = None) -> list[QuizQuestion]:
    """All questions the sources allow, in a stable order, each checked against its provision; none
    on a unit the validity register records as changed (`knowledge_base.validity`)."""
    spec = yaml.safe_load(sources.read_text(encoding="utf-8")) or {}
    by_id = {d.id: d for d in documents}
    topics = _topics(spec.get("topics", []), by_id)
    candidates: list[QuizQuestion] = []
    for entry in spec.get("lists", []):
        candidates += _list_questions(entry, by_id)
    for (doc_id, article), topic in topics.items():
        doc = by_id[doc_id]
        art = resolve(Ref(doc_id, article), by_id).article
        assert art is not None
        for unit in _units(doc, art):
            candidates += _sentence_questions(unit, doc, topic, by_id)
        candidates += _provision_question(doc, art, topic, by_id)
    register = register if register is not None else validity.curated()
    candidates = [q for q in candidates if not register.touches(q.citation)]
    return _keep_valid(candidates, by_id)


def _keep_valid(candidates: list[QuizQuestion], documents: dict[str, Document]) -> list[QuizQuestion]:
    out, seen_ids, seen_text = [], set(), set()
    for q in candidates:
        key = (q.kind, comparable(q.question), q.answer)
        if q.id in seen_ids or key in seen_text:
            continue  # the same sentence in a law and in its decree: ask it once
        provision = resolve(q.citation, documents)
        if shape_problems(q) or support_problems(q, provision, documents):
            continue
        seen_ids.add(q.id)
        seen_text.add(key)
        out.append(q)
    return out


def _topics(entries: list[dict], documents: dict[str, Document]) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for entry in entries:
        for where in entry["where"]:
            doc = documents.get(where["doc"])
            if doc is None:
                raise SourcesError(f"sources.yaml: không có văn bản {where['doc']} trong kho")
            if doc.validity.status not in _QUIZZABLE:
                continue  # never quiz on a document that no longer binds anyone
            for article in where["articles"]:
                try:
                    resolve(Ref(doc.id, str(article)), documents)
                except UnknownProvision as exc:
                    raise SourcesError(f"sources.yaml: {exc}") from exc
                out.setdefault((doc.id, str(article)), entry["topic"])
    return out


# ---------------------------------------------------------------- multiple choice from lists


def _list_items(ref: Ref, entry: dict, documents: dict[str, Document]) -> list[Unit]:
    """The items of a list as (reference, words), catch-alls ("Các nghĩa vụ khác …") left out."""
    provision = resolve(ref, documents)
    node = provision.node
    assert node is not None
    wanted = {str(p) for p in entry.get("points") or entry.get("clauses") or []}
    units = []
    for child in node.children:
        if child.kind not in (Kind.CLAUSE, Kind.POINT, Kind.SUBITEM) or not child.text:
            continue
        if wanted and child.number not in wanted:
            continue
        child_ref = Ref(ref.doc, ref.article, child.number, None) if ref.clause is None else \
            Ref(ref.doc, ref.article, ref.clause, child.number)
        pieces = [child.text]
        if entry.get("split"):
            pieces = [p for part in child.text.split(entry["split"]) for p in [part.strip()] if p]
        for piece in pieces:
            if entry.get("cut"):
                piece = piece.split(entry["cut"])[0]
            piece = re.sub(r"^không được\s+", "", piece.strip(" .;:"), flags=re.I)  # the stem says it already
            if piece and not _CATCH_ALL.search(piece):
                units.append(Unit(child_ref, _capitalise(piece)))
    return units


def _list_questions(entry: dict, documents: dict[str, Document]) -> list[QuizQuestion]:
    ref = Ref.from_dict(entry)
    doc = documents.get(ref.doc)
    if doc is None or doc.validity.status not in _QUIZZABLE:
        return []
    items = _list_items(ref, entry, documents)
    pool: list[str] = [str(d) for d in entry.get("distractors", [])]
    for source in entry.get("distractors_from", []):
        source_ref = Ref.from_dict(source)
        pool += [u.text for u in _list_items(source_ref, {"split": ";"}, documents)]
    target_text = resolve(ref, documents).text
    pool = [_option(p) for p in pool]
    pool = [p for p in dict.fromkeys(pool) if p and not contains(target_text, p) and not _NEGATIVE.search(p)
            and not any(_similar(p, item.text) for item in items)]
    out = []
    for item in items:
        answer = _option(item.text)
        if len(answer) < 3:
            continue
        qid = _id("tn", item.ref, answer)
        rng = random.Random(qid)
        # Wrong options of comparable length, so the right one does not stand out by its size.
        near = sorted(pool, key=lambda p: (abs(len(p) - len(answer)) / max(len(answer), 1), rng.random()))
        distractors = near[:6]
        rng.shuffle(distractors)
        options = [answer, *distractors[:3]]
        if len(options) < 3:
            continue
        rng.shuffle(options)
        provision = resolve(item.ref, documents)
        out.append(QuizQuestion(
            id=qid, kind="multiple_choice", question=entry["stem"], options=options, answer=answer,
            citation=item.ref, explanation=_explain(provision.label, item.text), topic=entry["topic"],
            difficulty="vừa", quote=item.text, origin="generated",
        ))
    return out


def _similar(a: str, b: str) -> bool:
    wa, wb = set(comparable(a).split()), set(comparable(b).split())
    return bool(wa and wb) and len(wa & wb) / min(len(wa), len(wb)) >= 0.6


# ---------------------------------------------------------------- true/false and fill in the gap


def _units(doc: Document, article: Node) -> list[Unit]:
    """Each clause and point with its own words (a clause with points contributes its lead-in)."""
    out = []
    for clause in article.children:
        if clause.kind in (Kind.CLAUSE, Kind.SUBITEM, Kind.PARAGRAPH) and clause.text:
            number = clause.number if clause.kind is not Kind.PARAGRAPH else None
            out.append(Unit(Ref(doc.id, article.number, number), clause.text))
        for point in clause.children:
            if point.kind is Kind.POINT and point.text and clause.number:
                out.append(Unit(Ref(doc.id, article.number, clause.number, point.number), point.text))
            elif point.kind is Kind.PARAGRAPH and point.text and clause.number:
                out.append(Unit(Ref(doc.id, article.number, clause.number), point.text))
    return out


def _sentences(text: str) -> list[str]:
    """Whole sentences that stand alone: capitalised, of a size a quiz can show."""
    parts = re.split(r"(?<=[.;])\s+(?=[A-ZĐÀ-Ỹ])", text)
    out = []
    for part in parts:
        part = part.strip().rstrip(";")
        if _MIN_SENTENCE <= len(part) <= _MAX_SENTENCE and part[0].isupper() and not part.endswith(":"):
            out.append(part)
    return out


def _sentence_questions(unit: Unit, doc: Document, topic: str, documents: dict) -> list[QuizQuestion]:
    provision = resolve(unit.ref, documents)
    out = []
    for sentence in _sentences(unit.text):
        framed = f"Đúng hay sai? Theo {doc.display_name}: «{{}}»"
        false = _altered(sentence)
        if false is not None:
            statement, change = false
            out.append(QuizQuestion(
                id=_id("ds", unit.ref, sentence, "sai"), kind="true_false", question=framed.format(statement),
                options=list(TRUE_FALSE), answer=TRUE_FALSE[1], citation=unit.ref,
                explanation=_explain(provision.label, sentence, prefix="Sai. "), topic=topic,
                difficulty="vừa" if change == "number" else "dễ", quote=sentence, origin="generated",
            ))
            out.append(QuizQuestion(
                id=_id("ds", unit.ref, sentence, "dung"), kind="true_false", question=framed.format(sentence),
                options=list(TRUE_FALSE), answer=TRUE_FALSE[0], citation=unit.ref,
                explanation=_explain(provision.label, sentence, prefix="Đúng. "), topic=topic,
                difficulty="dễ", quote=sentence, origin="generated",
            ))
        gap = _gap(sentence, unit, provision.unit, doc, topic)
        if gap is not None:
            gap.explanation = _explain(provision.label, sentence)
            out.append(gap)
    return out


def _altered(sentence: str) -> tuple[str, str] | None:
    """One change that makes the sentence false by the text: another time limit, or a lifted ban."""
    numbers = list(_NUMBER.finditer(sentence))
    if len(numbers) == 1:
        m = numbers[0]
        other = _alternatives(m.group(1), m.group(2), 1)
        if other:
            return sentence[: m.start()] + f"{other[0]} {m.group(2)}" + sentence[m.end():], "number"
    if sentence.count("không được") == 1 and "trừ" not in sentence and "nghiêm cấm" not in sentence.lower():
        return sentence.replace("không được", "được", 1), "negation"
    return None


# Values the law uses for each unit; a wrong option is another real limit, not a made-up number.
_VALUES = {
    "ngày làm việc": [3, 5, 10, 15, 30],
    "ngày": [5, 10, 15, 30, 45, 60, 90, 150],
    "tháng": [3, 6, 12, 18, 24, 36],
    "năm": [1, 2, 3, 5, 10, 15],
    "giờ": [8, 12, 24, 48, 72],
}


def _alternatives(number: str, unit: str, count: int) -> list[str]:
    value = int(number)
    pool = [v for v in _VALUES.get(unit, []) if v != value]
    pool.sort(key=lambda v: (abs(v - value) / max(value, 1), v))
    width = len(number) if number.startswith("0") else 0
    return [str(v).zfill(width) for v in pool[:count]]


def _gap(sentence: str, unit: Unit, unit_label: str, doc: Document, topic: str) -> QuizQuestion | None:
    numbers = list(_NUMBER.finditer(sentence))
    if len(numbers) != 1:
        return None
    m = numbers[0]
    answer = f"{m.group(1)} {m.group(2)}"
    others = [f"{v} {m.group(2)}" for v in _alternatives(m.group(1), m.group(2), 3)]
    if len(others) < 3:
        return None
    passage = sentence[: m.start()] + GAP + sentence[m.end():]
    qid = _id("dk", unit.ref, sentence)
    options = [answer, *others]
    random.Random(qid).shuffle(options)
    return QuizQuestion(
        id=qid, kind="fill_gap", question=f"Điền vào chỗ trống ({unit_label} {doc.display_name}): «{passage}»",
        options=options, answer=answer, citation=unit.ref, explanation="", topic=topic, difficulty="khó",
        quote=sentence, origin="generated",
    )


# ---------------------------------------------------------------- which provision


def _provision_question(doc: Document, art: Node, topic: str, documents: dict) -> list[QuizQuestion]:
    provision = resolve(Ref(doc.id, art.number), documents)
    if provision.attachment or not art.title or not art.number:
        return []  # an attached Quy định's articles are not numbered within the document itself
    others = [a for a in doc.articles() if a.number and a.number != art.number and a.title and a.kind is Kind.ARTICLE]
    if len(others) < 3:
        return []
    qid = _id("dq", Ref(doc.id, art.number), art.title)
    rng = random.Random(qid)
    # Neighbours: the articles one could mix up with it (same chapter, nearby numbers).
    others.sort(key=lambda a: (abs(_int(a.number) - _int(art.number)), rng.random()))
    picked = others[:6]
    rng.shuffle(picked)
    options = [f"Điều {art.number}", *[f"Điều {a.number}" for a in picked[:3]]]
    rng.shuffle(options)
    title = art.title[0].lower() + art.title[1:] if not art.title[:2].isupper() else art.title
    question = f"Điều nào của {doc.display_name} quy định về «{title}»?"
    return [QuizQuestion(
        id=qid, kind="provision", question=question, options=options, answer=f"Điều {art.number}",
        citation=Ref(doc.id, art.number), topic=topic,
        explanation=_quoted(f"{_capitalise(provision.label)} quy định về", art.title, "."),
        difficulty="khó", quote=art.heading(), origin="generated",
    )]


# ---------------------------------------------------------------- helpers


def _explain(label: str, quote: str, prefix: str = "") -> str:
    return _quoted(f"{prefix}{_capitalise(label)}:", quote)


def _quoted(head: str, quote: str, tail: str = "") -> str:
    """ "head «quote»tail" within Telegram's explanation limit, the quote shortened if it must be."""
    room = MAX_EXPLANATION - len(head) - len(tail) - 3  # the space and the two guillemets
    return f"{head} «{clip(quote, room - 2)}»{tail}"  # clip may add " …"


def _option(text: str) -> str:
    return clip(_capitalise(text.strip(" .;:")), MAX_OPTION - 2)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _int(number: str | None) -> int:
    digits = re.match(r"\d+", number or "")
    return int(digits.group()) if digits else 0


def _id(prefix: str, ref: Ref, *parts: str) -> str:
    where = "-".join(p for p in (ref.doc, ref.article and f"d{ref.article}", ref.clause and f"k{ref.clause}",
                                 ref.point) if p)
    slug = unicodedata.normalize("NFKD", where.replace("Đ", "D").replace("đ", "d")).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", slug).strip("-").lower()
    digest = hashlib.sha1("\n".join(parts).encode()).hexdigest()[:6]
    return f"{prefix}-{slug}-{digest}"

