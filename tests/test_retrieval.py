"""The retrieval stages on their own and through the real index: settings, question analysis, whom a
provision binds, lists quoted whole, follow-ups read with the question before them."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.conversation import Conversations, combine
from retrieval.analysis import analyse, applicability, is_follow_up
from retrieval.settings import SETTINGS_FILE, Settings

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- settings


def test_settings_come_from_the_versioned_file_and_refuse_unknown_keys(tmp_path):
    shipped = Settings.from_file()
    assert shipped.fusion.alpha == 0.5 and shipped.candidates == 100
    changed = shipped.replace("refusal.min_confidence", 0.42).replace("rerank.enabled", False)
    assert changed.refusal.min_confidence == 0.42 and not changed.rerank.enabled
    assert shipped.refusal.min_confidence != 0.42  # the original is untouched
    broken = tmp_path / "settings.yaml"
    broken.write_text(SETTINGS_FILE.read_text(encoding="utf-8") + "\nfusion_alpha: 0.7\n", encoding="utf-8")
    with pytest.raises(ValueError, match="fusion_alpha"):
        Settings.from_file(broken)
    with pytest.raises(KeyError):
        shipped.replace("fusion.beta", 1.0)


# ---------------------------------------------------------------- question analysis


@pytest.mark.parametrize(("question", "subjects", "asks_list", "facet"), [
    ("Viên chức có được mở công ty không?", {"vien_chuc"}, False, None),
    ("vien chuc co duoc mo cong ty ko", {"vien_chuc"}, False, None),
    ("cac hinh thuc ky luat cong chuc hien nay", {"cong_chuc"}, True, "hinh_thuc"),
    ("Thành phần hội đồng kỷ luật công chức gồm những ai?", {"cong_chuc"}, True, None),
    ("Quyết định kỷ luật phải ra trong mấy ngày?", set(), False, "thoi_han"),
    ("Cán bộ thuế nhận quà của doanh nghiệp thì sao?", {"can_bo", "cong_chuc_thue"}, False, None),
])
def test_analysis_reads_who_and_what(question, subjects, asks_list, facet):
    query = analyse(question)
    assert set(query.subjects) == subjects
    assert query.asks_list is asks_list
    assert facet is None or facet in query.facets


def test_the_lexical_side_reads_the_question_without_the_words_of_chat(library):
    from retrieval.pipeline import Pipeline

    story = analyse("Em là chuyên viên, sếp bảo em nhận quà của dân thì em nên làm gì ạ?")
    words = story.lexical.lower().replace(",", " ").split()
    assert not {"em", "nên", "gì", "ạ"} & set(words)
    assert words[:10] == ["là", "chuyên", "viên", "sếp", "bảo", "nhận", "quà", "của", "dân", "thì"]
    assert "em" in story.text.split()  # the dense side reads the whole question
    # Kinship words stay: conflict-of-interest rules turn on them.
    kin = analyse("Anh ấy thẩm định hồ sơ công ty của em ruột, anh rể và anh chị em họ thì sao ạ?").lexical
    for words in ("em ruột", "anh rể", "anh chị em họ"):
        assert words in kin
    assert not any(w in kin.split() for w in ("ấy", "sao", "ạ"))
    # A message of chat words alone finds nothing lexically (no kinship list matched on "anh", "em").
    pipeline = Pipeline(library.index)
    assert pipeline.lexical.scores(analyse("Em hỏi anh vậy ạ, nên thế nào nhỉ?").lexical).max() == 0
    assert pipeline.lexical.scores(analyse("Em hỏi anh vậy ạ, nên thế nào nhỉ?").text).max() > 0


def test_a_provision_for_another_group_is_told_apart():
    vien_chuc = analyse("Viên chức có được làm thêm ngoài giờ không?")
    cong_chuc = analyse("Công chức có được làm thêm ngoài giờ không?")
    tax = analyse("Công chức thuế có được nhận quà không?")
    anyone = analyse("Có được nhận quà không?")
    assert applicability(vien_chuc, ["vien_chuc"]) == 1
    assert applicability(vien_chuc, ["can_bo", "cong_chuc"]) == -1
    assert applicability(cong_chuc, ["vien_chuc"]) == -1
    assert applicability(tax, ["cong_chuc_thue"]) == 1 and applicability(tax, ["cong_chuc"]) == 1
    assert applicability(anyone, ["vien_chuc"]) == 0  # the question names nobody
    assert applicability(cong_chuc, []) == 0  # the provision binds anyone it names


def test_lists_are_quoted_whole_and_the_first_citation_is_the_article(answerer, library):
    answer = answerer.ask("Những việc viên chức không được làm là gì?")
    assert not answer.refused and answer.quotes_article
    first = answer.citations[0]
    assert (first.doc, first.article, first.clause) == ("58/2010/QH12", "19", None)
    article = library.index.articles[("58/2010/QH12", "19", "")]["text"]
    assert first.text == article and first.label == "Điều 19 Luật Viên chức số 58/2010/QH12"
    assert answer.answer.startswith("“" + article[:200])


def test_citations_say_whom_the_provision_binds(answerer):
    answer = answerer.ask("Hình thức kỷ luật đối với công chức gồm những hình thức nào?")
    first = answer.citations[0]
    assert first.doc in ("80/2025/QH15", "172/2025/NĐ-CP")
    assert "cong_chuc" in first.applies_to


def test_an_answer_to_a_question_naming_nobody_says_whom_a_group_rule_binds(answerer):
    from knowledge_base.applicability import names

    bound = 0
    for question in ("Có được hút thuốc lá trong giờ làm việc không?",
                     "Có được uống rượu bia trong giờ làm việc không?", "Có được tự ý bỏ việc không?"):
        answer = answerer.ask(question)
        assert not answer.refused, question
        first = answer.citations[0]
        if first.applies_to:
            bound += 1
            assert f"Lưu ý: quy định này áp dụng cho {names(first.applies_to)}." in answer.answer
        else:
            assert "Lưu ý: quy định này áp dụng cho" not in answer.answer.split("Quy định liên quan")[0]
    assert bound  # at least one of them is answered from a rule for one group


def test_a_rule_of_a_narrower_group_than_the_one_asked_about_says_whom_it_binds(answerer):
    from knowledge_base.applicability import names

    answer = answerer.ask("Cán bộ có được uống rượu bia trong giờ làm việc không?")
    first = answer.citations[0]
    assert not answer.refused and first.applies_to
    if "can_bo" in first.applies_to:
        assert "Lưu ý: quy định này áp dụng cho" not in answer.answer.split("Quy định liên quan")[0]
    else:  # e.g. the inspectors' code: compatible with "cán bộ", but not every cán bộ's rule
        assert f"Lưu ý: quy định này áp dụng cho {names(first.applies_to)}." in answer.answer
    same = answerer.ask("Viên chức không được làm những việc gì?")
    assert "vien_chuc" in same.citations[0].applies_to and "Lưu ý" not in same.answer.split("Quy định liên quan")[0]


def test_a_clause_written_for_state_enterprises_is_told_apart_from_the_rest_of_its_article(answerer, library):
    chunks = {(c.doc, c.article, c.clause, c.point): c for c in library.index.chunks}
    # Luật PCTN Điều 20 binds everyone with a position, but its khoản 5 only managers of a state enterprise.
    assert chunks[("36/2018/QH14", "20", "5", None)].applies_to == ["doanh_nghiep_nha_nuoc"]
    assert chunks[("36/2018/QH14", "20", "2", "b")].applies_to == []
    assert chunks[("59/2019/NĐ-CP", "83", "4", "a")].applies_to == ["doanh_nghiep_nha_nuoc"]  # points follow
    assert chunks[("59/2019/NĐ-CP", "83", "2", None)].applies_to == []
    assert chunks[("59/2019/NĐ-CP", "54", "1", None)].applies_to == ["doanh_nghiep_ngoai_nha_nuoc"]
    # Asked about a state enterprise's director, a clause for state enterprises answers, without a
    # warning: the rule (Luật PCTN Điều 20 khoản 5) or the discipline for breaking it (NĐ 59 Điều 83
    # khoản 4, whose example questions are worded like this one).
    manager = answerer.ask("Giám đốc doanh nghiệp nhà nước có được ký hợp đồng với công ty của con mình không?")
    first = manager.citations[0]
    assert (first.doc, first.article, first.clause) in {("36/2018/QH14", "20", "5"), ("59/2019/NĐ-CP", "83", "4")}
    assert first.applies_to == ["doanh_nghiep_nha_nuoc"] and "Lưu ý" not in manager.answer
    # Asked about the head of a department, an enterprise rule is never quoted as if it were theirs.
    for question in ("Giám đốc sở bố trí con trai làm kế toán thì bị kỷ luật thế nào?",
                     "Trưởng phòng ở sở có được ký hợp đồng với công ty của con mình không?"):
        answer = answerer.ask(question)
        lead = answer.citations[0]
        assert not answer.refused
        if lead.applies_to == ["doanh_nghiep_nha_nuoc"]:
            assert "doanh nghiệp nhà nước, không phải cho người đứng đầu" in answer.answer


# ---------------------------------------------------------------- follow-ups


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_follow_up_is_read_with_the_previous_question_of_the_same_person_in_the_same_chat():
    clock = Clock()
    talks = Conversations(window=600, clock=clock)
    lan, minh = ("telegram", "chat1", "lan"), ("telegram", "chat1", "minh")
    assert talks.read(lan, "Công chức có được nhận quà Tết của doanh nghiệp không?").read_with is None
    other = talks.read(minh, "còn viên chức thì sao?")
    assert other.read_with is None and other.text == "còn viên chức thì sao?"  # Minh asked nothing before
    follow = talks.read(lan, "còn viên chức thì sao?")
    assert follow.read_with == "Công chức có được nhận quà Tết của doanh nghiệp không?"
    assert "viên chức" in follow.text and "Công chức" not in follow.text and "quà Tết" in follow.text
    second = talks.read(lan, "thế nếu quà dưới 500 nghìn?")
    assert second.read_with.endswith("→ còn viên chức thì sao?") and "500 nghìn" in second.text
    clock.now += 601
    assert talks.read(lan, "thế còn cán bộ thì sao?").read_with is None  # too long after: a new topic


def test_a_follow_up_is_answered_as_one_question_not_as_two_parts(answerer):
    talks = Conversations(window=600, clock=Clock())
    lan = ("cli", "", "lan")
    talks.read(lan, "Công chức có được nhận quà Tết của doanh nghiệp không?")
    for follow_up in ("còn viên chức thì sao?", "thế nếu quà dưới 500 nghìn?"):
        reading = talks.read(lan, follow_up)
        answer = answerer.ask(reading.text, read_with=reading.read_with)
        assert answer.answer.startswith("(Tôi đọc câu này cùng câu hỏi trước của bạn:")
        assert "Về ý" not in answer.answer  # the earlier question is not answered again as a part of its own
        assert not answer.refused and answer.citations[0].doc in ("36/2018/QH14", "59/2019/NĐ-CP")


def test_related_provisions_never_show_a_clause_that_only_delegates(answerer, library):
    from retrieval.units import delegates_only

    delegating = [c for c in library.index.chunks if delegates_only(c)]
    assert len(delegating) > 20 and all(len(c.text) < 200 for c in delegating)
    assert any(c.text == "Chính phủ quy định chi tiết Điều này." for c in delegating)
    assert not any(delegates_only(c) for c in library.index.chunks
                   if c.doc == "36/2018/QH14" and c.article == "22" and c.clause == "2")
    answer = answerer.ask("Công chức có được nhận quà Tết của doanh nghiệp không?")
    related = answer.answer.split("Quy định liên quan:")[-1]
    assert "quy định chi tiết Điều này" not in related and "Điều 22" in answer.answer


def test_follow_up_cues():
    assert is_follow_up("còn viên chức thì sao?") and is_follow_up("the neu qua duoi 500k?")
    assert is_follow_up("Vậy trường hợp đã nghỉ hưu thì thế nào?")
    assert not is_follow_up("Công chức có được nhận quà Tết của doanh nghiệp không?")
    assert not is_follow_up("Còn " + "rất " * 20 + "dài thì sao?")  # too long to lean on anything
    assert combine("Công chức có được góp vốn không?", "còn vc?").startswith("có được góp vốn không?")


def _run_cli(settings, *args: str, stdin: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CONDUCT_DATA_DIR": str(settings.data_dir)}
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=600, check=False)


def test_chat_reads_follow_ups_but_ask_lines_stand_alone(library, settings):
    lines = "Công chức có được nhận quà Tết của doanh nghiệp không?\ncòn viên chức thì sao?\n"
    chat = _run_cli(settings, "chat", stdin=lines + "thoát\n")
    assert chat.returncode == 0, chat.stderr
    assert "Tôi đọc câu này cùng câu hỏi trước của bạn: “Công chức có được nhận quà Tết" in chat.stdout
    ask = _run_cli(settings, "ask", "--json", "-", stdin=lines)
    answers = [json.loads(line) for line in ask.stdout.splitlines()]
    assert len(answers) == 2 and all("read_with" not in a for a in answers)


# ---------------------------------------------------------------- the held-out questions stay frozen


def test_the_test_split_of_our_questions_is_unchanged():
    """The test half was frozen before tuning; its hash is recorded in staff_questions.md."""
    data = ROOT / "benchmarks" / "data"
    lines = (data / "staff_questions.jsonl").read_bytes().splitlines(keepends=True)
    test = b"".join(line for line in lines if json.loads(line)["split"] == "test")
    assert hashlib.sha256(test).hexdigest() in (data / "staff_questions.md").read_text(encoding="utf-8")
    # The fresh set, written blind in session 8, is frozen whole.
    fresh = hashlib.sha256((data / "fresh_questions.jsonl").read_bytes()).hexdigest()
    assert fresh in (data / "fresh_questions.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------- reranking and refusal


def test_the_shipped_reranker_matches_its_features_and_says_how_it_was_trained():
    from retrieval import rerank

    model = rerank.Model.load()
    assert len(model.article.weights) == len(model.unit.weights) == len(rerank.FEATURES)
    about = model.about
    assert about["script"] == "benchmarks/tune.py" and about["data"]["alqac2022_questions"] == 520
    assert "refusal_on_tune_out_of_fold" in about  # thresholds were chosen out of fold, on tune only


def test_a_rule_for_another_group_is_flagged_in_the_answer(library):
    from bot.answer import compose
    from retrieval.hit import Hit

    chunk = next(c for c in library.index.chunks if c.doc == "80/2025/QH15" and c.article == "36" and c.clause)
    text = compose([Hit(chunk, 0.9)], None, analyse("Viên chức bị kỷ luật thì có những hình thức nào?"))
    assert "Lưu ý: quy định này áp dụng cho công chức, không phải cho viên chức" in text
    same = compose([Hit(chunk, 0.9)], None, analyse("Công chức bị kỷ luật thì có những hình thức nào?"))
    assert "Lưu ý: quy định này áp dụng" not in same


@pytest.mark.parametrize("question", ["Hôm nay giá vàng SJC bao nhiêu một lượng?",
                                      "Cách nấu phở bò cho 4 người ăn như thế nào?"])
def test_questions_far_from_the_knowledge_base_are_refused(answerer, question):
    answer = answerer.ask(question)
    assert answer.refused and not answer.citations
    assert answer.answer.startswith("Xin lỗi, tôi chưa tìm thấy quy định nào")


def test_a_refusal_names_the_source_a_subject_would_need():
    """The refusal's suggestion and the reranker's feature come from one list of known gaps."""
    from bot.answer import refusal

    question = "muc dong bao hiem xa hoi bat buoc cua cong chuc la bao nhieu phan tram"
    assert analyse(question).uncovered == ("Luật Bảo hiểm xã hội, Luật Bảo hiểm y tế, Luật Việc làm",)
    assert "Luật Bảo hiểm xã hội" in refusal(question)
    assert analyse("Công chức bị hạ bậc lương khi nào?").uncovered == ()  # a discipline form, not pay


def test_a_story_is_answered_by_the_rule_it_turns_on(answerer):
    answer = answerer.ask("Em là chuyên viên phòng đăng ký kinh doanh, tuần trước một doanh nghiệp em vừa giải quyết "
                          "hồ sơ gửi biếu em phong bì 2 triệu nhân dịp Tết. Em có được nhận không ạ?")
    assert not answer.refused
    assert answer.citations[0].doc in ("59/2019/NĐ-CP", "36/2018/QH14", "80/2025/QH15")
    assert "quà" in answer.citations[0].text.lower()


def test_a_question_that_asks_two_things_gets_both_answered_each_cited(answerer):
    from retrieval.analysis import parts

    question = ("Công chức bị kỷ luật cảnh cáo thì có bị hạn chế bổ nhiệm không, và quyết định kỷ luật "
                "đó có hiệu lực trong bao lâu?")
    story, asked = parts(question)
    assert story == "" and len(asked) == 2 and asked[1].startswith("quyết định kỷ luật")
    answer = answerer.ask(question)
    assert not answer.refused and "Về ý “quyết định kỷ luật đó có hiệu lực trong bao lâu”:" in answer.answer
    first, second = answer.citations[:2]
    assert (first.doc, first.article) != (second.doc, second.article)
    assert f"Nguồn: {second.label}" in answer.answer.split("Về ý")[1]
    assert parts("Em là công chức xã, có được nhận quà không?")[1] == ["Em là công chức xã có được nhận quà không?"]
