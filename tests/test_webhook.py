"""Webhook mode: the one ASGI app, with the real PTB Application and Zalo client behind it.

Deliveries come in over HTTP (Starlette's TestClient), replies go out over HTTP to the fake
Telegram and Zalo servers, exactly as in production behind nginx.
"""

from __future__ import annotations

import select
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from starlette.testclient import TestClient

from bot.assistant import Assistant
from bot.channels.webhook import TELEGRAM_SECRET_HEADER, create_app
from bot.library import Library
from tests.fakes import zalo_api as zalo_fake
from tests.fakes.telegram_api import FakeTelegram

SECRET = "webhook-secret_123"
BADGE = "Khi tiếp dân công chức có phải đeo thẻ không?"


@pytest.fixture
def servers():
    with FakeTelegram() as tg, zalo_fake.FakeZaloBotApi() as zalo:
        yield tg, zalo


def _assistant(servers, settings, library, tmp_path) -> Assistant:
    """An Assistant on a copy of the session's index, wired to both fake platforms."""
    tg, zalo = servers
    library.ensure_index(progress=False)
    for name in ("knowledge_base", "index"):
        shutil.copytree(settings.data_dir / name, tmp_path / name, symlinks=True)
    own = replace(settings, data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
                  telegram_token=tg.token, telegram_api_url=tg.url, zalo_token=zalo.token, zalo_api_url=zalo.url,
                  webhook_secret=SECRET, public_url="https://bot.example.gov.vn")
    lib = Library(own)
    lib._embedder = library.embedder
    return Assistant(own, library=lib)


@pytest.fixture
def client(servers, settings, library, tmp_path):
    assistant = _assistant(servers, settings, library, tmp_path)
    with TestClient(create_app(assistant.settings, assistant)) as test_client:
        yield test_client, assistant


@pytest.fixture
def served(servers, settings, library, tmp_path) -> Iterator[tuple[str, Assistant]]:
    """The app under uvicorn on a localhost port, as nginx reaches it: bodies arrive as they are sent.

    Starlette's TestClient hands the app the whole body at once, so it cannot show that a body is
    refused before it has all arrived; a real server and a real socket can.
    """
    assistant = _assistant(servers, settings, library, tmp_path)
    server = uvicorn.Server(uvicorn.Config(create_app(assistant.settings, assistant), log_level="warning"))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    host, port = sock.getsockname()
    try:
        yield f"http://{host}:{port}", assistant
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def test_start_registers_both_webhooks_with_the_secret(client, servers):
    tg, zalo = servers
    registered = tg.wait_for_call("setWebhook")
    assert registered.params["url"] == "https://bot.example.gov.vn/telegram"
    assert registered.params["secret_token"] == SECRET
    zalo_call = zalo.wait_for_call("setWebhook")[0]
    assert zalo_call.params["url"] == "https://bot.example.gov.vn/zalo"


def test_health(client):
    test_client, _ = client
    body = test_client.get("/healthz").json()
    assert body["ok"] and body["chunks"] > 10_000 and body["telegram"] and body["zalo"]


def test_telegram_delivery_needs_the_secret_and_is_answered(client, servers):
    test_client, assistant = client
    tg, _ = servers
    update = {"update_id": 1, "message": {"message_id": 5, "date": 1_790_000_000, "text": BADGE,
                                          "chat": {"id": 1001, "type": "private", "first_name": "A"},
                                          "from": {"id": 1001, "is_bot": False, "first_name": "A"}}}
    assert test_client.post("/telegram", json=update).status_code == 403
    assert test_client.post("/telegram", json=update, headers={TELEGRAM_SECRET_HEADER: "wrong"}).status_code == 403
    assert assistant.store.stats().total == 0
    assert test_client.post("/telegram", json=update, headers={TELEGRAM_SECRET_HEADER: SECRET}).status_code == 200
    reply = tg.wait_for_call("sendMessage", timeout=30)
    assert "Nguồn:" in reply.params["text"] and reply.params["parse_mode"] == "HTML"


def test_zalo_delivery_needs_the_secret_and_is_answered(client, servers):
    test_client, assistant = client
    _, zalo = servers
    update = zalo_fake.text_message(BADGE, user_id="z1", chat_id="z1")
    assert test_client.post("/zalo", json=update).status_code == 403
    assert test_client.post("/zalo", json=update, headers={"X-Bot-Api-Secret-Token": SECRET}).status_code == 200
    zalo.wait_for_call("sendMessage", timeout=30)
    assert any("Nguồn:" in t for t in zalo.sent_texts("z1"))
    assert assistant.store.stats().total == 1


# ---------------------------------------------------------------- body size


def _post_raw(url: str, path: str, headers: dict[str, str], chunks: Iterator[bytes]) -> tuple[int, int]:
    """POST over a plain socket, sending `chunks` until the server answers; (status, body bytes sent).

    Unlike an HTTP client library, this keeps listening while it sends, so a server that answers
    before the body is complete is seen doing so instead of as a broken pipe.
    """
    parts = urlsplit(url)
    head = [f"POST {path} HTTP/1.1", f"Host: {parts.netloc}", "Content-Type: application/json"]
    head += [f"{key}: {value}" for key, value in headers.items()]
    sent = 0
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as conn:
        conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        for chunk in chunks:
            if select.select([conn], [], [], 0)[0]:
                break  # the answer came before the body was all sent
            try:
                conn.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        status_line = conn.makefile("rb").readline().decode()
    return int(status_line.split()[1]), sent


def _chunked(piece: bytes, total: int) -> Iterator[bytes]:
    """`total` bytes of `piece` in HTTP/1.1 chunked framing, then the closing chunk."""
    for _ in range(total // len(piece)):
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    yield b"0\r\n\r\n"


def _padding(size: int) -> Iterator[bytes]:
    piece = b" " * 65536
    for _ in range(size // len(piece)):
        yield piece


HUGE = 100 * 1024 * 1024  # what the independent test sent
ZALO_SECRET = {"X-Bot-Api-Secret-Token": SECRET}
TELEGRAM_SECRET = {TELEGRAM_SECRET_HEADER: SECRET}


@pytest.mark.parametrize(("path", "secret"), [("/zalo", ZALO_SECRET), ("/telegram", TELEGRAM_SECRET)])
def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read(served, path, secret):
    url, assistant = served
    status, sent = _post_raw(url, path, {**secret, "Content-Length": str(HUGE)}, _padding(HUGE))
    assert status == 413
    assert sent < HUGE // 10  # answered long before 100 MB went over the wire
    assert assistant.store.stats().total == 0


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(served):
    url, assistant = served
    limit = assistant.settings.webhook_max_body_kb * 1024
    status, sent = _post_raw(url, "/zalo", {**ZALO_SECRET, "Transfer-Encoding": "chunked"},
                             _chunked(b" " * 65536, HUGE))
    assert status == 413
    assert limit < sent < HUGE // 10  # read past the limit, then refused without waiting for the rest
    assert assistant.store.stats().total == 0


def test_the_secret_is_checked_before_the_size(served):
    url, _ = served
    for path in ("/zalo", "/telegram"):
        status, _sent = _post_raw(url, path, {"Content-Length": str(HUGE)}, _padding(HUGE))
        assert status == 403


def test_a_normal_update_sent_chunked_is_still_answered(served, servers):
    url, assistant = served
    _, zalo = servers
    body = httpx.Request("POST", "/", json=zalo_fake.text_message(BADGE, user_id="z2", chat_id="z2")).content

    def stream() -> Iterator[bytes]:  # no Content-Length: httpx sends it chunked
        yield body[:40]
        yield body[40:]

    response = httpx.post(f"{url}/zalo", content=stream(), headers=ZALO_SECRET, timeout=30)
    assert response.status_code == 200
    zalo.wait_for_call("sendMessage", timeout=30)
    assert any("Nguồn:" in t for t in zalo.sent_texts("z2"))
    assert assistant.store.stats().total == 1
