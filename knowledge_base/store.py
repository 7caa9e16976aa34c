"""The knowledge base on disk: one Markdown file per document, written for people to read and fix.

Each file is YAML front matter (the metadata) and a Markdown body in which the structure is
explicit, so loading needs no guessing:

    ## Chương II. …            headings: # Phần / Kèm theo, ## Chương, ### Mục, #### Điều
    #### Điều 13. Văn hóa giao tiếp
    > Nguồn: …                  per-article attribution (pháp điển), optional
    - **1.** Văn hóa giao tiếp ở công sở:
      - **a)** Trong giao tiếp ở công sở, …
    - Đoạn văn không đánh số.

List depth is the tree depth below the heading; a bold label gives the unit's number. An admin
can correct a typo, a number or a validity status in any editor and see the change in a diff.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from knowledge_base import applicability, ids
from knowledge_base.model import Document, Kind, Node, Status, Validity

BUNDLED_DIR = Path(__file__).resolve().parent / "documents"

# An attached Quy định holds its own Chương, so it sits at the top level, like a Phần.
_HEADING_LEVEL = {Kind.PART: 1, Kind.ATTACHMENT: 1, Kind.CHAPTER: 2, Kind.SECTION: 3, Kind.ARTICLE: 4}
_HEADING_RE = re.compile(r"^(#{1,4}) (.*)$")
_CONTAINER_RE = re.compile(r"^(Phần|Chương|Mục|Điều) ([^.\s]+)(?:\. (.*))?$")
_WORD_KIND = {"Phần": Kind.PART, "Chương": Kind.CHAPTER, "Mục": Kind.SECTION, "Điều": Kind.ARTICLE}
_ITEM_RE = re.compile(r"^( *)- (?:\*\*([^*]+?)\*\* ?)?(.*)$")
_NOTE_PREFIX = "> Nguồn: "
_ATTACHMENT_PREFIX = "Kèm theo: "


class StoreError(ValueError):
    """A knowledge-base file that cannot be read; the message names the file and the line."""


# ---------------------------------------------------------------- writing


class _FrontMatterDumper(yaml.SafeDumper):
    """Multi-line values (the closing block) as `|` literals, so they read like the source."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_FrontMatterDumper.add_representer(str, _str_representer)


def render(doc: Document) -> str:
    meta: dict[str, object] = {
        "id": doc.id,
        "type": doc.doc_type,
        "name": doc.name or None,
        "title": doc.title,
        "issuer": doc.issuer or None,
        "issued": doc.issued,
        "effective": doc.effective,
        "status": doc.validity.status.value,
        "validity_note": doc.validity.note or None,
        "validity_basis": doc.validity.basis or None,
        "validity_as_of": doc.validity.as_of or None,
        "superseded_by": doc.validity.superseded_by or None,
        "replaces": doc.validity.replaces or None,
        "scope": doc.scope if doc.scope != "core" else None,
        "applies_to": doc.applies_to or None,
        "applies_to_articles": doc.applies_to_articles or None,
        "signer": doc.signer or None,
        "source": doc.source or None,
        "closing": doc.closing or None,
    }
    front = yaml.dump(
        {k: v for k, v in meta.items() if v is not None},
        Dumper=_FrontMatterDumper,
        allow_unicode=True,
        sort_keys=False,
        width=1000,
        default_flow_style=None,  # short lists on one line: applies_to: [can_bo, cong_chuc]
    )
    out = ["---", front.rstrip("\n"), "---", ""]
    if doc.preamble:
        out += [_escape_text(doc.preamble), ""]
    for node in doc.body:
        _render_node(node, 0, out)
    return "\n".join(out).rstrip("\n") + "\n"


def _render_node(node: Node, depth: int, out: list[str]) -> None:
    if node.kind in _HEADING_LEVEL:
        hashes = "#" * _HEADING_LEVEL[node.kind]
        if node.kind is Kind.ATTACHMENT:
            out.append(f"{hashes} {_ATTACHMENT_PREFIX}{node.title}")
        else:
            out.append(f"{hashes} {node.heading()}")
        if node.note:
            out.append(_NOTE_PREFIX + node.note)
        out.append("")
        child_depth = 0
        for child in node.children:
            _render_node(child, child_depth, out)
        if node.children and out[-1] != "":
            out.append("")
        return
    indent = "  " * depth
    label = _label(node)
    # Only directive items carry both a heading and a body; the line break keeps them apart.
    text = "\n".join(part for part in (node.title, node.text) if part)
    body = _escape_text(text).replace("\n", "<br>")
    out.append(f"{indent}- **{label}** {body}".rstrip() if label else f"{indent}- {body}")
    for child in node.children:
        _render_node(child, depth + 1, out)
    if depth == 0:
        out.append("")


def _label(node: Node) -> str:
    if not node.number:
        return ""
    return f"{node.number})" if node.kind is Kind.POINT else f"{node.number}."


def _escape_text(text: str) -> str:
    # A paragraph that itself starts with "**" or "#" would read back as structure.
    return "\\" + text if text.startswith(("**", "#", "- ", "> ")) else text


def _unescape(text: str) -> str:
    return text[1:] if text.startswith("\\") else text


def save(doc: Document, directory: Path) -> Path:
    """Write into a knowledge-base directory under the file name its id gives."""
    return write(doc, directory / ids.file_name(doc.id))


def write(doc: Document, target: Path) -> Path:
    """Write a document atomically (`replace_file`)."""
    replace_file(target, render(doc).encode("utf-8"))
    return target


def replace_file(target: Path, data: bytes) -> None:
    """Write beside, then rename: a reader never sees half a file, a crash never leaves one.

    The temporary file is hidden and does not end in .md, so a loader that runs while it exists
    (or after a crash left it behind) never reads it as a document. Every file of the knowledge base
    in service, and the uploads waiting for confirmation, are written this way.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a bot running as another user must still read it
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- reading


def loads(text: str, origin: str = "<string>") -> Document:
    text = unicodedata.normalize("NFC", text)
    if not text.startswith("---\n"):
        raise StoreError(f"{origin}: thiếu phần thông tin đầu tệp (front matter bắt đầu bằng ---)")
    end = text.find("\n---\n", 4)
    if end < 0:
        raise StoreError(f"{origin}: phần thông tin đầu tệp không có dòng --- kết thúc")
    try:
        meta = yaml.safe_load(text[4:end]) or {}
    except yaml.YAMLError as exc:
        raise StoreError(f"{origin}: phần thông tin đầu tệp không hợp lệ: {exc}") from exc
    for key in ("id", "type", "title"):
        if not meta.get(key):
            raise StoreError(f"{origin}: thiếu trường bắt buộc '{key}'")
    try:
        status = Status(meta.get("status", Status.IN_FORCE.value))
    except ValueError as exc:
        allowed = ", ".join(s.value for s in Status)
        bad = meta.get("status")
        raise StoreError(f"{origin}: trạng thái '{bad}' không hợp lệ (chọn: {allowed})") from exc
    doc = Document(
        id=str(meta["id"]),
        doc_type=str(meta["type"]),
        title=str(meta["title"]),
        name=str(meta.get("name") or ""),
        issuer=str(meta.get("issuer") or ""),
        issued=_date(meta.get("issued"), origin),
        effective=_date(meta.get("effective"), origin),
        validity=Validity(
            status=status,
            note=str(meta.get("validity_note") or ""),
            superseded_by=[str(x) for x in meta.get("superseded_by") or []],
            replaces=[str(x) for x in meta.get("replaces") or []],
            basis=str(meta.get("validity_basis") or ""),
            as_of=_as_of(meta.get("validity_as_of"), origin),
        ),
        signer=str(meta.get("signer") or ""),
        source=str(meta.get("source") or ""),
        closing=str(meta.get("closing") or ""),
        scope=str(meta.get("scope") or "core"),
        applies_to=[str(x) for x in meta.get("applies_to") or []],
        applies_to_articles={str(k): [str(x) for x in v or []]
                             for k, v in (meta.get("applies_to_articles") or {}).items()},
    )
    wrong = applicability.problems(doc.scope, doc.applies_to, doc.applies_to_articles)
    if wrong:
        raise StoreError(f"{origin}: " + "; ".join(wrong))
    _parse_body(text[end + 5 :].splitlines(), doc, origin)
    return doc


def _as_of(value: object, origin: str) -> str:
    """"02/2025" or "29/11/2026": as precise as the source is."""
    if value in (None, ""):
        return ""
    text = value.strftime("%d/%m/%Y") if isinstance(value, date) else str(value).strip()
    if not re.fullmatch(r"(\d{2}/)?\d{2}/\d{4}", text):
        raise StoreError(f"{origin}: validity_as_of '{value}' phải có dạng MM/YYYY hoặc DD/MM/YYYY")
    return text


def _date(value: object, origin: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise StoreError(f"{origin}: ngày '{value}' không đúng dạng YYYY-MM-DD") from exc


def _parse_body(lines: list[str], doc: Document, origin: str) -> None:
    heading_stack: list[tuple[int, Node]] = []  # (level, node)
    list_stack: list[tuple[int, Node]] = []  # (indent, node)
    preamble: list[str] = []

    def attach(node: Node) -> None:
        if heading_stack:
            heading_stack[-1][1].children.append(node)
        else:
            doc.body.append(node)

    for lineno, raw in enumerate(lines, start=1):
        line = raw.rstrip()
        if not line.strip():
            continue
        heading = _HEADING_RE.match(line)
        if heading:
            level = len(heading.group(1))
            node = _heading_node(heading.group(2), origin, lineno)
            while heading_stack and heading_stack[-1][0] >= level:
                heading_stack.pop()
            attach(node)
            heading_stack.append((level, node))
            list_stack.clear()
            continue
        if line.startswith(_NOTE_PREFIX) and heading_stack and not list_stack:
            heading_stack[-1][1].note = line[len(_NOTE_PREFIX) :]
            continue
        item = _ITEM_RE.match(line)
        if not item:
            if heading_stack or doc.body:
                raise StoreError(f"{origin}:{lineno}: dòng không thuộc cấu trúc nào: {line[:60]!r}")
            preamble.append(_unescape(line))
            continue
        indent = len(item.group(1))
        while list_stack and list_stack[-1][0] >= indent:
            list_stack.pop()
        parent = list_stack[-1][1] if list_stack else (heading_stack[-1][1] if heading_stack else None)
        node = _list_node(item.group(2), _unescape(item.group(3)).replace("<br>", "\n"), parent)
        if list_stack:
            list_stack[-1][1].children.append(node)
        else:
            attach(node)
        list_stack.append((indent, node))
    doc.preamble = "\n".join(preamble)


def _heading_node(text: str, origin: str, lineno: int) -> Node:
    if text.startswith(_ATTACHMENT_PREFIX):
        return Node(Kind.ATTACHMENT, title=text[len(_ATTACHMENT_PREFIX) :])
    match = _CONTAINER_RE.match(text)
    if not match:
        raise StoreError(f"{origin}:{lineno}: tiêu đề không rõ loại (Phần/Chương/Mục/Điều): {text[:60]!r}")
    return Node(_WORD_KIND[match.group(1)], number=match.group(2), title=match.group(3) or "")


def _list_node(label: str | None, text: str, parent: Node | None) -> Node:
    if not label:
        return Node(Kind.PARAGRAPH, text=text)
    if label.endswith(")"):
        return Node(Kind.POINT, number=label[:-1], text=text)
    number = label.rstrip(".")
    in_article = parent is not None and parent.kind in (Kind.ARTICLE, Kind.CLAUSE, Kind.POINT)
    if in_article:
        return Node(Kind.CLAUSE, number=number, text=text)
    kind = Kind.SUBITEM if "." in number else Kind.ITEM
    title, _, rest = text.partition("\n")
    return Node(kind, number=number, title=title if rest else "", text=rest if rest else title)


def load(path: Path) -> Document:
    return loads(path.read_text(encoding="utf-8"), origin=str(path))


def document_files(directory: Path) -> list[Path]:
    """The document files of a directory, sorted by name; hidden files (temporary, crash leftovers) are not."""
    return sorted(p for p in directory.glob("*.md") if not p.name.startswith("."))


@dataclass(frozen=True)
class Skipped:
    """A file the loader could not use, and why (Vietnamese, for `index info` and admins)."""

    path: Path
    reason: str


@dataclass
class Scan:
    documents: list[Document] = field(default_factory=list)
    paths: dict[str, Path] = field(default_factory=dict)  # document id → its file
    skipped: list[Skipped] = field(default_factory=list)


def scan(directory: Path) -> Scan:
    """Every readable document of a directory; a file that cannot be read is skipped and reported.

    One broken file (a hand edit, a crash of an older version) must not take the others down.
    Two files with the same document id keep the one whose name the id gives.
    """
    out = Scan()
    by_key: dict[str, Path] = {}
    for path in document_files(directory):
        try:
            doc = load(path)
        except Exception as exc:  # a YAML, encoding or structure error: any of them only skips this file
            out.skipped.append(Skipped(path, _reason(exc, path)))
            continue
        key = ids.loose_key(doc.id)
        if key in by_key:
            if path.name.lower() == key and by_key[key].name.lower() != key:
                previous = by_key[key]
                out.skipped.append(Skipped(previous, f"trùng số hiệu {doc.id} với tệp {path.name}"))
                out.documents = [d for d in out.documents if out.paths[d.id] != previous]
            else:
                out.skipped.append(Skipped(path, f"trùng số hiệu {doc.id} với tệp {by_key[key].name}"))
                continue
        by_key[key] = path
        out.documents.append(doc)
        out.paths[doc.id] = path
    out.documents.sort(key=lambda d: out.paths[d.id].name)
    return out


def _reason(exc: Exception, path: Path) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "tệp không phải UTF-8"
    text = str(exc)
    if text.startswith(str(path)):  # StoreError names the file; the report names it already
        text = text[len(str(path)) :].lstrip(":0123456789 ")
    return text or type(exc).__name__


def load_all(directory: Path = BUNDLED_DIR) -> list[Document]:
    """Every document in a directory, sorted by file name; StoreError on the first unreadable file.

    For the bundled documents and the tools that build them, where a broken file is a bug.
    """
    result = scan(directory)
    if result.skipped:
        first = result.skipped[0]
        raise StoreError(f"{first.path}: {first.reason}")
    return result.documents
