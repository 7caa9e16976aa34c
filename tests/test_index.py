"""The index directory: atomic builds, incremental changes, model checks, the real embedder."""

from __future__ import annotations

import numpy as np
import pytest

from bot.answer import Answerer
from bot.config import Settings
from bot.library import Library
from index import builder, storage
from index.embedders import load_embedder
from index.searcher import HybridIndex
from knowledge_base import ids, store
from knowledge_base.model import Document, Kind, Node

SMALL = ("80/2025/QH15", "172/2025/NĐ-CP", "58/2010/QH12")


def small_library(tmp_path) -> Library:
    """A data directory holding three real bundled documents: fast to rebuild in every test."""
    kb = tmp_path / "knowledge_base"
    kb.mkdir()
    for doc_id in SMALL:
        name = ids.file_name(doc_id)
        (kb / name).write_text((store.BUNDLED_DIR / name).read_text(encoding="utf-8"), encoding="utf-8")
    lib = Library(Settings(data_dir=tmp_path))
    lib.rebuild()
    return lib


def _new_decree() -> Document:
    return Document(
        id="99/2026/NĐ-CP", doc_type="Nghị định", name="Nghị định", title="Quy định về trang phục thử nghiệm",
        body=[Node(Kind.ARTICLE, "1", title="Trang phục khi làm việc", children=[
            Node(Kind.CLAUSE, "1", text="Công chức mặc áo màu xanh lam vào ngày thứ Hai hằng tuần."),
        ])],
    )


class FailingEmbedder:
    """The real embedder, made to fail after some texts: a crash halfway through a build."""

    def __init__(self, real, fail_after: int) -> None:
        self.real, self.left = real, fail_after
        self.model_id, self.dim = real.model_id, real.dim

    def embed_queries(self, texts):
        return self.real.embed_queries(texts)

    def embed_passages(self, texts, show_progress=False):
        if len(texts) > self.left:
            raise RuntimeError("simulated crash while embedding")
        self.left -= len(texts)
        return self.real.embed_passages(texts)


def test_manifest_describes_the_build(library):
    path = storage.current_build(library.settings.index_dir)
    m = storage.read_manifest(path)
    assert m.model_id == "multilingual-e5-small-q4" and m.dim == 384
    assert m.counts["chunks"] == len(library.index) and m.counts["documents"] == len(library.documents())
    assert len(m.corpus_hash) == 16 and m.built_at


def test_shipped_vectors_match_a_fresh_embedding(library):
    """The vectors a fresh install starts from are the model's own output for today's texts."""
    index = library.index
    rng = np.random.default_rng(0)
    for pos in rng.choice(len(index.chunks), size=12, replace=False):
        chunk = index.chunks[int(pos)]
        fresh = index.embedder.embed_passages([chunk.embedding_text()])[0]
        stored = index.vectors.reconstruct(int(chunk.id))
        assert float(fresh @ stored) > 0.995, chunk.label


def test_failed_rebuild_leaves_the_old_index_serving(tmp_path):
    lib = small_library(tmp_path)
    before = storage.current_name(lib.settings.index_dir)
    answerer = Answerer(lib.index)
    expected = answerer.ask("Công chức có được tham gia đình công không?").citations[0].label
    docs = [*lib.documents(), _new_decree()]
    with pytest.raises(RuntimeError, match="simulated crash"):
        builder.build(lib.settings.index_dir, docs, FailingEmbedder(lib.embedder, 0),
                      cache_dir=lib.settings.cache_dir)
    assert storage.current_name(lib.settings.index_dir) == before
    leftovers = [p.name for p in (lib.settings.index_dir / "builds").iterdir() if p.name.startswith(".")]
    assert leftovers == []
    reopened = HybridIndex.load(lib.settings.index_dir, lib.embedder)
    assert Answerer(reopened).ask("Công chức có được tham gia đình công không?").citations[0].label == expected


def test_failure_while_writing_leaves_the_old_index(tmp_path, monkeypatch):
    lib = small_library(tmp_path)
    before = storage.current_name(lib.settings.index_dir)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage.faiss, "write_index", disk_full)
    with pytest.raises(OSError):
        lib.rebuild()
    assert storage.current_name(lib.settings.index_dir) == before
    assert len(HybridIndex.load(lib.settings.index_dir, lib.embedder)) > 0


def test_add_and_remove_one_document_without_reembedding_the_rest(tmp_path):
    lib = small_library(tmp_path)
    calls: list[int] = []
    real = lib.embedder

    class Counting(FailingEmbedder):
        def embed_passages(self, texts, show_progress=False):
            calls.append(len(texts))
            return real.embed_passages(texts)

    counting = Counting(real, 10**9)
    old = HybridIndex.load(lib.settings.index_dir, real)
    builder.add_document(lib.settings.index_dir, _new_decree(), counting, cache_dir=lib.settings.cache_dir)
    assert sum(calls) == 1  # only the new clause was embedded
    added = HybridIndex.load(lib.settings.index_dir, real)
    assert len(added) == len(old) + 1
    hit = Answerer(added).ask("Ngày thứ Hai công chức mặc áo màu gì?").citations[0]
    assert (hit.doc, hit.label) == ("99/2026/NĐ-CP", "khoản 1 Điều 1 Nghị định số 99/2026/NĐ-CP")
    builder.remove_document(lib.settings.index_dir, "99/2026/NĐ-CP")
    removed = HybridIndex.load(lib.settings.index_dir, real)
    assert len(removed) == len(old)
    assert all(c.doc != "99/2026/NĐ-CP" for c in removed.chunks)


def test_library_add_is_used_at_once_by_a_running_reader(tmp_path):
    lib = small_library(tmp_path)
    reader = Library(lib.settings)  # another worker sharing the same directories
    n = len(reader.index)
    lib.add(_new_decree(), actor="test:1")
    assert (tmp_path / "knowledge_base" / "99-2026-ND-CP.md").exists()
    assert len(reader.index) == n + 1  # swapped build picked up without a restart


def test_model_mismatch_says_how_to_rebuild(tmp_path):
    lib = small_library(tmp_path)

    class Other(FailingEmbedder):
        pass

    other = Other(lib.embedder, 0)
    other.model_id = "some/other-model"
    with pytest.raises(storage.IndexMismatch, match="conduct-bot index build"):
        HybridIndex.load(lib.settings.index_dir, other)


def test_missing_index_says_how_to_build(tmp_path):
    with pytest.raises(storage.IndexMissing, match="conduct-bot index build"):
        HybridIndex.load(tmp_path / "nothing", load_embedder())
