"""Changing the question bank in service: approve, disable, edit, add — checked before anything is written.

The bank is two YAML files (`bot.quiz.bank`). An edit is validated as a single question first (the
console shows those problems inline while the trainer types), then the whole bank is validated
with the edit in place and written atomically, under the library's write lock so two workers
never lose each other's edit. A question that fails validation is never written: the files in
service always load.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from pathlib import Path

from bot.quiz import bank
from bot.quiz.bank import BankError, QuizQuestion
from knowledge_base.model import Document
from knowledge_base.provisions import Ref

CURATED = "curated"


def from_form(fields: dict[str, str], origin: str = CURATED) -> QuizQuestion:
    """A question from the console's form: options one per line, the answer by its number (1–4)."""
    options = [line.strip() for line in fields.get("options", "").splitlines() if line.strip()]
    answer_at = fields.get("answer", "").strip()
    answer = options[int(answer_at) - 1] if answer_at.isdigit() and 0 < int(answer_at) <= len(options) else ""
    citation = Ref(doc=fields.get("doc", "").strip(), article=fields.get("article", "").strip() or None,
                   clause=fields.get("clause", "").strip() or None, point=fields.get("point", "").strip() or None)
    return QuizQuestion(
        id=fields.get("id", "").strip(), kind=fields.get("kind", "multiple_choice").strip(),
        question=_nfc(fields.get("question", "")), options=[_nfc(o) for o in options], answer=_nfc(answer),
        citation=citation, explanation=_nfc(fields.get("explanation", "")), topic=_nfc(fields.get("topic", "")),
        difficulty=fields.get("difficulty", "vừa").strip(), quote=_nfc(fields.get("quote", "")),
        enabled=fields.get("enabled", "") in ("on", "1", "true", "y"), reviewed=False, origin=origin)


def problems(q: QuizQuestion, documents: dict[str, Document]) -> list[str]:
    """What is wrong with one question as a person typed it, in Vietnamese: the id and the chosen answer
    (which a form can leave out), then the bank's own checks of shape, limits and proof."""
    out = []
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{2,127}", q.id):
        out.append("mã câu hỏi (id) gồm 3–128 chữ thường không dấu, số, '.', '_' hoặc '-'")
    if not q.answer:
        out.append("hãy chọn đáp án đúng (số thứ tự của phương án)")
    return out + bank.question_problems(q, documents)


class Editor:
    """The bank files of one directory; every write validates the whole bank first."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def questions(self) -> list[QuizQuestion]:
        return bank.load_files(self.directory)

    def set_flags(self, question_id: str, documents: dict[str, Document], *, reviewed: bool | None = None,
                  enabled: bool | None = None) -> QuizQuestion:
        """Approve (reviewed) or switch on/off one question; nothing else of it changes."""
        current = self._get(question_id)
        changed = replace(current, reviewed=current.reviewed if reviewed is None else reviewed,
                          enabled=current.enabled if enabled is None else enabled)
        self._write(changed, documents)
        return changed

    def save(self, q: QuizQuestion, documents: dict[str, Document], *, new: bool, reviewed: bool) -> QuizQuestion:
        """An edited or a new question. An edit keeps its file; a new one goes to curated.yaml.

        `reviewed`: the person saving it is a reviewer vouching for it (an edit by a person is a review).
        """
        found = problems(q, documents)
        if found:
            raise BankError("; ".join(found))
        existing = next((old for old in self.questions() if old.id == q.id), None)
        if new and existing is not None:
            raise BankError(f"mã câu hỏi {q.id} đã có; hãy đặt mã khác")
        if not new and existing is None:
            raise BankError(f"không có câu hỏi {q.id}")
        origin = existing.origin if existing is not None else CURATED
        saved = replace(q, origin=origin, reviewed=reviewed)
        self._write(saved, documents)
        return saved

    def _get(self, question_id: str) -> QuizQuestion:
        found = next((q for q in self.questions() if q.id == question_id), None)
        if found is None:
            raise BankError(f"không có câu hỏi {question_id}")
        return found

    def _write(self, q: QuizQuestion, documents: dict[str, Document]) -> None:
        questions = self.questions()
        at = next((i for i, old in enumerate(questions) if old.id == q.id), None)
        if at is None:
            questions.append(q)
        else:
            questions[at] = q
        found = bank.validate(questions, documents)
        if found:
            raise BankError("; ".join(found[:5]))
        for name in bank.BANK_FILES:
            origin = name.removesuffix(".yaml")
            if origin == q.origin:
                bank.save_file([x for x in questions if x.origin == origin], self.directory / name)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()
