"""Example questions beside the provisions (index.examples): where they point, what they may not
repeat, how the index keeps them through document changes, and that retrieval reads them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from index import builder, examples, storage
from index.searcher import HybridIndex
from knowledge_base import store
from retrieval.candidates import ExampleRetriever
from retrieval.pipeline import Pipeline
from retrieval.settings import default
from tests.test_index import SMALL, small_library

ROOT = Path(__file__).resolve().parents[1]


def _runs(text: str, n: int = 8) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def test_every_example_points_at_an_article_of_the_bundled_knowledge_base(library):
    rows = examples.read()
    assert len(rows) >= 1500
    index = library.index
    articles = {c.article_key for c in index.chunks}
    assert all(examples.key(r) in articles for r in rows)
    assert len(index.examples) == len(rows) and index.example_vectors.shape == (len(rows), index.embedder.dim)
    # Written in full Vietnamese, in the asker's words: no article numbers, and no run of eight words
    # copied from the article they point at.
    texts: dict[tuple, str] = {}
    for c in index.chunks:
        texts[c.article_key] = f"{texts.get(c.article_key, '')}\n{c.text}"
    for r in rows:
        assert not re.search(r"\b(Điều|khoản) \d", r["question"]), r
        assert not _runs(r["question"]) & _runs(texts[examples.key(r)]), r


def test_examples_share_no_run_of_eight_words_with_any_question_we_measure_on():
    taught = set().union(*(_runs(r["question"]) for r in examples.read()))
    files = [*(ROOT / "benchmarks" / "data").glob("*.jsonl"), ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"]
    checked = 0
    for path in files:
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                assert not _runs(json.loads(line)["question"]) & taught, (path.name, line[:80])
                checked += 1
    assert checked >= 500


def test_a_question_close_to_an_example_scores_its_article_and_nothing_else(library):
    index = library.index
    row = next(r for r in index.examples if r["doc"] == "36/2018/QH14")
    scores = ExampleRetriever(index).scores(index.embedder.embed_queries([row["question"]]))
    mine = [i for i, c in enumerate(index.chunks) if c.article_key == examples.key(row)]
    assert scores[mine].min() > 0.99 and scores.argmax() in mine
    without = {c.article_key for c in index.chunks} - {examples.key(e) for e in index.examples}
    assert without  # other documents have no examples, and the stage leaves them at 0
    assert all(scores[i] == 0 for i, c in enumerate(index.chunks) if c.article_key in without)


def test_the_pipeline_reads_the_examples(library):
    """Asked in the words of its examples, an article leads more often with the stage than without."""
    index = library.index
    rng = np.random.default_rng(7)
    sample = [index.examples[int(i)] for i in rng.choice(len(index.examples), size=40, replace=False)]

    def first_right(settings) -> int:
        pipeline = Pipeline(index, settings)
        right = 0
        for row in sample:
            hits = pipeline.run(row["question"]).hits
            right += bool(hits) and hits[0].chunk.article_key == examples.key(row)
        return right

    with_stage, without = first_right(default()), first_right(default().replace("fusion.examples", 0.0))
    assert default().fusion.examples > 0
    assert with_stage >= 36 and with_stage > without


def test_removing_and_adding_a_document_drops_and_restores_its_examples(tmp_path):
    lib = small_library(tmp_path)
    root = lib.settings.index_dir
    first = HybridIndex.load(root, lib.embedder)
    mine = [e for e in first.examples if e["doc"] == "58/2010/QH12"]
    assert mine and len(first.examples) == len(examples.for_build(storage.read_build(first.path).chunks))
    builder.remove_document(root, "58/2010/QH12")
    removed = HybridIndex.load(root, lib.embedder)
    assert all(e["doc"] != "58/2010/QH12" for e in removed.examples)
    assert len(removed.examples) == len(first.examples) - len(mine) == len(removed.example_vectors)
    doc = next(d for d in store.load_all() if d.id == "58/2010/QH12")
    builder.add_document(root, doc, lib.embedder, cache_dir=lib.settings.cache_dir)
    back = HybridIndex.load(root, lib.embedder)
    assert len(back.examples) == len(first.examples)
    assert np.allclose(np.sort(back.example_vectors @ back.example_vectors[0]),
                       np.sort(first.example_vectors @ first.example_vectors[0]), atol=1e-3)


def test_a_build_written_before_examples_still_answers(tmp_path):
    lib = small_library(tmp_path)
    build = storage.current_build(lib.settings.index_dir)
    for name in ("examples.jsonl", "examples.npy"):
        (build / name).unlink()
    old = HybridIndex.load(lib.settings.index_dir, lib.embedder)
    assert old.examples == [] and old.example_vectors.shape == (0, lib.embedder.dim)
    retrieved = Pipeline(old).run("Công chức có được tham gia đình công không?")
    assert not retrieved.refused and retrieved.hits[0].chunk.doc in SMALL
