"""The question bank on the real knowledge base: every question proved by its source, within Telegram's limits."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.quiz import bank
from bot.quiz.checks import comparable, contains
from bot.quiz.generate import generate
from knowledge_base import store
from knowledge_base.model import Status
from knowledge_base.provisions import Ref, resolve


@pytest.fixture(scope="module")
def documents():
    return {d.id: d for d in store.load_all()}


@pytest.fixture(scope="module")
def shipped(documents):
    return bank.load(bank.BUNDLED_DIR, documents)


def test_shipped_bank_loads_and_covers_every_kind_and_the_main_topics(shipped):
    kinds = {q.kind for q in shipped.questions}
    assert kinds == set(bank.KINDS)
    topics = {t for t, _ in shipped.topics()}
    assert {"quà tặng", "kỷ luật", "tiếp công dân", "giao tiếp, ứng xử"} <= topics
    assert shipped.match_topic("qua tang") == "quà tặng" and shipped.match_topic("giao tiep") == "giao tiếp, ứng xử"


def test_every_answer_is_in_its_source_and_no_distractor_is(shipped, documents):
    for q in shipped.questions:
        source = resolve(q.citation, documents).text
        assert contains(source, q.quote), q.id
        wrong = [o for o in q.options if o != q.answer]
        if q.kind == "multiple_choice":
            assert contains(q.quote, q.answer), q.id
            assert not any(contains(source, o) for o in wrong), q.id
        if q.kind == "fill_gap":
            passage = q.question.split("«", 1)[1].rsplit("»", 1)[0]
            assert contains(source, passage.replace("___", q.answer)), q.id
            assert not any(contains(source, passage.replace("___", o)) for o in wrong), q.id
        if q.kind == "true_false" and "«" in q.question:
            statement = q.question.split("«", 1)[1].rsplit("»", 1)[0]
            assert contains(source, statement) == (q.answer == "Đúng"), q.id


def test_telegram_limits_and_citations_in_explanations(shipped):
    for q in shipped.questions:
        assert len(q.question) <= 300 and all(len(o) <= 100 for o in q.options), q.id
        assert len(q.explanation) <= 200 and q.explanation.count("\n") <= 2, q.id
        assert "Điều" in q.explanation or "điều" in q.explanation, q.id


def test_generation_is_reproducible_and_matches_the_committed_file(documents, shipped):
    fresh = generate(list(documents.values()))
    committed = [q for q in shipped.questions if q.origin == "generated"]
    assert [q.id for q in fresh] == [q.id for q in committed]
    assert all(comparable(a.question) == comparable(b.question) for a, b in zip(fresh, committed, strict=True))


def test_superseded_documents_are_never_quizzed(documents):
    doc = documents["80/2025/QH15"]
    changed = {**documents, doc.id: replace(doc, validity=replace(doc.validity, status=Status.SUPERSEDED))}
    assert not any(q.citation.doc == doc.id for q in generate(list(changed.values())))


def test_validation_names_unsupported_or_broken_questions(documents, shipped):
    good = shipped.get("tuyen-chon-thoi-hieu-khien-trach")
    assert good is not None
    cases = {
        "distractor that the law states": replace(good, options=["05 năm", "10 năm", "02 năm", "khiển trách"]),
        "answer not in the quote": replace(good, answer="02 năm"),
        "unknown provision": replace(good, citation=Ref("80/2025/QH15", "99")),
        "too long for Telegram": replace(good, question="x" * 301),
        "invented quote": replace(good, quote="05 năm đối với mọi hành vi vi phạm"),
    }
    for name, question in cases.items():
        assert bank.validate([question], documents), name
    assert bank.validate([good], documents) == []


def test_regenerating_keeps_review_decisions_unless_the_question_changed(shipped):
    q = next(q for q in shipped.questions if q.origin == "generated")
    reviewed = replace(q, reviewed=True, enabled=False, topic="chủ đề riêng")
    kept = bank.with_flags(q, reviewed)
    assert kept.reviewed and not kept.enabled and kept.topic == "chủ đề riêng"
    assert not bank.with_flags(replace(q, question=q.question + " (sửa)"), reviewed).reviewed


def test_a_broken_bank_file_is_a_clear_error(tmp_path, documents):
    (tmp_path / "curated.yaml").write_text("- id: x\n  kind: multiple_choice\n", encoding="utf-8")
    with pytest.raises(bank.BankError, match="thiếu"):
        bank.load(tmp_path, documents)


def test_situation_questions_cover_the_topics_trainers_asked_for_and_a_bad_one_is_refused(shipped, documents):
    situations = [q for q in shipped.questions if q.kind == "situation"]
    assert len(situations) >= 60
    assert {"kê khai tài sản", "mạng xã hội, thông tin", "rượu bia, thuốc lá", "trang phục, thẻ", "tố cáo, phản ánh",
            "quà tặng", "xung đột lợi ích", "nghĩa vụ, quyền"} <= {q.topic for q in situations}
    assert len({comparable(q.question) for q in situations}) == len(situations)
    good = next(q for q in situations if q.id.startswith("th-a-"))
    assert bank.validate([good], documents) == []
    unit = resolve(good.citation, documents).unit
    bad = [
        replace(good, question="Theo Luật Phòng, chống tham nhũng, " + good.question[0].lower() + good.question[1:]),
        replace(good, question=good.question.rstrip("?") + "."),
        replace(good, explanation="Đây là quy định của pháp luật."),
        replace(good, quote="một câu không có trong văn bản được dẫn"),
        replace(good, options=good.options[:2], answer=good.answer if good.answer in good.options[:2]
                else good.options[0]),
    ]
    expected = ["không mở đầu bằng “Theo", "kết thúc bằng một câu hỏi",
                f"giải thích phải nêu quy định chứng minh ({unit})", "quote không có nguyên văn", "cần 3–4 phương án"]
    for question, words in zip(bad, expected, strict=True):
        found = " | ".join(bank.validate([question], documents))
        assert words in found, (words, found)


def test_a_trainer_can_ask_for_situation_questions_only(shipped):
    assert shipped.match_topic("tinh huong") == bank.SITUATIONS
    assert (bank.SITUATIONS, len([q for q in shipped.enabled() if q.kind == "situation"])) in shipped.topics()
    chosen = shipped.enabled(bank.SITUATIONS)
    assert len(chosen) >= 60 and {q.kind for q in chosen} == {"situation"}
    assert len({q.topic for q in chosen}) >= 10  # every topic's situations, not one topic
