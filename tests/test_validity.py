"""Repealed and outdated law is never shown as current: the validity register, honest labels and the
2025 reforms, asked as a user would, on the real knowledge base, index and model; admin entries
through the CLI (a subprocess) and the shared chat command; the audit that CI relies on.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from bot.admin import Actor, Admin
from bot.answer import Answerer
from bot.commands import run as run_command
from bot.library import Library
from bot.storage import Store
from knowledge_base import audit, store, validity
from knowledge_base.model import Status

CBCC = "80/2025/QH15"


def _lib(settings, library, data: Path) -> Library:
    lib = Library(replace(settings, data_dir=data))
    lib._embedder = library.embedder
    lib.ensure_index(progress=False)
    return lib


def _words(message: str) -> list[str]:
    """A chat command's arguments as the channels hand them over: the words after the command."""
    return message.split()


def _cli(data: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CONDUCT_DATA_DIR": str(data)}
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, env=env, timeout=600,
                          check=False, text=True)


# ---------------------------------------------------------------- the register itself


def test_the_shipped_register_loads_and_names_only_units_that_exist():
    register = validity.curated()
    assert register.changes and register.terms and register.reviewed
    documents = {d.id: d for d in store.load_all()}
    assert validity.problems(register, documents) == []
    # Every unit it changes still lists the abolished forms it says it lists.
    for change in register.changes:
        doc = documents[change.unit.doc]
        article = next(a for a in doc.articles() if a.number == change.unit.article)
        clause = next(c for c in article.children if c.number == change.unit.clause)
        assert "giáng chức" in clause.full_text()


def test_no_document_is_labelled_in_force_without_its_basis_and_date():
    for doc in store.load_all():
        label = doc.validity.label
        assert label != "còn hiệu lực"
        if doc.validity.status is Status.IN_FORCE:
            assert re.fullmatch(r"còn hiệu lực theo .+, cập nhật (\d{2}/)?\d{2}/\d{4}", label), (doc.id, label)


def test_a_broken_admin_file_is_reported_and_the_curated_register_keeps_serving(tmp_path):
    admin_file = tmp_path / "validity.yaml"
    admin_file.write_text("changes:\n  - unit: {doc: 36/2018/QH14, article: '51'}\n    change: vanished\n"
                          "    by: x\n    since: 2025-07-01\n", encoding="utf-8")
    source = validity.Source(admin_file)
    register = source.get()
    assert "vanished" in source.error and "không hợp lệ" in source.error
    assert len(register.changes) == len(validity.curated().changes)


# ---------------------------------------------------------------- asked as a user would


def test_abolished_discipline_forms_are_never_the_answer_for_a_civil_servant(library):
    answer = Answerer(library.index, register=library.register()).ask("Công chức có còn bị kỷ luật giáng chức không?")
    assert not answer.refused
    first = answer.citations[0]
    # The current list of forms leads: khiển trách, cảnh cáo, cách chức, buộc thôi việc.
    assert (first.doc, first.article) == (CBCC, "36")
    assert "giáng chức" not in first.text and "Buộc thôi việc" in first.text
    assert first.validity.startswith("còn hiệu lực theo")
    # Any provision quoted that still lists "giáng chức" carries what changed, and is never "còn hiệu lực".
    for c in answer.citations:
        if "giáng chức" in c.text and c.doc != CBCC:
            assert c.changes and "không còn phù hợp" in c.changes[0]
    for line in answer.answer.splitlines():
        if line.startswith("Nguồn: ") and "Phòng, chống tham nhũng" in line and "Điều 51" in line:
            assert "còn hiệu lực" not in line
    assert re.search(r"không còn[^.]*giáng chức", answer.answer)
    # Asked for a viên chức, the công chức list does not lead (it binds another group).
    vc = Answerer(library.index, register=library.register()).ask("Viên chức có bị giáng chức không?")
    assert vc.refused or vc.citations[0].doc != CBCC


def test_a_decree_kept_only_in_part_says_which_part_and_on_what_basis(library):
    question = "Theo Nghị định 27/2012/NĐ-CP, viên chức làm hư hỏng tài sản của đơn vị có phải bồi thường không?"
    answer = Answerer(library.index, register=library.register()).ask(question)
    assert not answer.refused
    first = answer.citations[0]
    assert first.doc == "27/2012/NĐ-CP"
    assert first.validity == "hết hiệu lực một phần theo Bộ pháp điển điện tử, cập nhật 02/2025"
    assert "Điều 24 đến Điều 41" in answer.answer and "112/2020/NĐ-CP" in answer.answer
    assert "còn hiệu lực" not in answer.answer.split("\n")[1]


def test_the_district_level_is_flagged_wherever_a_quote_names_it(library):
    answer = Answerer(library.index, register=library.register()).ask("Ban tiếp công dân cấp huyện do ai thành lập?")
    assert not answer.refused
    assert "cấp huyện" in answer.citations[0].text
    assert "không còn đơn vị hành chính cấp huyện" in answer.answer
    assert "72/2025/QH15 (chưa có trong kho)" in answer.answer


def test_a_question_naming_the_old_law_is_told_it_was_replaced_and_gets_the_current_rule(library):
    answerer = Answerer(library.index, register=library.register())
    for question in ("Theo Luật CBCC 2008 thì công chức có được tham gia đình công không?",
                     "luat can bo cong chuc nam 2008 quy dinh cong chuc khong duoc lam nhung viec gi"):
        answer = answerer.ask(question)
        assert answer.answer.startswith(
            "Lưu ý: văn bản số 22/2008/QH12 mà bạn nhắc đến đã được thay thế bởi Luật Cán bộ, công chức số "
            "80/2025/QH15."), answer.answer[:200]
        assert "khoản 3 Điều 44" in answer.answer
        assert not answer.refused
        assert (answer.citations[0].doc, answer.citations[0].article) == (CBCC, "14")


def test_labour_code_answers_leave_and_says_its_status_is_unverified_and_whom_it_binds(library):
    answerer = Answerer(library.index, register=library.register())
    answer = answerer.ask("Lao động nữ được nghỉ thai sản bao lâu?")
    assert not answer.refused
    first = answer.citations[0]
    assert (first.doc, first.article, first.clause) == ("45/2019/QH14", "139", "1")
    assert first.validity.startswith("chưa xác minh hiệu lực: văn bản gốc trong bộ dữ liệu ALQAC 2022")
    # A civil servant's strike question is not answered by the labour code's strike chapter.
    strike = answerer.ask("Công chức có được tham gia đình công không?")
    assert (strike.citations[0].doc, strike.citations[0].article) == (CBCC, "14")


# ---------------------------------------------------------------- admins record changes


def test_an_admin_records_a_change_from_the_cli_and_the_next_answer_and_the_quiz_follow(settings, library, data):
    lib = _lib(settings, library, data)
    cited = [q for q in lib.quiz_bank().enabled() if (q.citation.doc, q.citation.article) == (CBCC, "14")]
    assert cited, "the bank asks about Điều 14 of Luật CBCC"
    before = (data / "knowledge_base" / "80-2025-QH15.md").read_bytes()

    bad = _cli(data, "kb", "validity", "add", "khoản 9 Điều 14 80/2025/QH15", "--change", "bãi bỏ",
               "--by", "thử nghiệm", "--since", "01/01/2026")
    assert bad.returncode == 1 and "không có trong văn bản" in bad.stderr
    assert not (data / validity.ADMIN_FILE).exists()

    ok = _cli(data, "kb", "validity", "add", "khoản 1 Điều 14 Luật 80/2025/QH15", "--change", "sửa đổi",
              "--by", "Luật số 99/2026/QH15 (thử nghiệm)", "--since", "01/01/2026",
              "--note", "Nội dung sửa đổi cần đối chiếu văn bản mới.")
    assert ok.returncode == 0, ok.stderr
    assert "Đã ghi nhận: khoản 1 Điều 14 80/2025/QH15 đã được sửa đổi, bổ sung" in ok.stdout
    assert (data / "knowledge_base" / "80-2025-QH15.md").read_bytes() == before  # the law itself is untouched

    asked = _cli(data, "ask", "--json", "Công chức có được tham gia đình công không?")
    reply = json.loads(asked.stdout)
    first = reply["citations"][0]
    assert (first["article"], first["clause"]) == ("14", "1")
    assert first["changes"] == ["Quy định này đã được sửa đổi, bổ sung theo Luật số 99/2026/QH15 (thử nghiệm) "
                                "từ 01/01/2026. Nội dung sửa đổi cần đối chiếu văn bản mới."]
    assert "⚠️ Quy định này đã được sửa đổi, bổ sung" in reply["answer"]

    fresh = _lib(settings, library, data)
    served = {q.id for q in fresh.quiz_bank().enabled()}
    assert not served & {q.id for q in cited if q.citation.clause in (None, "1")}
    validated = _cli(data, "quiz", "validate")
    assert validated.returncode == 0, validated.stderr
    assert "không được dùng vì quy định được trích đã thay đổi" in validated.stdout
    assert any(q.id in validated.stdout for q in cited)
    info = _cli(data, "index", "info")
    assert "80/2025/QH15" in info.stdout and "[1 quy định đã thay đổi]" in info.stdout


def test_the_chat_command_records_a_change_and_refuses_a_bad_one(settings, library, data, tmp_path):
    lib = _lib(settings, library, data)
    admin = Admin(lib.settings, lib, Store(f"sqlite:///{tmp_path / 'bot.sqlite3'}"))
    actor = Actor("telegram", "42")
    usage = run_command(admin, actor, "hieu_luc", [])
    assert usage.startswith("Cách dùng: /hieu_luc")
    refused = run_command(admin, actor, "hieu_luc", _words("khoản 3 Điều 51 36/2018/QH14 | biến mất | x | 01/07/2025"))
    assert "không hợp lệ" in refused and not (data / validity.ADMIN_FILE).exists()
    done = run_command(admin, actor, "hieu_luc", _words(
        "khoản 2 Điều 13 42/2013/QH13 | không còn phù hợp | Luật Tổ chức chính quyền địa phương số 72/2025/QH15 "
        "| 01/07/2025 | Không còn Ủy ban nhân dân cấp huyện."))
    assert done.startswith("Đã ghi nhận: khoản 2 Điều 13 42/2013/QH13")
    again = run_command(admin, actor, "hieu_luc", _words(
        "khoản 2 Điều 13 42/2013/QH13 | không còn phù hợp | Luật Tổ chức chính quyền địa phương số 72/2025/QH15 "
        "| 01/07/2025"))
    assert "đã được ghi nhận" in again
    audit_log = [(e.action, e.user_id, e.result.split(":")[0]) for e in admin.store.audit_log()]
    assert ("validity_change", "42", "ok") in audit_log and ("validity_change", "42", "refused") in audit_log

    answer = Answerer(lib.index, register=lib.register()).ask("Ban tiếp công dân cấp huyện do ai thành lập?")
    source_line = next(line for line in answer.answer.splitlines() if line.startswith("Nguồn: "))
    assert "còn hiệu lực" not in source_line and "không còn phù hợp" in source_line
    assert "recorded_by: telegram:42" in (data / validity.ADMIN_FILE).read_text(encoding="utf-8")


# ---------------------------------------------------------------- the audit


def test_kb_audit_reports_and_fails_on_a_broken_register(settings, library, data):
    clean = _cli(data, "kb", "audit")
    assert clean.returncode == 0, clean.stderr
    out = clean.stdout
    assert "còn hiệu lực theo Bộ pháp điển điện tử, cập nhật 02/2025" in out
    assert "hết hiệu lực một phần theo Bộ pháp điển điện tử, cập nhật 02/2025: 1 — 27/2012/NĐ-CP" in out
    assert "khoản 3 Điều 51 36/2018/QH14" in out
    assert "15/2001/TT-BTCCBCP" in out.split("Văn bản chưa xác minh hiệu lực")[1]
    assert "151/2015/TT-BTC: trích yếu có chữ lỗi mã hóa" in out
    assert "Quyết định 129/2007/QĐ-TTg" in out

    (data / validity.ADMIN_FILE).write_text(
        "changes:\n  - unit: {doc: 36/2018/QH14, article: '999'}\n    change: repealed\n    by: x\n"
        "    since: 2025-07-01\n", encoding="utf-8")
    broken = _cli(data, "kb", "audit")
    assert broken.returncode == 1
    assert "LỖI trong sổ theo dõi hiệu lực" in broken.stdout and "Điều 999 36/2018/QH14" in broken.stdout


def test_a_title_that_names_a_dated_act_keeps_the_documents_own_issuer_and_date():
    docs = {d.id: d for d in store.load_all()}
    doc = docs["15/2001/TT-BTCCBCP"]
    assert doc.issuer == "Ban Tổ chức - Cán bộ Chính phủ"
    assert str(doc.issued) == "2001-04-11"
    assert doc.title.endswith("đơn vị sự nghiệp")
    assert doc.validity.status is Status.UNVERIFIED
    assert audit.garbled(doc) == []


def test_a_document_marked_superseded_names_its_replacement_and_who_recorded_it(settings, library, data, tmp_path):
    lib = _lib(settings, library, data)
    admin = Admin(lib.settings, lib, Store(f"sqlite:///{tmp_path / 'bot.sqlite3'}"))
    reply = run_command(admin, Actor("zalo", "7"), "het_hieu_luc", ["42/2013/QH13", "99/2026/QH15"])
    assert "42/2013/QH13" in reply
    answer = Answerer(lib.index, register=lib.register()).ask("Khi tiếp dân công chức có phải đeo thẻ không?")
    tcd = next(c for c in answer.citations if c.doc == "42/2013/QH13")
    assert re.fullmatch(r"hết hiệu lực theo ghi nhận của quản trị viên, cập nhật \d{2}/\d{2}/\d{4}", tcd.validity)
    assert answer.citations[0].doc == "42/2013/QH13", "the rule for receiving citizens still answers first"
    assert "được thay thế bởi văn bản số 99/2026/QH15" in answer.answer
