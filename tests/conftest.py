"""Shared fixtures: the real bundled knowledge base, the real model, one real index per test run, the
bot's database on SQLite and (with CONDUCT_TEST_DATABASE_URL set) on PostgreSQL, and a real browser."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from bot.storage import Store, normalize_url

if TYPE_CHECKING:
    from tests.browser import Browser

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
EVAL = ROOT.parent / "shared" / "eval"
PG_URL = os.environ.get("CONDUCT_TEST_DATABASE_URL", "")

MakeStore = Callable[..., Store]


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


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> Iterator[URL]:
    """One empty database per test; several Stores may open it, like several bot workers."""
    if request.param == "sqlite":
        yield normalize_url(f"sqlite:///{tmp_path / 'data' / 'bot.sqlite3'}")
        return
    if not PG_URL:
        pytest.skip("CONDUCT_TEST_DATABASE_URL is not set (bash scripts/postgres.sh starts a server)")
    base = normalize_url(PG_URL)
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # an unreachable server is a skip, not a failure: CI may have none
        admin.dispose()
        pytest.skip(f"PostgreSQL at {base.render_as_string()} is not reachable: {exc}")
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"})
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def make_store(database_url) -> Iterator[MakeStore]:
    stores: list[Store] = []

    def make(**kwargs) -> Store:
        stores.append(Store(database_url, **kwargs))
        return stores[-1]

    yield make
    for store in stores:
        store.close()


@pytest.fixture
def store(make_store) -> Store:
    return make_store()


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium with a fresh profile for each test (starting one takes well under a second,
    so tests never share cookies or a window size); see tests/browser.py for what it offers.

    No chromedriver: skipped on a developer's machine, but an error under CI=true — CI installs Chromium
    (scripts/chromium.sh), and a run that silently skipped every page test must not pass.
    """
    from tests.browser import CHROMEDRIVER_ENV, find_chromedriver, open_browser

    chromedriver = find_chromedriver()
    if chromedriver is None:
        configured = os.environ.get(CHROMEDRIVER_ENV, "").strip()
        reason = (f"{CHROMEDRIVER_ENV}={configured} is not an executable file" if configured
                  else f"no chromedriver: {CHROMEDRIVER_ENV} is empty or unset and there is none on PATH")
        if os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}:
            pytest.fail(f"{reason}. CI must run the browser tests: install chromium and chromium-driver "
                        "(bash scripts/chromium.sh, as root) and export the path it prints as "
                        f"{CHROMEDRIVER_ENV}.", pytrace=False)
        pytest.skip(f"{reason} (bash scripts/chromium.sh installs Chromium and prints the path)")
    with open_browser(chromedriver) as started:
        yield started
