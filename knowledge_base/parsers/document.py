"""Logical lines → Document: metadata, tree and the fallbacks for texts that are not norms.

A text with a số hiệu is a norm and keeps it as id. A text without one (a news article, a
commentary) is kept for reference: it gets a slug id from its headline, doc_type "Bài viết" and
Status.REFERENCE, so retrieval can rank it below the provisions it talks about.
"""

from __future__ import annotations

import re
import unicodedata

from knowledge_base.model import Document, Kind, Status, Validity
from knowledge_base.parsers import metadata
from knowledge_base.parsers.errors import ParseError
from knowledge_base.parsers.paragraphs import is_upper
from knowledge_base.parsers.structure import parse_structure

ARTICLE_TYPE = "Bài viết"
_SLUG_PREFIX = "bai-viet-"
_SLUG_MAX = 60  # characters after the prefix: long enough to tell articles apart, short for a file name


def slugify(text: str, max_length: int = _SLUG_MAX) -> str:
    """ASCII, lower case, dashes; cut at a word boundary so the id stays readable."""
    text = unicodedata.normalize("NFC", text).replace("Đ", "D").replace("đ", "d")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1]
        slug = cut[: cut.rfind("-")] if "-" in cut else cut[:max_length]
    return slug


def headline(lines: list[str]) -> int | None:
    """Index of a news page's headline among its first lines.

    Portals put banners (upper case), breadcrumbs printed twice ("Tin Văn hóa- Xã hội Tin Văn hóa-
    Xã hội"), counters ("Trong ngày: 1603") and bylines before it; the headline is the first phrase
    of some length that is not a sentence and not a "label: value" line.
    """
    for i, line in enumerate(lines[:25]):
        words = line.split()
        if not 6 <= len(words) <= 45 or is_upper(line) or line.startswith("("):
            continue
        if re.search(r"[.!?:]$", line) or ":" in " ".join(words[:4]):
            continue
        half = len(line) // 2
        if line[:half].strip() == line[half:].strip():
            continue
        return i
    return None


def build_document(lines: list[str], *, source: str, doc_id: str | None = None) -> Document:
    """The Document for these lines; `source` is the original file name, kept for provenance."""
    if not any(line.strip() for line in lines):
        raise ParseError(f"Không đọc được tệp {source}: tệp không có nội dung văn bản nào.")
    meta = metadata.detect(lines)
    if doc_id:
        metadata.adopt_number(meta, doc_id)
    if not meta.number:
        return _reference(lines, source, doc_id)
    structure = parse_structure(lines, numbered_items=True, header=meta.header_lines)
    if not meta.number_in_header and structure.count(Kind.ARTICLE, Kind.ITEM) < 2:
        # A page that only mentions a document ("… vừa ban hành Chỉ thị số …") without its text.
        return _reference(lines, source, doc_id)
    return Document(
        id=doc_id or meta.number,
        doc_type=meta.doc_type or "Văn bản",
        title=meta.title,
        name=meta.name,
        issuer=meta.issuer,
        issued=meta.issued,
        effective=meta.effective,
        validity=Validity(status=Status.IN_FORCE),
        source=source,
        preamble="\n".join(structure.preamble),
        body=structure.body,
        closing="\n".join(structure.closing),
        signer=metadata.signer(structure.closing),
    )


def _reference(lines: list[str], source: str, doc_id: str | None) -> Document:
    at = headline(lines)
    title = lines[at] if at is not None else _stem(source)
    # Banners and the headline go before the text, not into it.
    structure = parse_structure(lines, numbered_items=False, header=at + 1 if at is not None else 0)
    return Document(
        id=doc_id or _SLUG_PREFIX + (slugify(title) or slugify(_stem(source)) or "khong-ten"),
        doc_type=ARTICLE_TYPE,
        title=title,
        validity=Validity(status=Status.REFERENCE),
        source=source,
        preamble="\n".join(structure.preamble),
        body=structure.body,
        closing="\n".join(structure.closing),
    )


def _stem(source: str) -> str:
    name = source.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0] if "." in name else name
