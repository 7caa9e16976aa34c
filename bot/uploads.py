"""Directives uploaded in chat: parsed and checked at once, kept aside until an admin confirms them.

The parsed document waits as a knowledge-base file in the data directory, not in memory, so the
worker that receives "Xác nhận" need not be the one that received the file, and a restart loses
nothing. Nothing reaches the knowledge base or the index before confirmation. When the number is
already taken, the preview names the document that would be replaced and its size, and records
its hash: confirming replaces exactly that version or nothing.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from bot.answer import clip
from index.builder import document_hash
from knowledge_base import store
from knowledge_base.model import Document, Kind

KEEP_SECONDS = 7 * 24 * 3600  # a preview nobody confirmed within a week is dropped


class UploadError(ValueError):
    """A message for the admin, in Vietnamese: why this upload cannot go on."""


@dataclass(frozen=True)
class Replaced:
    """The document an upload would replace, as it was when the preview was shown."""

    doc_id: str
    title: str
    articles: int
    digest: str


@dataclass(frozen=True)
class PendingUpload:
    token: str
    filename: str
    document: Document
    replaces: Replaced | None = None

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
        if self.replaces is not None:
            old = self.replaces
            lines += ["", f"⚠️ Số hiệu này đã có: {old.title} ({old.articles} điều). Xác nhận sẽ THAY THẾ văn bản "
                          "đó; bản cũ được lưu vào lịch sử và có thể khôi phục."]
        first = next((node for node in doc.walk() if node.kind is Kind.ARTICLE), None)
        if first is not None:
            lines += ["", f"Điều đầu tiên — Điều {first.number}. {first.title}".rstrip(". "),
                      clip(first.full_text(), 600)]
        return "\n".join(lines)


class Uploads:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def keep(self, filename: str, doc: Document, existing: Document | None) -> PendingUpload:
        """Keep a checked document until it is confirmed or cancelled."""
        from bot.library import articles

        self._drop_stale()
        replaces = None
        if existing is not None:
            replaces = Replaced(existing.id, existing.display_name, articles(existing), document_hash(existing))
        token = secrets.token_hex(6)
        self.directory.mkdir(parents=True, exist_ok=True)
        meta = {"filename": filename, "replaces": replaces.__dict__ if replaces else None}
        store.replace_file(self.directory / f"{token}.json", json.dumps(meta, ensure_ascii=False).encode("utf-8"))
        store.write(doc, self.directory / f"{token}.md")  # last: its presence means complete
        return PendingUpload(token, filename, doc, replaces)

    def get(self, token: str) -> PendingUpload:
        if not token.isalnum():
            raise UploadError("Mã tệp không hợp lệ.")
        path = self.directory / f"{token}.md"
        if not path.exists():
            raise UploadError("Tệp này đã được xử lý hoặc đã hủy; hãy gửi lại tệp nếu cần.")
        try:
            meta = json.loads((self.directory / f"{token}.json").read_text(encoding="utf-8"))
            doc = store.load(path)
        except (OSError, ValueError) as exc:
            raise UploadError("Bản xem trước này bị hỏng; hãy gửi lại tệp.") from exc
        replaces = Replaced(**meta["replaces"]) if meta.get("replaces") else None
        return PendingUpload(token, meta["filename"], doc, replaces)

    def discard(self, token: str) -> None:
        if token.isalnum():
            for suffix in (".md", ".json"):
                (self.directory / f"{token}{suffix}").unlink(missing_ok=True)

    def _drop_stale(self, now: float | None = None) -> None:
        """Previews nobody acted on, and halves of one a crash left, go after a week (not sooner: another
        worker may be writing one right now)."""
        if not self.directory.is_dir():
            return
        cutoff = (now or time.time()) - KEEP_SECONDS
        for path in self.directory.iterdir():
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)


def _date(value) -> str:
    return value.strftime("%d/%m/%Y") if value else "(không rõ)"
