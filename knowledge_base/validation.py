"""Whether a document may enter the knowledge base: metadata, structure, hygiene and size.

Checked before anything is written (an upload, `index add`, a restore) and again when the
knowledge base is loaded, so a file that slipped in by hand is skipped instead of taking every
worker down. The messages are Vietnamese: admins read them as they are.
"""

from __future__ import annotations

from knowledge_base import hygiene, ids
from knowledge_base.limits import Limits, number
from knowledge_base.model import Document, Kind


class InvalidDocument(ValueError):
    """A document that must not be stored; `problems` lists every reason, for the admin."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def check(doc: Document, limits: Limits, *, round_trip: bool = True) -> list[str]:
    """Every reason this document cannot be stored; empty when it can.

    `round_trip` also renders the document and reads it back, the guarantee that matters most:
    whatever is saved can be loaded by every worker at its next start.
    """
    found: list[str] = []
    try:
        if ids.canonical(doc.id) != doc.id:
            found.append(f"số hiệu “{doc.id}” chưa ở dạng chuẩn (“{ids.canonical(doc.id)}”)")
    except ids.InvalidId as exc:
        found.append(str(exc).rstrip("."))
    if not doc.title.strip():
        found.append("không tìm thấy trích yếu (tên) của văn bản: thêm dòng trích yếu ngay dưới tên loại văn bản "
                     "(ví dụ “Về việc ban hành Quy chế …”)")
    elif len(doc.title) > limits.max_title_chars:
        found.append(f"trích yếu dài {len(doc.title)} ký tự (tối đa {limits.max_title_chars}): có lẽ đọc nhầm cả "
                     "nội dung vào tên văn bản")
    if not doc.doc_type.strip():
        found.append("không rõ loại văn bản")
    found += _hygiene(doc)
    found += _size(doc, limits)
    if round_trip and not found:
        found += _round_trip(doc)
    return found


def validate(doc: Document, limits: Limits) -> None:
    problems = check(doc, limits)
    if problems:
        raise InvalidDocument(problems)


def _fields(doc: Document) -> list[tuple[str, str]]:
    out = [("số hiệu", doc.id), ("loại văn bản", doc.doc_type), ("trích yếu", doc.title), ("tên", doc.name),
           ("cơ quan ban hành", doc.issuer), ("người ký", doc.signer), ("nguồn", doc.source),
           ("phần mở đầu", doc.preamble), ("phần cuối", doc.closing), ("ghi chú hiệu lực", doc.validity.note)]
    for node in doc.walk():
        out += [("nội dung", node.text), ("tiêu đề", node.title), ("số thứ tự", node.number or ""),
                ("ghi chú", node.note)]
    return out


def _hygiene(doc: Document) -> list[str]:
    seen: set[str] = set()
    found = []
    for name, value in _fields(doc):
        for problem in hygiene.problems(value):
            if (name, problem) not in seen:
                seen.add((name, problem))
                found.append(f"{name} {problem}")
    return found


def _size(doc: Document, limits: Limits) -> list[str]:
    found = []
    units = sum(1 for _ in doc.walk())
    articles = sum(1 for node in doc.walk() if node.kind in (Kind.ARTICLE, Kind.ITEM))
    characters = len(doc.preamble) + sum(len(node.text) + len(node.title) for node in doc.walk())
    if not units:
        found.append("không có nội dung (không tìm thấy điều, khoản hay đoạn văn nào)")
    if characters > limits.max_characters:
        found.append(f"văn bản dài {number(characters)} ký tự, vượt giới hạn {number(limits.max_characters)}")
    if articles > limits.max_articles:
        found.append(f"có {articles} điều, vượt giới hạn {limits.max_articles}")
    if units > limits.max_units:
        found.append(f"có {number(units)} đơn vị (điều, khoản, điểm, đoạn), vượt giới hạn {number(limits.max_units)}")
    return found


def _round_trip(doc: Document) -> list[str]:
    from knowledge_base import store  # store reads files; validation must not need it to be imported first

    text = store.render(doc)
    try:
        again = store.loads(text, origin=doc.id)
    except store.StoreError as exc:
        return [f"không ghi được thành tệp đọc lại được ({exc})"]
    if store.render(again) != text:
        return ["ghi ra tệp rồi đọc lại không giống bản gốc (cấu trúc không biểu diễn được)"]
    return []
