"""Logical lines → preamble, body tree and closing block.

Legal texts nest Phần > Chương > Mục > Điều > Khoản > Điểm; Party directives number their sections
"1.", "6.1." instead of using Điều. The detector picks the scheme from the text (any "Điều N." means
a legal text) and builds the tree with a stack. Whatever it cannot place becomes a PARAGRAPH node
under the nearest open unit, so no line is ever dropped: the test suite checks every word.

Where the lines go:
- before the first unit → `preamble` (header, căn cứ, a news page's lead);
- an unnumbered line inside a unit → PARAGRAPH child of that unit; after the points of a khoản it
  belongs to the khoản ("Chính phủ quy định chi tiết khoản này."), as drafting convention has it;
- after the last unit, from the first line that opens a signature block, recipient list, passing
  formula or web-page furniture → `closing` (a Quyết định's own closing sits before its attachment).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum, auto

from knowledge_base.model import Kind, Node
from knowledge_base.parsers.paragraphs import is_upper

POINT_LETTERS = "abcdđeghiklmnopqrstuvxy"


class Tag(Enum):
    PART = auto()
    CHAPTER = auto()
    SECTION = auto()
    ARTICLE = auto()
    ATTACHMENT = auto()
    ROMAN = auto()
    NUMBERED = auto()
    SUBNUMBERED = auto()
    POINT = auto()
    TEXT = auto()


_PART = re.compile(r"^(?:Phần|PHẦN)\s+((?:thứ|THỨ)\s+[^\s.:]+|[IVXLC]+|\d+)\b\s*([.:]?)\s*(.*)$")
_CHAPTER = re.compile(r"^(?:Chương|CHƯƠNG)\s+([IVXLC]+|\d+)\b\s*([.:]?)\s*(.*)$")
_SECTION = re.compile(r"^(?:Mục|MỤC)\s+(\d+)\b\s*([.:]?)\s*(.*)$")
# "Điều 5.", "Điều 5a.", and the pháp điển's "Điều 5.2.LQ.19." / "Điều 18.4.NĐ.1.1."
_ARTICLE = re.compile(r"^(?:Điều|ĐIỀU)\s+(\d+[a-zđ]?(?:\.(?:\d+[a-zđ]?|[A-ZĐ]{1,6}))*)\s*[.:](?:\s+|$)(.*)$")
# The pháp điển's attribution under an article: "(Điều 1 Luật số 42/2013/QH13 …)".
_SOURCE_NOTE = re.compile(r"^\(Điều \d+\w*\b.*\b(?:số|Luật|Nghị định|Thông tư|Quyết định)\b.*\)$")
_ROMAN = re.compile(r"^([IVXLC]{1,6})\.\s+(.+)$")
_SUBNUMBERED = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){1,3})\.?\s+(.+)$")
_NUMBERED = re.compile(r"^(\d{1,3})\.(\s*)(\S.*)$")
_POINT = re.compile(r"^([a-zđ])\)\s+(.+)$")
_ATTACHMENT_HEAD = re.compile(
    r"^(QUY ĐỊNH|QUY CHẾ|QUY TẮC|ĐIỀU LỆ|HƯỚNG DẪN|PHỤ LỤC|CHƯƠNG TRÌNH|KẾ HOẠCH|DANH MỤC|ĐỀ ÁN|BỘ QUY TẮC)\b"
)
_ATTACHED_NOTE = re.compile(r"^\((?:Ban hành )?[Kk]èm theo\b")

_CLOSING_START = re.compile(
    r"^(?:Nơi nhận|TM\.|T/M|KT\.|K/T|TL\.|T/L|TUQ\.|Q\.\s|PP\.)"
    r"|^\(?Đã ký\)?"
    r"|^(?:Luật|Bộ luật|Pháp lệnh|Nghị quyết|Nghị định|Quyết định|Thông tư|Chỉ thị|Quy định|Quy chế)"
    r" này (?:đã )?được .*thông qua"
    r"|Lưu:?\s*VT|^-\s*(?:Như|Lưu)\b"
)
_SIGNATURE = re.compile(r"^(?:Nơi nhận|TM\.|T/M|KT\.|K/T|TL\.|T/L|TUQ\.)")
# Furniture of the portals the seed pages come from: counters, comment boxes, related links.
_WEB_FURNITURE = re.compile(
    r"^(?:Bạn đọc|Tin khác|Tin liên quan|Các tin (?:đã đưa|khác)|Xem nhiều|Xem thêm|Bình chọn|Bình luận"
    r"|Ý kiến (?:của )?bạn|Chia sẻ|Hãy chia sẻ|Số lượt (?:truy cập|online)|Lượt (?:xem|truy cập)|Truy cập$"
    r"|Hôm nay:|Trả lời$|In bài|Gửi (?:bài|email)|Quay lại|« Quay lại|Trở về|Chưa có (?:lời )?bình"
    r"|\d+ bình luận|\{\w+\}|Thời tiết$|CỔNG THÔNG TIN)",
    re.IGNORECASE,
)


@dataclass
class Structure:
    preamble: list[str] = field(default_factory=list)
    body: list[Node] = field(default_factory=list)
    closing: list[str] = field(default_factory=list)

    def walk(self) -> Iterator[Node]:
        for node in self.body:
            yield from node.walk()

    def count(self, *kinds: Kind) -> int:
        return sum(1 for node in self.walk() if node.kind in kinds)


@dataclass
class _Line:
    tag: Tag
    number: str = ""
    rest: str = ""


def classify(line: str, *, legal: bool) -> _Line:
    """What a line opens, judged on its own; the builder checks it against the context."""
    if m := _ARTICLE.match(line):
        return _Line(Tag.ARTICLE, m.group(1), m.group(2))
    for pattern, tag in ((_PART, Tag.PART), (_CHAPTER, Tag.CHAPTER), (_SECTION, Tag.SECTION)):
        m = pattern.match(line)
        # "Mục 3 Chương IV của Luật này" is a reference, not a heading: a title is upper case
        # or set off by a full stop.
        if m and (not m.group(3) or m.group(2) or is_upper(m.group(3))):
            return _Line(tag, m.group(1), m.group(3))
    if _ATTACHMENT_HEAD.match(line) and is_upper(line.split("(")[0]):
        return _Line(Tag.ATTACHMENT, rest=line)
    if not legal and (m := _ROMAN.match(line)) and is_upper(m.group(2)):
        return _Line(Tag.ROMAN, m.group(1), m.group(2))
    if m := _SUBNUMBERED.match(line):
        return _Line(Tag.SUBNUMBERED, m.group(1), m.group(2))
    m = _NUMBERED.match(line)
    if m and (m.group(2) or m.group(3)[0].isupper()):  # "1.Tạp chí …" lost its space; "1.000" is a number
        return _Line(Tag.NUMBERED, m.group(1), m.group(3))
    if m := _POINT.match(line):
        return _Line(Tag.POINT, m.group(1), m.group(2))
    return _Line(Tag.TEXT, rest=line)


def _is_closing_start(line: str) -> bool:
    if _CLOSING_START.search(line) or _WEB_FURNITURE.match(line):
        return True
    if is_upper(line):
        return True  # a signature title ("CHỦ TỊCH QUỐC HỘI", "TM. CHÍNH PHỦ")
    words = line.split()
    # A name or a byline ("Trần Thanh Mẫn", "BBT", "CT17-CT/TU") rather than a sentence.
    return len(words) <= 4 and not re.search(r"[.;:!?,]$", line)


def _article_title_is_text(rest: str) -> bool:
    """Whether "Điều 2. Quyết định này có hiệu lực…" carries text: titles are short, unpunctuated."""
    body = rest.rstrip()
    if not body.endswith((".", ";", "./.")):
        return False
    return len(body.split()) > 10 or ". " in body


class _Builder:
    """A stack of open units; each new line either opens a unit or is text for the innermost one."""

    LEVELS = {
        Kind.ATTACHMENT: 0,
        Kind.PART: 1,
        Kind.CHAPTER: 2,
        Kind.SECTION: 3,
        Kind.ARTICLE: 4,
        Kind.ITEM: 4,
        Kind.CLAUSE: 5,
        Kind.SUBITEM: 6,
        Kind.POINT: 7,
    }

    def __init__(self, lines: list[str], legal: bool, *, inside: Node | None = None) -> None:
        self.lines = lines
        self.legal = legal
        self.inside = inside  # the one unit every line belongs to, when a caller supplies it
        self.tags = [classify(line, legal=legal) for line in lines]
        self.out = Structure()
        self.stack: list[Node] = [inside] if inside is not None else []
        self.title_open: Node | None = None  # container whose title lines may still follow
        self.position = 0  # index of the line being placed
        self.attachments = self._attachment_starts() if inside is None else set()

    # ---------------------------------------------------------------- helpers

    def _open(self, node: Node) -> None:
        level = self.LEVELS[node.kind]
        while self.stack and self.LEVELS[self.stack[-1].kind] >= level:
            self.stack.pop()
        (self.stack[-1].children if self.stack else self.out.body).append(node)
        self.stack.append(node)

    def _innermost(self, *kinds: Kind) -> Node | None:
        for node in reversed(self.stack):
            if node.kind in kinds:
                return node
        return None

    def _last_child(self, node: Node | None, kind: Kind) -> Node | None:
        if node is None:
            return None
        for child in reversed(node.children):
            if child.kind is kind:
                return child
        return None

    def _add_text(self, line: str) -> None:
        if not self.stack:
            self.out.preamble.append(line)
            return
        top = self.stack[-1]
        if top.kind is Kind.ARTICLE and not top.children and not top.note and _SOURCE_NOTE.match(line):
            top.note = line
            return
        if top.kind is Kind.POINT and len(self.stack) > 1 and not self._belongs_to_point(top, line):
            # After the last point, an unnumbered paragraph belongs to the khoản that holds them.
            self.stack.pop()
            self.stack[-1].children.append(Node(Kind.PARAGRAPH, text=line))
            return
        top.children.append(Node(Kind.PARAGRAPH, text=line))

    def _belongs_to_point(self, point: Node, line: str) -> bool:
        """Between two points a paragraph continues the first; after the last, it is the khoản's."""
        if line.startswith(("-", "+", "•")) or point.text.endswith(":"):
            return True
        for tag in self.tags[self.position + 1 :]:
            if tag.tag is not Tag.TEXT:
                return tag.tag is Tag.POINT
        return False

    # ---------------------------------------------------------------- units

    def _numbered_ok(self, parent: Node | None, kind: Kind, number: int) -> bool:
        """Numbers run 1, 2, 3 …; a jump means a wrapped reference or a quoted list, not a unit."""
        last = self._last_child(parent, kind) if parent is not None else self._last_top(kind)
        previous = (last.number or "").rsplit(".", 1)[-1] if last is not None else ""
        if not previous.isdigit():
            return number <= 2
        return int(previous) < number <= int(previous) + 2

    def _last_top(self, kind: Kind) -> Node | None:
        for node in reversed(self.out.body):
            if node.kind is kind:
                return node
        return None

    def _point_ok(self, parent: Node, letter: str) -> bool:
        last = self._last_child(parent, Kind.POINT)
        index = POINT_LETTERS.find(letter)
        if index < 0:
            return False
        if last is None:
            # Amending texts and codified excerpts may quote only "c)" of a list announced by ":".
            return index <= 1 or parent.text.endswith(":")
        previous = POINT_LETTERS.find(last.number or "")
        return previous < index <= previous + 2

    def _container(self, kind: Kind, tag: _Line) -> None:
        node = Node(kind, number=tag.number, title=tag.rest.strip(" .:"))
        self._open(node)
        self.title_open = node

    def _numbered(self, tag: _Line, line: str) -> None:
        number = int(tag.number)
        if self.legal:
            article = self._innermost(Kind.ARTICLE)
            if article is not None and self._numbered_ok(article, Kind.CLAUSE, number):
                while self.stack[-1] is not article:
                    self.stack.pop()
                self._open(Node(Kind.CLAUSE, number=tag.number, text=tag.rest))
                return
        else:
            holder = self._innermost(Kind.PART, Kind.ATTACHMENT)
            if self._numbered_ok(holder, Kind.ITEM, number):
                while self.stack and self.stack[-1] is not holder:
                    self.stack.pop()
                self._open(Node(Kind.ITEM, number=tag.number, text=tag.rest))
                return
        self._add_text(line)

    def _subnumbered(self, tag: _Line, line: str) -> None:
        parent = self._innermost(Kind.CLAUSE) if self.legal else self._innermost(Kind.ITEM)
        head, _, tail = tag.number.rpartition(".")
        if parent is None or parent.number != head.split(".")[-1] or not tail.isdigit():
            self._add_text(line)
            return
        if not self._numbered_ok(parent, Kind.SUBITEM, int(tail)):
            self._add_text(line)
            return
        while self.stack[-1] is not parent:
            self.stack.pop()
        self._open(Node(Kind.SUBITEM, number=tag.number, text=tag.rest))

    def _point(self, tag: _Line, line: str) -> None:
        holders = (Kind.SUBITEM, Kind.CLAUSE, Kind.ARTICLE, Kind.ITEM)
        parent = next((n for n in reversed(self.stack) if n.kind in holders), None)
        if parent is None or not self._point_ok(parent, tag.number):
            self._add_text(line)
            return
        while self.stack[-1] is not parent:
            self.stack.pop()
        self._open(Node(Kind.POINT, number=tag.number, text=tag.rest))

    def _article(self, tag: _Line) -> None:
        if _article_title_is_text(tag.rest):
            self._open(Node(Kind.ARTICLE, number=tag.number))
            self.stack[-1].children.append(Node(Kind.PARAGRAPH, text=tag.rest))
        else:
            self._open(Node(Kind.ARTICLE, number=tag.number, title=tag.rest.strip()))

    # ---------------------------------------------------------------- main loop

    def _closing_ranges(self) -> set[int]:
        """Indices of closing lines: after each scope's last unit, from the first closing-like line."""
        scope_starts = [0, *sorted(self.attachments)]
        scope_ends = scope_starts[1:] + [len(self.lines)]
        unit_tags = {Tag.ARTICLE, Tag.NUMBERED, Tag.SUBNUMBERED, Tag.POINT, Tag.ROMAN}
        closing: set[int] = set()
        for start, end in zip(scope_starts, scope_ends, strict=True):
            units = [i for i in range(start, end) if self.tags[i].tag in unit_tags]
            if not units:
                continue
            for i in range(units[-1] + 1, end):
                if _is_closing_start(self.lines[i]) or self._recipient_list_at(i, end):
                    closing.update(range(i, end))
                    break
        return closing

    def _recipient_list_at(self, i: int, end: int) -> bool:
        """A run of "- …" lines ending in "- Lưu: VT": a Nơi nhận list whose label was lost."""
        for line in self.lines[i:end]:
            if not line.startswith("-"):
                return False
            if _CLOSING_START.search(line):
                return True
        return False

    def _attachment_starts(self) -> set[int]:
        """Upper-case "QUY ĐỊNH …" headings followed by "(Kèm theo …)", once the body has begun."""
        starts: set[int] = set()
        body_begun = False
        for i, tag in enumerate(self.tags):
            noted = any(_ATTACHED_NOTE.match(line) for line in self.lines[i : i + 4])
            if tag.tag is Tag.ATTACHMENT and body_begun and noted:
                starts.add(i)
            body_begun = body_begun or tag.tag in (Tag.ARTICLE, Tag.NUMBERED)
        return starts

    def build(self) -> Structure:
        closing = self._closing_ranges() if self.inside is None else set()
        i = 0
        while i < len(self.lines):
            line, tag = self.lines[i], self.tags[i]
            self.position = i
            if i in closing:
                self.out.closing.append(line)
                i += 1
                continue
            if i in self.attachments:
                i = self._attachment(i)
                continue
            if self.title_open is not None:
                if tag.tag in (Tag.TEXT, Tag.ATTACHMENT) and self._title_continues(self.title_open, line):
                    title = self.title_open.title
                    self.title_open.title = f"{title} {line}" if title else line
                    i += 1
                    continue
                self.title_open = None
            self._dispatch(tag, line)
            i += 1
        return self.out

    def _title_continues(self, node: Node, line: str) -> bool:
        if not node.title:
            # The line under "Chương I": upper case, or a short phrase that is not a sentence.
            return is_upper(line) or (len(line.split()) <= 15 and not line.endswith((".", ";", ":")))
        return is_upper(line) and is_upper(node.title)

    def _attachment(self, i: int) -> int:
        """Open an ATTACHMENT: its heading lines and the "(Kèm theo …)" note make its title."""
        while self.stack:
            self.stack.pop()
        parts = [self.lines[i]]
        i += 1
        while i < len(self.lines):
            line = self.lines[i]
            if _ATTACHED_NOTE.match(line):
                parts.append(line)
                i += 1
                break
            if is_upper(line) and self.tags[i].tag in (Tag.TEXT, Tag.ATTACHMENT):
                parts.append(line)
                i += 1
                continue
            break
        node = Node(Kind.ATTACHMENT, title=" ".join(parts))
        self.out.body.append(node)
        self.stack.append(node)
        return i

    def _dispatch(self, tag: _Line, line: str) -> None:
        t = tag.tag
        if self.inside is not None and t in (Tag.ARTICLE, Tag.PART, Tag.CHAPTER, Tag.SECTION, Tag.ROMAN):
            self._add_text(line)  # inside one Điều, a heading-like line is quoted text
        elif t is Tag.ARTICLE and self.legal:
            self._article(tag)
        elif t is Tag.PART or (t is Tag.ROMAN and not self.legal):
            self._container(Kind.PART, tag)
        elif t is Tag.CHAPTER and self.legal:
            self._container(Kind.CHAPTER, tag)
        elif t is Tag.SECTION and self.legal:
            self._container(Kind.SECTION, tag)
        elif t is Tag.NUMBERED:
            self._numbered(tag, line)
        elif t is Tag.SUBNUMBERED:
            self._subnumbered(tag, line)
        elif t is Tag.POINT:
            self._point(tag, line)
        else:
            self._add_text(line)


def parse_structure(lines: list[str], *, numbered_items: bool = True, header: int = 0) -> Structure:
    """Build the tree.

    `numbered_items` lets "1.", "6.1." become ITEM/SUBITEM in a text without Điều; it is off for
    news articles, whose numbered lists are not provisions. `header` is how many leading lines are
    the printed header: in a text without any unit they are the preamble.
    """
    legal = any(classify(line, legal=True).tag is Tag.ARTICLE for line in lines)
    if legal or numbered_items:
        structure = _Builder(lines, legal).build()
        if structure.body:
            return structure
    return _paragraphs_only(lines, header)


def split_article_lines(lines: list[str]) -> list[Node]:
    """The khoản, điểm and paragraphs of one Điều from its body lines.

    For sources that deliver articles one by one (the pháp điển records): the heading is already
    known, so every line belongs to the article and nothing is taken for a closing block.
    """
    article = Node(Kind.ARTICLE)
    _Builder(lines, legal=True, inside=article).build()
    return article.children


def _paragraphs_only(lines: list[str], header: int) -> Structure:
    """No units at all: every line is a PARAGRAPH, between the header and the closing block.

    A signature block ("Nơi nhận", "TM.", "KT.") closes the text wherever it is; portal furniture
    only counts in the second half, since banners and menus also open a page.
    """
    end = len(lines)
    for i in range(header, len(lines)):
        line = lines[i]
        if _SIGNATURE.match(line) or (i >= len(lines) // 2 and _WEB_FURNITURE.match(line)):
            end = i
            break
    body = [Node(Kind.PARAGRAPH, text=line) for line in lines[header:end]]
    return Structure(preamble=lines[:header], body=body, closing=lines[end:])
