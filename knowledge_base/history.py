"""Every version of a document that was replaced or removed, with who, when and why.

An admin who uploads a file under an existing number, or removes the wrong document, must be able
to get the old text back. Before the knowledge base changes, the outgoing file is copied here:

    <history>/<stamp>-<file stem>/document.md    the file exactly as it was served
    <history>/<stamp>-<file stem>/meta.json      doc id, title, Điều count, action, actor, reason, time

Each entry is written beside its final name and renamed when complete, so a crash never leaves
half an entry; a hidden `.tmp-*` folder is a crash leftover and is removed at start.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from knowledge_base import ids

ACTIONS = {
    "replaced": "bị thay bằng bản mới",
    "removed": "bị gỡ khỏi kho",
    "status": "đổi trạng thái hiệu lực",
    "restored": "bị thay khi khôi phục bản cũ",
}


@dataclass(frozen=True)
class Version:
    """One kept version. `number` counts a document's versions from 1, oldest first: stable to type."""

    name: str  # folder name
    doc_id: str
    title: str
    articles: int
    action: str
    actor: str  # "telegram:4242", "cli:root"
    reason: str
    at: str  # ISO time, UTC
    number: int = 0

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action, self.action)

    @property
    def when(self) -> datetime:
        return datetime.fromisoformat(self.at)


class History:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def keep(self, path: Path, *, doc_id: str, title: str, articles: int, action: str, actor: str,
             reason: str = "", now: datetime | None = None) -> Version:
        """Copy the file that is about to be replaced or removed, before anything else changes."""
        when = now or datetime.now(UTC)
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{when.strftime('%Y%m%dT%H%M%S%f')}-{path.stem}"
        meta = {"doc_id": doc_id, "title": title, "articles": articles, "action": action, "actor": actor,
                "reason": reason, "at": when.isoformat(timespec="seconds")}
        partial = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.directory))
        try:
            shutil.copyfile(path, partial / "document.md")
            (partial / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
            os.chmod(partial, 0o755)
            os.rename(partial, self.directory / name)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        return next(v for v in self.versions(doc_id) if v.name == name)

    def versions(self, doc_id: str | None = None) -> list[Version]:
        """Newest first; each with its number among the versions of its document."""
        found: list[Version] = []
        if self.directory.is_dir():
            for entry in sorted(self.directory.iterdir()):
                if entry.name.startswith(".") or not (entry / "meta.json").is_file():
                    continue
                try:
                    meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
                    found.append(Version(name=entry.name, **{k: meta[k] for k in _META_KEYS}))
                except (ValueError, KeyError, TypeError):
                    continue  # an entry someone broke by hand is not offered for restoring
        counts: dict[str, int] = {}
        numbered = []
        for version in found:  # oldest first, by folder name (its time stamp)
            key = ids.loose_key(version.doc_id)
            counts[key] = counts.get(key, 0) + 1
            numbered.append(Version(**{**asdict(version), "number": counts[key]}))
        wanted = ids.loose_key(doc_id) if doc_id is not None else None
        return [v for v in reversed(numbered) if wanted is None or ids.loose_key(v.doc_id) == wanted]

    def find(self, doc_id: str, number: int | None = None) -> Version | None:
        """A document's version by number (however its number is spelled); the newest when none is given."""
        versions = self.versions(doc_id)
        if number is None:
            return versions[0] if versions else None
        return next((v for v in versions if v.number == number), None)

    def file(self, version: Version) -> Path:
        return self.directory / version.name / "document.md"

    def clean(self) -> list[Path]:
        """Remove entries a crash left half-written; call under the knowledge base's write lock."""
        removed = []
        if self.directory.is_dir():
            for entry in self.directory.iterdir():
                if entry.name.startswith(".tmp-"):
                    shutil.rmtree(entry, ignore_errors=True)
                    removed.append(entry)
        return removed


_META_KEYS = ("doc_id", "title", "articles", "action", "actor", "reason", "at")

