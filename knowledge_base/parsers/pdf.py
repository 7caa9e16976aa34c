"""PDF files via pypdf: the text layer page by page, wrapped lines joined, page numbers dropped.

Vietnamese does not hyphenate words across lines, so no de-hyphenation is needed. A paragraph
may continue on the next page, so a page end is not a paragraph end. A PDF without a text layer
(a scan) cannot be read here and says so.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from knowledge_base.parsers.errors import ParseError
from knowledge_base.parsers.paragraphs import expand, join_wrapped, wrap_width

_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-–]\s*)?\d{1,4}(?:\s*[-–])?\s*$"  # 3, - 3 -
    r"|^\s*(?:Trang|Page)\s+\d+(?:\s*/\s*\d+)?\s*$"  # Trang 3, Trang 3/10
    r"|^\s*\d+\s*/\s*\d+\s*$"  # 3/10
)


def _reader(data: bytes) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ParseError("tệp PDF được đặt mật khẩu")
        if len(reader.pages) == 0:
            raise ParseError("tệp PDF không có trang nào")
    except ParseError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ParseError("tệp PDF bị hỏng hoặc không đúng định dạng PDF") from exc
    return reader


def lines_from_bytes(data: bytes) -> list[str]:
    reader = _reader(data)
    raw: list[str | None] = []
    try:
        for page in reader.pages:
            lines = (page.extract_text() or "").splitlines()
            raw.extend(line for line in lines if not _PAGE_NUMBER.match(line))
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        raise ParseError("tệp PDF bị hỏng, không lấy được chữ từ các trang") from exc
    if not any(line and line.strip() for line in raw):
        raise ParseError(
            "tệp PDF không có lớp chữ (có thể là bản quét); cần nhận dạng ký tự (OCR) trước khi tải lên"
        )
    physical = list(expand(raw))
    return join_wrapped(physical, width=wrap_width(physical, slack=0.8))


def read_lines(path: Path) -> list[str]:
    return lines_from_bytes(path.read_bytes())
