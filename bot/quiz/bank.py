"""The question bank: YAML files an admin can read, fix, extend and review, validated on load.

Three files live side by side: `curated.yaml` and `situations.yaml`, written by people (the second
holds situation questions: a short case in a civil servant's words, options that are possible
actions or conclusions), and `generated.yaml`, written by `conduct-bot quiz generate` (which keeps
each question's review flag, topic, difficulty and enabled flag when it regenerates). A question is an entry like

    - id: tu-chon-quy-tac-1
      kind: multiple_choice          # multiple_choice | true_false | fill_gap | provision | situation
      topic: quà tặng
      difficulty: vừa                # dễ | vừa | khó
      question: Theo Luật Phòng, chống tham nhũng, …?
      options: [ …, …, …, … ]
      answer: …                      # the text of the correct option
      citation: {doc: 36/2018/QH14, article: '22', clause: '2'}
      quote: …                       # verbatim words of the cited unit that prove the answer
      explanation: …
      enabled: true
      reviewed: false

Every limit Telegram puts on a quiz poll is enforced here, so a question that loads can be sent.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from index.text import strip_diacritics
from knowledge_base.model import Document
from knowledge_base.provisions import Ref, UnknownProvision, resolve
from knowledge_base.validity import Register

KINDS = ("multiple_choice", "true_false", "fill_gap", "provision", "situation")
KIND_NAMES = {"multiple_choice": "trắc nghiệm", "true_false": "đúng/sai", "fill_gap": "điền khuyết",
              "provision": "điều khoản nào", "situation": "tình huống"}
DIFFICULTIES = ("dễ", "vừa", "khó")
TRUE_FALSE = ("Đúng", "Sai")
# Telegram's limits for a quiz poll (Bot API sendPoll).
MAX_QUESTION, MAX_OPTION, MAX_EXPLANATION = 300, 100, 200
BANK_FILES = ("curated.yaml", "situations.yaml", "generated.yaml")
SITUATIONS = "tình huống"  # not a topic of its own: every situation question, whatever its topic
BUNDLED_DIR = Path(__file__).resolve().parents[2] / "knowledge_base" / "quiz"


class BankError(ValueError):
    """A bank file that cannot be used; the message names the file and the question."""


@dataclass
class QuizQuestion:
    id: str
    kind: str
    question: str
    options: list[str]
    answer: str
    citation: Ref
    explanation: str
    topic: str
    difficulty: str = "vừa"
    quote: str = ""
    enabled: bool = True
    reviewed: bool = False
    origin: str = "curated"  # which file it came from: set on load, never written

    @property
    def answer_index(self) -> int:
        return self.options.index(self.answer)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "topic": self.topic,
            "difficulty": self.difficulty,
            "question": self.question,
            "options": list(self.options),
            "answer": self.answer,
            "citation": self.citation.to_dict(),
            "quote": self.quote,
            "explanation": self.explanation,
            "enabled": self.enabled,
            "reviewed": self.reviewed,
        }

    @classmethod
    def from_dict(cls, data: dict, origin: str) -> QuizQuestion:
        if not isinstance(data, dict):
            raise BankError("mỗi câu hỏi phải là một mục có khóa (id, kind, question, …)")
        missing = [k for k in ("id", "kind", "question", "options", "answer", "citation", "topic") if k not in data]
        if missing:
            raise BankError(f"câu {data.get('id', '?')}: thiếu {', '.join(missing)}")
        options = data["options"]
        if not isinstance(options, list):
            raise BankError(f"câu {data['id']}: options phải là một danh sách")
        citation = data["citation"]
        if not isinstance(citation, dict) or "doc" not in citation:
            raise BankError(f"câu {data['id']}: citation phải có doc (số hiệu văn bản)")
        return cls(
            id=str(data["id"]),
            kind=str(data["kind"]),
            question=_nfc(data["question"]),
            options=[_nfc(o) for o in options],
            answer=_nfc(data["answer"]),
            citation=Ref.from_dict(citation),
            explanation=_nfc(data.get("explanation", "")),
            topic=_nfc(data["topic"]),
            difficulty=_nfc(data.get("difficulty", "vừa")),
            quote=_nfc(data.get("quote", "")),
            enabled=bool(data.get("enabled", True)),
            reviewed=bool(data.get("reviewed", False)),
            origin=origin,
        )


def _nfc(value: object) -> str:
    return unicodedata.normalize("NFC", str(value)).strip()


@dataclass
class Bank:
    questions: list[QuizQuestion] = field(default_factory=list)
    # Units the validity register says were repealed, replaced, amended or outdated are never asked:
    # their questions stay in the files (a trainer sees them) but are not served.
    register: Register | None = None

    def __len__(self) -> int:
        return len(self.questions)

    def get(self, question_id: str) -> QuizQuestion | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def enabled(self, topic: str | None = None) -> list[QuizQuestion]:
        """The questions a round may ask; `topic` may also be SITUATIONS, every situation question."""
        return [q for q in self.questions if q.enabled and (topic is None or q.topic == topic
                                                            or (topic == SITUATIONS and q.kind == "situation"))
                and not self.changed(q)]

    def changed(self, q: QuizQuestion) -> bool:
        """The validity register records a change to the unit the question cites (or a part of it)."""
        return bool(self.register and self.register.touches(q.citation))

    def topics(self) -> list[tuple[str, int]]:
        """Topics of the enabled questions with their counts, largest first; then SITUATIONS, so a
        trainer can run a session of situation questions only ("/quiz_start 10 tình huống")."""
        counts: dict[str, int] = {}
        situations = 0
        for q in self.enabled():
            counts[q.topic] = counts.get(q.topic, 0) + 1
            situations += q.kind == "situation"
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return [*ordered, (SITUATIONS, situations)] if situations and SITUATIONS not in counts else ordered

    def match_topic(self, text: str) -> str | None:
        """What a user typed ("qua tang", "Kỷ luật", "tiếp dân") → a topic, accents and case ignored."""
        wanted = _fold(text)
        if not wanted:
            return None
        topics = [t for t, _ in self.topics()]
        for topic in topics:
            if _fold(topic) == wanted:
                return topic
        starts = [t for t in topics if _fold(t).startswith(wanted) or wanted in _fold(t)]
        return starts[0] if len(starts) == 1 else None


def _fold(text: str) -> str:
    return " ".join(strip_diacritics(unicodedata.normalize("NFC", text)).lower().split())


# ---------------------------------------------------------------- files


def load_file(path: Path) -> list[QuizQuestion]:
    """One bank file; a missing file is an empty bank, a broken one a BankError naming it."""
    if not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as exc:
        raise BankError(f"{path.name}: không đọc được YAML ({exc})") from exc
    if not isinstance(data, list):
        raise BankError(f"{path.name}: tệp phải là một danh sách câu hỏi")
    origin = path.stem
    out = []
    for entry in data:
        try:
            out.append(QuizQuestion.from_dict(entry, origin))
        except BankError as exc:
            raise BankError(f"{path.name}: {exc}") from exc
    return out


def save_file(questions: Iterable[QuizQuestion], path: Path) -> None:
    """Written atomically, keys in a fixed order, Vietnamese unescaped: a diff shows what changed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump([q.to_dict() for q in questions], allow_unicode=True, sort_keys=False, width=120)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def load_files(directory: Path) -> list[QuizQuestion]:
    """Every question of a bank directory's files, enabled or not, not yet validated."""
    return [q for name in BANK_FILES for q in load_file(directory / name)]


def load(directory: Path, documents: dict[str, Document], register: Register | None = None) -> Bank:
    """The bank in a directory, validated against the knowledge base; raises BankError on any problem."""
    questions = load_files(directory)
    problems = validate(questions, documents)
    if problems:
        shown = "\n".join(f"- {p}" for p in problems[:20])
        more = f"\n… và {len(problems) - 20} lỗi khác" if len(problems) > 20 else ""
        raise BankError(f"Ngân hàng câu hỏi có {len(problems)} lỗi:\n{shown}{more}")
    return Bank(questions, register)


# ---------------------------------------------------------------- validation


def validate(questions: list[QuizQuestion], documents: dict[str, Document]) -> list[str]:
    """Every problem found, one Vietnamese line each naming its file and question: ids, shape,
    Telegram limits, and proof in the source."""
    problems: list[str] = []
    seen: set[str] = set()
    for q in questions:
        where = f"{q.origin}.yaml, câu {q.id}"
        if q.id in seen:
            problems.append(f"{where}: id bị trùng")
        seen.add(q.id)
        problems += [f"{where}: {p}" for p in question_problems(q, documents)]
    return problems


def question_problems(q: QuizQuestion, documents: dict[str, Document]) -> list[str]:
    """One question's problems: shape and Telegram limits, then whether its cited text proves it."""
    from bot.quiz.checks import support_problems  # checks needs the model defined above

    problems = shape_problems(q)
    try:
        provision = resolve(q.citation, documents)
    except UnknownProvision as exc:
        return [*problems, f"trích dẫn không hợp lệ: {exc}"]
    return problems + support_problems(q, provision, documents)


def shape_problems(q: QuizQuestion) -> list[str]:
    out: list[str] = []
    if q.kind not in KINDS:
        out.append(f"kind phải là một trong {', '.join(KINDS)}")
    if q.difficulty not in DIFFICULTIES:
        out.append(f"difficulty phải là một trong {', '.join(DIFFICULTIES)}")
    if not q.topic:
        out.append("thiếu chủ đề (topic)")
    if not q.question:
        out.append("câu hỏi trống")
    if len(q.question) > MAX_QUESTION:
        out.append(f"câu hỏi dài {len(q.question)} ký tự, Telegram chỉ nhận tối đa {MAX_QUESTION}")
    if not 2 <= len(q.options) <= 4:
        out.append("phải có từ 2 đến 4 phương án")
    for option in q.options:
        if not option:
            out.append("có phương án trống")
        elif len(option) > MAX_OPTION:
            out.append(f"phương án dài {len(option)} ký tự (tối đa {MAX_OPTION}): {option[:40]}…")
    if len({_fold(o) for o in q.options}) != len(q.options):
        out.append("có hai phương án trùng nhau")
    if q.answer not in q.options:
        out.append("đáp án (answer) không nằm trong các phương án")
    if q.kind == "true_false" and list(q.options) != list(TRUE_FALSE):
        out.append("câu đúng/sai phải có đúng hai phương án: Đúng, Sai")
    if not q.explanation:
        out.append("thiếu giải thích (explanation)")
    elif len(q.explanation) > MAX_EXPLANATION:
        out.append(f"giải thích dài {len(q.explanation)} ký tự, Telegram chỉ nhận tối đa {MAX_EXPLANATION}")
    elif q.explanation.count("\n") > 2:
        out.append("giải thích có quá 2 lần xuống dòng (giới hạn của Telegram)")
    return out


def with_flags(new: QuizQuestion, old: QuizQuestion | None) -> QuizQuestion:
    """A regenerated question keeps what a reviewer decided; a review only stands if nothing changed."""
    if old is None:
        return new
    same = _content(new) == _content(old)
    return replace(new, enabled=old.enabled, reviewed=old.reviewed and same, topic=old.topic,
                   difficulty=old.difficulty)


def _content(q: QuizQuestion) -> dict:
    data = q.to_dict()
    for key in ("enabled", "reviewed", "topic", "difficulty"):
        data.pop(key)
    return data
