"""The Zalo bot end to end: real Assistant on the real index, real HTTP client, fake Zalo Bot API on localhost.

Each test runs `ZaloBot.run_polling` in a task, pushes updates into the fake as users would send them, and reads
what the bot sent back. Nothing here rebuilds the shared index (no admin /reindex, /xoa or /het_hieu_luc).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

from bot import commands, messages
from bot.assistant import Assistant
from bot.channels.telegram import build_application
from bot.channels.zalo import ZaloBot, article_name, follow_ups
from bot.channels.zalo_api import ZaloBotApi, ZaloUpdate
from bot.storage.store import MAX_STATS_DAYS
from tests.fakes.telegram_api import FakeTelegram, run_app
from tests.fakes.zalo_api import (
    FAKE_TOKEN,
    FakeZaloBotApi,
    image_message,
    mention,
    sticker_message,
    text_message,
)

QUESTION = "Khi tiếp dân công chức có phải đeo thẻ không?"
ADMIN = "admin1"


@contextmanager
def zalo_setup(settings, library, tmp_path, **overrides) -> Iterator[tuple[FakeZaloBotApi, Assistant]]:
    """A fake Zalo server and an Assistant with its own database, sharing the session's index."""
    with FakeZaloBotApi() as fake:
        config = dataclasses.replace(
            settings,
            **{
                "database_url": f"sqlite:///{tmp_path}/z.sqlite3",
                "admin_ids": frozenset({("zalo", ADMIN)}),
                "zalo_token": fake.token,
                "zalo_api_url": fake.url,
                **overrides,
            },
        )
        assistant = Assistant(config, library=library)
        try:
            yield fake, assistant
        finally:
            assistant.store.close()


def run_bot(fake: FakeZaloBotApi, assistant: Assistant, scenario: Callable[[ZaloBot], Awaitable[None]]) -> None:
    """Poll in the background while `scenario` talks to the bot; stop polling afterwards."""

    async def main() -> None:
        async with ZaloBotApi(fake.token, base_url=assistant.settings.zalo_api_url) as api:
            bot = ZaloBot(api, assistant)
            stop = asyncio.Event()
            polling = asyncio.create_task(bot.run_polling(stop))
            try:
                await asyncio.wait_for(scenario(bot), 60)
            finally:
                stop.set()
                await asyncio.wait_for(polling, 10)
            assert not polling.cancelled()

    asyncio.run(main())


async def until(predicate: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the bot")
        await asyncio.sleep(0.05)


async def reply_to(fake: FakeZaloBotApi, update: dict, chat: str, contains: str) -> list[str]:
    """Push one update and wait for a new message in `chat` containing `contains`; return the new messages."""
    before = len(fake.sent_texts(chat))
    fake.push_update(update)
    await until(lambda: any(contains in t for t in fake.sent_texts(chat)[before:]))
    await asyncio.sleep(0.1)  # the remaining parts of a multi-part reply
    return fake.sent_texts(chat)[before:]


# ---------------------------------------------------------------- questions and follow-ups


def test_question_is_answered_with_source_and_follow_ups_after_typing(settings, library, tmp_path):
    with zalo_setup(settings, library, tmp_path) as (fake, assistant):

        async def scenario(bot: ZaloBot) -> None:
            sent = await reply_to(fake, text_message(QUESTION, user_id="u1"), "u1", "Nguồn:")
            answer = "\n".join(sent)
            assert "Gõ 1 để xem toàn văn Điều" in answer
            assert "Gõ 2" in answer and "Gõ 3" in answer and "gõ 4" in answer
            assert all(len(t) <= 2000 for t in sent)

        run_bot(fake, assistant, scenario)
        calls = [c for c in fake.calls if c.method in ("sendChatAction", "sendMessage") and c.error_code is None]
        assert calls[0].method == "sendChatAction" and calls[0].params == {"chat_id": "u1", "action": "typing"}
        assert calls[1].method == "sendMessage"
        assert assistant.store.stats().total == 1


def test_numbers_open_the_article_list_related_and_record_feedback(settings, library, tmp_path):
    with zalo_setup(settings, library, tmp_path) as (fake, assistant):

        async def scenario(bot: ZaloBot) -> None:
            await reply_to(fake, text_message(QUESTION, user_id="u2"), "u2", "Gõ 1")
            article = "\n".join(await reply_to(fake, text_message("1", user_id="u2"), "u2", "Điều"))
            assert "Gõ 1" not in article and "đeo thẻ" in article
            related = "\n".join(await reply_to(fake, text_message("2", user_id="u2"), "u2", "Quy định liên quan"))
            assert "Nguồn:" in related
            thanks = await reply_to(fake, text_message("3", user_id="u2"), "u2", "Cảm ơn")
            assert thanks == [messages.THANKS_FEEDBACK]

        run_bot(fake, assistant, scenario)
        stats = assistant.store.stats()
        assert (stats.feedback_up, stats.feedback_down, stats.total) == (1, 0, 1)  # numbers are not questions


def test_thumbs_down_thanks_and_suggests_rephrasing(settings, library, tmp_path):
    with zalo_setup(settings, library, tmp_path) as (fake, assistant):

        async def scenario(bot: ZaloBot) -> None:
            await reply_to(fake, text_message(QUESTION, user_id="u3"), "u3", "Gõ 1")
            sent = "\n".join(await reply_to(fake, text_message("4", user_id="u3"), "u3", "Cảm ơn"))
            assert "hỏi lại" in sent
            # A refused answer offers no numbers, and the earlier answer is no longer what "1" means.
            refused = await reply_to(fake, text_message("Thời tiết hôm nay thế nào?", user_id="u3"), "u3", "Xin lỗi")
            assert "Gõ 1" not in "\n".join(refused)
            await reply_to(fake, text_message("1", user_id="u3"), "u3", "Các số 1–4")

        run_bot(fake, assistant, scenario)
        assert assistant.store.stats().feedback_down == 1


def test_very_long_question_is_answered_in_messages_of_at_most_2000_characters(settings, library, tmp_path):
    question = (QUESTION + " ") * (10_000 // (len(QUESTION) + 1) + 1)
    question = question[:10_000]
    with zalo_setup(settings, library, tmp_path) as (fake, assistant):

        async def scenario(bot: ZaloBot) -> None:
            sent = await reply_to(fake, text_message(question, user_id="u4"), "u4", "Nguồn:")
            assert all(1 <= len(t) <= 2000 for t in sent)

        run_bot(fake, assistant, scenario)
        assert not [c for c in fake.calls_to("sendMessage") if c.error_code is not None]


def test_follow_up_label_names_the_whole_article():
    from bot.answer import Answer, Citation

    label = "điểm a khoản 2 Điều 13 Luật Cán bộ, công chức số 80/2025/QH15"
    citation = Citation("80/2025/QH15", "", "13", "2", "a", label, "in_force", 1.0, "…", "")
    assert article_name(citation) == "Điều 13 Luật Cán bộ, công chức số 80/2025/QH15"
    assert follow_ups(Answer("q", "a", False, [citation]))[0] == (
        "Gõ 1 để xem toàn văn Điều 13 Luật Cán bộ, công chức số 80/2025/QH15"
    )
    assert follow_ups(Answer("q", "a", True, [citation])) == []


# ---------------------------------------------------------------- other kinds of message


def test_sticker_image_and_help_get_plain_guidance_and_bots_are_ignored(settings, library, tmp_path):
    with zalo_setup(settings, library, tmp_path) as (fake, assistant):

        async def scenario(bot: ZaloBot) -> None:
            assert await reply_to(fake, sticker_message(user_id="u5"), "u5", "bằng chữ") == [messages.TEXT_ONLY]
            assert await reply_to(fake, image_message(user_id="u5"), "u5", "bằng chữ") == [messages.TEXT_ONLY]
            help_text = "\n".join(await reply_to(fake, text_message("/help", user_id="u5"), "u5", "Ví dụ"))
            assert "quà tặng" in help_text and "kỷ luật" in help_text and "4 —" in help_text
            empty = await reply_to(fake, text_message("   ", user_id="u5"), "u5", "chưa nhập câu hỏi")
            assert len(empty) == 1
            orphan = await reply_to(fake, text_message("1", user_id="u5"), "u5", "Các số 1–4")
            assert len(orphan) == 1  # no remembered answer: guidance, not a refused "question"
            usage = await reply_to(fake, text_message("/hoi", user_id="u5"), "u5", "/hoi")
            assert usage == [messages.ASK_USAGE]
            # A message from another bot: handled directly, as the webhook endpoint does, and ignored.
            from_bot = text_message(QUESTION, user_id="u5")
            from_bot["message"]["from"]["is_bot"] = True
            before = len(fake.sent_texts())
            await bot.handle(ZaloUpdate.from_dict(from_bot))
            assert len(fake.sent_texts()) == before

        run_bot(fake, assistant, scenario)
        assert assistant.store.stats().total == 0


# ---------------------------------------------------------------- groups

GROUP = "group-42"


def in_group(text: str, user: str = "g1", **extra) -> dict:
    return text_message(text, user_id=user, chat_id=GROUP, chat_type="GROUP", display_name=user.upper(), **extra)


def test_in_a_group_only_messages_addressed_to_the_bot_are_answered(settings, library, tmp_path):
    with zalo_setup(settings, library, tmp_path) as (fake, assistant):
        name, bot_id = fake.bot_info["account_name"], fake.bot_info["id"]
        shown = "Bot Quy Tắc Ứng Xử"  # the name Zalo shows in a group; getMe does not give it
        tagged = f"@{shown} cho hỏi: {QUESTION}"
        someone = f"@Chị Lan {QUESTION}"

        async def scenario(bot: ZaloBot) -> None:
            chatter = [
                in_group("Chiều nay họp lúc mấy giờ mọi người?"),
                in_group(QUESTION),  # a question between colleagues, not to the bot
                in_group(someone, mentions=[mention(someone, "Chị Lan", "u-lan")]),
                in_group("1"),
                in_group("help"),
                in_group("/thoitiet Hà Nội"),  # a command for some other bot
            ]
            fake.push_update(*chatter)
            typed = await reply_to(fake, in_group(f"@{name} {QUESTION}"), GROUP, "Nguồn:")
            assert fake.sent_texts(GROUP) == typed  # nothing was said to the chatter before it
            article = "\n".join(await reply_to(fake, in_group(f"@{name} 1"), GROUP, "Điều"))
            assert "Gõ 1" not in article and "đeo thẻ" in article
            await reply_to(fake, in_group(tagged, "g2", mentions=[mention(tagged, shown, bot_id)]), GROUP, "Nguồn:")
            replied = in_group("Cán bộ có được nhận quà Tết không?", "g3", reply_to=fake.reply_to_bot(GROUP))
            await reply_to(fake, replied, GROUP, "Nguồn:")
            await reply_to(fake, in_group(f"/hoi {QUESTION}", "g4"), GROUP, "Nguồn:")
            before = len(fake.sent_texts(GROUP))
            fake.push_update(in_group("3"))  # unaddressed: not feedback
            await reply_to(fake, in_group("/docs"), GROUP, "80/2025/QH15")
            assert not any("Cảm ơn" in t for t in fake.sent_texts(GROUP)[before:])

        run_bot(fake, assistant, scenario)
        stats = assistant.store.stats()
        assert (stats.total, stats.feedback_up) == (4, 0)
        assert len(fake.calls_to("getMe")) == 1  # looked up once, at the first group message


def test_a_private_chat_still_answers_every_message(settings, library, tmp_path):
    with zalo_setup(settings, library, tmp_path) as (fake, assistant):

        async def scenario(bot: ZaloBot) -> None:
            await reply_to(fake, text_message(QUESTION, user_id="p1"), "p1", "Nguồn:")
            await reply_to(fake, text_message("/thoitiet", user_id="p1"), "p1", "Tôi chưa hiểu lệnh này")

        run_bot(fake, assistant, scenario)
        assert not fake.calls_to("getMe")


# ---------------------------------------------------------------- admins


def test_admin_commands_are_refused_and_audited_for_others_and_work_for_admins(settings, library, tmp_path):
    with zalo_setup(settings, library, tmp_path) as (fake, assistant):

        async def scenario(bot: ZaloBot) -> None:
            refused = await reply_to(fake, text_message("/reindex", user_id="u6"), "u6", "quản trị viên")
            assert refused == [messages.ADMINS_ONLY]
            docs = "\n".join(await reply_to(fake, text_message("/docs", user_id=ADMIN), ADMIN, "80/2025/QH15"))
            assert "còn hiệu lực" in docs
            stats = "\n".join(await reply_to(fake, text_message("/stats", user_id=ADMIN), ADMIN, "Thống kê"))
            assert "👍 0" in stats
            upload = await reply_to(fake, text_message("/them", user_id=ADMIN), ADMIN, "Telegram")
            assert len(upload) == 1

        run_bot(fake, assistant, scenario)
        denied = [e for e in assistant.store.audit_log() if e.action == "reindex"]
        assert len(denied) == 1 and denied[0].user_id == "u6" and denied[0].result.startswith("refused")


def test_stats_reads_the_same_words_and_says_the_same_thing_in_telegram_and_zalo(settings, library, tmp_path):
    """One Assistant (one database) behind both channels: any difference in the replies is the channels'."""
    telegram_admin = 4242
    admins = frozenset({("zalo", ADMIN), ("telegram", str(telegram_admin))})
    with zalo_setup(settings, library, tmp_path, admin_ids=admins) as (fake, assistant):
        assistant.ask("zalo", "u1", "u1", QUESTION)  # something to count, cite and list
        zalo_replies: list[list[str]] = []

        async def scenario(bot: ZaloBot) -> None:
            zalo_replies.append(await reply_to(fake, text_message("/stats 30", user_id=ADMIN), ADMIN, "Thống kê"))
            zalo_replies.append(await reply_to(fake, text_message("/stats abc", user_id=ADMIN), ADMIN, "Cách dùng"))

        run_bot(fake, assistant, scenario)

        with FakeTelegram() as telegram:
            own = dataclasses.replace(assistant.settings, telegram_token=telegram.token,
                                      telegram_api_url=telegram.url)

            def telegram_scenario() -> None:
                telegram.user_message("/stats 30", user_id=telegram_admin)
                telegram.wait_for_call("sendMessage")
                telegram.user_message("/stats abc", user_id=telegram_admin)
                telegram.wait_for_call("sendMessage", n=2)

            run_app(build_application(own, assistant), telegram_scenario)
            assert not telegram.internal_errors, telegram.internal_errors
            telegram_replies = [[text] for text in telegram.sent_texts()]

    assert telegram_replies == zalo_replies
    thirty_days, bad_argument = zalo_replies
    assert thirty_days[0].startswith("Thống kê 30 ngày gần nhất:")
    assert thirty_days[0].count("\n• ") >= 30 + 2  # 30 days, plus the totals and feedback lines
    assert "Số câu hỏi: 1" in thirty_days[0]
    assert bad_argument == [messages.stats_usage(commands.STATS_DAYS, MAX_STATS_DAYS)]
    assert "/stats 30" in bad_argument[0]


# ---------------------------------------------------------------- resilience


def test_rate_limited_send_is_retried_and_the_answer_arrives(settings, library, tmp_path):
    with zalo_setup(settings, library, tmp_path) as (fake, assistant):
        fake.fail_next("sendMessage", 429, retry_after=0.2)

        async def scenario(bot: ZaloBot) -> None:
            await reply_to(fake, text_message(QUESTION, user_id="u7"), "u7", "Nguồn:")

        run_bot(fake, assistant, scenario)
        attempts = fake.calls_to("sendMessage")
        assert attempts[0].error_code == 429 and attempts[1].error_code is None
        assert attempts[0].params == attempts[1].params


def test_third_quick_question_gets_the_slow_down_message(settings, library, tmp_path):
    with zalo_setup(settings, library, tmp_path, questions_per_minute=2) as (fake, assistant):

        async def scenario(bot: ZaloBot) -> None:
            await reply_to(fake, text_message(QUESTION, user_id="u8"), "u8", "Nguồn:")
            await reply_to(fake, text_message("Cán bộ có được nhận quà Tết không?", user_id="u8"), "u8", "Nguồn:")
            slow = await reply_to(
                fake, text_message("Công chức có được hút thuốc không?", user_id="u8"), "u8", "hỏi hơi nhanh"
            )
            assert slow == [messages.SLOW_DOWN]
            # Follow-up numbers are not questions: still served after the limit.
            await reply_to(fake, text_message("3", user_id="u8"), "u8", "Cảm ơn")

        run_bot(fake, assistant, scenario)
        assert assistant.store.stats().total == 2


def test_a_failing_update_gets_an_apology_and_polling_survives_errors(settings, library, tmp_path, caplog):
    with zalo_setup(settings, library, tmp_path) as (fake, assistant):
        real_ask = assistant.ask
        calls = {"n": 0}

        def flaky_ask(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 1:
                raise RuntimeError("index exploded")
            return real_ask(*args, **kwargs)

        assistant.ask = flaky_ask  # type: ignore[method-assign]
        fake.fail_next("getUpdates", 502, "Bad Gateway")

        async def scenario(bot: ZaloBot) -> None:
            sorry = await reply_to(fake, text_message(QUESTION, user_id="u9"), "u9", "Xin lỗi")
            assert sorry == [messages.APOLOGY]
            await reply_to(fake, text_message(QUESTION, user_id="u9"), "u9", "Nguồn:")

        with caplog.at_level(logging.INFO):
            run_bot(fake, assistant, scenario)
        assert "index exploded" in caplog.text and "Traceback" in caplog.text
        assert "getUpdates failed" in caplog.text
        assert FAKE_TOKEN not in caplog.text


def test_polling_stops_promptly_while_a_long_poll_is_pending(settings, library, tmp_path):
    """The fake holds a poll for up to 1 s; stopping must not wait for it."""
    with zalo_setup(settings, library, tmp_path) as (fake, assistant):

        async def main() -> float:
            async with ZaloBotApi(fake.token, base_url=fake.url) as api:
                stop = asyncio.Event()
                polling = asyncio.create_task(ZaloBot(api, assistant).run_polling(stop))
                await asyncio.sleep(0.3)
                started = time.monotonic()
                stop.set()
                await asyncio.wait_for(polling, 5)
                return time.monotonic() - started

        assert asyncio.run(main()) < 0.5


def test_admin_removes_sees_history_and_restores_on_its_own_data(settings, library, tmp_path):
    """/xoa keeps the old version; /lich_su lists it; /khoi_phuc serves it again (on a copy of the data)."""
    import shutil

    from bot.library import Library

    data = tmp_path / "data"
    for name in ("knowledge_base", "index", "cache"):
        if (settings.data_dir / name).exists():
            shutil.copytree(settings.data_dir / name, data / name, symlinks=True)
    own = Library(dataclasses.replace(settings, data_dir=data))
    own._embedder = library.embedder
    original = (data / "knowledge_base" / "42-2013-QH13.md").read_bytes()
    with zalo_setup(settings, own, tmp_path, data_dir=data) as (fake, assistant):

        async def scenario(bot: ZaloBot) -> None:
            refused = await reply_to(fake, text_message("/xoa 42/2013/QH13", user_id="u7"), "u7", "quản trị viên")
            assert refused == [messages.ADMINS_ONLY]
            removed = await reply_to(fake, text_message("/xoa 42/2013/QH13 thử gỡ", user_id=ADMIN), ADMIN, "Đã gỡ")
            assert "/khoi_phuc 42/2013/QH13 1" in removed[0]
            history = await reply_to(fake, text_message("/lich_su", user_id=ADMIN), ADMIN, "bản số 1")
            assert "lý do: thử gỡ" in history[0] and f"zalo:{ADMIN}" in history[0]
            unknown = await reply_to(fake, text_message("/khoi_phuc 42/2013/QH13 9", user_id=ADMIN), ADMIN, "Không có")
            assert "bản số 9" in unknown[0] and messages.NOTHING_CHANGED in unknown[0]
            await reply_to(fake, text_message("/khoi_phuc 42/2013/QH13", user_id=ADMIN), ADMIN, "Đã khôi phục")

        run_bot(fake, assistant, scenario)
    assert (data / "knowledge_base" / "42-2013-QH13.md").read_bytes() == original
