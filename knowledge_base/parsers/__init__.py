"""Directive files (.txt, .md, .html, .docx, .pdf) → `Document`.

Each format has a reader that only turns the file into logical paragraphs; everything Vietnamese-
legal (metadata, Chương/Điều/Khoản/Điểm, closing block) is decided once, on those paragraphs, so a
decree reads the same whichever format it arrived in.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from knowledge_base.model import Document
from knowledge_base.parsers import docx, html, markdown, pdf, text
from knowledge_base.parsers.document import build_document, slugify
from knowledge_base.parsers.errors import ParseError

__all__ = ["SUPPORTED_EXTENSIONS", "ParseError", "lines_from_bytes", "parse_bytes", "parse_file", "slugify"]

_READERS: dict[str, Callable[[bytes], list[str]]] = {
    ".txt": text.lines_from_bytes,
    ".md": markdown.lines_from_bytes,
    ".markdown": markdown.lines_from_bytes,
    ".html": html.lines_from_bytes,
    ".htm": html.lines_from_bytes,
    ".docx": docx.lines_from_bytes,
    ".pdf": pdf.lines_from_bytes,
}
SUPPORTED_EXTENSIONS = tuple(_READERS)


def lines_from_bytes(data: bytes, filename: str) -> list[str]:
    """The logical paragraphs of a file, read by the reader its extension names."""
    suffix = Path(filename).suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        supported = ", ".join(SUPPORTED_EXTENSIONS)
        hint = " Hãy lưu lại dưới dạng .docx." if suffix == ".doc" else ""
        shown = suffix or "không có phần mở rộng"
        reason = f"định dạng “{shown}” chưa được hỗ trợ (chỉ nhận {supported}).{hint}"
        raise ParseError(f"Không đọc được tệp {filename}: {reason}")
    try:
        return reader(data)
    except ParseError as exc:
        raise ParseError(f"Không đọc được tệp {filename}: {exc}") from exc
    except (MemoryError, RecursionError):
        raise  # not a broken file but a limit reached: the isolated parser says which (`knowledge_base.intake`)
    except Exception as exc:  # a library's own error: the user needs the file named, not a trace
        reason = f"tệp bị hỏng hoặc không đúng định dạng {suffix} ({type(exc).__name__})"
        raise ParseError(f"Không đọc được tệp {filename}: {reason}") from exc


def parse_bytes(data: bytes, filename: str, *, doc_id: str | None = None) -> Document:
    """For uploads from a chat, which arrive as bytes with the user's file name."""
    name = Path(filename).name
    if not data:
        raise ParseError(f"Không đọc được tệp {name}: tệp rỗng.")
    return build_document(lines_from_bytes(data, name), source=name, doc_id=doc_id)


def parse_file(path: Path, *, doc_id: str | None = None) -> Document:
    path = Path(path)
    if path.suffix.lower() not in _READERS:
        lines_from_bytes(b"", path.name)  # raises the unsupported-format message
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"Không đọc được tệp {path.name}: {exc.strerror or exc}") from exc
    return parse_bytes(data, path.name, doc_id=doc_id)
