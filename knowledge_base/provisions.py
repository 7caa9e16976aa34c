"""A provision named by (document, Điều, khoản, điểm), and finding it in the knowledge base.

A quiz question names its proof this way, and the validity register names the units it changes.
Resolving a reference gives the unit's verbatim text and the citation label the answers use, so a
quiz explanation cites exactly as a chat answer would.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge_base import ids
from knowledge_base.citation import Location, label, unit_label
from knowledge_base.model import CONTAINER_KINDS, Document, Kind, Node


@dataclass(frozen=True)
class Ref:
    """A provision as a question file writes it; `article` is None for a whole document."""

    doc: str
    article: str | None = None
    clause: str | None = None
    point: str | None = None

    @classmethod
    def from_dict(cls, data: dict) -> Ref:
        def text(key: str) -> str | None:
            value = data.get(key)
            return None if value is None or value == "" else str(value)

        return cls(str(data["doc"]), text("article"), text("clause"), text("point"))

    def to_dict(self) -> dict:
        out: dict = {"doc": self.doc}
        for key in ("article", "clause", "point"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out

    def covers(self, doc: str, article: str | None, clause: str | None, point: str | None) -> bool:
        """The given unit lies wholly inside this one (the number however spelt)."""
        if ids.loose_key(doc) != ids.loose_key(self.doc):
            return False
        return all(mine is None or mine == theirs
                   for mine, theirs in ((self.article, article), (self.clause, clause), (self.point, point)))

    def within(self, doc: str, article: str | None, clause: str | None, point: str | None) -> bool:
        """This unit lies inside the given one (a quoted Điều whose one khoản was repealed)."""
        return Ref(doc, article, clause, point).covers(self.doc, self.article, self.clause, self.point)

    def label(self) -> str:
        """"khoản 3 Điều 51", without the document."""
        return unit_label(Location(self.article, self.clause, self.point))


@dataclass(frozen=True)
class Provision:
    """A resolved reference: the node, its article, the label and the text that proves an answer."""

    doc: Document
    article: Node | None
    node: Node | None
    label: str  # "điểm a khoản 2 Điều 13 Luật Cán bộ, công chức số 80/2025/QH15"
    unit: str  # "điểm a khoản 2 Điều 13"
    attachment: str

    @property
    def text(self) -> str:
        """The unit with everything under it, as a reader sees it in the source."""
        if self.node is None:
            return "\n".join(n.full_text() for n in self.doc.body)
        if self.node.kind is Kind.ARTICLE:
            return f"{self.node.heading()}\n{self.node.full_text()}"
        return self.node.full_text()


class UnknownProvision(LookupError):
    """The reference names a document or unit the knowledge base does not hold."""


def resolve(ref: Ref, documents: dict[str, Document]) -> Provision:
    doc = documents.get(ref.doc)
    if doc is None:
        raise UnknownProvision(f"không có văn bản {ref.doc} trong kho")
    if ref.article is None:
        return Provision(doc, None, None, label(doc, Location()), "", "")
    article, attachment = _article(doc, ref.article)
    if article is None:
        raise UnknownProvision(f"không có Điều {ref.article} trong {doc.display_name}")
    items = article.kind is Kind.ITEM
    node = article
    if ref.clause is not None:
        node = _child(article, ref.clause, (Kind.CLAUSE, Kind.SUBITEM))
        if node is None:
            raise UnknownProvision(f"không có khoản {ref.clause} Điều {ref.article} trong {doc.display_name}")
    if ref.point is not None:
        node = _child(node, ref.point, (Kind.POINT,))
        if node is None:
            raise UnknownProvision(
                f"không có điểm {ref.point} khoản {ref.clause} Điều {ref.article} trong {doc.display_name}"
            )
    loc = Location(ref.article, ref.clause, ref.point, items, attachment)
    return Provision(doc, article, node, label(doc, loc), unit_label(loc), attachment)


def _article(doc: Document, number: str) -> tuple[Node | None, str]:
    """An attached Quy định numbers its own Điều from 1 again; its articles win over the decision's
    two or three, because they are the ones that hold rules of conduct."""
    found: list[tuple[Node, str]] = []

    def walk(nodes: list[Node], attachment: str) -> None:
        for node in nodes:
            if node.kind in CONTAINER_KINDS:
                walk(node.children, node.title if node.kind is Kind.ATTACHMENT else attachment)
            elif node.kind in (Kind.ARTICLE, Kind.ITEM) and node.number == number:
                found.append((node, attachment))

    walk(doc.body, "")
    if not found:
        return None, ""
    found.sort(key=lambda pair: pair[1] == "")
    return found[0]


def _child(node: Node, number: str, kinds: tuple[Kind, ...]) -> Node | None:
    return next((c for c in node.children if c.kind in kinds and c.number == number), None)
