"""HTML pages: the visible text in reading order, with tables flattened to one line per cell.

Navigation, scripts, styles and hidden elements are dropped: they are page furniture, not the
document. Block elements end a paragraph; `<br>` only ends a physical line, which may be wrapping.
"""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup
from bs4.element import Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag

from knowledge_base.parsers.paragraphs import BREAK, expand, join_wrapped

_DROP = frozenset(
    {"script", "style", "nav", "noscript", "template", "svg", "iframe", "head", "button", "select", "object"}
)
_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "div",
        "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
        "h6", "header", "hr", "html", "li", "main", "ol", "p", "section", "summary", "table", "tbody",
        "td", "tfoot", "th", "thead", "title", "tr", "ul",
    }
)  # fmt: skip
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_SKIPPED_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)


class _Collector:
    def __init__(self) -> None:
        self.lines: list[str | None] = []
        self.buffer: list[str] = []

    def end_line(self) -> None:
        text = "".join(self.buffer)
        self.buffer = []
        if text.strip():
            self.lines.append(text)

    def end_block(self) -> None:
        self.end_line()
        if self.lines and self.lines[-1] is not BREAK:
            self.lines.append(BREAK)

    def walk(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, _SKIPPED_STRINGS):
                continue
            if isinstance(child, NavigableString):
                self.buffer.append(str(child))
            elif isinstance(child, Tag):
                self.element(child)

    def element(self, tag: Tag) -> None:
        name = (tag.name or "").lower()
        if name in _DROP or tag.has_attr("hidden") or _HIDDEN_STYLE.search(str(tag.get("style") or "")):
            return
        if name == "br":
            self.end_line()
            return
        if name == "pre":
            self.end_block()
            self.lines.extend(line for line in tag.get_text().splitlines())
            self.end_block()
            return
        block = name in _BLOCK
        if block:
            self.end_block()
        self.walk(tag)
        if block:
            self.end_block()


def lines_from_text(markup: str | bytes) -> list[str]:
    soup = BeautifulSoup(markup, "lxml")
    collector = _Collector()
    collector.walk(soup)
    collector.end_block()
    return join_wrapped(expand(collector.lines))


def lines_from_bytes(data: bytes) -> list[str]:
    try:
        markup: str | bytes = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        markup = data  # let the parser read the page's own charset declaration
    return lines_from_text(markup)


def read_lines(path: Path) -> list[str]:
    return lines_from_bytes(path.read_bytes())
