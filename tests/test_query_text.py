"""Query-side help: marks restored on unaccented questions, everyday words mapped to legal terms."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from index import thesaurus
from index.diacritics import DiacriticRestorer, chat_phrases, everyday_sentences
from index.text import expand_abbreviations, strip_diacritics
from retrieval.analysis import analyse

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def restorer(library) -> DiacriticRestorer:
    return library.index.restorer


@pytest.mark.parametrize("question", [
    "Công chức có được đình công không",
    "Viên chức không được làm những việc gì",
    "Cán bộ có được nhận quà tết không",
    "Công chức nghiện ma túy bị xử lý kỷ luật thế nào",
])
def test_marks_come_back_on_a_stripped_question(restorer, question):
    assert restorer.restore(strip_diacritics(question)) == question.lower()


def test_restoration_is_mostly_right_on_whole_statutes(restorer, library):
    """Syllable accuracy on articles stripped of their marks: the model must know the corpus well."""
    texts = [a["text"] for key, a in sorted(library.index.articles.items())[::97]][:20]
    right = total = 0
    for text in texts:
        original = text.lower().split()
        restored = restorer.restore(strip_diacritics(text)).lower().split()
        assert len(restored) == len(original)
        right += sum(a == b for a, b in zip(original, restored, strict=True))
        total += len(original)
    assert right / total > 0.9


def test_accented_and_unknown_words_are_left_alone():
    restorer = DiacriticRestorer(["cán bộ, công chức phải đeo thẻ"])
    assert restorer.restore("cán bo xyz 2025 phải deo the") == "cán bộ xyz 2025 phải đeo thẻ"
    assert restorer.restore("") == ""


def test_chat_phrases_are_accented_vietnamese():
    phrases = set(chat_phrases())
    assert phrases and all(p != strip_diacritics(p) for p in phrases)


def test_everyday_words_come_back_with_their_usual_marks(restorer):
    # Law texts alone gave "chiếu này em đi an cuối, ương máy lớn bia rời mỗi về" and "trường tự thực".
    assert (restorer.restore("chieu nay em di an cuoi, uong may lon bia roi moi ve co quan")
            == "chiều nay em đi ăn cưới, uống mấy lon bia rồi mới về cơ quan")
    assert restorer.restore("con toi hoc truong tu thuc") == "con tôi học trường tư thục"


def test_everyday_sentences_are_accented_and_share_nothing_with_the_evaluation_questions():
    sentences = everyday_sentences()
    assert len(sentences) >= 500
    assert all(unicodedata.normalize("NFC", s) == s and s != strip_diacritics(s) for s in sentences)
    # Written for the restorer only: no run of eight words in common with a question we measure on.
    def runs(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"\w+", text.lower())
        return {tuple(words[i:i + 8]) for i in range(len(words) - 7)}
    taught = set().union(*(runs(s) for s in sentences))
    data = ROOT / "benchmarks" / "data"
    for name in ("staff_questions.jsonl", "fresh_questions.jsonl", "out_of_scope.jsonl"):
        for line in (data / name).read_text(encoding="utf-8").splitlines():
            assert not runs(json.loads(line)["question"]) & taught, name


def test_chat_shorthand_is_written_out_even_next_to_punctuation():
    assert expand_abbreviations("cc có dc nhận quà ko?") == "công chức có được nhận quà không?"
    assert (expand_abbreviations("Em là cb sở TN&MT, vk em mở cty (dnnn).")
            == "Em là cán bộ sở tài nguyên và môi trường, vợ em mở công ty (doanh nghiệp nhà nước).")
    # Whole words only, and shorthand with two meanings is left alone.
    assert expand_abbreviations("kho bạc, 500k, điểm e khoản 2, dv công") == "kho bạc, 500k, điểm e khoản 2, dv công"
    query = analyse("vk e mo cty thi cc co phai bao cao j ko")
    assert "cong_chuc" in query.subjects and "công ty" in query.text and "không" in query.text


def test_everyday_words_bring_the_legal_terms():
    expanded = thesaurus.expand("Sếp tôi hay gây khó dễ cho dân")
    assert "người đứng đầu" in expanded and "gây phiền hà" in expanded
    assert expanded.startswith("Sếp tôi hay gây khó dễ cho dân")
    assert thesaurus.expand("Công chức có được đình công không") == "Công chức có được đình công không"
    # Whole words only: "sếp" must not fire inside another word.
    assert thesaurus.expand("xếp loại") == "xếp loại"


def test_colloquial_question_finds_the_legal_rule(answerer):
    answer = answerer.ask("Anh rể tôi ngồi trong Hội đồng kỷ luật xét trường hợp của tôi có đúng không?")
    assert not answer.refused
    # The rule that a relative may not sit on the council: for công chức (NĐ 172/2025 Điều 2) or, the
    # question naming nobody, for viên chức (NĐ 112/2020 Điều 35), whom the answer then names.
    found = [(c.doc, c.article) for c in answer.citations[:3]]
    assert ("172/2025/NĐ-CP", "2") in found or ("112/2020/NĐ-CP", "35") in found
    if found[0] == ("112/2020/NĐ-CP", "35"):
        assert "Lưu ý: quy định này áp dụng cho viên chức" in answer.answer


def test_stripped_badge_question_is_answered_like_the_accented_one(answerer):
    answer = answerer.ask("khi tiep dan cong chuc co phai deo the khong")
    assert not answer.refused
    assert "đeo thẻ" in answer.citations[0].text
