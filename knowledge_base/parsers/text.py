"""Plain-text files: copies from web pages and e-mails, often hard-wrapped, sometimes not UTF-8."""

from __future__ import annotations

import codecs
from pathlib import Path

from knowledge_base.parsers.paragraphs import BREAK, expand, join_wrapped, wrap_width


def decode(data: bytes) -> str:
    """UTF-8 first (with or without BOM), UTF-16 when a BOM says so, else Windows-1258.

    Windows-1258 is the legacy Vietnamese code page; it decodes any byte, so it is the last
    resort rather than a guess among many.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1258", errors="replace")


def physical_lines(text: str) -> list[str | None]:
    """Blank lines are paragraph ends; '|' separates table cells pasted as text."""
    out: list[str | None] = []
    for line in text.splitlines():
        if not line.strip():
            out.append(BREAK)
            continue
        cells = line.split("|")
        for i, cell in enumerate(cells):
            if i:
                out.append(BREAK)
            out.append(cell)
    return out


def lines_from_text(text: str) -> list[str]:
    raw = list(expand(physical_lines(text)))
    return join_wrapped(raw, width=wrap_width(raw))


def lines_from_bytes(data: bytes) -> list[str]:
    return lines_from_text(decode(data))


def read_lines(path: Path) -> list[str]:
    return lines_from_bytes(path.read_bytes())
