"""A fake Telegram Bot API server for end-to-end tests of the real python-telegram-bot stack.

Why a server and not a mocked ``Bot``: the chat channel is only trustworthy if PTB's own request
encoding, response parsing, error mapping (``RetryAfter``, ``BadRequest``…), polling loop and file
download run for real. This fake speaks HTTP on 127.0.0.1 (ephemeral port) from a background
thread, records every call, lets a test push updates, inject failures and hold replies back,
and, in ``strict`` mode, rejects what Telegram would reject (broken HTML, over-long texts, edits
that change nothing, unknown messages) so those bugs surface in tests instead of in production.

Point PTB at it with::

    ApplicationBuilder().token(fake.token).base_url(f"{fake.url}/bot").base_file_url(f"{fake.url}/file/bot")
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import re
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

from telegram.constants import (
    BotCommandLimit,
    CallbackQueryLimit,
    ChatAction,
    FileSizeLimit,
    InlineKeyboardButtonLimit,
    MessageLimit,
    PollLimit,
)
from telegram.ext import Application, ApplicationBuilder

__all__ = [
    "BOT_USERNAME",
    "DEFAULT_CHAT_ID",
    "DEFAULT_TOKEN",
    "DEFAULT_USER_ID",
    "Call",
    "FakeTelegram",
    "TelegramAPIError",
    "render_html",
    "run_app",
]

T = TypeVar("T")

DEFAULT_TOKEN = "7000000001:TEST-fake-telegram-token"
BOT_USERNAME = "conduct_test_bot"
DEFAULT_USER_ID = 1001
DEFAULT_CHAT_ID = -1001234567890  # a supergroup id; private chats default to the user's id

_LISTING_LIMIT = 60  # calls shown in a wait_for() timeout message
_PARAM_PREVIEW = 300  # characters of params shown per call in that listing

# Form values PTB sends verbatim (it JSON-encodes everything *except* str). Decoding these with
# json.loads would turn a text of "123" or "true" into an int or a bool.
_RAW_STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "question",
        "question_parse_mode",
        "explanation",
        "explanation_parse_mode",
        "description",
        "description_parse_mode",
        "short_description",
        "callback_query_id",
        "inline_message_id",
        "url",
        "secret_token",
        "ip_address",
        "action",
        "emoji",
        "type",
        "file_id",
        "language_code",
        "business_connection_id",
        "message_effect_id",
        "title",
        "name",
        "document",
        "photo",
        "audio",
        "video",
        "voice",
        "animation",
        "sticker",
        "thumbnail",
    }
)
# Fields that are JSON objects/arrays; some clients send them JSON-encoded even in JSON bodies.
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "options",
        "reply_parameters",
        "link_preview_options",
        "commands",
        "scope",
        "allowed_updates",
        "media",
        "correct_option_ids",
        "question_entities",
        "explanation_entities",
        "results",
    }
)

# Telegram's HTML subset: tag -> entity type (None: allowed but produces no entity by itself).
_HTML_TAGS: dict[str, str | None] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_ATTR_RE = re.compile(r"""([a-zA-Z_:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_HTML_ENTITY_RE = re.compile(r"&(lt|gt|amp|quot|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")
_COMMAND_RE = re.compile(r"^[a-z0-9_]+$")
_MENTION_RE = re.compile(r"(?<![\w/@])@[A-Za-z0-9_]{4,32}")


class TelegramAPIError(Exception):
    """An error the fake answers with ``{"ok": false, ...}``; custom handlers may raise it too."""

    def __init__(self, error_code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(f"{error_code}: {description}")
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(description: str) -> TelegramAPIError:
    return TelegramAPIError(400, f"Bad Request: {description}")


@dataclass
class Call:
    """One recorded Bot API request: decoded params, uploaded files, and what the fake answered."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    result: Any = None
    error: dict[str, Any] | None = None
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.error is None

    def describe(self) -> str:
        params = json.dumps(self.params, ensure_ascii=False, default=str)
        if len(params) > _PARAM_PREVIEW:
            params = params[:_PARAM_PREVIEW] + "…"
        files = f" files={ {k: (v[0], len(v[1])) for k, v in self.files.items()} }" if self.files else ""
        outcome = "ok" if self.ok else f"ERROR {self.error}"
        return f"{self.method} {params}{files} -> {outcome}"


@dataclass
class _Part:
    name: str
    value: bytes
    filename: str | None
    content_type: str | None


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    filename: str | None = None
    mime_type: str | None = None


@dataclass
class _Failure:
    error: TelegramAPIError
    remaining: int


@dataclass
class _Hold:
    seconds: float
    remaining: int
    arrived: threading.Event


# --------------------------------------------------------------------------------------------
# Pure helpers (module level so tests of the bot's formatting can reuse them)
# --------------------------------------------------------------------------------------------


def _utf16_len(text: str) -> int:
    """Telegram measures offsets and lengths in UTF-16 code units (an emoji counts as 2)."""
    return len(text.encode("utf-16-le")) // 2


def render_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram's HTML subset the way the Bot API does: visible text plus entities.

    Raises ``TelegramAPIError`` (400 "can't parse entities") where Telegram would, which is the
    point: an unescaped ``<`` from user or document text is a classic production-only failure.
    """
    out: list[str] = []
    out_len = 0  # UTF-16 length of the visible text so far
    stack: list[tuple[str, int, dict[str, str]]] = []
    entities: list[dict[str, Any]] = []
    i = 0

    def fail(message: str) -> TelegramAPIError:
        return _bad_request(f"can't parse entities: {message}")

    def byte_offset(pos: int) -> int:
        return len(text[:pos].encode("utf-8"))

    while i < len(text):
        ch = text[i]
        if ch == "<":
            end = text.find(">", i)
            if end == -1:
                raise fail(f"Unclosed start tag at byte offset {byte_offset(i)}")
            inner = text[i + 1 : end]
            if inner.startswith("/"):
                name = inner[1:].strip().lower()
                if not stack:
                    raise fail(f"Unexpected end tag at byte offset {byte_offset(i)}")
                open_name, start, attrs = stack.pop()
                if name and name != open_name:
                    raise fail(
                        f"Unmatched end tag at byte offset {byte_offset(i)}, "
                        f'expected "</{open_name}>", found "</{name}>"'
                    )
                entity = _entity_for(open_name, attrs, start, out_len, stack)
                if entity is not None:
                    entities.append(entity)
            else:
                match = re.match(r"[a-zA-Z][a-zA-Z0-9-]*", inner)
                name = match.group(0).lower() if match else ""
                if name not in _HTML_TAGS:
                    raise fail(f'Unsupported start tag "{name}" at byte offset {byte_offset(i)}')
                attrs = {
                    m.group(1).lower(): unescape(m.group(2) or m.group(3) or m.group(4) or "")
                    for m in _ATTR_RE.finditer(inner[len(name) :])
                }
                if name == "span" and attrs.get("class") != "tg-spoiler":
                    raise fail(f'Unsupported start tag "span" at byte offset {byte_offset(i)}')
                stack.append((name, out_len, attrs))
            i = end + 1
        elif ch == "&":
            match = _HTML_ENTITY_RE.match(text, i)
            if match:
                decoded = unescape(match.group(0))
                out.append(decoded)
                out_len += _utf16_len(decoded)
                i = match.end()
            else:  # Telegram keeps unknown '&...' sequences literally
                out.append(ch)
                out_len += 1
                i += 1
        else:
            out.append(ch)
            out_len += _utf16_len(ch)
            i += 1
    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _entity_for(
    name: str, attrs: dict[str, str], start: int, end: int, outer: list[tuple[str, int, dict[str, str]]]
) -> dict[str, Any] | None:
    if end <= start:
        return None  # Telegram drops empty entities
    kind = _HTML_TAGS[name]
    if name == "a":
        href = attrs.get("href")
        if not href:
            return None
        return {"type": "text_link", "offset": start, "length": end - start, "url": href}
    if name == "code" and outer and outer[-1][0] == "pre":
        return None  # <pre><code class="language-x"> is one pre entity; the language is dropped here
    if name == "blockquote" and "expandable" in attrs:
        kind = "expandable_blockquote"
    if name == "tg-emoji":
        emoji_id = attrs.get("emoji-id")
        return {"type": "custom_emoji", "offset": start, "length": end - start, "custom_emoji_id": emoji_id}
    return {"type": kind, "offset": start, "length": end - start} if kind else None


def _auto_entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram's client would attach: a leading /command and any @mentions."""
    entities: list[dict[str, Any]] = []
    command_end = 0
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        command_end = len(command)
        entities.append({"type": "bot_command", "offset": 0, "length": _utf16_len(command)})
    for match in _MENTION_RE.finditer(text):
        if match.start() < command_end:
            continue
        entities.append(
            {"type": "mention", "offset": _utf16_len(text[: match.start()]), "length": _utf16_len(match.group(0))}
        )
    return entities


def _decode_value(name: str, raw: str) -> Any:
    """Undo PTB's form encoding: non-str values were json.dumps'ed, str values were sent as is."""
    if name in _RAW_STRING_FIELDS:
        return raw
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except ValueError:
        return raw


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _normalise_params(params: dict[str, Any]) -> dict[str, Any]:
    for key in _JSON_FIELDS & params.keys():
        if isinstance(params[key], str):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(params[key])
    return params


def _unescape_form_param(value: str) -> str:
    # httpx escapes '"' and control characters as %XX and '\' as '\\' inside quoted params.
    value = re.sub(r"%(22|[01][0-9A-Fa-f])", lambda m: chr(int(m.group(1), 16)), value)
    return value.replace("\\\\", "\\")


def _parse_multipart(body: bytes, content_type: str) -> list[_Part]:
    """Split a multipart/form-data body (binary-safe; the stdlib email parser is not)."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise _bad_request("multipart body without a boundary")
    delimiter = b"\r\n--" + match.group(1).encode("latin-1")
    parts: list[_Part] = []
    for chunk in (b"\r\n" + body).split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk.removeprefix(b"\r\n")
        head, _, value = chunk.partition(b"\r\n\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, val = line.partition(":")
            headers[key.strip().lower()] = val.strip()
        disposition = headers.get("content-disposition", "")
        name_match = re.search(r'(?:^|;)\s*name="((?:[^"\\]|\\.)*)"', disposition)
        file_match = re.search(r'(?:^|;)\s*filename="((?:[^"\\]|\\.)*)"', disposition)
        star_match = re.search(r"filename\*=(?:UTF-8|utf-8)''([^;]+)", disposition)
        filename = None
        if star_match:
            filename = unquote(star_match.group(1))
        elif file_match:
            filename = _unescape_form_param(file_match.group(1))
        name = _unescape_form_param(name_match.group(1)) if name_match else ""
        parts.append(_Part(name=name, value=value, filename=filename, content_type=headers.get("content-type")))
    return parts


def _inline_markup(markup: Any) -> dict[str, Any] | None:
    """Only inline keyboards are attached to a Message; reply keyboards are not echoed back."""
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return markup
    return None


# --------------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeTelegram

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Connections cut by the client (or by stop()) are normal here; anything else is printed."""
        if isinstance(sys.exc_info()[1], ConnectionError | OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Routes /bot<token>/<method> and /file/bot<token>/<path> to the FakeTelegram instance."""

    protocol_version = "HTTP/1.1"  # keep-alive, like api.telegram.org; every reply sets Content-Length
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.fake._track_connection(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake._track_connection(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging; the recorded calls are the log."""

    def do_GET(self) -> None:
        self._route(b"")

    def do_POST(self) -> None:
        self._route(self._read_body())

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(body)
                body += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _route(self, body: bytes) -> None:
        fake = self.server.fake
        split = urlsplit(self.path)
        path = split.path
        if match := re.fullmatch(r"/file/bot([^/]+)/(.+)", path):
            # PTB percent-quotes the whole download path, so the token's ':' arrives as %3A.
            status, content, ctype = fake._serve_file(unquote(match.group(1)), unquote(match.group(2)))
            self._reply(status, content, ctype)
            return
        match = re.fullmatch(r"/bot([^/]+)/([A-Za-z0-9_]+)", path)
        if not match:
            self._reply_json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        try:
            params, files = self._decode_request(body, split.query)
        except TelegramAPIError as exc:
            self._reply_json(exc.error_code, exc.payload())
            return
        status, payload = fake._handle_api(unquote(match.group(1)), match.group(2), params, files)
        self._reply_json(status, payload)

    def _decode_request(self, body: bytes, query: str) -> tuple[dict[str, Any], dict[str, _Part]]:
        params: dict[str, Any] = {k: _decode_value(k, v) for k, v in parse_qsl(query, keep_blank_values=True)}
        files: dict[str, _Part] = {}
        ctype = self.headers.get("Content-Type", "")
        lowered = ctype.lower()
        if not body:
            pass
        elif lowered.startswith("application/json"):
            decoded = json.loads(body.decode("utf-8"))
            if not isinstance(decoded, dict):
                raise _bad_request("JSON body must be an object")
            params.update(decoded)
        elif lowered.startswith("multipart/form-data"):
            for part in _parse_multipart(body, ctype):
                if part.filename is not None:
                    files[part.name] = part
                else:
                    params[part.name] = _decode_value(part.name, part.value.decode("utf-8"))
        else:  # application/x-www-form-urlencoded (what httpx sends for data= without files)
            for key, value in parse_qsl(body.decode("utf-8"), keep_blank_values=True):
                params[key] = _decode_value(key, value)
        return _normalise_params(params), files

    def _reply_json(self, status: int, payload: dict[str, Any]) -> None:
        self._reply(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json")

    def _reply(self, status: int, content: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(content)))
        try:
            self.end_headers()
            self.wfile.write(content)
        except (BrokenPipeError, ConnectionResetError):
            # PTB cancels its pending long poll on shutdown; nobody is left to read the answer.
            self.close_connection = True


# --------------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------------


class FakeTelegram:
    """A local, recording, fault-injecting stand-in for api.telegram.org.

    Thread-safety: the HTTP server answers from worker threads while the test thread pushes
    updates and inspects calls, so every piece of state is guarded by one re-entrant lock.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = BOT_USERNAME,
        bot_first_name: str = "Conduct Test Bot",
        long_poll_cap: float = 1.0,
        strict: bool = True,
    ) -> None:
        self._token = token
        prefix = token.split(":", 1)[0]
        self._bot_user: dict[str, Any] = {
            "id": int(prefix) if prefix.isdigit() else 7000000001,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.long_poll_cap = long_poll_cap
        self.strict = strict

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._calls: list[Call] = []
        self._internal_errors: list[str] = []
        self._handlers: dict[str, Callable[[Call], Any]] = {}
        self._failures: dict[str, list[_Failure]] = {}
        self._holds: dict[str, list[_Hold]] = {}

        self._updates: list[dict[str, Any]] = []  # not yet confirmed via getUpdates offset
        self._next_update_id = 1
        self._delivered_upto = 0  # highest update_id ever returned by getUpdates
        self._delivery_counts: dict[int, int] = {}
        self._webhook_url = ""
        self._commands: list[dict[str, Any]] = []

        self._chats: dict[int, dict[str, Any]] = {}
        self._message_ids: dict[int, int] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._bot_sent: list[tuple[int, int]] = []  # (chat_id, message_id) in send order
        self._sent_snapshots: list[dict[str, Any]] = []  # messages exactly as first sent
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._polls: dict[str, dict[str, Any]] = {}
        self.chat_admins: dict[int, set[int]] = {}  # chat id -> user ids getChatMember calls administrators
        self._poll_votes: dict[str, dict[int, list[int]]] = {}
        self._open_callbacks: set[str] = set()
        self._blocked: set[int] = set()
        self._ids = itertools.count(1)

        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._stopping = False

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> Self:
        """Bind 127.0.0.1 on an ephemeral port and serve from a daemon thread."""
        if self._server is not None:
            return self
        self._stopping = False
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-telegram", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake any long poll, and cut keep-alive connections so no thread lingers."""
        server, self._server = self._server, None
        if server is None:
            return
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``; PTB wants ``f"{url}/bot"`` and ``f"{url}/file/bot"``."""
        if self._server is None:
            raise RuntimeError("FakeTelegram is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def application_builder(self) -> ApplicationBuilder:
        """An ApplicationBuilder already pointed at this fake (token, base_url, base_file_url)."""
        return ApplicationBuilder().token(self._token).base_url(f"{self.url}/bot").base_file_url(f"{self.url}/file/bot")

    @property
    def token(self) -> str:
        return self._token

    @property
    def bot_user(self) -> dict[str, Any]:
        return dict(self._bot_user)

    @property
    def bot_username(self) -> str:
        return str(self._bot_user["username"])

    def _track_connection(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    # ---------------------------------------------------------------- recording

    @property
    def calls(self) -> list[Call]:
        """A snapshot of every recorded call, oldest first."""
        with self._lock:
            return list(self._calls)

    @property
    def internal_errors(self) -> list[str]:
        """Tracebacks of bugs in the fake itself (answered as HTTP 500); should stay empty."""
        with self._lock:
            return list(self._internal_errors)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def mark(self) -> int:
        """Index to pass as ``since=`` so a wait only considers calls made after this point."""
        with self._lock:
            return len(self._calls)

    def wait_for(self, predicate: Callable[[Call], bool], timeout: float = 10, *, since: int = 0) -> Call:
        """Block until a recorded call (at index >= since) satisfies predicate; return the first."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for call in self._calls[since:]:
                    if predicate(call):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(min(remaining, 0.05))
        raise AssertionError(f"no matching Bot API call within {timeout}s.\n{self.describe_calls(since=since)}")

    def wait_for_call(self, method: str, n: int = 1, timeout: float = 10, *, since: int = 0) -> Call:
        """Block until ``method`` was called at least n times (after ``since``); return the n-th call."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                matching = [c for c in self._calls[since:] if c.method.lower() == method.lower()]
                if len(matching) >= n:
                    return matching[n - 1]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(min(remaining, 0.05))
        raise AssertionError(
            f"expected {n} call(s) to {method} within {timeout}s, got {len(matching)}.\n"
            f"{self.describe_calls(since=since)}"
        )

    def describe_calls(self, *, since: int = 0) -> str:
        """Human-readable call listing for assertion messages (getUpdates polls are summarised)."""
        with self._lock:
            calls = self._calls[since:]
            errors = list(self._internal_errors)

        def idle_poll(c: Call) -> bool:
            return c.method == "getUpdates" and c.ok and not c.result

        polls = sum(1 for c in calls if idle_poll(c))
        # Collapse runs of identical calls (e.g. PTB re-fetching an update it cannot parse).
        runs: list[tuple[int, int, str]] = []  # (first index, last index, description)
        for i, c in enumerate(calls, start=since):
            if idle_poll(c):
                continue
            text = c.describe()
            if runs and runs[-1][2] == text:
                runs[-1] = (runs[-1][0], i, text)
            else:
                runs.append((i, i, text))
        lines = [f"recorded calls ({len(calls)}, of which {polls} empty getUpdates polls hidden):"]
        if len(runs) > _LISTING_LIMIT:
            lines.append(f"  … {len(runs) - _LISTING_LIMIT} earlier entries omitted")
            runs = runs[-_LISTING_LIMIT:]
        for first, last, text in runs:
            lines.append(f"  [{first}] {text}" if first == last else f"  [{first}..{last}] (repeated) {text}")
        with self._lock:
            stuck = sorted(uid for uid, n in self._delivery_counts.items() if n >= 3)
        if stuck:
            lines.append(
                f"updates {stuck} were handed out 3+ times without being confirmed: PTB most likely failed to "
                "parse them (look for 'Error while parsing updates' in the log) — is the update dict complete?"
            )
        if errors:
            lines.append("internal errors of the fake:")
            lines += errors
        return "\n".join(lines)

    # ---------------------------------------------------------------- scripting the server

    def fail_next(
        self,
        method: str,
        error_code: int = 429,
        retry_after: int = 1,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Make the next ``times`` calls to ``method`` fail, then behave normally again.

        429 carries ``parameters.retry_after`` (PTB raises ``RetryAfter``); any other code is a
        plain error, e.g. ``fail_next("editMessageText", 400, description="Bad Request: message is
        not modified")`` or ``fail_next("sendMessage", 403, description="Forbidden: bot was blocked by the user")``.
        """
        if error_code == 429:
            error = TelegramAPIError(
                429, description or f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )
        else:
            try:
                default = HTTPStatus(error_code).phrase
            except ValueError:
                default = "Error"
            error = TelegramAPIError(error_code, description or default)
        with self._lock:
            self._failures.setdefault(method.lower(), []).append(_Failure(error, times))

    def hold_next(self, method: str, seconds: float, times: int = 1) -> threading.Event:
        """Answer the next ``times`` calls to ``method`` ``seconds`` late, as a slow Telegram does.

        The call takes effect at once (a poll is in the chat, ``sent_texts`` shows a message); only the
        reply waits, and the call is recorded when the reply goes out. The event returned is set when
        such a call arrives, so a test can act (shut the bot down, say) while it is in flight.
        """
        hold = _Hold(seconds, times, threading.Event())
        with self._lock:
            self._holds.setdefault(method.lower(), []).append(hold)
        return hold.arrived

    def on(self, method: str, handler: Callable[[Call], Any] | None) -> None:
        """Override (or, with None, restore) a method: handler(call) returns the result or raises TelegramAPIError."""
        with self._lock:
            if handler is None:
                self._handlers.pop(method.lower(), None)
            else:
                self._handlers[method.lower()] = handler

    def block(self, chat_id: int) -> None:
        """Simulate a user who blocked the bot: every send to that chat gets 403."""
        with self._lock:
            self._blocked.add(chat_id)

    def register_file(
        self, data: bytes, *, filename: str | None = None, mime_type: str | None = None, kind: str = "documents"
    ) -> dict[str, Any]:
        """Make bytes downloadable via getFile + /file/bot<token>/<path>; returns the File dict."""
        with self._lock:
            n = next(self._ids)
            suffix = ""
            if filename and "." in filename:
                suffix = "." + filename.rsplit(".", 1)[1].lower()
            stored = _StoredFile(
                file_id=f"BQACAgIAAxkBAAI{kind[:3]}{n:06d}",
                file_unique_id=f"AgAD{n:06d}",
                file_path=f"{kind}/file_{n}{suffix}",
                data=bytes(data),
                filename=filename,
                mime_type=mime_type,
            )
            self._files[stored.file_id] = stored
            self._files_by_path[stored.file_path] = stored
            return self._file_dict(stored)

    # ---------------------------------------------------------------- crafting updates

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates (assigning update_id unless given) and return it."""
        with self._cond:
            if "update_id" not in update:
                update["update_id"] = self._next_update_id
            self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
            for key in ("message", "edited_message", "channel_post", "business_message"):
                if isinstance(update.get(key), dict):
                    self._remember_message(update[key])
            query = update.get("callback_query")
            if isinstance(query, dict):
                self._open_callbacks.add(str(query.get("id")))
                if isinstance(query.get("message"), dict):
                    self._remember_message(query["message"])
            self._updates.append(update)
            self._cond.notify_all()
        return update

    def user_message(
        self,
        text: str,
        *,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Tester",
        username: str | None = None,
        reply_to_message: dict[str, Any] | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A text message from a user. ``entities=None`` adds what Telegram would: a leading
        ``bot_command`` (CommandHandler needs it) and ``mention`` for every @username."""
        extra: dict[str, Any] = {"text": text}
        ents = _auto_entities(text) if entities is None else entities
        if ents:
            extra["entities"] = ents
        if reply_to_message is not None:
            extra["reply_to_message"] = reply_to_message
        return self.message_update(
            extra, user_id=user_id, chat_id=chat_id, chat_type=chat_type, first_name=first_name, username=username
        )

    def document_message(
        self,
        filename: str,
        data: bytes,
        mime_type: str,
        *,
        caption: str | None = None,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Tester",
        username: str | None = None,
    ) -> dict[str, Any]:
        """A user uploads a file; the bytes become downloadable through getFile."""
        file = self.register_file(data, filename=filename, mime_type=mime_type, kind="documents")
        document = {
            "file_id": file["file_id"],
            "file_unique_id": file["file_unique_id"],
            "file_name": filename,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        extra: dict[str, Any] = {"document": document}
        if caption is not None:
            extra["caption"] = caption
        return self.message_update(
            extra, user_id=user_id, chat_id=chat_id, chat_type=chat_type, first_name=first_name, username=username
        )

    def photo_message(
        self,
        data: bytes = b"\x89PNG\r\n\x1a\n fake photo",
        *,
        caption: str | None = None,
        width: int = 1280,
        height: int = 720,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Tester",
        username: str | None = None,
    ) -> dict[str, Any]:
        """A user sends a photo; like Telegram, ``photo`` lists sizes smallest first."""
        thumb = self.register_file(data, filename="photo.jpg", mime_type="image/jpeg", kind="photos")
        full = self.register_file(data, filename="photo.jpg", mime_type="image/jpeg", kind="photos")
        scale = 90 / max(width, height, 1)
        sizes = [
            {
                "file_id": thumb["file_id"],
                "file_unique_id": thumb["file_unique_id"],
                "width": max(1, round(width * scale)),
                "height": max(1, round(height * scale)),
                "file_size": len(data),
            },
            {
                "file_id": full["file_id"],
                "file_unique_id": full["file_unique_id"],
                "width": width,
                "height": height,
                "file_size": len(data),
            },
        ]
        extra: dict[str, Any] = {"photo": sizes}
        if caption is not None:
            extra["caption"] = caption
        return self.message_update(
            extra, user_id=user_id, chat_id=chat_id, chat_type=chat_type, first_name=first_name, username=username
        )

    def sticker_message(
        self,
        emoji: str = "👍",
        *,
        set_name: str | None = "TestStickers",
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Tester",
        username: str | None = None,
    ) -> dict[str, Any]:
        """A user sends a (static, regular) sticker."""
        file = self.register_file(b"RIFF fake webp", filename="sticker.webp", mime_type="image/webp", kind="stickers")
        sticker: dict[str, Any] = {
            "file_id": file["file_id"],
            "file_unique_id": file["file_unique_id"],
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": file["file_size"],
        }
        if set_name:
            sticker["set_name"] = set_name
        return self.message_update(
            {"sticker": sticker},
            user_id=user_id,
            chat_id=chat_id,
            chat_type=chat_type,
            first_name=first_name,
            username=username,
        )

    def message_update(
        self,
        content: dict[str, Any],
        *,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Tester",
        username: str | None = None,
    ) -> dict[str, Any]:
        """Any other kind of user message (voice, location…): ``content`` is merged into the Message."""
        user = self._user(user_id, first_name, username)
        with self._lock:
            chat = self._chat_for(user, chat_id, chat_type)
            message = {
                "message_id": self._next_message_id(chat["id"]),
                "date": int(time.time()),
                "chat": chat,
                "from": user,
                **content,
            }
        return self.push_update({"message": message})

    def callback_query(
        self,
        data: str,
        *,
        message: dict[str, Any],
        user_id: int = DEFAULT_USER_ID,
        first_name: str = "Tester",
        username: str | None = None,
    ) -> dict[str, Any]:
        """A user taps an inline button with callback ``data`` on ``message`` (a bot message dict,
        e.g. ``fake.last_message(chat_id)`` or ``call.result`` of a sendMessage)."""
        chat_id = message.get("chat", {}).get("id", 0)
        with self._lock:
            query_id = str(4_000_000_000_000_000_000 + next(self._ids))
        query = {
            "id": query_id,
            "from": self._user(user_id, first_name, username),
            "message": message,
            "chat_instance": str(-abs(int(chat_id)) * 7919 - 1),
            "data": data,
        }
        return self.push_update({"callback_query": query})

    def poll_answer(
        self, poll_id: str, user_id: int, option_ids: list[int], first_name: str = "Tester", *, delayed: bool = False
    ) -> dict[str, Any]:
        """A user votes (empty option_ids retracts); the tally shows up in stopPoll's result.

        Telegram only sends poll_answer for non-anonymous polls, so answering an anonymous poll
        the bot sent is refused here: a quiz that needs answers must use is_anonymous=False.
        """
        persistent_ids = [str(i) for i in option_ids]
        with self._lock:
            poll = self._polls.get(str(poll_id))
            if poll is not None:
                persistent_ids = [poll["options"][i]["persistent_id"] for i in option_ids]
                if poll["is_anonymous"]:
                    raise ValueError(f"poll {poll_id} is anonymous: Telegram sends no poll_answer updates for it")
                closed = poll["is_closed"] or ("close_date" in poll and time.time() >= poll["close_date"])
                if closed and not delayed:
                    # Telegram refuses votes on a closed poll; `delayed=True` stands for a vote cast in
                    # time whose update reaches the bot late (a restart, a slow network).
                    raise ValueError(f"poll {poll_id} is closed: Telegram accepts no more votes")
                self._poll_votes.setdefault(str(poll_id), {})[user_id] = list(option_ids)
                self._retally(str(poll_id))
        user = self._user(user_id, first_name, None)
        answer = {
            "poll_id": str(poll_id),
            "user": user,
            "option_ids": list(option_ids),
            "option_persistent_ids": persistent_ids,  # required by PTB 22.8 (Bot API 9.6)
        }
        return self.push_update({"poll_answer": answer})

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by a getUpdates offset."""
        with self._lock:
            return list(self._updates)

    def wait_delivered(self, timeout: float = 10) -> None:
        """Block until getUpdates has handed out every pushed update (handlers may still be running)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._delivered_upto < self._next_update_id - 1:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"updates up to {self._next_update_id - 1} not delivered within {timeout}s "
                        f"(delivered up to {self._delivered_upto}); is the bot polling?\n{self.describe_calls()}"
                    )
                self._cond.wait(min(remaining, 0.05))

    # ---------------------------------------------------------------- inspecting bot output

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """The bot's messages in send order, as they are now (edits applied, deleted ones gone)."""
        with self._lock:
            keys = [k for k in self._bot_sent if chat_id is None or k[0] == chat_id]
            return [copy.deepcopy(self._messages[k]) for k in keys if k in self._messages]

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        """Visible text (HTML rendered, tags removed) or caption of each message as first sent.

        The raw HTML the bot sent is in ``calls_to("sendMessage")[i].params["text"]``.
        """
        with self._lock:
            snaps = [m for m in self._sent_snapshots if chat_id is None or m["chat"]["id"] == chat_id]
        return [m.get("text", m.get("caption", "")) for m in snaps if "text" in m or "caption" in m]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        with self._lock:
            found = self._messages.get((chat_id, message_id))
            return copy.deepcopy(found) if found is not None else None

    def last_message(self, chat_id: int | None = None) -> dict[str, Any]:
        """The bot's latest live message (in chat_id, if given); AssertionError if there is none."""
        messages = self.sent_messages(chat_id)
        if not messages:
            raise AssertionError(f"the bot has sent no message{'' if chat_id is None else f' to {chat_id}'}")
        return messages[-1]

    def poll(self, poll_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._polls[str(poll_id)])

    @property
    def webhook_url(self) -> str:
        return self._webhook_url

    @property
    def commands(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._commands)

    # ---------------------------------------------------------------- request handling

    def _handle_api(
        self, token: str, method: str, params: dict[str, Any], parts: dict[str, _Part]
    ) -> tuple[int, dict[str, Any]]:
        files = {name: (part.filename or name, part.value) for name, part in parts.items()}
        call = Call(method=method, params=params, files=files)
        try:
            if token != self._token:
                raise TelegramAPIError(401, "Unauthorized")
            with self._lock:
                failure = self._take_failure(method)
            if failure is not None:
                raise failure
            result = self._dispatch(method, call, parts)
        except TelegramAPIError as exc:
            call.error = exc.payload()
            status, payload = exc.error_code, exc.payload()
        except Exception:
            tb = traceback.format_exc()
            print(f"FakeTelegram internal error in {method}:\n{tb}", file=sys.stderr)
            call.error = {"ok": False, "error_code": 500, "description": "Internal Server Error (bug in the fake)"}
            status, payload = 500, call.error
            with self._lock:
                self._internal_errors.append(tb)
        else:
            call.result = result
            status, payload = 200, {"ok": True, "result": result}
        with self._lock:
            hold = self._take_hold(method)
        if hold is not None:  # outside the lock: other calls go on meanwhile
            hold.arrived.set()
            time.sleep(hold.seconds)
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()
        return status, payload

    def _take_hold(self, method: str) -> _Hold | None:
        queue = self._holds.get(method.lower())
        if not queue:
            return None
        hold = queue[0]
        hold.remaining -= 1
        if hold.remaining <= 0:
            queue.pop(0)
        return hold

    def _take_failure(self, method: str) -> TelegramAPIError | None:
        queue = self._failures.get(method.lower())
        if not queue:
            return None
        failure = queue[0]
        failure.remaining -= 1
        if failure.remaining <= 0:
            queue.pop(0)
        return failure.error

    def _dispatch(self, method: str, call: Call, parts: dict[str, _Part]) -> Any:
        key = method.lower()
        custom = self._handlers.get(key)
        if custom is not None:
            return custom(call)
        if key == "getupdates":
            return self._get_updates(call.params)
        handler = self._METHODS.get(key)
        if handler is None:
            raise TelegramAPIError(404, "Not Found")
        with self._lock:
            return handler(self, call.params, parts)

    # ---- updates / webhook / bot info

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = max(1, min(int(params.get("limit") or 100), 100))
        wait = min(float(params.get("timeout") or 0), self.long_poll_cap)
        deadline = time.monotonic() + wait
        with self._cond:
            if self._webhook_url:
                raise TelegramAPIError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            if offset < 0:
                self._updates = self._updates[offset:]
            elif offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._stopping:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            batch = copy.deepcopy(self._updates[:limit])
            if batch:
                self._delivered_upto = max(self._delivered_upto, batch[-1]["update_id"])
                for update in batch:
                    uid = update["update_id"]
                    self._delivery_counts[uid] = self._delivery_counts.get(uid, 0) + 1
                self._cond.notify_all()
            return batch

    def _m_get_me(self, params: dict[str, Any], parts: dict[str, _Part]) -> dict[str, Any]:
        return dict(self._bot_user)

    def _m_delete_webhook(self, params: dict[str, Any], parts: dict[str, _Part]) -> bool:
        self._webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
            self._delivered_upto = self._next_update_id - 1
        return True

    def _m_set_webhook(self, params: dict[str, Any], parts: dict[str, _Part]) -> bool:
        url = str(params.get("url") or "")
        if url and self.strict and not url.startswith("https://"):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self._webhook_url = url
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _m_get_webhook_info(self, params: dict[str, Any], parts: dict[str, _Part]) -> dict[str, Any]:
        return {"url": self._webhook_url, "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    def _m_set_my_commands(self, params: dict[str, Any], parts: dict[str, _Part]) -> bool:
        commands = params.get("commands") or []
        if self.strict:
            if len(commands) > BotCommandLimit.MAX_COMMAND_NUMBER:
                raise _bad_request("too many commands")
            for cmd in commands:
                name = str(cmd.get("command", ""))
                length_ok = BotCommandLimit.MIN_COMMAND <= len(name) <= BotCommandLimit.MAX_COMMAND
                if not length_ok or not _COMMAND_RE.match(name):
                    raise _bad_request("BOT_COMMAND_INVALID")
                desc = str(cmd.get("description", ""))
                if not (BotCommandLimit.MIN_DESCRIPTION <= len(desc) <= BotCommandLimit.MAX_DESCRIPTION):
                    raise _bad_request("command description is empty or too long")
        self._commands = list(commands)
        return True

    def _m_get_my_commands(self, params: dict[str, Any], parts: dict[str, _Part]) -> list[dict[str, Any]]:
        return copy.deepcopy(self._commands)

    def _m_delete_my_commands(self, params: dict[str, Any], parts: dict[str, _Part]) -> bool:
        self._commands = []
        return True

    def _m_true(self, params: dict[str, Any], parts: dict[str, _Part]) -> bool:
        return True

    # ---- sending

    def _m_send_message(self, params: dict[str, Any], parts: dict[str, _Part]) -> dict[str, Any]:
        chat = self._target_chat(params)
        text, entities = self._render(params.get("text"), params.get("parse_mode"), params.get("entities"))
        if self.strict:
            if not text.strip():
                raise _bad_request("message text is empty")
            if _utf16_len(text) > MessageLimit.MAX_TEXT_LENGTH:
                raise _bad_request("message is too long")
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        if "link_preview_options" in params:
            content["link_preview_options"] = params["link_preview_options"]
        return self._send(chat, params, content)

    def _m_send_document(self, params: dict[str, Any], parts: dict[str, _Part]) -> dict[str, Any]:
        chat = self._target_chat(params)
        stored = self._incoming_file(params, parts, "document", kind="documents")
        document: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
        }
        if stored.filename:
            document["file_name"] = stored.filename
        if stored.mime_type:
            document["mime_type"] = stored.mime_type
        return self._send(chat, params, {"document": document, **self._caption(params)})

    def _m_send_photo(self, params: dict[str, Any], parts: dict[str, _Part]) -> dict[str, Any]:
        chat = self._target_chat(params)
        stored = self._incoming_file(params, parts, "photo", kind="photos")
        if self.strict and len(stored.data) > FileSizeLimit.PHOTOSIZE_UPLOAD:
            raise _bad_request("PHOTO_INVALID_DIMENSIONS")
        width, height = _image_size(stored.data) or (800, 600)
        photo = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": width,
                "height": height,
                "file_size": len(stored.data),
            }
        ]
        return self._send(chat, params, {"photo": photo, **self._caption(params)})

    def _m_send_chat_action(self, params: dict[str, Any], parts: dict[str, _Part]) -> bool:
        self._target_chat(params)
        if self.strict and params.get("action") not in {a.value for a in ChatAction}:
            raise _bad_request("wrong parameter action in request")
        return True

    def _m_send_poll(self, params: dict[str, Any], parts: dict[str, _Part]) -> dict[str, Any]:
        chat = self._target_chat(params)
        question = str(params.get("question") or "")
        raw_options = params.get("options") or []
        options = [o.get("text", "") if isinstance(o, dict) else str(o) for o in raw_options]
        poll_type = params.get("type") or "regular"
        correct = params.get("correct_option_ids")
        if correct is None and params.get("correct_option_id") is not None:
            correct = [params["correct_option_id"]]
        if self.strict:
            if not (PollLimit.MIN_QUESTION_LENGTH <= len(question) <= PollLimit.MAX_QUESTION_LENGTH):
                raise _bad_request("POLL_QUESTION_INVALID" if question else "poll question must be non-empty")
            if not (max(2, PollLimit.MIN_OPTION_NUMBER) <= len(options) <= PollLimit.MAX_OPTION_NUMBER):
                raise _bad_request("poll must have 2-12 options" if len(options) < 2 else "POLL_OPTIONS_TOO_MANY")
            for option in options:
                if not (PollLimit.MIN_OPTION_LENGTH <= len(option) <= PollLimit.MAX_OPTION_LENGTH):
                    raise _bad_request("POLL_OPTION_INVALID" if option else "poll options must be non-empty")
            if poll_type not in ("regular", "quiz"):
                raise _bad_request("poll type is invalid")
            if poll_type == "quiz":
                if not correct or any(not (0 <= int(c) < len(options)) for c in correct):
                    raise _bad_request("wrong correct option ids specified")
                if len(correct) > 1 and not params.get("allows_multiple_answers"):
                    raise _bad_request("quiz poll with several correct options must allow multiple answers")
            explanation, _ = self._render(params.get("explanation"), params.get("explanation_parse_mode"), None)
            if _utf16_len(explanation) > PollLimit.MAX_EXPLANATION_LENGTH:
                raise _bad_request("explanation is too long")
            open_period = params.get("open_period")
            if open_period is not None and not (
                PollLimit.MIN_OPEN_PERIOD <= int(open_period) <= PollLimit.MAX_OPEN_PERIOD
            ):
                raise _bad_request("wrong open period specified")
        poll_id = str(5_000_000_000_000_000_000 + next(self._ids))
        poll: dict[str, Any] = {
            "id": poll_id,
            "question": question,
            # PTB 22.8 (Bot API 9.6/10.0) refuses PollOption without persistent_id and Poll without
            # allows_revoting / members_only, so these are not optional in practice.
            "options": [{"text": o, "voter_count": 0, "persistent_id": str(i)} for i, o in enumerate(options)],
            "total_voter_count": 0,
            "is_closed": bool(params.get("is_closed", False)),
            "is_anonymous": bool(params.get("is_anonymous", True)),
            "type": poll_type,
            "allows_multiple_answers": bool(params.get("allows_multiple_answers", False)),
            "allows_revoting": bool(params.get("allows_revoting", poll_type != "quiz")),
            "members_only": bool(params.get("members_only", False)),
        }
        if poll_type == "quiz" and correct:
            # PTB 22.8 (Bot API 9.6+) reads correct_option_ids; echoing the deprecated
            # correct_option_id would make Poll.de_json emit a PTBDeprecationWarning.
            poll["correct_option_ids"] = [int(c) for c in correct]
        if params.get("explanation"):
            explanation, expl_entities = self._render(
                params["explanation"], params.get("explanation_parse_mode"), params.get("explanation_entities")
            )
            poll["explanation"] = explanation
            if expl_entities:
                poll["explanation_entities"] = expl_entities
        if params.get("open_period") is not None:
            poll["open_period"] = int(params["open_period"])
            poll["close_date"] = int(time.time()) + int(params["open_period"])
        elif params.get("close_date") is not None:
            poll["close_date"] = int(params["close_date"])
        self._polls[poll_id] = poll
        self._poll_votes[poll_id] = {}
        return self._send(chat, params, {"poll": poll})

    def _m_stop_poll(self, params: dict[str, Any], parts: dict[str, _Part]) -> dict[str, Any]:
        message = self._find_message(params, "poll can't be stopped")
        poll = message.get("poll")
        if poll is None:
            raise _bad_request("message with poll to stop not found")
        if poll["is_closed"] and self.strict:
            raise _bad_request("poll has already been closed")
        poll["is_closed"] = True
        if "reply_markup" in params:
            markup = _inline_markup(params["reply_markup"])
            if markup:
                message["reply_markup"] = markup
            else:
                message.pop("reply_markup", None)
        return copy.deepcopy(poll)

    # ---- editing / deleting

    def _m_edit_message_text(self, params: dict[str, Any], parts: dict[str, _Part]) -> Any:
        if params.get("inline_message_id"):
            return True
        message = self._find_message(params, "message to edit not found", editable=True)
        if "text" not in message:
            raise _bad_request("there is no text in the message to edit")
        text, entities = self._render(params.get("text"), params.get("parse_mode"), params.get("entities"))
        if self.strict:
            if not text.strip():
                raise _bad_request("message text is empty")
            if _utf16_len(text) > MessageLimit.MAX_TEXT_LENGTH:
                raise _bad_request("MESSAGE_TOO_LONG")
        markup = _inline_markup(params.get("reply_markup"))
        self._check_modified(message, (message.get("text"), message.get("entities") or []), (text, entities), markup)
        message["text"] = text
        if entities:
            message["entities"] = entities
        else:
            message.pop("entities", None)
        return self._finish_edit(message, markup)

    def _m_edit_message_caption(self, params: dict[str, Any], parts: dict[str, _Part]) -> Any:
        if params.get("inline_message_id"):
            return True
        message = self._find_message(params, "message to edit not found", editable=True)
        if "text" in message:
            raise _bad_request("there is no caption in the message to edit")
        new = self._caption(params)
        markup = _inline_markup(params.get("reply_markup"))
        self._check_modified(
            message,
            (message.get("caption"), message.get("caption_entities") or []),
            (new.get("caption"), new.get("caption_entities") or []),
            markup,
        )
        message.pop("caption", None)
        message.pop("caption_entities", None)
        message.update(new)
        return self._finish_edit(message, markup)

    def _m_edit_message_reply_markup(self, params: dict[str, Any], parts: dict[str, _Part]) -> Any:
        if params.get("inline_message_id"):
            return True
        message = self._find_message(params, "message to edit not found", editable=True)
        markup = _inline_markup(params.get("reply_markup"))
        self._check_modified(message, None, None, markup)
        return self._finish_edit(message, markup)

    def _m_delete_message(self, params: dict[str, Any], parts: dict[str, _Part]) -> bool:
        key = (self._chat_id_of(params), int(params.get("message_id") or 0))
        if key not in self._messages:
            if self.strict:
                raise _bad_request("message to delete not found")
            return True
        del self._messages[key]
        return True

    def _m_answer_callback_query(self, params: dict[str, Any], parts: dict[str, _Part]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if self.strict:
            if query_id not in self._open_callbacks:
                raise _bad_request("query is too old and response timeout expired or query ID is invalid")
            text = params.get("text") or ""
            if len(text) > CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH:
                raise _bad_request("MESSAGE_TOO_LONG")
        self._open_callbacks.discard(query_id)
        return True

    # ---- files

    def _m_get_chat_member(self, params: dict[str, Any], parts: dict[str, _Part]) -> dict[str, Any]:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        status = "administrator" if user_id in self.chat_admins.get(chat_id, set()) else "member"
        member: dict[str, Any] = {"status": status, "user": self._user(user_id, "Tester", None)}
        if status == "administrator":
            member |= {flag: True for flag in (
                "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                "can_restrict_members", "can_promote_members", "can_change_info", "can_invite_users",
                "can_post_stories", "can_edit_stories", "can_delete_stories")}
        return member

    def _m_get_file(self, params: dict[str, Any], parts: dict[str, _Part]) -> dict[str, Any]:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise _bad_request("invalid file_id")
        if self.strict and len(stored.data) > FileSizeLimit.FILESIZE_DOWNLOAD:
            raise _bad_request("file is too big")
        return self._file_dict(stored)

    def _serve_file(self, token: str, path: str) -> tuple[int, bytes, str]:
        with self._lock:
            stored = self._files_by_path.get(path)
        if token != self._token or stored is None:
            body = json.dumps({"ok": False, "error_code": 404, "description": "Not Found"}).encode()
            return 404, body, "application/json"
        return 200, stored.data, stored.mime_type or "application/octet-stream"

    _METHODS: dict[str, Callable[[FakeTelegram, dict[str, Any], dict[str, _Part]], Any]] = {
        "getme": _m_get_me,
        "logout": _m_true,
        "close": _m_true,
        "deletewebhook": _m_delete_webhook,
        "setwebhook": _m_set_webhook,
        "getwebhookinfo": _m_get_webhook_info,
        "setmycommands": _m_set_my_commands,
        "getmycommands": _m_get_my_commands,
        "deletemycommands": _m_delete_my_commands,
        "setmydescription": _m_true,
        "setmyshortdescription": _m_true,
        "setchatmenubutton": _m_true,
        "sendmessage": _m_send_message,
        "senddocument": _m_send_document,
        "sendphoto": _m_send_photo,
        "sendchataction": _m_send_chat_action,
        "sendpoll": _m_send_poll,
        "stoppoll": _m_stop_poll,
        "editmessagetext": _m_edit_message_text,
        "editmessagecaption": _m_edit_message_caption,
        "editmessagereplymarkup": _m_edit_message_reply_markup,
        "deletemessage": _m_delete_message,
        "answercallbackquery": _m_answer_callback_query,
        "getfile": _m_get_file,
        "getchatmember": _m_get_chat_member,
    }

    # ---------------------------------------------------------------- internals (lock held)

    def _user(self, user_id: int, first_name: str, username: str | None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "vi"}
        if username:
            user["username"] = username
        return user

    def _chat_for(self, user: dict[str, Any], chat_id: int | None, chat_type: str) -> dict[str, Any]:
        if chat_type == "private":
            cid = user["id"] if chat_id is None else chat_id
            chat = {"id": cid, "type": "private", "first_name": user["first_name"]}
            if "username" in user:
                chat["username"] = user["username"]
        elif chat_type in ("group", "supergroup", "channel"):
            default = DEFAULT_CHAT_ID if chat_type != "group" else -4001
            cid = default if chat_id is None else chat_id
            chat = self._chats.get(cid) or {"id": cid, "type": chat_type, "title": f"Test {chat_type}"}
        else:
            raise ValueError(f"unknown chat_type {chat_type!r}")
        self._chats[cid] = chat
        return dict(chat)

    def _next_message_id(self, chat_id: int) -> int:
        """One counter per chat shared by user and bot messages, as in a real private chat."""
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    def _remember_message(self, message: dict[str, Any]) -> None:
        chat = message.get("chat") or {}
        if "id" not in chat or "message_id" not in message:
            return
        cid = int(chat["id"])
        self._chats.setdefault(cid, dict(chat))
        self._message_ids[cid] = max(self._message_ids.get(cid, 0), int(message["message_id"]))
        self._messages.setdefault((cid, int(message["message_id"])), copy.deepcopy(message))

    def _chat_id_of(self, params: dict[str, Any]) -> int:
        raw = params.get("chat_id")
        if isinstance(raw, int):
            return raw
        if isinstance(raw, str):
            if raw.lstrip("-").isdigit():
                return int(raw)
            for cid, chat in self._chats.items():
                if raw.startswith("@") and chat.get("username") == raw[1:]:
                    return cid
        raise _bad_request("chat not found")

    def _target_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        cid = self._chat_id_of(params)
        if cid in self._blocked:
            raise TelegramAPIError(403, "Forbidden: bot was blocked by the user")
        chat = self._chats.get(cid)
        if chat is None:  # lenient: let a bot message a chat the test never mentioned
            chat = (
                {"id": cid, "type": "private", "first_name": "Tester"}
                if cid > 0
                else {
                    "id": cid,
                    "type": "supergroup",
                    "title": "Test supergroup",
                }
            )
            self._chats[cid] = chat
        return dict(chat)

    def _render(self, text: Any, parse_mode: Any, entities: Any) -> tuple[str, list[dict[str, Any]]]:
        text = "" if text is None else str(text)
        if entities:
            return text, list(entities)
        if isinstance(parse_mode, str) and parse_mode.upper() == "HTML":
            try:
                return render_html(text)
            except TelegramAPIError:
                if self.strict:
                    raise
                return text, []
        return text, []  # Markdown/MarkdownV2 are echoed unparsed

    def _caption(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("caption") is None:
            return {}
        caption, entities = self._render(params["caption"], params.get("parse_mode"), params.get("caption_entities"))
        if self.strict and _utf16_len(caption) > MessageLimit.CAPTION_LENGTH:
            raise _bad_request("message caption is too long")
        out: dict[str, Any] = {"caption": caption}
        if entities:
            out["caption_entities"] = entities
        return out

    def _check_markup(self, markup: dict[str, Any] | None) -> None:
        if not markup or not self.strict:
            return
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                size = len(str(data).encode()) if data is not None else 1
                if not 1 <= size <= InlineKeyboardButtonLimit.MAX_CALLBACK_DATA:
                    raise _bad_request("BUTTON_DATA_INVALID")
                if len(button) <= 1:
                    raise _bad_request(
                        "can't parse inline keyboard button: text buttons are unallowed in the inline keyboard"
                    )

    def _send(self, chat: dict[str, Any], params: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
        markup = _inline_markup(params.get("reply_markup"))
        self._check_markup(markup)
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat["id"]),
            "from": dict(self._bot_user),
            "date": int(time.time()),
            "chat": chat,
        }
        if params.get("message_thread_id") is not None:
            message["message_thread_id"] = int(params["message_thread_id"])
        reply = params.get("reply_parameters") or (
            {"message_id": params["reply_to_message_id"]} if params.get("reply_to_message_id") else None
        )
        if isinstance(reply, dict) and reply.get("message_id") is not None:
            target_chat = int(reply.get("chat_id") or chat["id"])
            original = self._messages.get((target_chat, int(reply["message_id"])))
            if original is not None:
                quoted = copy.deepcopy(original)
                quoted.pop("reply_to_message", None)
                message["reply_to_message"] = quoted
            elif self.strict and not (
                reply.get("allow_sending_without_reply") or params.get("allow_sending_without_reply")
            ):
                raise _bad_request("message to be replied not found")
        message.update(content)
        if markup:
            message["reply_markup"] = markup
        key = (chat["id"], message["message_id"])
        self._messages[key] = message
        self._bot_sent.append(key)
        self._sent_snapshots.append(copy.deepcopy(message))
        return copy.deepcopy(message)

    def _find_message(self, params: dict[str, Any], not_found: str, *, editable: bool = False) -> dict[str, Any]:
        key = (self._chat_id_of(params), int(params.get("message_id") or 0))
        message = self._messages.get(key)
        if message is None:
            raise _bad_request(not_found)
        if editable and self.strict and (message.get("from") or {}).get("id") != self._bot_user["id"]:
            raise _bad_request("message can't be edited")
        return message

    def _check_modified(self, message: dict[str, Any], old: Any, new: Any, markup: dict[str, Any] | None) -> None:
        self._check_markup(markup)
        if self.strict and old == new and message.get("reply_markup") == markup:
            raise _bad_request(
                "message is not modified: specified new message content and reply markup are exactly the same "
                "as a current content and reply markup of the message"
            )

    def _finish_edit(self, message: dict[str, Any], markup: dict[str, Any] | None) -> dict[str, Any]:
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _incoming_file(self, params: dict[str, Any], parts: dict[str, _Part], name: str, *, kind: str) -> _StoredFile:
        part = parts.get(name)
        if part is None:
            ref = params.get(name)
            if isinstance(ref, str) and ref.startswith("attach://"):
                part = parts.get(ref.removeprefix("attach://"))
        if part is not None:
            if self.strict and len(part.value) > FileSizeLimit.FILESIZE_UPLOAD:
                raise TelegramAPIError(413, "Request Entity Too Large")
            info = self.register_file(part.value, filename=part.filename, mime_type=part.content_type, kind=kind)
            return self._files[info["file_id"]]
        ref = params.get(name)
        if isinstance(ref, str) and ref in self._files:
            return self._files[ref]
        if isinstance(ref, str) and ref.startswith(("http://", "https://")):
            info = self.register_file(b"", filename=ref.rsplit("/", 1)[-1] or None, kind=kind)
            return self._files[info["file_id"]]
        raise _bad_request("wrong file identifier/HTTP URL specified" if ref else f"there is no {name} in the request")

    def _file_dict(self, stored: _StoredFile) -> dict[str, Any]:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    def _retally(self, poll_id: str) -> None:
        poll = self._polls[poll_id]
        votes = self._poll_votes.get(poll_id, {})
        for index, option in enumerate(poll["options"]):
            option["voter_count"] = sum(1 for chosen in votes.values() if index in chosen)
        poll["total_voter_count"] = sum(1 for chosen in votes.values() if chosen)


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width/height of a PNG from its IHDR chunk, so sendPhoto echoes plausible dimensions."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24 and data[12:16] == b"IHDR":
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return None


def run_app(app: Application, scenario: Callable[[], T], *, poll_timeout: int = 1) -> T:
    """Run ``app`` in polling mode while the blocking ``scenario`` drives the fake from a worker thread.

    The scenario must not run on the event loop: ``wait_for`` blocks, and the bot's handlers need
    that loop to answer. Updater and application are stopped in ``finally`` so nothing leaks.
    """

    async def main() -> T:
        async with app:
            await app.start()
            if app.post_init:  # run_polling calls these hooks; so does this stand-in for it
                await app.post_init(app)
            try:
                if app.updater is None:
                    raise RuntimeError("the Application was built without an Updater")
                await app.updater.start_polling(poll_interval=0.0, timeout=poll_timeout)
                try:
                    return await asyncio.to_thread(scenario)
                finally:
                    await app.updater.stop()
            finally:
                await app.stop()
                if app.post_stop:  # as run_polling does: after stop, while the bot can still send
                    await app.post_stop(app)
                if app.post_shutdown:
                    await app.post_shutdown(app)

    return asyncio.run(main())
