"""Documents → retrievable chunks.

A chunk is the smallest unit a citation can name: a point (điểm), a clause (khoản) without
points, an unnumbered paragraph. A clause that has points is also kept whole, because questions
often ask about the clause as a list ("những việc phải làm khi giao tiếp với Nhân dân"). Each
chunk is embedded with its parents' headings, so "đeo thẻ" finds điểm a khoản 2 Điều 13 even
though the point itself does not say "giao tiếp".
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from knowledge_base.citation import Location, label
from knowledge_base.model import CONTAINER_KINDS, Document, Kind, Node

# A paragraph of a news article or a preface longer than this is cut at sentence ends: long enough to carry
# a thought, short enough to quote.
_REFERENCE_PASSAGE_CHARS = 700


@dataclass
class Chunk:
    id: int
    doc: str
    doc_title: str  # display name used in citations
    status: str
    is_norm: bool
    article: str | None
    article_title: str
    clause: str | None
    point: str | None
    label: str
    text: str  # verbatim words of the unit (with its points, for a whole clause)
    context: str  # document and headings above the unit: embedded with it, shown as lead-in
    source: str
    attachment: str = ""
    item_style: bool = False
    scope: str = "core"  # the document's: core conduct rule or peripheral
    validity: str = ""  # the document's status with its basis and date (Validity.label)
    applies_to: list[str] = field(default_factory=list)  # whom the provision binds; empty = anyone

    def embedding_text(self) -> str:
        return f"{self.context}\n{self.text}" if self.context else self.text

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Chunk:
        """From a stored row, which also carries the BM25 token lists beside the chunk's fields."""
        return cls(**{k: v for k, v in data.items() if k in _FIELDS})

    @property
    def article_key(self) -> tuple[str, str | None, str]:
        """Identifies the whole article, for "Xem toàn văn Điều …" and for de-duplicating answers."""
        return (self.doc, self.article, self.attachment)


_FIELDS = frozenset(Chunk.__dataclass_fields__)


@dataclass
class ArticleText:
    doc: str
    article: str | None
    attachment: str
    heading: str
    label: str
    text: str


def chunk_document(doc: Document) -> tuple[list[Chunk], list[ArticleText]]:
    """All chunks of a document (ids left at -1 for the index to assign) and its full article texts."""
    chunks: list[Chunk] = []
    articles: list[ArticleText] = []
    if not doc.is_norm and not any(n.kind is not Kind.PARAGRAPH for n in doc.walk()):
        _chunk_reference(doc, chunks)
        return chunks, articles
    _walk(doc, doc.body, [], "", chunks, articles)
    return chunks, articles


def _walk(
    doc: Document, nodes: list[Node], headings: list[str], attachment: str, chunks: list[Chunk], articles: list
) -> None:
    loose: list[Node] = []
    for node in nodes:
        if node.kind in CONTAINER_KINDS:
            _flush_loose(doc, loose, headings, attachment, chunks)
            inner_attachment = node.title if node.kind is Kind.ATTACHMENT else attachment
            _walk(doc, node.children, [*headings, node.heading()], inner_attachment, chunks, articles)
        elif node.kind in (Kind.ARTICLE, Kind.ITEM):
            _flush_loose(doc, loose, headings, attachment, chunks)
            _chunk_article(doc, node, headings, attachment, chunks, articles)
        else:
            loose.append(node)
    _flush_loose(doc, loose, headings, attachment, chunks)


def _chunk_article(
    doc: Document, art: Node, headings: list[str], attachment: str, chunks: list[Chunk], articles: list
) -> None:
    items = art.kind is Kind.ITEM
    heading = f"{art.number}. {art.title}".strip(". ") if items else art.heading()
    art_loc = Location(article=art.number, item_style=items, attachment=attachment)
    context_head = [doc.display_name, *(h for h in headings[-1:] if h), heading]
    full = art.full_text() if not items else "\n".join(filter(None, [art.text, art.full_text()]))
    articles.append(
        ArticleText(doc.id, art.number, attachment, heading, label(doc, art_loc), full or art.title)
    )
    if items and art.text:
        chunks.append(_make(doc, art_loc, art.title, art.text, context_head[:-1] + [heading]))
    if not art.children:
        if not items and (art.text or art.title):
            chunks.append(_make(doc, art_loc, art.title, art.text or art.title, context_head))
        return
    for child in art.children:
        if child.kind in (Kind.CLAUSE, Kind.SUBITEM):
            loc = Location(article=art.number, clause=child.number, item_style=items, attachment=attachment)
            points = [c for c in child.children if c.kind is Kind.POINT]
            if points:
                chunks.append(_make(doc, loc, art.title, child.full_text(), context_head))
                for point in child.children:
                    ploc = Location(art.number, child.number, point.number if point.kind is Kind.POINT else None,
                                    items, attachment)
                    chunks.append(_make(doc, ploc, art.title, point.text, [*context_head, child.text]))
            else:
                chunks.append(_make(doc, loc, art.title, child.full_text() if child.children else child.text,
                                    context_head))
        else:
            chunks.append(_make(doc, art_loc, art.title, child.full_text(), context_head))


def _flush_loose(doc: Document, loose: list[Node], headings: list[str], attachment: str, chunks: list) -> None:
    """Paragraphs outside any article (a directive's preface, a news article) as passages."""
    if not loose:
        return
    loc = Location(attachment=attachment)
    for passage in _passages([n.full_text() or n.text for n in loose]):
        chunks.append(_make(doc, loc, "", passage, [doc.display_name, *headings[-1:]]))
    loose.clear()


def _chunk_reference(doc: Document, chunks: list[Chunk]) -> None:
    for passage in _passages([n.text for n in doc.body]):
        chunks.append(_make(doc, Location(), "", passage, [doc.display_name]))


def _passages(paragraphs: list[str]) -> list[str]:
    """One passage per paragraph, a long one cut at sentence ends. Paragraphs are never joined: the
    parser drops a page's boilerplate between them, so two paragraphs that follow each other in the
    text may stand apart on the page, and a quote joining them would read as one passage it is not."""
    out: list[str] = []
    for para in (p.strip() for p in paragraphs):
        if not para:
            continue
        current = ""
        for sentence in re.split(r"(?<=[.!?…;])\s+", para):
            if current and len(current) + len(sentence) + 1 > _REFERENCE_PASSAGE_CHARS:
                out.append(current)
                current = ""
            current = f"{current} {sentence}" if current else sentence
        if current:
            out.append(current)
    return out


def _make(doc: Document, loc: Location, article_title: str, text: str, context: list[str]) -> Chunk:
    return Chunk(
        id=-1,
        doc=doc.id,
        doc_title=doc.display_name,
        status=doc.validity.status.value,
        is_norm=doc.is_norm,
        article=loc.article,
        article_title=article_title,
        clause=loc.clause,
        point=loc.point,
        label=label(doc, loc),
        text=text.strip(),
        context=". ".join(c.strip() for c in context if c and c.strip()),
        source=doc.source,
        attachment=loc.attachment,
        item_style=loc.item_style,
        scope=doc.scope,
        applies_to=list(doc.binds(loc.article, loc.clause)),
        validity=doc.validity.label,
    )
