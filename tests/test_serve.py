"""`conduct-bot serve` as an operator starts it: a real subprocess against the fake platforms.

A wrong token must be one clear line and exit 2 before anything slow starts (systemd does not
retry exit 2); a platform out of reach is exit 1, which the supervisor retries.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZaloBotApi, text_message

QUESTION = "Khi tiếp dân công chức có phải đeo thẻ không?"
WRONG_ZALO = "1459232241454765289:not-the-right-token"
WRONG_TELEGRAM = "7000000001:not-the-right-token"


def _env(settings, **values: str) -> dict[str, str]:
    """Only the variables under test: a developer's own tokens must not leak into the run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_", "WEBHOOK_", "PUBLIC_"))}
    return {**env, "CONDUCT_DATA_DIR": str(settings.data_dir), **values}


def _serve(settings, mode: str, **values: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", "serve", mode], capture_output=True, text=True,
                          env=_env(settings, **values), cwd=ROOT, timeout=120, check=False)


def _one_clear_line(proc: subprocess.CompletedProcess, *secrets: str) -> str:
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr and not any(s in proc.stderr for s in secrets)
    assert lines[0].startswith("Lỗi: ")
    return lines[0]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_zalo_with_a_wrong_token_says_so_and_exits_2(settings):
    with FakeZaloBotApi() as fake:
        proc = _serve(settings, "zalo", ZALO_BOT_TOKEN=WRONG_ZALO, ZALO_API_URL=fake.url)
        assert [(c.method, c.error_code) for c in fake.calls] == [("getMe", 401)]  # no polling at all
    assert proc.returncode == 2
    assert "ZALO_BOT_TOKEN" in _one_clear_line(proc, WRONG_ZALO)


def test_serve_webhook_checks_the_zalo_token_too(settings):
    with FakeZaloBotApi() as fake:
        proc = _serve(settings, "webhook", ZALO_BOT_TOKEN=WRONG_ZALO, ZALO_API_URL=fake.url,
                      WEBHOOK_SECRET="webhook-secret_123")
    assert proc.returncode == 2
    assert "ZALO_BOT_TOKEN" in _one_clear_line(proc, WRONG_ZALO)


def test_serve_zalo_when_zalo_is_out_of_reach_exits_1_for_the_supervisor_to_retry(settings):
    url = f"http://127.0.0.1:{_closed_port()}"
    proc = _serve(settings, "zalo", ZALO_BOT_TOKEN=WRONG_ZALO, ZALO_API_URL=url)
    assert proc.returncode == 1
    line = _one_clear_line(proc, WRONG_ZALO)
    assert "chưa kết nối được Zalo Bot API" in line and url in line


def test_serve_telegram_with_a_wrong_token_says_so_and_exits_2(settings):
    with FakeTelegram() as fake:
        proc = _serve(settings, "telegram", TELEGRAM_BOT_TOKEN=WRONG_TELEGRAM, TELEGRAM_API_URL=fake.url)
    assert proc.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in _one_clear_line(proc, WRONG_TELEGRAM)


@pytest.mark.usefixtures("library")  # the index is built, so the bot starts in seconds
def test_serve_zalo_with_the_right_token_answers_and_knows_its_name_in_groups(settings):
    with FakeZaloBotApi() as fake:
        proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "zalo"], cwd=ROOT, text=True,
                                env=_env(settings, ZALO_BOT_TOKEN=fake.token, ZALO_API_URL=fake.url),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            fake.wait_for_call("deleteWebhook", timeout=120)
            name = fake.bot_info["account_name"]
            fake.push_update(text_message(f"@{name} {QUESTION}", user_id="g1", chat_id="g", chat_type="GROUP"))
            deadline = time.monotonic() + 60
            while not any("Nguồn:" in t for t in fake.sent_texts("g")):
                assert proc.poll() is None and time.monotonic() < deadline, "no answer in the group"
                time.sleep(0.1)
        finally:
            proc.terminate()
            proc.communicate(timeout=30)
        assert len(fake.calls_to("getMe")) == 1  # the start-up check's answer is the bot's identity
