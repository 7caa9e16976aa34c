"""The answering core on the real bundled knowledge base and the real model."""

from __future__ import annotations

import unicodedata

import pytest

from bot.answer import EMPTY_QUESTION, MAX_QUESTION_CHARS, refusal
from index.text import strip_diacritics

BADGE = "Khi tiếp dân công chức có phải đeo thẻ không?"


def test_badge_question_quotes_and_cites_the_point(answerer):
    answer = answerer.ask(BADGE)
    assert not answer.refused
    # Both the general rule (Luật CBCC) and the rule for receiving citizens (Luật Tiếp công dân)
    # answer this; the general one must be among the cited provisions, at point level.
    labels = [c.label for c in answer.citations[:3]]
    assert "điểm a khoản 2 Điều 13 Luật Cán bộ, công chức số 80/2025/QH15" in labels
    cbcc = next(c for c in answer.citations if c.label.startswith("điểm a khoản 2 Điều 13"))
    assert cbcc.text.startswith("Khi thi hành công vụ, cán bộ, công chức phải đeo huy hiệu")
    assert "đeo thẻ" in answer.citations[0].text
    best = answer.citations[0]
    # The quote is verbatim and comes first, then the citation with its validity.
    lines = answer.answer.splitlines()
    assert lines[0] == f"“{best.text}”"
    assert lines[1] == f"Nguồn: {best.label} (còn hiệu lực)"
    assert len([c for c in answer.answer.split("Quy định liên quan:")[-1].splitlines() if c.startswith("•")]) <= 2


def test_every_quote_is_verbatim_from_the_knowledge_base(answerer, library):
    answer = answerer.ask("Viên chức có được mở công ty riêng và làm giám đốc không?")
    assert not answer.refused
    texts = {c.text for c in library.index.chunks}
    for citation in answer.citations:
        assert citation.text in texts


@pytest.mark.parametrize("question", [
    unicodedata.normalize("NFD", "Công chức có được tham gia đình công không?"),
    "Công chức có được tham gia đình công không?",
])
def test_nfd_and_nfc_find_the_strike_ban(answerer, question):
    answer = answerer.ask(question)
    assert not answer.refused
    top3 = [(c.doc, c.article) for c in answer.citations[:3]]
    assert ("80/2025/QH15", "14") in top3


def test_no_diacritics_question(answerer):
    answer = answerer.ask("vien chuc khong duoc lam nhung viec gi")
    assert not answer.refused
    top3 = [(c.doc, c.article) for c in answer.citations[:3]]
    assert ("58/2010/QH12", "19") in top3


def test_no_diacritics_never_gives_a_confident_wrong_answer(answerer):
    """Stripped syllables are ambiguous; when retrieval is unsure the bot must refuse, not guess."""
    answer = answerer.ask("cong chuc co duoc dinh cong khong")
    assert answer.refused or ("80/2025/QH15", "14") in [(c.doc, c.article) for c in answer.citations[:3]]


def test_out_of_scope_question_is_refused_with_suggestions(answerer):
    answer = answerer.ask("Làm lại căn cước khi đủ 40 tuổi thì đến đâu, mất phí bao nhiêu?")
    assert answer.refused
    assert answer.citations == []
    assert "chưa tìm thấy quy định" in answer.answer
    # The suggestion names the kind of document that would cover the topic.
    assert "Luật Thi đua, khen thưởng" in refusal("Điều kiện xét tặng danh hiệu Chiến sĩ thi đua cơ sở?")
    assert "129/2007/QĐ-TTg" in refusal("cong so co phai treo anh Bac khong")


@pytest.mark.parametrize("question", [
    "Vượt đèn đỏ khi đi xe máy bị phạt bao nhiêu tiền?",  # law, but not ours
    "Thủ tục cấp hộ chiếu phổ thông cần những giấy tờ gì?",  # an administrative procedure
    "Nên mua quà sinh nhật gì cho con gái 5 tuổi?",  # "quà" is one of our words
    "Giá vàng SJC hôm nay bao nhiêu một lượng?",
])
@pytest.mark.parametrize("typed", ["with marks", "without marks"])
def test_questions_outside_the_knowledge_base_are_refused_however_typed(answerer, question, typed):
    """Restoring diacritics draws on our own texts, so a restored question must not start to look like ours."""
    text = question if typed == "with marks" else strip_diacritics(question)
    answer = answerer.ask(text)
    assert answer.refused, (text, [c.label for c in answer.citations[:1]])


def test_empty_and_punctuation_only_questions(answerer):
    for question in ("", "   ", "???", "\n\t"):
        answer = answerer.ask(question)
        assert answer.refused and answer.answer == EMPTY_QUESTION


def test_huge_question_is_answered_from_its_start(answerer):
    answer = answerer.ask(BADGE + " " + "x" * 10_000)
    assert not answer.refused
    assert answer.answer.startswith(f"(Câu hỏi dài hơn {MAX_QUESTION_CHARS} ký tự")


def test_markup_in_question_is_never_echoed(answerer):
    answer = answerer.ask("<b>Công chức</b> có được **nhận quà** <script>alert(1)</script> không?")
    assert "<script>" not in answer.answer and "<b>" not in answer.answer


def test_superseded_source_is_flagged(answerer):
    answer = answerer.ask("Hình thức kỷ luật buộc thôi việc áp dụng đối với viên chức trong trường hợp nào?")
    partly = [c for c in answer.citations if c.doc == "112/2020/NĐ-CP"]
    assert partly, "the viên chức discipline articles of NĐ 112/2020 should be found"
    if answer.citations[0].doc == "112/2020/NĐ-CP":
        assert "hết hiệu lực một phần" in answer.answer
