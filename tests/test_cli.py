"""`conduct-bot` as a user runs it: a real subprocess, the real index, the JSON contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys

KEYS = {"question", "answer", "refused", "citations", "took_ms"}
CITATION_KEYS = {"doc", "doc_title", "article", "clause", "point", "label", "status", "score", "text", "source",
                 "applies_to", "validity", "changes"}


def _run(settings, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "CONDUCT_DATA_DIR": str(settings.data_dir)}
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=600, check=False)


def test_ask_json_contract(library, settings):
    proc = _run(settings, "ask", "--json", "Công chức có được nhận quà tặng không?")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) == KEYS
    assert data["refused"] is False and data["citations"]
    for c in data["citations"]:
        assert set(c) == CITATION_KEYS
        for key in ("article", "clause", "point"):
            assert c[key] is None or isinstance(c[key], str)
    # `score` is the reranker's probability that the citation's article answers: one per article, in
    # [0, 1]. The order is the product's (fusion orders the articles), so it need not decrease.
    by_article: dict[tuple, set[float]] = {}
    for c in data["citations"]:
        assert 0.0 <= c["score"] <= 1.0
        by_article.setdefault((c["doc"], c["article"]), set()).add(c["score"])
    assert all(len(scores) == 1 for scores in by_article.values()), by_article


def test_ask_json_stdin_one_object_per_line(library, settings):
    """A client pairs answers with questions by line: a blank line gets its own (refused) answer."""
    questions = ["Viên chức không được làm những việc gì?", "", "Lương hưu được tính thế nào?"]
    proc = _run(settings, "ask", "--json", "-", stdin="\n".join(questions) + "\n")
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [d["question"] for d in lines] == questions
    assert lines[0]["refused"] is False
    assert lines[1]["refused"] is True and lines[1]["citations"] == [] and "câu hỏi" in lines[1]["answer"]


def test_ask_plain_text_prints_the_cited_answer(library, settings):
    proc = _run(settings, "ask", "Khi tiếp dân công chức có phải đeo thẻ không?")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("“") and lines[1].startswith("Nguồn: ")
    assert lines[1].endswith("(còn hiệu lực theo Bộ pháp điển điện tử, cập nhật 02/2025)")
    assert "điểm a khoản 2 Điều 13 Luật Cán bộ, công chức số 80/2025/QH15" in proc.stdout


def test_index_info_and_unknown_removal(library, settings):
    info = _run(settings, "index", "info")
    assert info.returncode == 0, info.stderr
    assert "multilingual-e5-small-q4 (384 chiều)" in info.stdout
    assert "80/2025/QH15" in info.stdout
    proc = _run(settings, "index", "remove", "999/2099/XX")
    assert proc.returncode == 1
    assert "Không có văn bản số hiệu “999/2099/XX”" in proc.stderr and "Traceback" not in proc.stderr


def test_index_add_a_docx_then_ask_then_remove(library, settings, tmp_path):
    """An admin's whole round trip from the shell, on a copy of the data directory."""
    import shutil
    from dataclasses import replace

    import docx

    for name in ("knowledge_base", "index", "cache"):
        if (settings.data_dir / name).exists():
            shutil.copytree(settings.data_dir / name, tmp_path / name, symlinks=True)
    own = replace(settings, data_dir=tmp_path)
    document = docx.Document()
    for line in ["ỦY BAN NHÂN DÂN HUYỆN THỬ NGHIỆM", "Số: 77/QĐ-UBND", "QUYẾT ĐỊNH",
                 "Về việc ban hành Quy định giờ làm việc tại bộ phận một cửa",
                 "Điều 1. Giờ tiếp nhận hồ sơ",
                 "1. Bộ phận một cửa tiếp nhận hồ sơ từ 7 giờ 30 đến 11 giờ 30 các ngày thứ Bảy.",
                 "2. Công chức trực thứ Bảy được nghỉ bù vào ngày thứ Hai tuần kế tiếp."]:
        document.add_paragraph(line)
    path = tmp_path / "qd-77.docx"
    document.save(path)

    added = _run(own, "index", "add", str(path))
    assert added.returncode == 0, added.stderr
    assert "77/QĐ-UBND" in added.stdout and "1 điều, 2 khoản" in added.stdout
    assert any((tmp_path / "knowledge_base").glob("77-*.md"))
    answer = json.loads(_run(own, "ask", "--json", "Bộ phận một cửa có tiếp nhận hồ sơ ngày thứ Bảy không?").stdout)
    assert answer["citations"][0]["doc"] == "77/QĐ-UBND"
    assert answer["citations"][0]["label"] == "khoản 1 Điều 1 Quyết định số 77/QĐ-UBND"

    removed = _run(own, "index", "remove", "77/QĐ-UBND")
    assert removed.returncode == 0, removed.stderr
    again = json.loads(_run(own, "ask", "--json", "Bộ phận một cửa có tiếp nhận hồ sơ ngày thứ Bảy không?").stdout)
    assert all(c["doc"] != "77/QĐ-UBND" for c in again["citations"])


def test_ask_with_undecodable_bytes_in_the_question_answers(library, settings):
    """A terminal in another encoding passes bytes that are not UTF-8; Python turns them into lone
    surrogates, which crashed pyvi's tagger and could not be printed as JSON."""
    env = {**os.environ, "CONDUCT_DATA_DIR": str(settings.data_dir)}
    question = "Công chức có được nhận quà tặng không?".encode() + b" \xff\xfe"
    proc = subprocess.run([sys.executable, "-m", "bot", "ask", "--json", question], capture_output=True,
                          env=env, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    data = json.loads(proc.stdout)
    assert data["refused"] is False
    assert data["question"].startswith("Công chức có được nhận quà tặng không?")
