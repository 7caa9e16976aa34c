"""Citation labels in the form Vietnamese lawyers write them.

"điểm a khoản 2 Điều 13 Luật Cán bộ, công chức số 80/2025/QH15" reads from the smallest unit up
to the document. Party directives number their sections instead ("mục 6 Chỉ thị số 17-CT/TU"),
and a Quy định attached to a decision is cited through the decision that issued it.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge_base.model import Document


@dataclass(frozen=True)
class Location:
    """Where a provision sits. `article` is the top citable unit: an Điều, or a directive's mục."""

    article: str | None = None
    clause: str | None = None
    point: str | None = None
    item_style: bool = False  # directive numbering: mục / điểm instead of Điều / khoản
    attachment: str = ""  # title of the attached Quy định, when the article belongs to one


def unit_label(loc: Location) -> str:
    """The provision without the document: "điểm a khoản 2 Điều 13"."""
    parts: list[str] = []
    if loc.item_style:
        if loc.clause:
            parts.append(f"điểm {loc.clause}")
        if loc.article:
            parts.append(f"mục {loc.article}")
        return " ".join(parts)
    if loc.point:
        parts.append(f"điểm {loc.point}")
    if loc.clause:
        parts.append(f"khoản {loc.clause}")
    if loc.article:
        parts.append(f"Điều {loc.article}")
    return " ".join(parts)


def label(doc: Document, loc: Location) -> str:
    """The full citation: unit, then the document as named in Vietnamese legal writing."""
    unit = unit_label(loc)
    name = doc.display_name
    if loc.attachment:
        name = f"{_attachment_kind(loc.attachment)} ban hành kèm theo {name}"
    return f"{unit} {name}".strip() if unit else name[0].upper() + name[1:]


def _attachment_kind(title: str) -> str:
    """ "QUY ĐỊNH QUY TẮC ỨNG XỬ …" → "Quy định": the kind of text attached, as cited."""
    words = title.split()
    for kind in ("Quy định", "Quy chế", "Điều lệ", "Kế hoạch", "Chương trình", "Đề án", "Hướng dẫn"):
        if " ".join(words[: len(kind.split())]).lower() == kind.lower():
            return kind
    return "Văn bản"
