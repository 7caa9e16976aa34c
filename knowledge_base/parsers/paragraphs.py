"""Physical lines → logical paragraphs, with the same joining rules for every file format.

Sources break lines wherever a page, a table cell or a converter happened to end, often in the
middle of a sentence. The structure detector needs one line per unit ("Điều 5. …", "1. …", "a) …"),
so wrapped lines are joined — except where the next line opens a unit, which must never be glued
onto the previous one. Readers pass `BREAK` where the source itself marks a paragraph end (a blank
line, a table cell, a DOCX paragraph), and plain strings for lines that may be wrapping.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

BREAK = None  # an explicit paragraph end in the reader's output

_SPACES = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")
# Rules and underscores drawn as separators ("CHÍNH PHỦ_______ Số: …", "-------").
_INLINE_RULE = re.compile(r"_{3,}|-{4,}|={3,}|—{3,}")
# The national motto glued to the country name by an HTML→Markdown conversion ("VIỆT NAMĐộc lập").
_GLUED_MOTTO = re.compile(r"(?<=VIỆT NAM)\s*(?=Độc lập)")

_STRONG_HEADING = re.compile(
    r"^(?:(?:Điều|ĐIỀU)\s+\d+[a-zđ]?(?:\.(?:\d+[a-zđ]?|[A-ZĐ]{1,6}))*\s*[.:](?:\s|$)"
    r"|(?:Chương|CHƯƠNG)\s+[IVXLC]+\b"
    r"|(?:Mục|MỤC)\s+\d+\b"
    r"|(?:Phần|PHẦN)\s+(?:(?:thứ|THỨ)\s+\w+|[IVXLC]+\b))"
)
_WEAK_START = re.compile(
    r"^\d{1,3}(?:\.\d{1,3}){0,3}\.\s"  # 1.  6.1.  (clauses, items, sub-items)
    r"|^\d{1,3}(?:\.\d{1,3}){1,3}\s"  # 6.1 without the final dot
    r"|^[a-zđ]\)\s"  # a)  đ)
    r"|^[IVXLC]{1,6}\.\s"  # I.  II.  (sections of plans and directives)
    r"|^[-–—+•·]\s"  # bullets: recipient lists, sub-points
)
_SENTENCE_END = re.compile(r"[.;!?:…]$")
# Words that open a paragraph of the preamble or closing, whatever the previous line looked like.
_OPENERS = re.compile(r"^(?:Căn cứ|Theo đề nghị|Xét đề nghị|Nơi nhận)\b")
_TRAILING_QUOTES = "\"”’'»)"


def clean(line: str) -> str:
    """NFC, one space between words, no edge spaces: the form every rule below expects."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", line)).strip()


def has_words(line: str) -> bool:
    return any(ch.isalnum() for ch in line)


def split_debris(line: str) -> Iterator[str | None]:
    """Split a physical line at separator rules and glued header cells; drop lines without words."""
    line = _GLUED_MOTTO.sub("\n", unicodedata.normalize("NFC", line))
    first = True
    for part in _INLINE_RULE.sub("\n", line).split("\n"):
        if not first:
            yield BREAK
        first = False
        part = clean(part)
        if has_words(part):
            yield part
        else:
            yield BREAK


def expand(lines: Iterable[str | None]) -> Iterator[str | None]:
    """Every reader's raw lines through `split_debris`, keeping the readers' own breaks."""
    for line in lines:
        if line is BREAK:
            yield BREAK
        else:
            yield from split_debris(line)


def is_upper(line: str) -> bool:
    """All letters upper case, with enough letters to be a heading rather than an acronym."""
    letters = [ch for ch in line if ch.isalpha()]
    return len(letters) >= 4 and all(ch.isupper() for ch in letters)


def is_strong_heading(line: str) -> bool:
    """A line opened by "Điều 5.", "Chương II", "Mục 2" or "Phần thứ nhất" with nothing or a title
    after it; "Mục 3 Chương IV của Luật này" at a line start is a wrapped reference instead."""
    m = _STRONG_HEADING.match(line)
    if not m:
        return False
    if line.startswith(("Điều", "ĐIỀU")):
        return True
    rest = line[m.end() :].lstrip()
    return not rest or rest[0] in ".:" or is_upper(rest)


def starts_unit(line: str) -> bool:
    """Opens a numbered unit or a bullet: such a line is never glued onto the previous one."""
    return is_strong_heading(line) or bool(_WEAK_START.match(line))


def _ends(pattern: re.Pattern[str], line: str) -> bool:
    return bool(pattern.search(line.rstrip(_TRAILING_QUOTES) or line))


def _heading_like(line: str) -> bool:
    # "Điều 6. Trang phục…", "1. Mục đích" or an upper-case title: what follows starts afresh.
    if is_strong_heading(line) or is_upper(line):
        return True
    return starts_unit(line) and len(line.split()) <= 12 and not line.endswith(",")


def _breaks_before(current: str, previous_physical: str, nxt: str, soft: bool, width: int | None) -> bool:
    if starts_unit(nxt):
        # A weak start ("1.", "a)", "- ") mid-sentence is more likely a wrapped reference
        # ("…tại khoản\n1. Điều 5") than a new unit; a unit follows a finished clause or a heading.
        return is_strong_heading(nxt) or _ends(_SENTENCE_END, current) or _heading_like(current)
    if soft:
        return False
    if _OPENERS.match(nxt):
        return True
    first = nxt[0]
    if first.isalpha() and first.islower():
        return False  # a sentence never starts lower case: this is a wrapped continuation
    if is_upper(current) or is_upper(nxt):
        return True  # headings stay on their own lines; the structure reader rejoins title lines
    if width is None:
        return True  # lines were not wrapped to a width, so each line end is the writer's own
    if current.startswith(("Điều", "ĐIỀU")) and is_strong_heading(current) and first.isupper():
        # After an article heading an upper-case word starts the body, unless the line is a short
        # unpunctuated tail of the title ("Điều 22. …, bổ nhiệm Thẩm phán,\nKiểm sát viên").
        return len(nxt) >= 0.6 * width or bool(_SENTENCE_END.search(nxt))
    if _ends(_SENTENCE_END, previous_physical) and (first.isupper() or first.isdigit() or first in "(“\"'"):
        # At the margin this may also be a sentence inside a paragraph; splitting it only adds a
        # PARAGRAPH under the same unit, while joining could glue a closing onto the last clause.
        return True
    # The next word would have fitted on the previous line, so the writer ended it there. `width`
    # is an under-estimate of the wrap width, which makes this test err towards joining.
    return len(previous_physical) + 1 + len(nxt.split()[0]) <= width


def wrap_width(lines: Iterable[str | None], slack: float = 1.0) -> int | None:
    """The width the source was hard-wrapped at, or None when its lines are whole paragraphs.

    A Vietnamese sentence never starts lower case, so a line followed by a lower-case line was
    wrapped, and its length is within one word of the wrap width. Without enough such lines
    the text is not hard-wrapped. The lower quartile of their lengths under-estimates the width,
    and `slack` < 1 lowers it further for proportional fonts (PDF), where full lines differ more.
    """
    items = [clean(line) if line else "" for line in lines]
    wrapped = sorted(
        len(line)
        for line, nxt in zip(items, items[1:], strict=False)
        if line and nxt and nxt[0].isalpha() and nxt[0].islower() and not starts_unit(nxt)
    )
    if len(wrapped) < 3 or len(wrapped) < 0.1 * sum(1 for line in items if line):
        return None
    return int(wrapped[len(wrapped) // 4] * slack)


def join_wrapped(lines: Iterable[str | None], *, soft: bool = False, width: int | None = None) -> list[str]:
    """Join wrapped physical lines into paragraphs.

    `soft` is for sources whose line ends inside a block carry no meaning (Markdown paragraphs):
    only a unit opener breaks there. Otherwise a line starting lower case always continues the
    previous one; given the `width` of hard-wrapped text, case changes, sentence ends and lines
    that stop short of the margin end a paragraph; without a width every line end is one.
    """
    out: list[str] = []
    current: str | None = None
    previous = ""
    for raw in lines:
        if raw is BREAK:
            if current:
                out.append(current)
            current = None
            continue
        line = clean(raw)
        if not line:
            if current:
                out.append(current)
            current = None
            continue
        if current is None:
            current = line
        elif _breaks_before(current, previous, line, soft, width):
            out.append(current)
            current = line
        else:
            current = f"{current} {line}"
        previous = line
    if current:
        out.append(current)
    return out
