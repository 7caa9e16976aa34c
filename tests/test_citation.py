"""Citation labels read the way Vietnamese lawyers write them."""

from __future__ import annotations

from knowledge_base import ids, store
from knowledge_base.citation import Location, label
from knowledge_base.model import Document


def _doc(doc_id: str) -> Document:
    return store.load(store.BUNDLED_DIR / ids.file_name(doc_id))


def test_point_clause_article_law():
    doc = _doc("80/2025/QH15")
    assert label(doc, Location("13", "2", "a")) == "điểm a khoản 2 Điều 13 Luật Cán bộ, công chức số 80/2025/QH15"
    assert label(doc, Location("14")) == "Điều 14 Luật Cán bộ, công chức số 80/2025/QH15"


def test_decree_and_attached_regulation():
    assert label(_doc("172/2025/NĐ-CP"), Location("7", "1")) == "khoản 1 Điều 7 Nghị định số 172/2025/NĐ-CP"
    attached = Location("5", attachment="QUY ĐỊNH QUY TẮC ỨNG XỬ VỚI NGƯỜI NỘP THUẾ")
    assert label(_doc("3509/QĐ-CT"), attached) == "Điều 5 Quy định ban hành kèm theo Quyết định số 3509/QĐ-CT"


def test_directive_items_and_reference_articles():
    directive = _doc("17-CT/TU")
    assert label(directive, Location("6", "6.1", item_style=True)) == "điểm 6.1 mục 6 Chỉ thị số 17-CT/TU"
    news = _doc("seed-003")
    assert label(news, Location()).startswith("Bài viết “")
