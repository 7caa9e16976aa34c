"""`conduct-bot kb audit`: what an admin must know about the knowledge base's validity, in one report.

Documents by status and by the basis and date of that status; units the validity register records
as changed; documents whose status nobody verified; likely duplicates; metadata that looks garbled;
the sources still missing. The report is read by people; its `broken` part (a validity file that
does not load or names units that do not exist) makes the command fail, and CI with it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from knowledge_base import ids, validity
from knowledge_base.model import Document, Status

# A Vietnamese syllable carries at most one tone mark; two ("vỉệc", "Hộỉ") mean the text was mangled
# by a bad conversion. The marks are the combining forms NFD gives.
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


@dataclass
class Audit:
    documents: int = 0
    by_status: dict[str, list[str]] = field(default_factory=dict)  # "label" → ids
    changed: list[validity.Change] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    duplicates: list[list[str]] = field(default_factory=list)
    garbled: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    terms: list[validity.Term] = field(default_factory=list)
    reviewed: str = ""
    broken: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken


def audit(documents: list[Document], source: validity.Source, missing: list[str]) -> Audit:
    report = Audit(documents=len(documents), missing=missing)
    try:
        register = validity.load(source.paths)
    except validity.RegisterError as exc:
        report.broken.append(str(exc))
        register = source.get()  # what serves meanwhile: the curated register
    report.reviewed = f"{register.reviewed:%d/%m/%Y}" if register.reviewed else ""
    report.broken += validity.problems(register, {d.id: d for d in documents})
    report.changed, report.terms = list(register.changes), list(register.terms)
    groups: dict[str, list[str]] = defaultdict(list)
    for doc in documents:
        groups[doc.validity.label].append(doc.id)
        if doc.is_norm and (doc.validity.status is Status.UNVERIFIED or not doc.validity.basis):
            report.unverified.append(doc.id)
        report.garbled += [f"{doc.id}: {problem}" for problem in garbled(doc)]
    report.by_status = dict(sorted(groups.items(), key=lambda kv: -len(kv[1])))
    report.duplicates = duplicates(documents)
    return report


def garbled(doc: Document) -> list[str]:
    """Metadata a careful reader would not trust: two tone marks in a syllable, an issuer that swallowed
    the title or a date, a norm without its issuer or date."""
    found = []
    for name, value in (("trích yếu", doc.title), ("cơ quan ban hành", doc.issuer), ("tên", doc.name)):
        bad = [w for w in re.findall(r"\w+", value) if _tone_marks(w) > 1]
        if bad:
            found.append(f"{name} có chữ lỗi mã hóa: {', '.join(bad[:5])}")
    if re.search(r"\bngày \d{1,2}/\d{1,2}/\d{4}\b|\bvề\b", doc.issuer) or len(doc.issuer) > 120:
        found.append(f"cơ quan ban hành lẫn trích yếu hoặc ngày: “{doc.issuer[:80]}…”")
    if doc.is_norm and not doc.issuer:
        found.append("thiếu cơ quan ban hành")
    if doc.is_norm and doc.issued is None and not ids.key(doc.id).startswith("seed"):
        found.append("thiếu ngày ban hành")
    return found


def _tone_marks(word: str) -> int:
    return sum(1 for c in unicodedata.normalize("NFD", word) if c in _TONES)


def duplicates(documents: list[Document]) -> list[list[str]]:
    """Documents with the same type and title, or the same number spelt two ways."""
    groups: dict[tuple, list[str]] = defaultdict(list)
    for doc in documents:
        if doc.is_norm:
            groups[("title", doc.doc_type, " ".join(doc.title.lower().split()))].append(doc.id)
        groups[("id", ids.loose_key(doc.id))].append(doc.id)
    return sorted(sorted(set(v)) for v in groups.values() if len(set(v)) > 1)


def render(report: Audit) -> str:
    lines = [f"Kiểm tra hiệu lực kho văn bản: {report.documents} văn bản."]
    lines += ["", "Theo tình trạng hiệu lực (căn cứ, thời điểm):"]
    for label, doc_ids in report.by_status.items():
        shown = ", ".join(doc_ids[:6]) + (f" và {len(doc_ids) - 6} văn bản khác" if len(doc_ids) > 6 else "")
        lines.append(f"  • {label}: {len(doc_ids)} — {shown}")
    lines += ["", f"Quy định đã thay đổi theo sổ theo dõi hiệu lực ({len(report.changed)}; rà soát "
                  f"{report.reviewed or 'chưa ghi ngày'}):"]
    lines += [f"  • {c.unit.label() or 'toàn văn'} {c.unit.doc}: {validity.CHANGES[c.change]} theo {c.by} "
              f"từ {c.since:%d/%m/%Y}" + (f" (ghi nhận bởi {c.recorded_by})" if c.recorded_by else "")
              for c in report.changed] or ["  (không có)"]
    lines += ["", f"Tên gọi đã thay đổi sau cải cách 2025 ({len(report.terms)}):"]
    lines += [f"  • “{t.phrase}”: {t.note} (từ {t.since:%d/%m/%Y})" for t in report.terms] or ["  (không có)"]
    lines += ["", f"Văn bản chưa xác minh hiệu lực ({len(report.unverified)}):"]
    lines += [f"  • {doc_id}" for doc_id in report.unverified] or ["  (không có)"]
    lines += ["", f"Có thể trùng nhau ({len(report.duplicates)}):"]
    lines += [f"  • {', '.join(group)}" for group in report.duplicates] or ["  (không có)"]
    lines += ["", f"Thông tin văn bản có vẻ sai lệch ({len(report.garbled)}):"]
    lines += [f"  • {g}" for g in report.garbled] or ["  (không có)"]
    lines += ["", f"Văn bản còn thiếu, quản trị viên nên bổ sung ({len(report.missing)}):"]
    lines += [f"  • {m}" for m in report.missing] or ["  (không có)"]
    if report.broken:
        lines += ["", f"LỖI trong sổ theo dõi hiệu lực ({len(report.broken)}), cần sửa:"]
        lines += [f"  • {b}" for b in report.broken]
    return "\n".join(lines)
