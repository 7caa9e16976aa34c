"""Directives uploaded in chat: parsed at once, kept aside until an admin confirms them.

The parsed document waits as a knowledge-base file in the data directory, not in memory, so the
worker that receives "Xác nhận" need not be the one that received the file, and a restart loses
nothing. Nothing reaches the knowledge base or the index before confirmation.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path, PurePath

from bot.answer import clip
from knowledge_base import store
from knowledge_base.model import Document, Kind
from knowledge_base.parsers import SUPPORTED_EXTENSIONS, ParseError, parse_bytes


class UploadError(ValueError):
    """A message for the admin, in Vietnamese: why this file cannot be added."""


@dataclass(frozen=True)
class PendingUpload:
    token: str
    filename: str
    document: Document

    def preview(self) -> str:
        """Number, title, issuer, dates, counts and the first article: enough to spot a bad parse."""
        doc = self.document
        counts = doc.counts()
        lines = [
            f"Tệp: {self.filename}",
            f"Số hiệu: {doc.id}",
            f"Loại văn bản: {doc.doc_type}",
            f"Trích yếu: {doc.title}",
            f"Cơ quan ban hành: {doc.issuer or '(không xác định)'}",
            f"Ngày ban hành: {_date(doc.issued)}; ngày hiệu lực: {_date(doc.effective)}",
            f"Tìm thấy: {counts.get('dieu', 0)} điều, {counts.get('khoan', 0)} khoản, {counts.get('diem', 0)} điểm",
        ]
        first = next((node for node in doc.walk() if node.kind is Kind.ARTICLE), None)
        if first is not None:
            lines += ["", f"Điều đầu tiên — Điều {first.number}. {first.title}".rstrip(". "),
                      clip(first.full_text(), 600)]
        return "\n".join(lines)


class Uploads:
    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max_bytes

    def stage(self, filename: str, data: bytes) -> PendingUpload:
        name = PurePath(filename or "").name
        if PurePath(name).suffix.lower() not in SUPPORTED_EXTENSIONS:
            raise UploadError(
                f"Không nhận tệp “{name or 'không tên'}”: chỉ nhận {', '.join(SUPPORTED_EXTENSIONS)}."
            )
        if len(data) > self.max_bytes:
            raise UploadError(f"Tệp quá lớn ({len(data) / 1048576:.1f} MB); giới hạn là "
                              f"{self.max_bytes / 1048576:.0f} MB.")
        if not data:
            raise UploadError("Tệp rỗng, không có nội dung để thêm.")
        try:
            doc = parse_bytes(data, name)
        except ParseError as exc:
            raise UploadError(f"Không đọc được tệp “{name}”: {exc}") from exc
        except Exception as exc:  # a broken .docx/.pdf can fail deep inside its reader library
            raise UploadError(f"Tệp “{name}” bị hỏng hoặc không đúng định dạng, không đọc được.") from exc
        if not doc.counts().get("dieu") and not doc.body:
            raise UploadError(f"Không tìm thấy nội dung văn bản trong tệp “{name}”.")
        token = secrets.token_hex(6)
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / f"{token}.md").write_text(store.render(doc), encoding="utf-8")
        (self.directory / f"{token}.json").write_text(json.dumps({"filename": name}, ensure_ascii=False),
                                                      encoding="utf-8")
        return PendingUpload(token, name, doc)

    def get(self, token: str) -> PendingUpload:
        if not token.isalnum():
            raise UploadError("Mã tệp không hợp lệ.")
        path = self.directory / f"{token}.md"
        if not path.exists():
            raise UploadError("Tệp này đã được xử lý hoặc đã hủy; hãy gửi lại tệp nếu cần.")
        meta = json.loads((self.directory / f"{token}.json").read_text(encoding="utf-8"))
        return PendingUpload(token, meta["filename"], store.load(path))

    def discard(self, token: str) -> None:
        for suffix in (".md", ".json"):
            (self.directory / f"{token}{suffix}").unlink(missing_ok=True)


def _date(value) -> str:
    return value.strftime("%d/%m/%Y") if value else "(không rõ)"
