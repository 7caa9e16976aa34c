"""Questions generated from the knowledge base, each proved by the provision it cites.

Four kinds, all built from the law's own words:
- multiple choice from a real list (sources.yaml `lists`): one list item is right, the wrong
  options are items of a contrasting list (duties when the question asks for prohibitions) or
  plausible words written in sources.yaml, and none of them is in the cited list;
- true/false: a sentence of the law as written (true) or with one careful change (false): a time
  limit replaced by another one, or a ban ("không được") turned into a permission;
- fill in the gap: a time limit blanked out, the other options being other limits of the same unit
  that the law uses elsewhere;
- which provision: "Điều nào … quy định về «…»?", answered by the article number; at most a quarter
  of the generated questions, since it tests the numbering more than the rule.

What a question is made of is chosen so that it reads as the law reads:
- an option is a whole unit of the law, or one act of a unit that lists acts separated by ";",
  and it fits Telegram's option limit as it stands: nothing is ever cut short with "…";
- a list's lead-in ("… các việc sau đây:") and a catch-all ("Những việc khác … theo quy định của
  pháp luật") are never an option, and a catch-all is never made false by dropping its "không";
- text with a likely misprint (`Misprints`) is never quizzed;
- no two questions share a stem.

Every generated question passes `checks.support_problems` or is dropped, so a generator bug
shows up as fewer questions, never as a question the source does not support.
"""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from collections import Counter, defaultdict
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
from bot.quiz.checks import CATCH_ALL, GAP, comparable, contains, quoted, support_problems
from index.text import strip_diacritics
from knowledge_base import validity
from knowledge_base.model import Document, Kind, Node, Status
from knowledge_base.provisions import Ref, UnknownProvision, resolve
from knowledge_base.validity import Register

SOURCES = Path(__file__).resolve().parents[2] / "knowledge_base" / "quiz" / "sources.yaml"
_QUIZZABLE = (Status.IN_FORCE, Status.PARTLY_SUPERSEDED)
_NUMBER = re.compile(r"(?<![\d/.,])(\d{1,3})\s+(ngày làm việc|ngày|tháng|năm|giờ)(?![\w(])(?! \()")
# "không được" inside a noun phrase ("những việc … không được làm") is no ban one can lift.
_NOMINAL_BAN = re.compile(r"\bviệc\b[^.;:]*\bkhông được làm\b", re.I)
_NEGATIVE = re.compile(r"^không\b|không được|nghiêm cấm|\bcấm\b", re.I)
# What makes a part of "A; b; c" a frame the other parts lean on, so that they are fragments, not
# acts: a condition or time ("Khi …, công chức phải …; trao đổi …"), a request whose object the
# next parts complete ("Yêu cầu người đến … nêu rõ …; có đơn …"), or a modal or ban whose reach runs
# on past the ";" ("… phải …", "… thì …", "nghiêm cấm hành vi như …; say rượu …").
_FRAME = re.compile(r"^(khi|trong|trường hợp|nếu|đối với|sau khi|trước khi|yêu cầu|đề nghị)\b"
                    r"|\b(phải|thì|cấm|không được)\b", re.I)
_SENTENCE_BREAK = re.compile(r"(?<=[.;])\s+(?=[A-ZĐÀ-Ỹ])")
_MIN_SENTENCE, _MAX_SENTENCE = 40, 220
# "Which provision" questions may be at most this share of the generated questions.
PROVISION_SHARE = 0.25


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
    misprints = Misprints(documents)
    topics = _topics(spec.get("topics", []), by_id)
    candidates: list[QuizQuestion] = []
    which: list[QuizQuestion] = []
    for entry in spec.get("lists", []):
        candidates += _list_questions(entry, by_id, misprints)
    for (doc_id, article), topic in topics.items():
        doc = by_id[doc_id]
        art = resolve(Ref(doc_id, article), by_id).article
        assert art is not None
        for unit in _units(doc, art):
            candidates += _sentence_questions(unit, doc, topic, by_id, misprints)
        which += _provision_question(doc, art, topic, by_id)
    register = register if register is not None else validity.curated()
    kept = _keep_valid([q for q in candidates if not register.touches(q.citation)], by_id)
    which = _keep_valid([q for q in which if not register.touches(q.citation)], by_id)
    return kept + _ration(which, kept)


def _keep_valid(candidates: list[QuizQuestion], documents: dict[str, Document]) -> list[QuizQuestion]:
    """The candidates that pass every check, one per stem and one per statement.

    Several items of one list can share a stem ("… đâu là một hình thức kỷ luật …?"); the one kept
    is the first whose answer no other question has, so the bank does not ask for "Khiển trách" three
    times over."""
    by_stem: dict[str, list[QuizQuestion]] = defaultdict(list)
    seen_ids, seen_text = set(), set()
    for q in candidates:
        # The same sentence in a law and in its decree: ask it once.
        key = (q.kind, comparable(quoted(q.question) or q.question), q.answer)
        if q.id in seen_ids or key in seen_text:
            continue
        provision = resolve(q.citation, documents)
        if shape_problems(q) or support_problems(q, provision, documents):
            continue
        seen_ids.add(q.id)
        seen_text.add(key)
        by_stem[comparable(q.question)].append(q)
    used = Counter(comparable(g[0].answer) for g in by_stem.values() if len(g) == 1)
    chosen = set()
    for group in by_stem.values():
        pick = next((q for q in group if not used[comparable(q.answer)]), group[0])
        used[comparable(pick.answer)] += 1
        chosen.add(id(pick))
    return [q for q in candidates if id(q) in chosen]


def _ration(which: list[QuizQuestion], others: list[QuizQuestion]) -> list[QuizQuestion]:
    """At most PROVISION_SHARE of the generated questions ask for an article number. Those kept are
    spread over the topics in turn, and within a topic they go first to articles that no other
    question cites, so they add coverage rather than repeat it."""
    room = int(PROVISION_SHARE / (1 - PROVISION_SHARE) * len(others))
    cited = Counter((q.citation.doc, q.citation.article) for q in others)
    by_topic: dict[str, list[QuizQuestion]] = defaultdict(list)
    for q in which:
        by_topic[q.topic].append(q)
    queues = [sorted(group, key=lambda q: (cited[(q.citation.doc, q.citation.article)], q.id))
              for group in by_topic.values()]
    chosen: set[str] = set()
    while len(chosen) < room and any(queues):
        for queue in queues:
            if queue and len(chosen) < room:
                chosen.add(queue.pop(0).id)
    return [q for q in which if q.id in chosen]


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


# ---------------------------------------------------------------- what a question may be made of


class Misprints:
    """Syllables that look like a slip of the keyboard or of the scanner, judged by the corpus itself.

    A mistyped Vietnamese syllable is usually still a syllable, only with the wrong marks ("đê bình
    luận" for "để bình luận", "thái độ đứng mực" for "đúng mực"), so a list of valid syllables would
    pass it. What gives it away is the company it keeps. Its twins are the syllables with the same
    letters and other marks (not the same syllable with its tone mark placed elsewhere, "tuỳ"/"tùy").
    A syllable is a likely misprint when a twin is what the documents write in its place:
    - it occurs once in all the documents, and a twin stands next to the same neighbour at least
      three times elsewhere ("đê": once; "công nghệ để": ten times); or
    - it meets each of its two neighbours only here, while a twin meets both of them elsewhere,
      three or more times in all ("độ đứng", "đứng mực": once; "độ đúng" 4, "đúng mực" 12).
    A false alarm costs one candidate sentence; a misprint in a question costs the bank its credit.
    """

    _TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")  # huyền, sắc, ngã, hỏi, nặng
    _TIMES = 3

    def __init__(self, documents: list[Document]) -> None:
        self.single: Counter[str] = Counter()
        self.pairs: Counter[tuple[str, str]] = Counter()
        for doc in documents:
            for node in doc.walk():
                for text in (node.title, node.text):
                    words = self._words(text)
                    self.single.update(words)
                    self.pairs.update(zip(words, words[1:], strict=False))
        self.twins: dict[str, set[str]] = defaultdict(set)
        for word in self.single:
            self.twins[strip_diacritics(word)].add(word)

    def find(self, text: str) -> str | None:
        """The first likely misprint in the text, or None."""
        words = self._words(text)
        for i, word in enumerate(words):
            if any(c.isdigit() for c in word):
                continue
            left = words[i - 1] if i else None
            right = words[i + 1] if i + 1 < len(words) else None
            for twin in self._twins_of(word):
                before = self.pairs[(left, twin)] if left else 0
                after = self.pairs[(twin, right)] if right else 0
                if self.single[word] == 1 and max(before, after) >= self._TIMES:
                    return word
                if (left and right and self.pairs[(left, word)] == 1 and self.pairs[(word, right)] == 1
                        and before and after and before + after >= self._TIMES):
                    return word
        return None

    def _twins_of(self, word: str) -> list[str]:
        mine = self._signature(word)
        return sorted(w for w in self.twins.get(strip_diacritics(word), ()) if self._signature(w) != mine)

    @classmethod
    def _signature(cls, word: str) -> tuple[str, str]:
        """Letters with their vowel marks, and the tone: the same for both placements of a tone mark."""
        split = unicodedata.normalize("NFD", word)
        return "".join(c for c in split if c not in cls._TONES), "".join(sorted(c for c in split if c in cls._TONES))

    @staticmethod
    def _words(text: str) -> list[str]:
        return re.findall(r"\w+", unicodedata.normalize("NFC", text).casefold())


def _is_lead_in(node: Node) -> bool:
    """A unit whose words introduce the units under it ("… những việc sau đây:"): not an act itself."""
    return node.text.rstrip().endswith(":") or any(c.kind in (Kind.POINT, Kind.SUBITEM) for c in node.children)


def _is_catch_all(text: str) -> bool:
    return bool(CATCH_ALL.search(text))


def _acts(text: str, split: str | None, cut: str | None) -> list[str]:
    """The options a list item gives: the item whole, or, when `split` is set and the item lists
    self-standing acts ("Trốn tránh …; gây bè phái, mất đoàn kết; tự ý nghỉ việc …"), each act.

    An item is not split when its parts lean on each other: it holds more than one sentence, its
    first part opens an inline list (":"), or a part is a frame the others complete (`_FRAME`:
    "Khi giao tiếp qua điện thoại …, công chức phải xưng tên …; trao đổi ngắn gọn …"). Then the
    item is kept whole, or not at all if it is too long for an option."""
    text = text.strip()
    pieces = [text]
    if split and split in text and _splittable(text, split):
        pieces = [p.strip() for p in text.split(split) if p.strip()]
    out = []
    for piece in pieces:
        if cut:
            piece = piece.split(cut)[0]
        piece = re.sub(r"^không được\s+", "", piece.strip(" .;:"), flags=re.I)  # the stem says it already
        if piece and not _is_catch_all(piece):
            out.append(_capitalise(piece))
    return out


def _splittable(text: str, split: str) -> bool:
    parts = [p.strip() for p in text.split(split)]
    sentences = any(m.group(1).isupper() for m in re.finditer(r"\.\s+(\w)", text))
    return not sentences and ":" not in parts[0] and not any(_FRAME.search(p) for p in parts)


def _fits(option: str) -> bool:
    return 0 < len(option) <= MAX_OPTION


# ---------------------------------------------------------------- multiple choice from lists


def _list_items(ref: Ref, entry: dict, documents: dict[str, Document], misprints: Misprints) -> list[Unit]:
    """The items of a list as (reference, words): lead-ins, catch-alls ("Các nghĩa vụ khác …"),
    items too long to be an option and items with a likely misprint left out."""
    provision = resolve(ref, documents)
    node = provision.node
    assert node is not None
    wanted = {str(p) for p in entry.get("points") or entry.get("clauses") or []}
    units = []
    for child in node.children:
        if child.kind not in (Kind.CLAUSE, Kind.POINT, Kind.SUBITEM) or not child.text or _is_lead_in(child):
            continue
        if wanted and child.number not in wanted:
            continue
        child_ref = Ref(ref.doc, ref.article, child.number, None) if ref.clause is None else \
            Ref(ref.doc, ref.article, ref.clause, child.number)
        for act in _acts(child.text, entry.get("split"), entry.get("cut")):
            if _fits(act) and misprints.find(act) is None:
                units.append(Unit(child_ref, act))
    return units


def _list_questions(entry: dict, documents: dict[str, Document], misprints: Misprints) -> list[QuizQuestion]:
    ref = Ref.from_dict(entry)
    doc = documents.get(ref.doc)
    if doc is None or doc.validity.status not in _QUIZZABLE:
        return []
    items = _list_items(ref, entry, documents, misprints)
    # Wrong options, each with the list it comes from (0: words written in sources.yaml).
    pool = [(0, Unit(Ref(ref.doc), _capitalise(str(d)))) for d in entry.get("distractors", [])]
    for number, source in enumerate(entry.get("distractors_from", []), start=1):
        pool += [(number, u) for u in _list_items(Ref.from_dict(source), {"split": ";"}, documents, misprints)]
    target_text = resolve(ref, documents).text
    # Nothing the cited list says, nor anything like it (an act too long to be an option counts too).
    said = [p for p in re.split(r"[;:.\n]", target_text) if len(p.split()) >= 3]
    pool = [(n, u) for n, u in pool if _fits(u.text) and not contains(target_text, u.text)
            and not _NEGATIVE.search(u.text) and not any(_similar(u.text, p) for p in said)]
    out = []
    for item in items:
        answer = item.text
        if len(answer) < 3:
            continue
        qid = _id("tn", item.ref, answer)
        rng = random.Random(qid)
        # Wrong options of comparable length, so the right one does not stand out by its size.
        near = sorted(pool, key=lambda nu: (abs(len(nu[1].text) - len(answer)) / max(len(answer), 1), rng.random()))
        options = [answer, *_apart(near, 3)]
        if len(options) < 3:
            continue
        rng.shuffle(options)
        provision = resolve(item.ref, documents)
        out.append(QuizQuestion(
            id=qid, kind="multiple_choice", question=entry["stem"].replace("{unit}", item.ref.label()),
            options=options, answer=answer, citation=item.ref, explanation=_explain(provision.label, item.text),
            topic=entry["topic"], difficulty="vừa", quote=item.text, origin="generated",
        ))
    return out


def _apart(pool: list[tuple[int, Unit]], count: int) -> list[str]:
    """`count` wrong options, nearest first, from different provisions and unlike each other (a
    question never offers two parts of one provision, nor two wordings of one idea), drawn from
    the source lists in turn, so that no one kind of wrong option (say, rights all starting with
    "Được …") sets the right one apart."""
    out: list[tuple[int, Unit]] = []
    taken: Counter[int] = Counter()
    for _ in range(count):
        fit = [(n, u) for n, u in pool if (n, u) not in out and not any(
            (v.ref == u.ref and u.ref.article) or _similar(v.text, u.text) for _, v in out)]
        if not fit:
            break
        pick = min(fit, key=lambda nu: taken[nu[0]])  # the nearest of the least used list
        out.append(pick)
        taken[pick[0]] += 1
    return [u.text for _, u in out]


def _similar(a: str, b: str) -> bool:
    wa, wb = set(comparable(a).split()), set(comparable(b).split())
    return bool(wa and wb) and len(wa & wb) / min(len(wa), len(wb)) >= 0.6


# ---------------------------------------------------------------- true/false and fill in the gap


def _units(doc: Document, article: Node) -> list[Unit]:
    """Each clause and point with its own words; the sentence that leads into a clause's points
    ("… các trường hợp sau đây:", "Áp dụng đối với cán bộ") says nothing alone and is left out."""
    out = []
    for clause in article.children:
        words = _own_words(clause)
        if clause.kind in (Kind.CLAUSE, Kind.SUBITEM, Kind.PARAGRAPH) and words:
            number = clause.number if clause.kind is not Kind.PARAGRAPH else None
            out.append(Unit(Ref(doc.id, article.number, number), words))
        for point in clause.children:
            if point.kind is Kind.POINT and point.text and clause.number:
                out.append(Unit(Ref(doc.id, article.number, clause.number, point.number), point.text))
            elif point.kind is Kind.PARAGRAPH and point.text and clause.number:
                out.append(Unit(Ref(doc.id, article.number, clause.number), point.text))
    return out


def _own_words(node: Node) -> str:
    if not _is_lead_in(node):
        return node.text
    return " ".join(_SENTENCE_BREAK.split(node.text.strip())[:-1])


def _sentences(text: str, misprints: Misprints) -> list[str]:
    """Whole sentences that stand alone: capitalised, of a size a quiz can show, without a misprint."""
    parts = _SENTENCE_BREAK.split(text)
    out = []
    for part in parts:
        part = part.strip().rstrip(";")
        if (_MIN_SENTENCE <= len(part) <= _MAX_SENTENCE and part[0].isupper() and not part.endswith(":")
                and misprints.find(part) is None):
            out.append(part)
    return out


def _sentence_questions(unit: Unit, doc: Document, topic: str, documents: dict,
                        misprints: Misprints) -> list[QuizQuestion]:
    provision = resolve(unit.ref, documents)
    out = []
    for sentence in _sentences(unit.text, misprints):
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
    """One change that makes the sentence false by the text: another time limit, or a lifted ban.

    A ban is lifted only where "không được" is the sentence's own verb: never in a catch-all
    ("Những việc khác viên chức không được làm theo quy định của …" would become the nonsense
    "Những việc khác viên chức được làm …"), nor where it is part of a name ("những việc … không
    được làm"), nor where an exception ("trừ …") or a second ban would make the result half true."""
    numbers = list(_NUMBER.finditer(sentence))
    if len(numbers) == 1:
        m = numbers[0]
        other = _alternatives(m.group(1), m.group(2), 1)
        if other:
            return sentence[: m.start()] + f"{other[0]} {m.group(2)}" + sentence[m.end():], "number"
    if (sentence.count("không được") == 1 and "trừ" not in sentence and "nghiêm cấm" not in sentence.lower()
            and not _is_catch_all(sentence) and not _NOMINAL_BAN.search(sentence)):
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
    return [QuizQuestion(
        id=qid, kind="provision", question=_which_stem(doc, art.title), options=options,
        answer=f"Điều {art.number}", citation=Ref(doc.id, art.number), topic=topic,
        explanation=_quoted(f"{_capitalise(provision.label)} có tiêu đề", art.title, "."),
        difficulty="khó", quote=art.heading(), origin="generated",
    )]


def _which_stem(doc: Document, title: str) -> str:
    """ "Điều nào của … quy định về «…»?" without saying "quy định" twice: a title "Quy định về việc
    tặng quà" gives «việc tặng quà», and one that is itself about rules ("Các quy định liên quan …")
    is asked for by its title."""
    about = re.match(r"quy định về\s+", title, re.I)
    if about:
        return f"Điều nào của {doc.display_name} quy định về «{title[about.end():]}»?"
    if re.match(r"((các|những)\s+)?quy định\b", title, re.I):
        return f"Điều nào của {doc.display_name} có tiêu đề «{title}»?"
    title = title[0].lower() + title[1:] if not title[:2].isupper() else title
    return f"Điều nào của {doc.display_name} quy định về «{title}»?"


# ---------------------------------------------------------------- helpers


def _explain(label: str, quote: str, prefix: str = "") -> str:
    return _quoted(f"{prefix}{_capitalise(label)}:", quote)


def _quoted(head: str, quote: str, tail: str = "") -> str:
    """ "head «quote»tail" within Telegram's explanation limit, the quote shortened if it must be."""
    room = MAX_EXPLANATION - len(head) - len(tail) - 3  # the space and the two guillemets
    return f"{head} «{clip(quote, room - 2)}»{tail}"  # clip may add " …"


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
