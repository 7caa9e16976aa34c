"""Markdown files, mostly web pages converted by a crawler.

Such conversions leave bold markers glued across table cells (`**LUẬT****CÁN BỘ, CÔNG CHỨC**`),
table pipes and rules around the header, and hard line breaks inside paragraphs. In Markdown a
line break inside a paragraph means nothing, so lines are joined there; what does carry meaning
is emphasis: a line that is bold on its own is a heading or a header cell, and stays one line.
"""

from __future__ import annotations

import re
from pathlib import Path

from knowledge_base.parsers.paragraphs import BREAK, expand, join_wrapped
from knowledge_base.parsers.text import decode

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_QUOTE = re.compile(r"^\s{0,3}>\s?")
_BULLET = re.compile(r"^\s*[*+]\s+")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>])")
_BOLD_JOIN = re.compile(r"\*\*\*\*")  # one bold span closing where the next opens: two cells
_RULE = re.compile(r"_{3,}|-{4,}|={3,}")  # drawn separators; before emphasis stripping eats the "_"
# "**Điều 1.** Ban hành …": the bold part is the heading, the rest is the article's text.
_BOLD_ARTICLE = re.compile(r"^\*\*((?:Điều|ĐIỀU)\s+\d+[a-zđ]?\s*[.:])\*\*\s*(\S.*)$")
_EMPHASIS = re.compile(r"\*+|(?<!\w)_+|_+(?!\w)|`+")


def _strip_inline(line: str) -> str:
    line = _IMAGE.sub(r"\1", line)
    line = _LINK.sub(r"\1", line)
    line = _ESCAPE.sub(lambda m: " " if m.group(1) in "*_" else m.group(1), line)
    return _EMPHASIS.sub("", line)


def physical_lines(text: str) -> list[str | None]:
    out: list[str | None] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            out.append(BREAK)
            continue
        line = _HEADING.sub("", line)
        line = _QUOTE.sub("", line)
        line = _BULLET.sub("- ", line)
        line = _RULE.sub("|", line)
        article = _BOLD_ARTICLE.match(line)
        pieces = [article.group(1), article.group(2)] if article else _BOLD_JOIN.split(line)
        for i, piece in enumerate(pieces):
            piece = piece.strip()
            if i or piece.startswith(("**", "__")):
                out.append(BREAK)
            for j, cell in enumerate(piece.split("|")):
                if j:
                    out.append(BREAK)
                out.append(_strip_inline(cell))
            if piece.endswith(("**", "__")):
                out.append(BREAK)
    return out


def lines_from_text(text: str) -> list[str]:
    return join_wrapped(expand(physical_lines(text)), soft=True)


def lines_from_bytes(data: bytes) -> list[str]:
    return lines_from_text(decode(data))


def read_lines(path: Path) -> list[str]:
    return lines_from_bytes(path.read_bytes())
