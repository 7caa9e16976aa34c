"""Word files (.docx) via python-docx: paragraphs and tables in body order.

A DOCX paragraph is a real paragraph, so each one ends a logical line; line breaks inside it
(Shift+Enter) may be wrapping and go through the shared joining rules. Merged table cells are
returned once per grid column by python-docx, so cells are de-duplicated.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx as python_docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph

from knowledge_base.parsers.errors import ParseError
from knowledge_base.parsers.paragraphs import BREAK, expand, join_wrapped


def _paragraph(paragraph: Paragraph) -> Iterator[str | None]:
    yield from paragraph.text.replace("\t", " ").split("\n")
    yield BREAK


def _table(table: Table) -> Iterator[str | None]:
    for row in table.rows:
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            for block in cell.iter_inner_content():
                yield from _paragraph(block) if isinstance(block, Paragraph) else _table(block)
            yield BREAK


def lines_from_bytes(data: bytes) -> list[str]:
    try:
        document = python_docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ParseError("tệp Word (.docx) bị hỏng hoặc không đúng định dạng .docx") from exc
    raw: list[str | None] = []
    for block in document.iter_inner_content():
        raw.extend(_paragraph(block) if isinstance(block, Paragraph) else _table(block))
    return join_wrapped(expand(raw))


def read_lines(path: Path) -> list[str]:
    return lines_from_bytes(path.read_bytes())
