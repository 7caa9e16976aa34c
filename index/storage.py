"""The index directory: builds side by side, one pointer to the one in service.

    <root>/CURRENT             name of the build in service (replaced atomically)
    <root>/builds/<name>/      manifest.json, chunks.jsonl, articles.jsonl, vectors.faiss,
                               examples.jsonl + examples.npy (index.examples; absent in older builds)

A new build is written under a temporary name, renamed when complete, and only then does
CURRENT change — with os.replace, which is atomic. A query process therefore sees either the
old index or the new one, never half of one, and a build that fails halfway leaves CURRENT (and
the old index) untouched. Older builds are pruned, keeping the previous one for roll-back.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np

FORMAT_VERSION = 1
KEEP_BUILDS = 2


class IndexMissing(RuntimeError):
    """No index has been built yet in this directory."""


class IndexMismatch(RuntimeError):
    """The index on disk was built for another embedding model or format."""


@dataclass
class Manifest:
    model_id: str
    dim: int
    corpus_hash: str
    built_at: str
    counts: dict[str, int]
    documents: dict[str, dict] = field(default_factory=dict)  # id → {"hash", "chunks", "status", "title"}
    format: int = FORMAT_VERSION

    @staticmethod
    def now() -> str:
        return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class BuildFiles:
    """The contents of one build, in memory."""

    manifest: Manifest
    chunks: list[dict]  # Chunk.to_dict() plus "tokens" and "plain" (lexical vocabularies)
    articles: list[dict]
    vectors: faiss.Index
    examples: list[dict] = field(default_factory=list)  # index.examples rows of this build's articles
    example_vectors: np.ndarray | None = None  # (len(examples), dim), their question vectors


def current_build(root: Path) -> Path:
    pointer = root / "CURRENT"
    if not pointer.exists():
        raise IndexMissing(f"Chưa có chỉ mục trong {root}. Chạy: conduct-bot index build")
    name = pointer.read_text(encoding="utf-8").strip()
    path = root / "builds" / name
    if not (path / "manifest.json").exists():
        raise IndexMissing(f"Chỉ mục {path} không đầy đủ. Chạy lại: conduct-bot index build")
    return path


def current_name(root: Path) -> str | None:
    try:
        return (root / "CURRENT").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None


def read_manifest(path: Path) -> Manifest:
    data = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    return Manifest(**data)


def read_build(path: Path) -> BuildFiles:
    manifest = read_manifest(path)
    if manifest.format != FORMAT_VERSION:
        raise IndexMismatch(
            f"Chỉ mục {path} có định dạng {manifest.format}, phiên bản này cần {FORMAT_VERSION}. "
            "Chạy: conduct-bot index build"
        )
    chunks = _read_jsonl(path / "chunks.jsonl")
    articles = _read_jsonl(path / "articles.jsonl")
    vectors = faiss.read_index(str(path / "vectors.faiss"))
    examples, example_vectors = [], None
    if (path / "examples.jsonl").exists():
        examples = _read_jsonl(path / "examples.jsonl")
        example_vectors = np.load(path / "examples.npy")
    return BuildFiles(manifest, chunks, articles, vectors, examples, example_vectors)


def write_build(root: Path, files: BuildFiles, *, publish: bool = True) -> Path:
    """Write a complete build aside, then (unless `publish` is False) make it current in one atomic step.

    A knowledge-base change writes its build unpublished, commits the document, then publishes:
    see `bot.library`. The caller holds the write lock.
    """
    builds = root / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    partial = Path(tempfile.mkdtemp(prefix=f".partial-{stamp}-", dir=builds))
    try:
        _write_jsonl(partial / "chunks.jsonl", files.chunks)
        _write_jsonl(partial / "articles.jsonl", files.articles)
        faiss.write_index(files.vectors, str(partial / "vectors.faiss"))
        if files.examples and files.example_vectors is not None:
            _write_jsonl(partial / "examples.jsonl", files.examples)
            np.save(partial / "examples.npy", np.asarray(files.example_vectors, dtype=np.float32))
        # The manifest goes last: a directory with a manifest is a complete build.
        (partial / "manifest.json").write_text(
            json.dumps(files.manifest.__dict__, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        final = builds / stamp
        os.rename(partial, final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if publish:
        publish_build(root, final)
    return final


def publish_build(root: Path, build: Path) -> None:
    """Make a complete build the one in service (atomic), then prune old ones."""
    pointer_tmp = root / f".CURRENT.{os.getpid()}"
    pointer_tmp.write_text(build.name + "\n", encoding="utf-8")
    os.replace(pointer_tmp, root / "CURRENT")
    _prune(root / "builds", keep=build.name)


def complete_builds(root: Path) -> list[Path]:
    """Builds with a manifest, oldest first (names are time stamps)."""
    builds = root / "builds"
    if not builds.is_dir():
        return []
    return sorted(p for p in builds.iterdir() if p.is_dir() and not p.name.startswith(".")
                  and (p / "manifest.json").exists())


def clean(root: Path) -> list[Path]:
    """Remove what a killed writer left: half-written builds and pointer files. Call under the write lock."""
    removed: list[Path] = []
    for leftover in root.glob(".CURRENT.*"):
        leftover.unlink(missing_ok=True)
        removed.append(leftover)
    builds = root / "builds"
    if builds.is_dir():
        for entry in builds.iterdir():
            if entry.name.startswith(".partial-") or (entry.is_dir() and not (entry / "manifest.json").exists()):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
    return removed


def _prune(builds: Path, keep: str) -> None:
    """Keep the build in service and the one before it (for roll-back); also drop unpublished ones older
    than the build in service, which a killed writer left."""
    complete = sorted(p for p in builds.iterdir() if p.is_dir() and not p.name.startswith("."))
    older = [p for p in complete if p.name < keep]
    for old in older[: max(len(older) - (KEEP_BUILDS - 1), 0)]:
        shutil.rmtree(old, ignore_errors=True)


def new_vector_index(dim: int) -> faiss.Index:
    """Exact inner product over L2-normalised vectors (= cosine), addressable by chunk id."""
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def add_vectors(index: faiss.Index, ids: list[int], vectors: np.ndarray) -> None:
    if ids:
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
