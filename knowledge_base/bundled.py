"""Bring the documents a release ships into a knowledge base in service, without undoing an admin's work.

The knowledge base in service is a copy of `knowledge_base/documents/` in the data directory, so
admins can fix, supersede or remove documents there. A new release may correct a bundled text
(a wrong document number, a missed clause); without this, a deployment copied once would keep the
old text forever. A record of what was copied tells the two cases apart: a file still as it was
copied is replaced by the new bundled version; a file an admin changed or removed is left alone.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from knowledge_base.store import BUNDLED_DIR, replace_file

RECORD = ".bundled.json"  # file name → digest of the bundled version last copied


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)  # new in this release
    updated: list[str] = field(default_factory=list)  # replaced: untouched since copied, and the release changed it
    kept: list[str] = field(default_factory=list)  # differs from the release, but changed here (or of unknown origin)
    withdrawn: list[str] = field(default_factory=list)  # no longer shipped (e.g. renamed), and untouched here


def sync(kb_dir: Path, bundled_dir: Path = BUNDLED_DIR, pattern: str = "*.md") -> SyncReport:
    """Copy new and corrected bundled files into `kb_dir`; safe to run by several workers at once.

    The quiz bank's YAML files (`pattern="*.yaml"`) follow the same rules as the documents.
    """
    kb_dir.mkdir(parents=True, exist_ok=True)
    record_path = kb_dir / RECORD
    record: dict[str, str] = json.loads(record_path.read_text(encoding="utf-8")) if record_path.exists() else {}
    report = SyncReport()
    sources = sorted(bundled_dir.glob(pattern))
    for source in sources:
        shipped = source.read_bytes()
        digest = _digest(shipped)
        target = kb_dir / source.name
        copied = record.get(source.name)
        if not target.exists():
            if copied is None:  # new in this release (or a first install)
                replace_file(target, shipped)
                record[source.name] = digest
                report.added.append(source.name)
            continue  # an admin removed it: it stays removed
        here = _digest(target.read_bytes())
        if here == digest:
            record[source.name] = digest
        elif here == copied:
            replace_file(target, shipped)
            record[source.name] = digest
            report.updated.append(source.name)
        else:
            report.kept.append(source.name)
    for name in sorted(set(record) - {source.name for source in sources}):
        target = kb_dir / name
        if target.exists() and _digest(target.read_bytes()) == record[name]:
            target.unlink()
            report.withdrawn.append(name)
        if not target.exists():
            del record[name]
    replace_file(record_path, json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"))
    return report


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
