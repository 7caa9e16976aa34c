"""The answering core on the real bundled knowledge base and the real model."""

from __future__ import annotations

import re
import unicodedata

import pytest

from bot.answer import EMPTY_QUESTION, refusal
from index.text import strip_diacritics
from retrieval.analysis import MAX_QUESTION_CHARS, clean_question

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
    # The quote is verbatim and comes first, then the citation with its validity, which says on
    # what basis and as of when (never a bare "còn hiệu lực").
    lines = answer.answer.splitlines()
    assert lines[0] == f"“{best.text}”"
    assert lines[1] == f"Nguồn: {best.label} ({best.validity})"
    assert re.fullmatch(r"còn hiệu lực theo .+, cập nhật \d{2}/\d{4}", best.validity)
    assert len([c for c in answer.answer.split("Quy định liên quan:")[-1].splitlines() if c.startswith("•")]) <= 2


def test_every_quote_is_verbatim_from_the_knowledge_base(answerer, library):
    answer = answerer.ask("Viên chức có được mở công ty riêng và làm giám đốc không?")
    assert not answer.refused
    texts = {c.text for c in library.index.chunks} | {a["text"] for a in library.index.articles.values()}
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


# ---------------------------------------------------------------- what people paste


GIFT = "Công chức có được nhận quà tặng không?"


@pytest.mark.parametrize("pasted", [
    "Khi tiếp dân <b>công chức</b> có phải đeo thẻ không?",
    "Khi tiếp dân công chức có phải đeo thẻ không?</pre>",
    "<p>Khi tiếp dân công chức</p><p>có phải đeo thẻ không?</p>",
    "Khi tiếp dân *công chức* có phải `đeo thẻ` không?",
    "Khi tiếp dân **công chức** có phải __đeo thẻ__ không?",
    "Khi tiếp dân [công chức](https://vbpl.vn) có phải đeo thẻ không?",
    "Khi tiếp dân công chức\u200b có phải đeo thẻ không?\x07",
])
def test_markup_pasted_around_a_question_does_not_change_its_answer(answerer, pasted):
    plain, marked = answerer.ask(BADGE), answerer.ask(pasted)
    assert marked.refused == plain.refused
    assert [c.label for c in marked.citations[:3]] == [c.label for c in plain.citations[:3]]
    assert marked.citations[0].score == plain.citations[0].score


def test_an_html_entity_reads_as_the_character_it_stands_for(answerer):
    typed = answerer.ask("Cán bộ & công chức có được nhận quà tặng không?")
    escaped = answerer.ask("Cán bộ &amp; công chức có được nhận quà tặng không?")
    assert escaped.citations[0].label == typed.citations[0].label
    assert escaped.citations[0].score == typed.citations[0].score


@pytest.mark.parametrize("broken", [
    "Công chức\x00 có được nhận quà tặng không?",
    "Công chức \ud800có được nhận quà tặng không?",  # a lone surrogate: undecodable terminal input
    "Công chức\x85 có được \x1bnhận quà tặng không?",
])
def test_control_characters_and_lone_surrogates_are_answered_not_crashed(answerer, broken):
    answer = answerer.ask(broken)
    assert not answer.refused
    assert answer.citations[0].label == answerer.ask(GIFT).citations[0].label
    # What is echoed back can be printed and stored: no NUL, no control, no surrogate.
    answer.question.encode("utf-8")
    assert not any(unicodedata.category(c) == "Cc" for c in answer.question)


def test_what_the_user_typed_is_echoed_without_its_control_characters(answerer):
    answer = answerer.ask("<b>Công chức</b> có được\x00 nhận quà tặng không?")
    assert answer.question == "<b>Công chức</b> có được nhận quà tặng không?"


@pytest.mark.parametrize(("typed", "searched"), [
    ("công<br>chức", "công chức"),  # a tag between words kept them apart
    ("a < b và c > d", "a < b và c > d"),  # not a tag
    ("theo <khoản 2> Điều 5", "theo <khoản 2> Điều 5"),  # nor is this
    ("mã_số_thuế 2*3", "mã_số_thuế 2 3"),  # underscores inside a word are not markup
    ("*_quà tặng_*", "quà tặng"),
    ("quà\r\n\r\n  tặng\t", "quà tặng"),
    ("Co\u0302ng chức", "Công chức"),  # NFC
])
def test_clean_question(typed, searched):
    assert clean_question(typed) == searched
