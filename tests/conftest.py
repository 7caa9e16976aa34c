"""Shared fixtures: the real bundled knowledge base, the real model, one real index per test run."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
EVAL = ROOT.parent / "shared" / "eval"


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not beside the project")
    return CORPUS


@pytest.fixture(scope="session")
def settings(tmp_path_factory):
    """A data directory of our own, so tests never touch a user's knowledge base or index."""
    from bot.config import Settings

    return Settings(data_dir=tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def library(settings):
    """The bundled knowledge base, indexed with the default model (shipped vectors + real embedder)."""
    from bot.library import Library

    lib = Library(settings)
    lib.ensure_index(progress=False)
    return lib


@pytest.fixture
def data(settings, library, tmp_path):
    """A copy of the session's data directory (knowledge base, index, caches), the test's to change."""
    import shutil

    root = tmp_path / "data"
    root.mkdir()
    for name in ("knowledge_base", "index", "cache"):
        if (settings.data_dir / name).exists():
            shutil.copytree(settings.data_dir / name, root / name, symlinks=True)
    return root


@pytest.fixture(scope="session")
def answerer(library):
    from bot.answer import Answerer

    return Answerer(library.index)
