"""Plain-text files: copies from web pages and e-mails, often hard-wrapped, sometimes not UTF-8."""

from __future__ import annotations

import codecs
from pathlib import Path

from knowledge_base.parsers.errors import ParseError
from knowledge_base.parsers.paragraphs import BREAK, expand, join_wrapped, wrap_width


def decode(data: bytes) -> str:
    """UTF-8 first (with or without BOM), UTF-16 when a BOM or the pattern of zero bytes says so,
    else Windows-1258. ParseError when the result is not text at all.

    Windows-1258 is the legacy Vietnamese code page; it decodes any byte, so it is the last
    resort rather than a guess among many — and why the result is checked: random bytes decode
    "successfully" into control characters.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    elif _utf16_without_bom(data):
        text = data.decode(_utf16_without_bom(data), errors="replace")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1258", errors="replace")
    if not _looks_like_text(text):
        raise ParseError("tệp không phải văn bản (có thể là tệp nhị phân, hoặc sai bảng mã); "
                         "hãy lưu lại dưới dạng văn bản UTF-8 hoặc .docx")
    return text


def _utf16_without_bom(data: bytes) -> str | None:
    """Vietnamese text in UTF-16 has a zero in every other byte (ASCII letters, spaces, digits)."""
    sample = data[:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _looks_like_text(text: str) -> bool:
    """Under 1% control or undecodable characters, and letters make up a good part of what is not space."""
    if not text:
        return True
    bad = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\n\r\f") or 0x7F <= ord(ch) <= 0x9F
              or ch == "\ufffd")
    visible = [ch for ch in text if not ch.isspace()]
    letters = sum(1 for ch in visible if ch.isalpha())
    return bad <= 0.01 * len(text) and (not visible or letters >= 0.3 * len(visible))


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
