"""A fake Zalo Bot API on localhost, so channel tests exercise real HTTP without the network or a real token.

It serves ``POST /bot<TOKEN>/<method>`` with the envelope and shapes described in ``bot.channels.zalo_api``:
getUpdates returns one queued update per call (or all of them, with ``updates_as_list=True``, to exercise the
client's tolerance) and answers ``error_code`` 408 when nothing arrives within ``min(timeout, 1 s)``. Errors use
the error code as the HTTP status, as Telegram does. Zalo's HTTP status for errors is not documented, and the
client reads the JSON body either way.

Usage::

    with FakeZaloBotApi() as fake:
        fake.push_update(text_message("Xin chào"))
        api = ZaloBotApi(fake.token, base_url=fake.url)
        ...
        fake.wait_for_call("sendMessage")
        assert fake.sent_texts() == ["..."]
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

FAKE_TOKEN = "1234567890:fake-SECRET-token_do-not-leak"
SECRET_HEADER = "X-Bot-Api-Secret-Token"
MAX_POLL_WAIT = 1.0

_ids = itertools.count(1)


@dataclass(frozen=True)
class FakeCall:
    """One request the fake received. ``error_code`` is set when the fake answered with an error."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    error_code: int | None = None


@dataclass
class _Failure:
    error_code: int
    description: str
    times: int
    retry_after: float | None
    when: Callable[[dict[str, Any]], bool] | None = None


# --------------------------------------------------------------------------- update builders


def _update(
    event_name: str, extra: dict[str, Any], *, user_id: str, chat_id: str | None, display_name: str, chat_type: str
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": f"fake-msg-{next(_ids)}",
        "date": int(time.time() * 1000),
        "chat": {"id": chat_id or user_id, "chat_type": chat_type},
        "from": {"id": user_id, "display_name": display_name, "is_bot": False},
        **extra,
    }
    return {"event_name": event_name, "message": message}


def text_message(
    text: str,
    *,
    user_id: str = "u1",
    chat_id: str | None = None,
    display_name: str = "Nguyễn Văn A",
    chat_type: str = "PRIVATE",
    mentions: list[dict[str, Any]] | None = None,
    reply_to: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``message.text.received`` update. In a private chat the chat id is the user id, as in Zalo's sample.

    ``mentions`` and ``reply_to`` follow the shapes ``bot.channels.zalo_api`` assumes for groups (undocumented);
    build them with ``mention`` and ``FakeZaloBotApi.reply_to_bot``.
    """
    extra: dict[str, Any] = {"text": text}
    if mentions is not None:
        extra["mentions"] = mentions
    if reply_to is not None:
        extra["reply_to_message"] = reply_to
    return _update(
        "message.text.received",
        extra,
        user_id=user_id,
        chat_id=chat_id,
        display_name=display_name,
        chat_type=chat_type,
    )


def mention(text: str, name: str, user_id: str) -> dict[str, Any]:
    """A mention of ``user_id`` at the first ``@name`` in ``text``: id, offset and length, as Zalo's group APIs give."""
    return {"uid": user_id, "offset": text.index(f"@{name}"), "length": len(name) + 1}


def sticker_message(
    sticker: str = "0e078a2fb66a5f34067b",
    *,
    user_id: str = "u1",
    chat_id: str | None = None,
    display_name: str = "Nguyễn Văn A",
    chat_type: str = "PRIVATE",
) -> dict[str, Any]:
    """A ``message.sticker.received`` update (sticker id plus its image URL, and no text)."""
    extra = {"sticker": sticker, "url": f"https://stickers.example.invalid/{sticker}.png"}
    return _update(
        "message.sticker.received",
        extra,
        user_id=user_id,
        chat_id=chat_id,
        display_name=display_name,
        chat_type=chat_type,
    )


def image_message(
    photo_url: str = "https://photos.example.invalid/anh.jpg",
    *,
    caption: str | None = None,
    user_id: str = "u1",
    chat_id: str | None = None,
    display_name: str = "Nguyễn Văn A",
    chat_type: str = "PRIVATE",
) -> dict[str, Any]:
    """A ``message.image.received`` update (``photo_url`` and an optional caption, and no text)."""
    extra: dict[str, Any] = {"photo_url": photo_url}
    if caption is not None:
        extra["caption"] = caption
    return _update(
        "message.image.received",
        extra,
        user_id=user_id,
        chat_id=chat_id,
        display_name=display_name,
        chat_type=chat_type,
    )


# --------------------------------------------------------------------------- webhook delivery


def deliver_webhook(url: str, update: dict[str, Any], secret: str | None, *, timeout: float = 10) -> httpx.Response:
    """POST ``update`` to our webhook endpoint as Zalo would: JSON body plus the secret header (omitted if None)."""
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    return httpx.post(url, json=update, headers=headers, timeout=timeout)


async def adeliver_webhook(
    url: str, update: dict[str, Any], secret: str | None, *, timeout: float = 10
) -> httpx.Response:
    """Async ``deliver_webhook``, for a webhook app served in the test's own event loop."""
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with httpx.AsyncClient(timeout=timeout) as client:
        return await client.post(url, json=update, headers=headers)


# --------------------------------------------------------------------------- the server


class FakeZaloBotApi:
    """A threaded localhost HTTP server that acts as the Zalo Bot API for one token."""

    METHODS = frozenset(
        {
            "getMe",
            "getUpdates",
            "sendMessage",
            "sendPhoto",
            "sendSticker",
            "sendChatAction",
            "setWebhook",
            "deleteWebhook",
            "getWebhookInfo",
        }
    )

    def __init__(self, token: str = FAKE_TOKEN, *, updates_as_list: bool = False) -> None:
        self.token = token
        self.updates_as_list = updates_as_list
        self.bot_info: dict[str, Any] = {
            "id": "1459232241454765289",
            "account_name": "bot.FakeQuyTac",
            "account_type": "BASIC",
            "can_join_groups": False,
        }
        self.webhook: dict[str, Any] = {"url": "", "secret_token": "", "updated_at": 0}
        self._calls: list[FakeCall] = []
        self._updates: deque[dict[str, Any]] = deque()
        self._failures: dict[str, _Failure] = {}
        self._cond = threading.Condition()
        self._closing = False
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle

    def start(self) -> FakeZaloBotApi:
        """Bind 127.0.0.1 on a free port and serve in a daemon thread."""
        if self._server is not None:
            return self
        handler = type("_BoundHandler", (_Handler,), {"fake": self})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        self._server = server
        self._closing = False
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-zalo-api", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Wake any long poll, stop serving and free the port."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeZaloBotApi:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL to hand to ``ZaloBotApi(base_url=...)``."""
        if self._server is None:
            raise RuntimeError("FakeZaloBotApi is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # scripting

    def push_update(self, *updates: dict[str, Any]) -> None:
        """Queue updates for getUpdates, in order."""
        with self._cond:
            self._updates.extend(updates)
            self._cond.notify_all()

    def fail_next(
        self,
        method: str,
        error_code: int = 429,
        description: str = "Too Many Requests",
        times: int = 1,
        *,
        retry_after: float | None = None,
        when: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """Make the next ``times`` calls to ``method`` fail. ``retry_after`` goes into ``parameters``.

        ``when``: only calls whose params it accepts fail (and count), e.g. the one sending a given text.
        """
        with self._cond:
            self._failures[method] = _Failure(error_code, description, times, retry_after, when)

    # inspection

    @property
    def calls(self) -> list[FakeCall]:
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str) -> list[FakeCall]:
        return [call for call in self.calls if call.method == method]

    def sent_texts(self, chat_id: str | None = None) -> list[str]:
        """Texts that sendMessage accepted (failed attempts are not counted), optionally for one chat."""
        return [
            str(call.params.get("text"))
            for call in self.calls_to("sendMessage")
            if call.error_code is None and (chat_id is None or str(call.params.get("chat_id")) == chat_id)
        ]

    def reply_to_bot(self, chat_id: str) -> dict[str, Any]:
        """The ``reply_to_message`` of a user replying to the bot's last message in ``chat_id``."""
        text = (self.sent_texts(chat_id) or [""])[-1]
        sender = {"id": self.bot_info["id"], "display_name": self.bot_info["account_name"], "is_bot": True}
        return {"message_id": f"fake-out-{next(_ids)}", "from": sender, "chat": {"id": chat_id}, "text": text}

    def wait_for_call(self, method: str, n: int = 1, timeout: float = 10) -> list[FakeCall]:
        """Block until ``method`` has been called ``n`` times. Return those calls, or fail listing all calls."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                matching = [call for call in self._calls if call.method == method]
                if len(matching) >= n:
                    return matching
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = ", ".join(f"{c.method}({c.params})" for c in self._calls) or "none"
                    raise AssertionError(f"expected {n} call(s) to {method} within {timeout} s; calls: {seen}")
                self._cond.wait(remaining)

    # request handling (called from server threads)

    def _record(self, call: FakeCall) -> None:
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()

    def _take_failure(self, method: str, params: dict[str, Any]) -> _Failure | None:
        with self._cond:
            failure = self._failures.get(method)
            if failure is None or (failure.when is not None and not failure.when(params)):
                return None
            failure.times -= 1
            if failure.times <= 0:
                del self._failures[method]
            return failure

    def _next_updates(self, wait: float) -> list[dict[str, Any]]:
        deadline = time.monotonic() + wait
        with self._cond:
            while not self._updates and not self._closing:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            if not self._updates:
                return []
            if self.updates_as_list:
                taken = list(self._updates)
                self._updates.clear()
                return taken
            return [self._updates.popleft()]

    def handle(self, token: str, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one API call: returns the HTTP status and the JSON envelope."""
        if token != self.token:
            return self._error(method, params, 401, "Unauthorized")
        if method not in self.METHODS:
            return self._error(method, params, 404, "Not Found")
        failure = self._take_failure(method, params)
        if failure is not None:
            extra = {"parameters": {"retry_after": failure.retry_after}} if failure.retry_after is not None else {}
            return self._error(method, params, failure.error_code, failure.description, **extra)
        handler = getattr(self, f"_do_{method}")
        return handler(params)

    def _error(
        self, method: str, params: dict[str, Any], code: int, description: str, **extra: Any
    ) -> tuple[int, dict[str, Any]]:
        self._record(FakeCall(method, params, error_code=code))
        status = code if 400 <= code < 600 else 200
        return status, {"ok": False, "error_code": code, "description": description, **extra}

    def _ok(self, method: str, params: dict[str, Any], result: Any) -> tuple[int, dict[str, Any]]:
        self._record(FakeCall(method, params))
        envelope: dict[str, Any] = {"ok": True}
        if result is not None:
            envelope["result"] = result
        return 200, envelope

    def _sent(self) -> dict[str, Any]:
        return {"message_id": f"fake-out-{next(_ids)}", "date": int(time.time() * 1000)}

    def _do_getMe(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return self._ok("getMe", params, dict(self.bot_info))

    def _do_getUpdates(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        try:
            timeout = float(params.get("timeout", 30))
        except (TypeError, ValueError):
            return self._error("getUpdates", params, 400, "Bad Request: timeout must be a number")
        updates = self._next_updates(max(0.0, min(timeout, MAX_POLL_WAIT)))
        if not updates:
            return self._error("getUpdates", params, 408, "Request timeout")
        return self._ok("getUpdates", params, updates if self.updates_as_list else updates[0])

    def _check_chat(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        if not isinstance(params.get("chat_id"), str) or not params["chat_id"]:
            return self._error(method, params, 400, "Bad Request: chat_id is required")
        return None

    def _do_sendMessage(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if bad := self._check_chat("sendMessage", params):
            return bad
        text = params.get("text")
        if not isinstance(text, str) or not 1 <= len(text) <= 2000:
            return self._error("sendMessage", params, 400, "Bad Request: text must be 1-2000 characters")
        return self._ok("sendMessage", params, self._sent())

    def _do_sendPhoto(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if bad := self._check_chat("sendPhoto", params):
            return bad
        if not isinstance(params.get("photo"), str) or not params["photo"]:
            return self._error("sendPhoto", params, 400, "Bad Request: photo is required")
        return self._ok("sendPhoto", params, self._sent())

    def _do_sendSticker(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if bad := self._check_chat("sendSticker", params):
            return bad
        return self._ok("sendSticker", params, self._sent())

    def _do_sendChatAction(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if bad := self._check_chat("sendChatAction", params):
            return bad
        if params.get("action") not in {"typing", "upload_photo"}:
            return self._error("sendChatAction", params, 400, "Bad Request: unknown action")
        return self._ok("sendChatAction", params, None)

    def _do_setWebhook(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        url, secret = params.get("url"), params.get("secret_token")
        if not isinstance(url, str) or not url:
            return self._error("setWebhook", params, 400, "Bad Request: url is required")
        if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
            return self._error("setWebhook", params, 400, "Bad Request: secret_token must be 8-256 characters")
        self.webhook = {"url": url, "secret_token": secret, "updated_at": int(time.time() * 1000)}
        return self._ok("setWebhook", params, {"url": url, "updated_at": self.webhook["updated_at"]})

    def _do_deleteWebhook(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.webhook = {"url": "", "secret_token": "", "updated_at": int(time.time() * 1000)}
        return self._ok("deleteWebhook", params, {"url": "", "updated_at": self.webhook["updated_at"]})

    def _do_getWebhookInfo(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        info = {"url": self.webhook["url"], "updated_at": self.webhook["updated_at"]}
        return self._ok("getWebhookInfo", params, info)


class _Handler(BaseHTTPRequestHandler):
    """Routes ``/bot<TOKEN>/<method>`` to the fake; the bound subclass sets ``fake``."""

    fake: FakeZaloBotApi

    def do_POST(self) -> None:
        self._dispatch()

    def do_GET(self) -> None:
        """Zalo's curl examples use GET for methods without parameters."""
        self._dispatch()

    def _dispatch(self) -> None:
        path = self.path.split("?", 1)[0]
        parts = path.strip("/").split("/")
        if len(parts) != 2 or not parts[0].startswith("bot"):
            self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            params = json.loads(body) if body else {}
        except ValueError:
            self._reply(400, {"ok": False, "error_code": 400, "description": "Bad Request: body is not JSON"})
            return
        if not isinstance(params, dict):
            params = {}
        status, envelope = self.fake.handle(parts[0][3:], parts[1], params)
        self._reply(status, envelope)

    def _reply(self, status: int, envelope: dict[str, Any]) -> None:
        payload = json.dumps(envelope, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (e.g. a cancelled long poll)
            pass

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""
