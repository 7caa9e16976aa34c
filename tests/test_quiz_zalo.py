"""Quiz mode on Zalo: text questions with A–D answered by letter, practice and a group session,
which carries on when the Zalo server fails one sendMessage; afterwards, /on_tap in private."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot import messages as bot_messages
from bot.channels.zalo import ZaloBot
from bot.quiz import messages
from bot.quiz.master import RetryPolicy
from knowledge_base.provisions import resolve
from tests.fakes.zalo_api import text_message
from tests.test_zalo_bot import ADMIN, reply_to, run_bot, until, zalo_setup

GROUP = "group-77"


def in_group(text: str, user: str) -> dict:
    return text_message(text, user_id=user, chat_id=GROUP, chat_type="GROUP", display_name=user.upper())


def _letter(assistant, chat: str, right: bool) -> str:
    rnd = assistant.quiz.records.running("zalo", chat)
    ask = assistant.quiz.records.current_ask(rnd.id)
    index = ask.correct_index if right else (ask.correct_index + 1) % len(ask.options)
    return messages.LETTERS[index]


async def _shown(fake, assistant, chat: str, header: str) -> None:
    """Until question `header` ("Câu 2/2") is in the chat and recorded: the record follows the post, so a
    test that reads the right letter at once could still see the question before."""

    def recorded() -> bool:
        rnd = assistant.quiz.records.running("zalo", chat)
        ask = assistant.quiz.records.current_ask(rnd.id) if rnd else None
        return ask is not None and messages.header(ask.position, rnd.total) == header

    await until(lambda: any(header in t for t in fake.sent_texts(chat)), timeout=15)
    await until(recorded, timeout=5)


def test_practice_by_letters_with_feedback_and_citation(settings, library, tmp_path):
    with zalo_setup(settings, library, tmp_path) as (fake, assistant):

        async def scenario(bot: ZaloBot) -> None:
            sent = await reply_to(fake, text_message("/quiz kỷ luật", user_id="u1"), "u1", "Câu 1/5")
            assert "A. " in sent[-1] and "Trả lời bằng một chữ cái" in sent[-1]
            for i in range(5):
                await _shown(fake, assistant, "u1", f"Câu {i + 1}/5")
                letter = await asyncio.to_thread(_letter, assistant, "u1", i != 0)
                expect = "Kết thúc lượt luyện tập" if i == 4 else f"Câu {i + 2}/5"
                sent = await reply_to(fake, text_message(letter.lower(), user_id="u1"), "u1", expect)
                verdict = sent[0]
                assert verdict.startswith("❌ Chưa đúng. Đáp án đúng:" if i == 0 else "✅ Chính xác!")
                assert "Điều" in verdict  # the explanation cites the provision
            assert "đúng 4/5" in sent[-1]
            # With no round on, a letter is an ordinary question again.
            sent = await reply_to(fake, text_message("/quiz không có chủ đề này", user_id="u1"), "u1", "chủ đề")
            assert "Không tìm thấy chủ đề" in sent[0]

        run_bot(fake, assistant, scenario)


def test_group_session_only_for_admins_scores_and_reports(settings, library, tmp_path):
    """In a real group: the commands speak to the bot, and members' bare letters count unaddressed."""
    with zalo_setup(settings, library, tmp_path) as (fake, assistant):
        assistant.quiz.grace, assistant.quiz.tick = timedelta(seconds=0.3), 0.2

        async def scenario(bot: ZaloBot) -> None:
            sent = await reply_to(fake, in_group("/quiz_start 2 5", "u9"), GROUP, bot_messages.ADMINS_ONLY)
            sent = await reply_to(fake, in_group("/quiz_start 2 5", ADMIN), GROUP, "Câu 1/2")
            assert any("Bắt đầu phiên kiểm tra" in t for t in sent)
            await _shown(fake, assistant, GROUP, "Câu 1/2")
            for user, right in (("u1", True), ("u2", False)):
                letter = await asyncio.to_thread(_letter, assistant, GROUP, right)
                fake.push_update(in_group(letter, user))
            await _shown(fake, assistant, GROUP, "Câu 2/2")
            letter = await asyncio.to_thread(_letter, assistant, GROUP, True)
            fake.push_update(in_group(letter, "u2"))
            await until(lambda: any("Tỉ lệ" in t or "người trả lời đúng" in t for t in fake.sent_texts(GROUP)),
                        timeout=15)
            final = next(t for t in fake.sent_texts(GROUP) if "đã kết thúc" in t)
            assert "U1: 1 câu đúng" in final and "U2: 1 câu đúng" in final
            assert any("Câu 1: 1/2 người trả lời đúng (50%)" in t for t in fake.sent_texts(GROUP))

        run_bot(fake, assistant, scenario)


def test_group_session_carries_on_after_a_failed_send(settings, library, tmp_path):
    with zalo_setup(settings, library, tmp_path) as (fake, assistant):
        quiz = assistant.quiz
        # A long lease: the question can only come in time through the retry, not through the supervisor.
        quiz.grace, quiz.tick, quiz.lease = timedelta(seconds=0.3), 0.2, timedelta(seconds=30)
        quiz.retry = RetryPolicy(backoff=(0.05,))

        async def scenario(bot: ZaloBot) -> None:
            fake.fail_next("sendMessage", 502, "Bad Gateway", when=lambda p: "Câu 1/1" in p["text"])
            fake.push_update(text_message("/quiz_start 1 5", user_id=ADMIN, chat_id=GROUP))
            await _shown(fake, assistant, GROUP, "Câu 1/1")
            letter = await asyncio.to_thread(_letter, assistant, GROUP, True)
            fake.push_update(text_message(letter, user_id="u1", chat_id=GROUP, display_name="U1"))
            await until(lambda: any("người trả lời đúng" in t for t in fake.sent_texts(GROUP)), timeout=15)

        run_bot(fake, assistant, scenario)
        failed = [c for c in fake.calls_to("sendMessage") if c.error_code is not None]
        assert [c.error_code for c in failed] == [502] and "Câu 1/1" in failed[0].params["text"]
        texts = fake.sent_texts(GROUP)
        assert sum("Câu 1/1" in t for t in texts) == 1  # delivered once, by the retry
        final = next(t for t in texts if "đã kết thúc" in t)
        assert "U1: 1 câu đúng" in final and "(1/1 câu)" in final


def test_participants_reread_the_provisions_behind_their_missed_questions_in_private(settings, library, tmp_path):
    """After a group session, /on_tap in private: one's own missed questions with the provision, cited."""
    with zalo_setup(settings, library, tmp_path) as (fake, assistant):
        assistant.quiz.grace, assistant.quiz.tick = timedelta(seconds=0.3), 0.2
        records = assistant.quiz.records

        async def scenario(bot: ZaloBot) -> None:
            await reply_to(fake, in_group("/quiz_start 2 5", ADMIN), GROUP, "Câu 1/2")
            await _shown(fake, assistant, GROUP, "Câu 1/2")
            for user in ("u1", "u2"):
                fake.push_update(in_group(await asyncio.to_thread(_letter, assistant, GROUP, True), user))
            await _shown(fake, assistant, GROUP, "Câu 2/2")
            for user, right in (("u1", False), ("u2", True)):
                fake.push_update(in_group(await asyncio.to_thread(_letter, assistant, GROUP, right), user))
            await until(lambda: any("đã kết thúc" in t for t in fake.sent_texts(GROUP)), timeout=15)
            rnd = await asyncio.to_thread(records.last_round, "zalo", GROUP)
            final = next(t for t in fake.sent_texts(GROUP) if "đã kết thúc" in t)
            assert "nhắn /on_tap cho bot trong tin nhắn riêng" in final and f"/on_tap {rnd.id}" in final

            heading = f"Ôn tập phiên kiểm tra #{rnd.id}"
            missed = "\n".join(await reply_to(fake, text_message("/on_tap", user_id="u1"), "u1", heading))
            asks = await asyncio.to_thread(records.asks, rnd.id)
            bank = assistant.quiz.bank
            documents = {d.id: d for d in await asyncio.to_thread(assistant.documents)}
            wrong, right = bank.get(asks[1].question_id), bank.get(asks[0].question_id)
            assert resolve(wrong.citation, documents).label in missed
            assert f"✅ Đáp án đúng: {asks[1].options[asks[1].correct_index]}" in missed
            assert wrong.question in missed and right.question not in missed and "đúng 1/2 câu" in missed
            assert all(len(t) <= 2000 for t in fake.sent_texts("u1"))
            numbered = await reply_to(fake, text_message(f"/on_tap {rnd.id}", user_id="u1"), "u1", heading)
            assert "\n".join(numbered) == missed

            sent = await reply_to(fake, text_message("/on_tap", user_id="u2"), "u2", "Chúc mừng")
            assert len(sent) == 1 and "đúng cả 2/2 câu" in sent[0]
            sent = await reply_to(fake, text_message("/on_tap", user_id="u3"), "u3", "chưa tham gia")
            assert sent == [messages.REVIEW_NONE]
            sent = await reply_to(fake, text_message(f"/on_tap {rnd.id}", user_id="u3"), "u3", f"#{rnd.id}")
            assert sent == [messages.review_not_found(rnd.id)]
            sent = await reply_to(fake, text_message("/on_tap abc", user_id="u1"), "u1", "Cách dùng")
            assert sent == [messages.REVIEW_USAGE]
            before = len(fake.sent_texts(GROUP))
            sent = await reply_to(fake, in_group("/on_tap", "u1"), GROUP, "trò chuyện riêng")
            assert sent == [messages.REVIEW_PRIVATE_ONLY]
            assert not any("Ôn tập" in t for t in fake.sent_texts(GROUP)[before:])

        run_bot(fake, assistant, scenario)
