"""The document model every other part of the product speaks.

A Vietnamese legal text is a tree: Phần > Chương > Mục > Điều > Khoản > Điểm. Party directives
use numbered items ("1.", "6.1.") instead of Điều, and news articles have no structure at all, so a
node kind exists for each of those too. Citations are computed from the path through this tree,
which is why the tree — not the flat text — is what we store.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Kind(StrEnum):
    """Node kinds, named for the Vietnamese unit they represent."""

    PART = "phan"  # Phần
    CHAPTER = "chuong"  # Chương
    SECTION = "muc"  # Mục (a group of Điều inside a Chương)
    ATTACHMENT = "kem_theo"  # a Quy định/Quy chế attached to a decision ("Kèm theo Quyết định số …")
    ARTICLE = "dieu"  # Điều
    CLAUSE = "khoan"  # Khoản (1., 2., …)
    POINT = "diem"  # Điểm (a), b), đ), …)
    ITEM = "muc_so"  # numbered item of a Party directive ("1.", "2.")
    SUBITEM = "tieu_muc"  # its sub-item ("6.1.")
    PARAGRAPH = "doan"  # unnumbered paragraph: the fallback that never loses text


CONTAINER_KINDS = frozenset({Kind.PART, Kind.CHAPTER, Kind.SECTION, Kind.ATTACHMENT})


class Status(StrEnum):
    """Validity status as the sources state it."""

    IN_FORCE = "in_force"
    PARTLY_SUPERSEDED = "partly_superseded"
    SUPERSEDED = "superseded"
    UNVERIFIED = "unverified"  # a real directive whose current validity no source states
    REFERENCE = "reference"  # not a legal norm (news article, commentary): ranked below norms

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    Status.IN_FORCE: "còn hiệu lực",
    Status.PARTLY_SUPERSEDED: "hết hiệu lực một phần",
    Status.SUPERSEDED: "hết hiệu lực",
    Status.UNVERIFIED: "chưa xác minh hiệu lực",
    Status.REFERENCE: "tài liệu tham khảo, không phải văn bản quy phạm",
}


@dataclass
class Node:
    """One unit of a document.

    `title` is the heading of a container or Điều ("Văn hóa giao tiếp"); `text` is the unit's own
    words (for a Khoản with points, its lead-in sentence). An Điều keeps its body in `children`
    (unnumbered paragraphs as PARAGRAPH nodes), never in `text`. `note` carries a per-article
    attribution, e.g. the pháp điển line naming the article's original source.
    """

    kind: Kind
    number: str | None = None
    title: str = ""
    text: str = ""
    children: list[Node] = field(default_factory=list)
    note: str = ""

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()

    def full_text(self) -> str:
        """The unit's text with all its descendants, one unit per line, as a reader sees it."""
        lines: list[str] = []
        for node in self.walk():
            if node is not self and node.kind in (Kind.ARTICLE, *CONTAINER_KINDS):
                lines.append(node.heading())
            elif node.kind is not Kind.ARTICLE and node.kind not in CONTAINER_KINDS:
                lines.append(node.labelled_text())
        return "\n".join(line for line in lines if line)

    def heading(self) -> str:
        """The heading line as written in Vietnamese legal texts ("Điều 13. Văn hóa giao tiếp")."""
        word = _HEADING_WORDS.get(self.kind, "")
        if self.kind is Kind.ATTACHMENT:
            return self.title
        head = f"{word} {self.number}".strip() if self.number else word
        if self.title:
            return f"{head}. {self.title}" if head else self.title
        return head

    def labelled_text(self) -> str:
        """The unit's own text with its number, as printed in the source ("a) …", "2. …")."""
        if self.kind is Kind.POINT and self.number:
            return f"{self.number}) {self.text}"
        if self.kind in (Kind.CLAUSE, Kind.ITEM, Kind.SUBITEM) and self.number:
            head = f"{self.number}. {self.title}".rstrip() if self.title else f"{self.number}."
            return f"{head} {self.text}".rstrip() if self.text else head
        return self.text


_HEADING_WORDS = {
    Kind.PART: "Phần",
    Kind.CHAPTER: "Chương",
    Kind.SECTION: "Mục",
    Kind.ARTICLE: "Điều",
}


@dataclass
class Validity:
    """What the sources say about whether a document still binds anyone."""

    status: Status = Status.IN_FORCE
    note: str = ""  # a sentence for the reader, e.g. which provisions were replaced and from when
    superseded_by: list[str] = field(default_factory=list)
    replaces: list[str] = field(default_factory=list)
    # On what the status rests and as of when ("Bộ pháp điển điện tử", "02/2025"): a status is only
    # as good as its source, and the law keeps moving after a snapshot.
    basis: str = ""
    as_of: str = ""  # "02/2025" or "29/11/2026"

    @property
    def label(self) -> str:
        """The status with its basis and date, never a bare "còn hiệu lực":
        "còn hiệu lực theo Bộ pháp điển điện tử, cập nhật 02/2025"."""
        if self.status is Status.REFERENCE:
            return self.status.label
        if self.status is Status.UNVERIFIED:
            return f"{self.status.label}: {self.basis}" if self.basis else self.status.label
        if not self.basis:
            return f"{self.status.label}, chưa ghi căn cứ xác minh"
        when = f", cập nhật {self.as_of}" if self.as_of else ""
        return f"{self.status.label} theo {self.basis}{when}"


@dataclass
class Document:
    """A regulation, directive or reference article, with its metadata and body tree.

    `id` is the official number (số hiệu) exactly as written in the source ("80/2025/QH15"); a
    document without one gets a stable slug and keeps its original file name in `source`.
    """

    id: str
    doc_type: str  # Luật, Nghị định, Quyết định, Chỉ thị, Bài viết, …
    title: str
    issuer: str = ""
    issued: date | None = None
    effective: date | None = None
    validity: Validity = field(default_factory=Validity)
    source: str = ""
    preamble: str = ""  # căn cứ ban hành and other text before the first unit
    body: list[Node] = field(default_factory=list)
    signer: str = ""
    closing: str = ""  # text after the last unit (Nơi nhận, signature block): kept, never cited
    name: str = ""  # short citation name ("Luật Cán bộ, công chức"); falls back to doc_type
    # Whom it binds (`knowledge_base.applicability`): empty = anyone it names; per article, or per
    # clause ("20.5"), where narrower.
    scope: str = "core"  # core conduct rule, or peripheral (job grades, one ministry's procedures)
    applies_to: list[str] = field(default_factory=list)
    applies_to_articles: dict[str, list[str]] = field(default_factory=dict)

    @property
    def is_norm(self) -> bool:
        return self.validity.status is not Status.REFERENCE

    @property
    def display_name(self) -> str:
        """How the document is named in a citation ("Luật Cán bộ, công chức số 80/2025/QH15")."""
        if not self.is_norm:
            return f"bài viết “{self.title}”" if self.title else "bài viết tham khảo"
        return f"{self.name or self.doc_type} số {self.id}"

    def walk(self) -> Iterator[Node]:
        for node in self.body:
            yield from node.walk()

    def binds(self, article: str | None, clause: str | None = None) -> list[str]:
        """Whom a provision of this document binds (empty: anyone the document names).

        `applies_to_articles` is keyed by article ("20") or, where one clause of an article binds a
        narrower group than the rest, by article and clause ("20.5": Luật PCTN's rule for managers of
        state enterprises inside its rules for everyone with a position); the clause's points follow it.
        """
        narrower = self.applies_to_articles.get(f"{article}.{clause}") if clause else None
        return narrower if narrower is not None else self.applies_to_articles.get(article or "", self.applies_to)

    def articles(self) -> Iterator[Node]:
        for node in self.walk():
            if node.kind in (Kind.ARTICLE, Kind.ITEM):
                yield node

    def counts(self) -> dict[str, int]:
        """How many units of each kind were found: shown in upload previews and `index info`."""
        out: dict[str, int] = {}
        for node in self.walk():
            out[node.kind.value] = out.get(node.kind.value, 0) + 1
        return out

