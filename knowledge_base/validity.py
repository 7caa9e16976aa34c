"""The validity register: which Điều, khoản or điểm was repealed, replaced, amended or outdated,
by which provision and from when — and words whose meaning the 2025 reforms changed.

A document's status ("còn hiệu lực") is too coarse: Luật Phòng, chống tham nhũng is in force, but
its khoản 3 Điều 51 still lists "hạ bậc lương, giáng chức", forms of discipline that Luật Cán bộ,
công chức 80/2025/QH15 no longer has for công chức. The register records such facts per unit so
that answers say "… bởi … từ …" and lead with the current rule, and the quiz never asks about them.

Two files, the same format: the curated one shipped with the product
(`knowledge_base/data/validity.yaml`) and the admins' own (`<data_dir>/validity.yaml`, written
by `conduct-bot kb validity add` or the chat command). Both are read on every load, so an entry
added by an admin changes the next answer without rebuilding the index. A broken file is reported
with the entry and the reason; `conduct-bot kb audit` fails on it, and so does CI.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property, lru_cache
from pathlib import Path

import yaml

from index.text import strip_diacritics
from knowledge_base import ids
from knowledge_base.provisions import Ref, UnknownProvision, resolve

log = logging.getLogger(__name__)

CURATED = Path(__file__).resolve().parent / "data" / "validity.yaml"
ADMIN_FILE = "validity.yaml"  # in the data directory

# What happened to a unit, and how an answer says it.
CHANGES = {
    "repealed": "đã bị bãi bỏ",
    "replaced": "đã được thay thế",
    "amended": "đã được sửa đổi, bổ sung",
    "outdated": "có nội dung không còn phù hợp với quy định hiện hành",
}
# Changes after which the unit is no longer the rule: never quoted as current, never quizzed.
NOT_CURRENT = frozenset({"repealed", "replaced", "outdated"})


class RegisterError(ValueError):
    """A validity file that cannot be read; the message is for the admin, in Vietnamese."""


@dataclass(frozen=True)
class Change:
    """One recorded change to one unit."""

    unit: Ref
    change: str  # a key of CHANGES
    by: str  # the provision that made it, as cited ("khoản 2 Điều 29 Nghị định số 172/2025/NĐ-CP")
    since: date
    note: str = ""  # one sentence for the reader: what the current rule is
    current: Ref | None = None  # where the current rule is, when it is in the knowledge base
    recorded_by: str = ""  # who added it (admin entries)

    @property
    def not_current(self) -> bool:
        return self.change in NOT_CURRENT

    def sentence(self, whole: bool = True) -> str:
        """"Khoản 3 Điều 51 có nội dung không còn phù hợp … theo Điều 36 Luật … từ 01/7/2025." """
        subject = "Quy định này" if whole else f"Một phần của quy định này ({self.unit.label()})"
        text = f"{subject} {CHANGES[self.change]} theo {self.by} từ {self.since:%d/%m/%Y}."
        return f"{text} {self.note}".strip()

    def to_dict(self) -> dict:
        data: dict = {"unit": self.unit.to_dict(), "change": self.change, "by": self.by, "since": self.since,
                      "note": self.note}
        if self.current:
            data["current"] = self.current.to_dict()
        if self.recorded_by:
            data["recorded_by"] = self.recorded_by
        return data


@dataclass(frozen=True)
class Term:
    """Words whose referent the reforms changed ("cấp huyện", a merged ministry's name): any quote
    containing them gets the note, whatever document it comes from."""

    phrase: str
    since: date
    by: str
    note: str
    # Where the rule that replaced what the words named is, when a question that uses them should be
    # answered with it first ("có còn bị giáng chức không?" → the current list of forms).
    current: Ref | None = None

    @cached_property
    def folded(self) -> str:
        """The phrase as `terms_in` compares it: whole words, case, dashes and tone placement
        ignored ("Uỷ ban" is "Ủy ban")."""
        return f" {_fold(self.phrase)} "

    def sentence(self) -> str:
        return f"Lưu ý: {self.note} (từ {self.since:%d/%m/%Y}, theo {self.by})."


@dataclass
class Register:
    changes: list[Change] = field(default_factory=list)
    terms: list[Term] = field(default_factory=list)
    reviewed: date | None = None  # when the curated file was last reviewed as a whole

    def for_unit(self, doc: str, article: str | None, clause: str | None = None,
                 point: str | None = None) -> list[tuple[Change, bool]]:
        """Changes touching a quoted unit, each with whether it covers the unit whole (False: only a
        part of it, e.g. one khoản of a quoted Điều). Whole-unit changes come first."""
        found = [(c, True) for c in self.changes if c.unit.covers(doc, article, clause, point)]
        found += [(c, False) for c in self.changes
                  if c.unit.within(doc, article, clause, point) and not c.unit.covers(doc, article, clause, point)]
        return found

    def touches(self, ref: Ref) -> bool:
        """A change is recorded to this unit or a part of it (the quiz never asks about it)."""
        return bool(self.for_unit(ref.doc, ref.article, ref.clause, ref.point))

    def for_document(self, doc: str) -> list[Change]:
        return [c for c in self.changes if ids.loose_key(c.unit.doc) == ids.loose_key(doc)]

    def terms_in(self, text: str) -> list[Term]:
        """The terms a text contains; the text is folded once, whatever the number of terms."""
        folded = f" {_fold(text)} "
        return [t for t in self.terms if t.folded in folded]


def _fold(text: str) -> str:
    return " ".join(re.findall(r"\w+", strip_diacritics(text).lower()))


class Source:
    """The register as its files say now, re-read when one of them changes. A broken admin file is
    logged and reported (`error`), and the curated register keeps serving: one bad file never takes
    the answers down. A broken curated file is a bug of the release and raises (CI catches it)."""

    def __init__(self, admin_file: Path | None, curated: Path = CURATED) -> None:
        self.paths = [curated, *([admin_file] if admin_file else [])]
        self._stamp: tuple | None = None
        self._register = Register()
        self.error = ""

    def get(self) -> Register:
        stamp = tuple(p.stat().st_mtime_ns if p.exists() else None for p in self.paths)
        if stamp != self._stamp:
            try:
                self._register, self.error = load(self.paths), ""
            except RegisterError as exc:
                if not self.paths[1:]:
                    raise
                log.error("validity register: %s", exc)
                self._register, self.error = load(self.paths[:1]), str(exc)
            self._stamp = stamp
        return self._register


@lru_cache(maxsize=1)
def curated() -> Register:
    """The shipped register alone (benchmarks, tools without a data directory)."""
    return load([CURATED])


def load(paths: Iterable[Path]) -> Register:
    """Every change and term of the files that exist, in order; RegisterError names the first
    broken entry of any of them."""
    register = Register()
    for path in paths:
        if not path.exists():
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise RegisterError(f"Không đọc được sổ hiệu lực {path.name}: {exc}") from exc
        if not isinstance(data, Mapping):
            raise RegisterError(f"Sổ hiệu lực {path.name} phải có dạng khóa: giá trị (changes, terms).")
        unknown = set(data) - {"reviewed", "changes", "terms"}
        if unknown:
            raise RegisterError(f"Sổ hiệu lực {path.name}: khóa không hợp lệ {sorted(unknown)}.")
        if data.get("reviewed"):
            register.reviewed = _date(data["reviewed"], f"{path.name}: reviewed")
        for n, entry in enumerate(data.get("changes") or [], 1):
            register.changes.append(parse_change(entry, f"{path.name}, mục changes số {n}"))
        for n, entry in enumerate(data.get("terms") or [], 1):
            register.terms.append(_term(entry, f"{path.name}, mục terms số {n}"))
    return register


def parse_change(entry: object, where: str) -> Change:
    if not isinstance(entry, Mapping):
        raise RegisterError(f"{where}: mỗi mục phải có dạng khóa: giá trị.")
    missing = [k for k in ("unit", "change", "by", "since") if not entry.get(k)]
    if missing:
        raise RegisterError(f"{where}: thiếu {', '.join(missing)}.")
    unknown = set(entry) - {"unit", "change", "by", "since", "note", "current", "recorded_by"}
    if unknown:
        raise RegisterError(f"{where}: khóa không hợp lệ {sorted(unknown)}.")
    if entry["change"] not in CHANGES:
        raise RegisterError(f"{where}: loại thay đổi '{entry['change']}' không hợp lệ (dùng: {', '.join(CHANGES)}).")
    return Change(_unit(entry["unit"], where), str(entry["change"]), str(entry["by"]).strip(),
                  _date(entry["since"], where), str(entry.get("note") or "").strip(),
                  _unit(entry["current"], where) if entry.get("current") else None,
                  str(entry.get("recorded_by") or ""))


def _term(entry: object, where: str) -> Term:
    if not isinstance(entry, Mapping) or any(not entry.get(k) for k in ("phrase", "since", "by", "note")):
        raise RegisterError(f"{where}: cần đủ phrase, since, by, note.")
    unknown = set(entry) - {"phrase", "since", "by", "note", "current"}
    if unknown:
        raise RegisterError(f"{where}: khóa không hợp lệ {sorted(unknown)}.")
    return Term(str(entry["phrase"]), _date(entry["since"], where), str(entry["by"]), str(entry["note"]),
                _unit(entry["current"], where) if entry.get("current") else None)


def _unit(value: object, where: str) -> Ref:
    if not isinstance(value, Mapping) or not value.get("doc"):
        raise RegisterError(f"{where}: đơn vị phải ghi doc (số hiệu văn bản) và article/clause/point nếu có.")
    unknown = set(value) - {"doc", "article", "clause", "point"}
    if unknown:
        raise RegisterError(f"{where}: khóa không hợp lệ trong đơn vị {sorted(unknown)}.")
    parts = [str(value[k]) if value.get(k) is not None else None for k in ("article", "clause", "point")]
    if parts[2] and not parts[1] or parts[1] and not parts[0]:
        raise RegisterError(f"{where}: điểm phải kèm khoản, khoản phải kèm Điều.")
    return Ref(str(value["doc"]).strip(), *parts)


def parse_date(text: str) -> date:
    """"01/07/2025" or "2025-07-01" as an admin types it."""
    return _date(text, "ngày")


def _date(value: object, where: str) -> date:
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for form in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    raise RegisterError(f"{where}: ngày '{text}' không hợp lệ (viết 2025-07-01 hoặc 01/07/2025).")


# How admins say a change in chat or on the command line: Vietnamese words or the file's keys.
CHANGE_WORDS = {
    "bai bo": "repealed", "het hieu luc": "repealed", "thay the": "replaced", "sua doi": "amended",
    "bo sung": "amended", "khong con phu hop": "outdated", "loi thoi": "outdated",
    **{key: key for key in CHANGES},
}


def change_from_words(unit: str, change: str, by: str, since: str, note: str = "",
                      current: str | None = None) -> Change:
    """A change as an admin types it, on the command line or in chat ("khoản 3 Điều 51 36/2018/QH14",
    "bãi bỏ", …); RegisterError says what is wrong."""
    return Change(parse_unit(unit), parse_change_word(change), by.strip(), parse_date(since), note.strip(),
                  parse_unit(current) if current else None)


def parse_change_word(text: str) -> str:
    """"bãi bỏ" → "repealed"; RegisterError with the accepted words otherwise."""
    folded = _fold(text)
    for words, key in CHANGE_WORDS.items():
        if folded == words or folded.startswith(words + " ") or folded.startswith("da " + words):
            return key
    raise RegisterError(f"Loại thay đổi '{text}' không hợp lệ; dùng: bãi bỏ, thay thế, sửa đổi, không còn phù hợp.")


def parse_unit(text: str) -> Ref:
    """"khoản 3 Điều 51 Luật 36/2018/QH14" (any order, with or without diacritics) → Ref."""
    number = next((w for w in text.split() if "/" in w or re.fullmatch(r"\d+-[\w-]+", w)), None)
    if number is None:
        raise RegisterError(f"Không thấy số hiệu văn bản trong '{text}' (ví dụ: khoản 3 Điều 51 36/2018/QH14).")
    try:
        doc = ids.canonical(number.strip(".,;"))
    except ids.InvalidId as exc:
        raise RegisterError(str(exc)) from exc
    # The keywords with or without marks; the numbers and letters as written (điểm đ stays đ).
    lower = text.lower()
    parts = [m.group(1) if (m := re.search(rf"\b(?:{words})\s+([0-9]+[a-zđ]?|[a-zđ]\d?)\b", lower)) else None
             for words in ("điều|dieu", "khoản|khoan", "điểm|diem")]
    if parts[2] and not parts[1] or parts[1] and not parts[0]:
        raise RegisterError(f"'{text}': điểm phải kèm khoản, khoản phải kèm Điều.")
    return Ref(doc, *parts)


def problems(register: Register, documents: Mapping[str, object]) -> list[str]:
    """What in the register does not match the documents: a unit or a current rule that is not in
    the knowledge base. `documents`: id → knowledge_base.model.Document."""
    by_key = {ids.loose_key(doc_id): doc_id for doc_id in documents}
    found: list[str] = []
    pairs = [(role, unit) for change in register.changes
             for role, unit in (("đơn vị", change.unit), ("quy định hiện hành", change.current))]
    pairs += [(f"quy định hiện hành của “{t.phrase}”", t.current) for t in register.terms]
    for role, unit in pairs:
        if unit is None:
            continue
        doc_id = by_key.get(ids.loose_key(unit.doc))
        if doc_id is None:
            found.append(f"{role} {unit.label()} {unit.doc}: văn bản không có trong kho")
            continue
        try:
            resolve(replace(unit, doc=doc_id), documents)  # type: ignore[arg-type]
        except UnknownProvision:
            found.append(f"{role} {unit.label()} {unit.doc}: không có trong văn bản")
    return found


def dump(changes: list[Change], path: Path) -> bytes:
    """The admin file's bytes with these changes (its terms and review date kept)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    data = data if isinstance(data, dict) else {}
    data["changes"] = [c.to_dict() for c in changes]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100).encode("utf-8")
