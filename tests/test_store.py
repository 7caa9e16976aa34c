"""The Markdown store: every bundled document reads back exactly as written, and bad files say why."""

from __future__ import annotations

import pytest

from knowledge_base import ids, store
from knowledge_base.model import Kind, Status


@pytest.fixture(scope="module")
def bundled():
    return store.load_all()


def test_every_bundled_document_round_trips(bundled):
    assert len(bundled) > 100
    for doc in bundled:
        again = store.loads(store.render(doc), origin=doc.id)
        assert again == doc, doc.id


def test_bundled_files_are_canonical(bundled):
    """What is committed is exactly what the store writes: a diff shows only real edits."""
    for path in sorted(store.BUNDLED_DIR.glob("*.md")):
        assert store.render(store.load(path)) == path.read_text(encoding="utf-8"), path.name


def test_bundled_knowledge_base_has_the_core_documents(bundled):
    by_id = {d.id: d for d in bundled}
    for doc_id in ("80/2025/QH15", "172/2025/NĐ-CP", "3509/QĐ-CT", "17-CT/TU", "58/2010/QH12", "36/2018/QH14",
                   "59/2019/NĐ-CP", "42/2013/QH13", "112/2020/NĐ-CP", "seed-001", "seed-004"):
        assert doc_id in by_id, doc_id
    law = by_id["80/2025/QH15"]
    assert law.display_name == "Luật Cán bộ, công chức số 80/2025/QH15"
    assert "22/2008/QH12" in law.validity.replaces
    assert by_id["112/2020/NĐ-CP"].validity.status is Status.PARTLY_SUPERSEDED
    assert by_id["seed-002"].validity.status is Status.REFERENCE
    articles = [n.number for n in law.articles()]
    assert articles == [str(i) for i in range(1, 46)]
    assert any(n.note.startswith("Điều 19 Luật số 58/2010/QH12") for n in by_id["58/2010/QH12"].articles())


def test_missing_field_and_bad_status_are_reported_in_vietnamese():
    with pytest.raises(store.StoreError, match="thiếu trường bắt buộc 'title'"):
        store.loads("---\nid: x\ntype: Luật\n---\n")
    with pytest.raises(store.StoreError, match="trạng thái 'gone' không hợp lệ"):
        store.loads("---\nid: x\ntype: Luật\ntitle: t\nstatus: gone\n---\n")
    with pytest.raises(store.StoreError, match="tiêu đề không rõ loại"):
        store.loads("---\nid: x\ntype: Luật\ntitle: t\n---\n#### Phụ lục lạ\n")


def test_nfd_file_is_read_as_nfc():
    import unicodedata

    text = "---\nid: x\ntype: Luật\ntitle: Văn hóa\n---\n#### Điều 1. Giao tiếp\n- **1.** Đeo thẻ công chức.\n"
    doc = store.loads(unicodedata.normalize("NFD", text))
    assert doc.title == "Văn hóa"
    clause = doc.body[0].children[0]
    assert (clause.kind, clause.number, clause.text) == (Kind.CLAUSE, "1", "Đeo thẻ công chức.")


def test_file_names_are_portable():
    assert ids.file_name("80/2025/QH15") == "80-2025-QH15.md"
    assert ids.file_name("172/2025/NĐ-CP") == "172-2025-ND-CP.md"
