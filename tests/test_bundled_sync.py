"""A release's bundled documents reach a knowledge base in service; an admin's changes are never undone."""

from __future__ import annotations

import shutil

from bot.answer import Answerer
from index import storage
from knowledge_base import bundled
from knowledge_base.store import BUNDLED_DIR

NAMES = ["50-2022-ND-CP.md", "80-2025-QH15.md", "42-2013-QH13.md", "59-2019-ND-CP.md", "17-CT-TU.md"]


def _release(directory, names):
    directory.mkdir(exist_ok=True)
    for name in names:
        shutil.copy2(BUNDLED_DIR / name, directory / name)
    return directory


def test_untouched_documents_follow_the_release_and_admin_changes_stay(tmp_path):
    corrected_doc, edited_doc, removed_doc, new_doc, dropped_doc = NAMES
    release, kb = _release(tmp_path / "release", [corrected_doc, edited_doc, removed_doc, dropped_doc]), tmp_path / "kb"
    first = bundled.sync(kb, release)
    assert sorted(first.added) == sorted([corrected_doc, edited_doc, removed_doc, dropped_doc])
    assert (kb / corrected_doc).read_bytes() == (release / corrected_doc).read_bytes()

    # The next release corrects one document, ships a new one and no longer ships another; meanwhile
    # an admin fixed one document by hand and removed another.
    corrected = (release / corrected_doc).read_text(encoding="utf-8").replace("NĐ_CP", "NĐ-CP")
    assert corrected != (kb / corrected_doc).read_text(encoding="utf-8")
    (release / corrected_doc).write_text(corrected, encoding="utf-8")
    _release(release, [new_doc])
    (release / dropped_doc).unlink()
    admin_text = (kb / edited_doc).read_text(encoding="utf-8") + "\nGhi chú của quản trị viên.\n"
    (kb / edited_doc).write_text(admin_text, encoding="utf-8")
    (release / edited_doc).write_text(admin_text.replace("Ghi chú", "Bản mới"), encoding="utf-8")
    (kb / removed_doc).unlink()

    report = bundled.sync(kb, release)
    assert (report.updated, report.added, report.kept, report.withdrawn) == (
        [corrected_doc], [new_doc], [edited_doc], [dropped_doc])
    assert (kb / corrected_doc).read_text(encoding="utf-8") == corrected
    assert (kb / edited_doc).read_text(encoding="utf-8") == admin_text
    assert not (kb / removed_doc).exists() and not (kb / dropped_doc).exists()
    again = bundled.sync(kb, release)  # nothing left to do, and the admin's removal still holds
    assert again == bundled.SyncReport(kept=[edited_doc])
    assert not (kb / removed_doc).exists()


def test_index_is_rebuilt_when_a_document_is_fixed_by_hand(library):
    """Admins may edit the Markdown files directly; the next start must not serve the old text."""
    path = library.ensure_knowledge_base() / "50-2022-ND-CP.md"
    original = path.read_text(encoding="utf-8")
    marker = "viên chức có trình độ chuyên môn, kỹ thuật cao"
    assert marker in original
    fixed = original.replace(marker, f"{marker} (đã được hiệu đính thủ công)", 1)
    before = storage.current_name(library.settings.index_dir)
    try:
        path.write_text(fixed, encoding="utf-8")
        library.ensure_index(progress=False)
        assert storage.current_name(library.settings.index_dir) != before
        answer = Answerer(library.index).ask("nghỉ hưu ở tuổi cao hơn đã được hiệu đính thủ công")
        assert any("hiệu đính thủ công" in c.text for c in answer.citations)
        rebuilt = storage.current_name(library.settings.index_dir)
        library.ensure_index(progress=False)  # documents and index agree: nothing to do
        assert storage.current_name(library.settings.index_dir) == rebuilt
    finally:
        path.write_text(original, encoding="utf-8")
        library.ensure_index(progress=False)
