"""Webhook mode: the one ASGI app, with the real PTB Application and Zalo client behind it.

Deliveries come in over HTTP (Starlette's TestClient), replies go out over HTTP to the fake
Telegram and Zalo servers, exactly as in production behind nginx.
"""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest
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


@pytest.fixture
def client(servers, settings, library, tmp_path):
    tg, zalo = servers
    library.ensure_index(progress=False)
    for name in ("knowledge_base", "index"):
        shutil.copytree(settings.data_dir / name, tmp_path / name, symlinks=True)
    own = replace(settings, data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
                  telegram_token=tg.token, telegram_api_url=tg.url, zalo_token=zalo.token, zalo_api_url=zalo.url,
                  webhook_secret=SECRET, public_url="https://bot.example.gov.vn")
    lib = Library(own)
    lib._embedder = library.embedder
    assistant = Assistant(own, library=lib)
    with TestClient(create_app(own, assistant)) as test_client:
        yield test_client, assistant


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
