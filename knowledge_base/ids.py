"""Document ids: official numbers (số hiệu) in one canonical spelling, and the file each one lives in.

A document's id is its official number as printed ("80/2025/QH15", "17-CT/TU", "3509/QĐ-CT");
reference articles without one get an ASCII slug ("bai-viet-…", "seed-001"). The id decides the
file name, and two ids that would share a file are the same document as far as the knowledge base
is concerned: "80-2025-QH15" typed for an upload means Luật 80/2025/QH15, and must not silently
overwrite it. `key` is that identity.
"""

from __future__ import annotations

import re
import unicodedata

from knowledge_base.hygiene import clean_line, problems

MAX_LENGTH = 80
_NUMBER = re.compile(r"^\d{1,5}(?:[/-][0-9A-Za-zĐđ]+)+$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_PREFIX = re.compile(r"^(?:văn bản\s+)?số(?:\s+hiệu)?\s*[:.]?\s*", re.IGNORECASE)
EXAMPLE = "80/2025/QH15, 17-CT/TU hoặc 3509/QĐ-CT"


class InvalidId(ValueError):
    """An id that is not an official number or a slug; the message is for the admin, in Vietnamese."""


def canonical(raw: str) -> str:
    """The id as stored: "Số: 80 / 2025 / QH15" → "80/2025/QH15". InvalidId when it is not a number."""
    if problems(raw):
        raise InvalidId(f"Số hiệu {_shown(raw)} không hợp lệ: {'; '.join(problems(raw))}.")
    text = _PREFIX.sub("", clean_line(raw))
    text = re.sub(r"\s*([/-])\s*", r"\1", text)
    if not text:
        raise InvalidId(f"Thiếu số hiệu văn bản (ví dụ {EXAMPLE}).")
    if len(text) > MAX_LENGTH:
        raise InvalidId(f"Số hiệu quá dài ({len(text)} ký tự; tối đa {MAX_LENGTH}).")
    if not (_NUMBER.match(text) or _SLUG.match(text)):
        raise InvalidId(f"Số hiệu {_shown(text)} không đúng dạng số hiệu văn bản (ví dụ {EXAMPLE}).")
    return text


def file_name(doc_id: str) -> str:
    """A file name for a document id ("80/2025/QH15" → "80-2025-QH15.md"), stable and portable."""
    ascii_id = unicodedata.normalize("NFC", doc_id).replace("Đ", "D").replace("đ", "d")
    ascii_id = unicodedata.normalize("NFKD", ascii_id).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_id).strip("-.")
    if not stem:
        raise InvalidId(f"Số hiệu {_shown(doc_id)} không có chữ hoặc số nào để đặt tên tệp.")
    return stem + ".md"


def key(doc_id: str) -> str:
    """Ids with the same key are one document: same file name, ignoring case (file systems may)."""
    return file_name(doc_id).lower()


def loose_key(doc_id: str) -> str:
    """`key` of any spelling an admin or a file may use; text that is no number keys as itself in
    lower case, which no document's key equals (keys end in ".md")."""
    try:
        return key(canonical(doc_id))
    except InvalidId:
        return doc_id.casefold()


def _shown(text: str) -> str:
    return "“" + clean_line(text)[:MAX_LENGTH] + "”"
