"""How big one document may be: the values live in `knowledge_base/data/limits.yaml`.

A 1 MB .docx can unpack to 200 MB of XML or split into a hundred thousand chunks; without limits
it takes the worker that parses it (and, saved before indexing, every later start) down with it.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path

import yaml

LIMITS_FILE = Path(__file__).resolve().parent / "data" / "limits.yaml"
MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_file_mb: float
    max_unpacked_mb: float
    max_characters: int
    max_articles: int
    max_units: int
    max_chunks: int
    max_title_chars: int
    parse_seconds: int
    parse_memory_mb: int

    @classmethod
    def from_file(cls, path: Path = LIMITS_FILE) -> Limits:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        names = {f.name for f in fields(cls)}
        unknown, missing = set(data) - names, names - set(data)
        if unknown or missing:
            raise ValueError(f"{path}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")
        return cls(**data)


@lru_cache(maxsize=1)
def default() -> Limits:
    return Limits.from_file()


def unpacked_xml_bytes(data: bytes) -> int:
    """What the XML parts of an Office file will take once inflated, from the archive's directory.

    Python's zipfile never returns more than the size the directory declares, so this bound holds
    even for a crafted archive. Pictures are not counted: they are never read.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(i.file_size for i in archive.infolist() if i.filename.lower().endswith((".xml", ".rels")))


def number(n: int) -> str:
    """A count for a Vietnamese sentence: "1.500.000"."""
    return f"{n:,}".replace(",", ".")


def mb(size: float) -> str:
    """A size for a Vietnamese sentence: "9,4 MB"."""
    return f"{size / MB:.1f}".replace(".", ",") + " MB"
