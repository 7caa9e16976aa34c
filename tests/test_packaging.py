"""The package as `deploy/Dockerfile` installs it (`pip install --no-deps .`, not editable): every data
file the code reads at run time must be inside the wheel, or a deployed bot loses it silently — the
reranker's weights (`retrieval/data/reranker.json`) once were not."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

from tests.conftest import ROOT

# Folders whose files the code opens by path next to its modules.
RUN_TIME_DATA = ("retrieval/data/*", "index/data/*", "knowledge_base/data/*", "knowledge_base/documents/*.md",
                 "knowledge_base/embeddings/*", "knowledge_base/quiz/*.yaml", "bot/web/templates/*", "bot/web/static/*")


def test_the_wheel_carries_every_data_file_the_code_reads(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "*.egg-info", "build", "dist", "__pycache__", ".pytest_cache", ".ruff_cache", "benchmarks",
        "tests", "artifacts", "var"))
    out = tmp_path / "wheel"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                    "--wheel-dir", str(out), str(source)], check=True, timeout=600)
    names = set(zipfile.ZipFile(next(out.glob("*.whl"))).namelist())
    expected = sorted({str(p.relative_to(ROOT)) for pattern in RUN_TIME_DATA
                       for p in ROOT.glob(pattern) if p.is_file()})
    assert "retrieval/data/reranker.json" in expected and "index/data/viet_tat.txt" in expected
    assert [name for name in expected if name not in names] == []
