"""The Zalo Bot API client against a fake Zalo server on localhost: parsing, sending, limits, retries, secrecy."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import unicodedata
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from bot.channels.zalo_api import (
    MAX_TEXT_LENGTH,
    ZaloApiError,
    ZaloBotApi,
    ZaloMessage,
    ZaloNetworkError,
    ZaloRetryAfter,
    ZaloUpdate,
    redact,
    split_text,
    text_length,
    verify_secret,
)
from tests.fakes.zalo_api import (
    FakeZaloBotApi,
    deliver_webhook,
    image_message,
    sticker_message,
    text_message,
)

QUESTION = "Cán bộ, công chức có được nhận quà của người dân không? Điều 20 Luật Cán bộ, công chức quy định thế nào?"

PARAGRAPHS = [
    "Điều 3. Các nguyên tắc trong thi hành công vụ. Tuân thủ Hiến pháp và pháp luật. Bảo vệ lợi ích của Nhà nước, "
    "quyền, lợi ích hợp pháp của tổ chức, công dân. Công khai, minh bạch, đúng thẩm quyền và có sự kiểm tra, giám sát.",
    "Cán bộ, công chức phải trung thành với Đảng Cộng sản Việt Nam, Nhà nước Cộng hòa xã hội chủ nghĩa Việt Nam; "
    "bảo vệ danh dự Tổ quốc và lợi ích quốc gia! Tôn trọng nhân dân, tận tụy phục vụ nhân dân? "
    "Liên hệ chặt chẽ với nhân dân, lắng nghe ý kiến và chịu sự giám sát của nhân dân…",
    "Những việc cán bộ, công chức không được làm: trốn tránh trách nhiệm, thoái thác nhiệm vụ được giao; gây bè phái, "
    "mất đoàn kết; tự ý bỏ việc hoặc tham gia đình công. Sử dụng tài sản của Nhà nước và của nhân dân trái pháp luật.",
]


def long_vietnamese_text() -> str:
    """About 12,000 characters exercising every split level.

    It has short paragraphs, one paragraph of more than 2000 characters with line breaks, one long line with no
    breaks, and one "word" longer than the limit.
    """
    blocks = [f"{PARAGRAPHS[i % 3]} (đoạn {i})" for i in range(20)]
    blocks.insert(5, "\n".join(f"{PARAGRAPHS[i % 3]} Dòng {i}." for i in range(12)))  # long paragraph of lines
    blocks.insert(9, " ".join(PARAGRAPHS * 8))  # one long line: sentences, then words
    blocks.insert(12, "Từ-rất-dài-" + "đ" * 2500)  # a single word over the limit
    return "\n\n".join(blocks)


def assert_rejoins(original: str, parts: list[str]) -> None:
    """Each part appears in order in ``original``, and only whitespace lies between or around them."""
    pos = 0
    for part in parts:
        while pos < len(original) and original[pos].isspace() and not original.startswith(part, pos):
            pos += 1
        assert original.startswith(part, pos), f"part does not continue the text at {pos}: {part[:40]!r}"
        pos += len(part)
    assert original[pos:].strip() == ""


@pytest.fixture
def fake() -> Iterator[FakeZaloBotApi]:
    with FakeZaloBotApi() as server:
        yield server


def run(coro_fn: Any, fake: FakeZaloBotApi, **kwargs: Any) -> Any:
    """Run ``coro_fn(api)`` with a client pointed at the fake, closing the client afterwards."""

    async def main() -> Any:
        async with ZaloBotApi(fake.token, base_url=fake.url, timeout=5, **kwargs) as api:
            return await coro_fn(api)

    return asyncio.run(main())


# --------------------------------------------------------------------------- basic calls


def test_get_me(fake: FakeZaloBotApi) -> None:
    me = run(lambda api: api.get_me(), fake)
    assert me["account_name"] == "bot.FakeQuyTac"
    assert [c.method for c in fake.calls] == ["getMe"]


def test_wrong_token_is_an_api_error(fake: FakeZaloBotApi) -> None:
    async def main() -> None:
        async with ZaloBotApi("999:wrong", base_url=fake.url) as api:
            await api.get_me()

    with pytest.raises(ZaloApiError) as info:
        asyncio.run(main())
    assert info.value.error_code == 401


def test_text_update_round_trip_keeps_vietnamese_nfc(fake: FakeZaloBotApi) -> None:
    # Sent decomposed (NFD), as some Vietnamese keyboards do; we must hand the bot composed NFC text.
    decomposed = unicodedata.normalize("NFD", QUESTION)
    assert decomposed != QUESTION
    fake.push_update(text_message(decomposed, user_id="u42", display_name="Trần Thị Bích Ngọc"))

    updates = run(lambda api: api.get_updates(timeout=5), fake)

    assert len(updates) == 1
    update = updates[0]
    assert isinstance(update, ZaloUpdate) and update.event_name == "message.text.received"
    msg = update.message
    assert isinstance(msg, ZaloMessage)
    assert msg.kind == "text"
    assert msg.text == QUESTION and unicodedata.is_normalized("NFC", msg.text)
    assert "Cán bộ" in msg.text and "Điều 20" in msg.text
    assert (msg.user_id, msg.chat_id, msg.chat_type) == ("u42", "u42", "PRIVATE")
    assert msg.display_name == "Trần Thị Bích Ngọc"
    assert msg.message_id.startswith("fake-msg-") and isinstance(msg.date, int)
    assert fake.calls_to("getUpdates")[0].params == {"timeout": "5"}  # the docs type timeout as a string


def test_idle_poll_returns_empty_list(fake: FakeZaloBotApi) -> None:
    assert run(lambda api: api.get_updates(timeout=0), fake) == []
    assert fake.calls_to("getUpdates")[0].error_code == 408


def test_get_updates_accepts_a_list_result() -> None:
    with FakeZaloBotApi(updates_as_list=True) as fake:
        fake.push_update(text_message("một"), text_message("hai"), sticker_message())
        updates = run(lambda api: api.get_updates(timeout=1), fake)
    assert [u.message.kind for u in updates if u.message] == ["text", "text", "sticker"]
    assert [u.message.text for u in updates if u.message] == ["một", "hai", None]


def test_sticker_and_image_messages(fake: FakeZaloBotApi) -> None:
    fake.push_update(sticker_message("abc123"), image_message("https://img.invalid/a.jpg", caption="Ảnh chụp"))

    async def two_polls(api: ZaloBotApi) -> list[ZaloUpdate]:
        return await api.get_updates(timeout=1) + await api.get_updates(timeout=1)

    sticker, image = run(two_polls, fake)
    assert sticker.message is not None and image.message is not None
    assert (sticker.message.kind, sticker.message.text, sticker.message.sticker) == ("sticker", None, "abc123")
    assert (image.message.kind, image.message.text) == ("image", None)
    assert image.message.photo_url == "https://img.invalid/a.jpg" and image.message.caption == "Ảnh chụp"


def test_update_parser_tolerates_missing_fields_and_wrapping() -> None:
    bare = ZaloUpdate.from_dict({"event_name": "message.unsupported.received"})
    assert bare.message is None and bare.event_name == "message.unsupported.received"

    wrapped = ZaloUpdate.from_dict(
        {"ok": True, "result": {"event_name": "message.text.received", "message": {"text": "Chào", "from": {}}}}
    )
    assert wrapped.message is not None
    assert (wrapped.message.text, wrapped.message.user_id, wrapped.message.chat_id) == ("Chào", "", "")
    assert wrapped.message.date is None and wrapped.message.display_name == ""

    # The docs' own sample has no event_name and calls the sender first_name; a number id is still a string.
    doc_sample = ZaloMessage.from_dict(
        {"chat": {"id": 7, "chat_type": "private"}, "text": "Xin chào", "from": {"id": 7, "first_name": "Nguyen"}}
    )
    assert (doc_sample.kind, doc_sample.chat_id, doc_sample.chat_type) == ("text", "7", "PRIVATE")
    assert doc_sample.display_name == "Nguyen"

    junk = ZaloUpdate.from_dict({"event_name": 5, "message": "not a dict"})
    assert junk.event_name == "" and junk.message is None


def test_group_mentions_and_replies_are_read_in_each_assumed_shape() -> None:
    """Zalo does not document these fields (see the module docstring); every shape we assume is read."""
    group = {"chat": {"id": "g", "chat_type": "GROUP"}, "from": {"id": "u"}, "text": "@Bot hỏi"}
    listed = ZaloMessage.from_dict({**group, "mentions": [{"uid": 99, "pos": 0, "len": 4}, "junk", {"uid": None}]})
    assert listed.is_group and [(m.user_id, m.offset, m.length) for m in listed.mentions] == [("99", 0, 4)]
    entities = ZaloMessage.from_dict({**group, "entities": [{"type": "bold", "offset": 0, "length": 4},
                                                           {"type": "mention", "user_id": "99"}]})
    assert [(m.user_id, m.offset) for m in entities.mentions] == [("99", None)]
    quoted = ZaloMessage.from_dict({**group, "quote": {"from": {"id": 99, "is_bot": True}, "text": "…"}})
    assert quoted.reply_to_user_id == "99" and quoted.mentions == ()
    plain = ZaloMessage.from_dict({**group, "reply_to_message": "not an object"})
    assert plain.reply_to_user_id is None
    assert not ZaloMessage.from_dict({"chat": {"id": "u", "chat_type": "PRIVATE"}}).is_group


# --------------------------------------------------------------------------- sending


def test_send_message_records_chat_and_text(fake: FakeZaloBotApi) -> None:
    async def send(api: ZaloBotApi) -> dict[str, Any]:
        await api.send_chat_action("u1")
        return await api.send_message("u1", "Theo Điều 20, cán bộ không được nhận quà.")

    result = run(send, fake)
    assert result["message_id"].startswith("fake-out-")
    assert fake.sent_texts("u1") == ["Theo Điều 20, cán bộ không được nhận quà."]
    assert fake.sent_texts("other") == []
    assert fake.calls_to("sendChatAction")[0].params == {"chat_id": "u1", "action": "typing"}
    assert fake.wait_for_call("sendMessage")[0].params["chat_id"] == "u1"


def test_send_message_over_2000_chars_raises_without_calling(fake: FakeZaloBotApi) -> None:
    with pytest.raises(ValueError, match="split_text"):
        run(lambda api: api.send_message("u1", "a" * (MAX_TEXT_LENGTH + 1)), fake)
    with pytest.raises(ValueError):
        run(lambda api: api.send_message("u1", "   "), fake)
    assert fake.calls == []
    run(lambda api: api.send_message("u1", "ă" * MAX_TEXT_LENGTH), fake)  # exactly the limit is fine
    assert len(fake.sent_texts()) == 1


def test_rate_limit_once_is_retried(fake: FakeZaloBotApi) -> None:
    fake.fail_next("sendMessage", retry_after=0.05)
    run(lambda api: api.send_message("u1", "Xin chào"), fake)
    attempts = fake.calls_to("sendMessage")
    assert [c.error_code for c in attempts] == [429, None]
    assert attempts[1].at - attempts[0].at >= 0.04  # it honoured retry_after
    assert fake.sent_texts() == ["Xin chào"]


def test_rate_limit_twice_raises_retry_after(fake: FakeZaloBotApi) -> None:
    fake.fail_next("sendMessage", times=2, retry_after=0.05)
    with pytest.raises(ZaloRetryAfter) as info:
        run(lambda api: api.send_message("u1", "Xin chào"), fake)
    assert info.value.retry_after == pytest.approx(0.05)
    assert info.value.error_code == 429 and isinstance(info.value, ZaloApiError)
    assert len(fake.calls_to("sendMessage")) == 2 and fake.sent_texts() == []


def test_other_errors_are_not_retried(fake: FakeZaloBotApi) -> None:
    fake.fail_next("sendMessage", error_code=400, description="Bad Request: chat not found")
    with pytest.raises(ZaloApiError) as info:
        run(lambda api: api.send_message("u1", "Xin chào"), fake)
    assert not isinstance(info.value, ZaloRetryAfter)
    assert (info.value.error_code, info.value.method) == (400, "sendMessage")
    assert len(fake.calls_to("sendMessage")) == 1


def test_webhook_methods(fake: FakeZaloBotApi) -> None:
    async def cycle(api: ZaloBotApi) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        await api.set_webhook("https://bot.example.vn/zalo/webhook", "s3cret-token")
        info = await api.get_webhook_info()
        deleted = await api.delete_webhook()
        return info, deleted, await api.get_webhook_info()

    info, deleted, after = run(cycle, fake)
    assert info["url"] == "https://bot.example.vn/zalo/webhook" and deleted["url"] == "" and after["url"] == ""
    assert fake.calls_to("setWebhook")[0].params["secret_token"] == "s3cret-token"
    with pytest.raises(ValueError):
        run(lambda api: api.set_webhook("https://bot.example.vn/h", "short"), fake)


# --------------------------------------------------------------------------- splitting


def test_split_text_on_long_vietnamese_text() -> None:
    text = long_vietnamese_text()
    assert len(text) > 5 * MAX_TEXT_LENGTH
    parts = split_text(text)

    assert len(parts) >= 6
    assert all(0 < text_length(p) <= MAX_TEXT_LENGTH and p.strip() for p in parts)
    assert_rejoins(text, parts)
    assert "".join("".join(parts).split()) == "".join(text.split())  # nothing lost but whitespace
    # Never mid-word except inside the one over-long word: every other part ends and starts at a word edge.
    words = set(text.split())
    for part in parts:
        if "đđđđđđđđđđ" not in part:
            assert part.split()[0] in words and part.split()[-1] in words, part[:60]
    # The paragraph blocks that fit stay whole: paragraph boundaries come first.
    assert any(p.endswith("(đoạn 4)") for p in parts)


def test_split_text_small_cases() -> None:
    assert split_text("") == [] and split_text("  \n ") == []
    assert split_text("Xin chào") == ["Xin chào"]
    assert split_text("Một. Hai. Ba.", limit=9) == ["Một. Hai.", "Ba."]
    assert split_text("dòng một\ndòng hai", limit=12) == ["dòng một", "dòng hai"]
    # "Điều 3." numbers a heading; it is not the end of a sentence.
    assert split_text("Cán bộ phải tuân thủ. Điều 3. Nguyên tắc công vụ", limit=35) == [
        "Cán bộ phải tuân thủ.",
        "Điều 3. Nguyên tắc công vụ",
    ]
    assert split_text("aaaa bbbb", limit=3) == ["aaa", "a", "bbb", "b"]
    # A decomposed letter is not separated from its combining mark by a hard cut.
    nfd = unicodedata.normalize("NFD", "ệệệệ")
    assert all(not unicodedata.combining(p[0]) for p in split_text(nfd, limit=5))
    # Emoji count as two UTF-16 units.
    assert text_length("😀") == 2 and split_text("😀😀😀", limit=4) == ["😀😀", "😀"]


# --------------------------------------------------------------------------- secrecy


def test_token_never_in_errors_repr_or_logs(fake: FakeZaloBotApi, caplog: pytest.LogCaptureFixture) -> None:
    token = fake.token
    fake.fail_next("getMe", error_code=400, description=f"Bad Request: invalid url /bot{token}/getMe")

    async def main() -> list[BaseException]:
        errors: list[BaseException] = []
        async with ZaloBotApi(token, base_url=fake.url) as api:
            assert token not in repr(api) and token not in str(api)
            try:
                await api.get_me()
            except ZaloApiError as exc:
                errors.append(exc)
            await api.get_me()  # a successful call, which httpx logs with its URL
        async with ZaloBotApi(token, base_url="http://127.0.0.1:9", timeout=2) as dead:
            try:
                await dead.get_me()
            except ZaloNetworkError as exc:
                errors.append(exc)
        return errors

    with caplog.at_level(logging.DEBUG):
        errors = asyncio.run(main())

    assert len(errors) == 2
    for exc in errors:
        assert token not in str(exc) and token not in repr(exc)
        assert exc.__cause__ is None
    assert "/bot<redacted>/getMe" in str(errors[0])
    assert "getMe" in caplog.text and token not in caplog.text
    assert redact(f"https://x/bot{token}/sendMessage", token) == "https://x/bot<redacted>/sendMessage"


def test_verify_secret() -> None:
    assert verify_secret({"X-Bot-Api-Secret-Token": "s3cret-token"}, "s3cret-token")
    assert verify_secret({"x-bot-api-secret-token": "s3cret-token"}, "s3cret-token")
    assert not verify_secret({"X-Bot-Api-Secret-Token": "s3cret-tokeN"}, "s3cret-token")
    assert not verify_secret({"X-Bot-Api-Secret-Token": "s3cret"}, "s3cret-token")
    assert not verify_secret({}, "s3cret-token")
    assert not verify_secret({"X-Bot-Api-Secret-Token": ""}, "")  # no configured secret never verifies
    assert verify_secret({"X-Bot-Api-Secret-Token": "bí-mật-123"}, "bí-mật-123")
    assert verify_secret(httpx.Headers({"X-BOT-API-SECRET-TOKEN": "s3cret-token"}), "s3cret-token")


def test_deliver_webhook_sends_secret_header_and_update() -> None:
    received: list[tuple[dict[str, str], dict[str, Any]]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append((dict(self.headers.items()), body))
            self.send_response(200 if verify_secret(dict(self.headers.items()), "s3cret-token") else 403)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/zalo/webhook"
        update = text_message("Chào bot")
        assert deliver_webhook(url, update, "s3cret-token").status_code == 200
        assert deliver_webhook(url, update, "wrong-secret").status_code == 403
    finally:
        server.shutdown()
        server.server_close()
    headers, body = received[0]
    assert body == update
    parsed = ZaloUpdate.from_dict(body)
    assert parsed.message is not None and parsed.message.text == "Chào bot"


def test_wait_for_call_reports_calls_on_timeout(fake: FakeZaloBotApi) -> None:
    run(lambda api: api.get_me(), fake)
    with pytest.raises(AssertionError, match=r"sendMessage.*getMe"):
        fake.wait_for_call("sendMessage", timeout=0.1)


def test_injected_client_is_left_open(fake: FakeZaloBotApi) -> None:
    async def main() -> bool:
        async with httpx.AsyncClient() as client:
            api = ZaloBotApi(fake.token, base_url=fake.url, client=client)
            await api.get_me()
            await api.aclose()
            return client.is_closed

    assert asyncio.run(main()) is False
