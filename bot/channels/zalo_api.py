"""A small typed async client for the Zalo Bot API (``https://bot-api.zaloplatforms.com/bot<TOKEN>/<method>``).

Why our own client
------------------
PyPI was checked (``pip index versions`` / ``pip download --no-deps``):

* ``python-zalo-bot`` 0.1.9 (2026-01) is the SDK Zalo's own "build your bot" guide points to. It is a fork of
  python-telegram-bot 20 cut down for Zalo. It does not fit: on HTTP 200 it returns ``result`` without looking at
  ``ok``, so ``{"ok": false, ...}`` errors come back as ``None``; its ``set_webhook`` / ``delete_webhook`` /
  ``get_webhook_info`` wrap ``asyncio.run`` and cannot be called from a running event loop (ours always is); its
  default host is the older ``bot-api.zapps.me``; it ships no ``py.typed``; its metadata still has placeholder
  author and homepage, which tells us little about upkeep.
* ``zalo-bot`` 0.1.0 is unrelated (a URL validator under that name).
* ``zalobot-python`` 0.2.4 says it is a work in progress and needs Python >= 3.14; we run on 3.11.
* ``zalobot-sdk`` is described on pypi.org as a typed, token-safe client, but our package index cannot resolve it
  (``No matching distribution``), so we could neither install nor review it.

The API has nine JSON-over-POST methods (we wrap all but sendSticker), and httpx is already a dependency, so a
small client is less risk than any of these. It also lets us keep the bot token out of exceptions, reprs and
httpx's request log.

What the API looks like (sources)
---------------------------------
* Zalo's docs, https://bot.zaloplatforms.com/docs/ (also bot.zapps.me/docs); a dated copy (10/12/2025) is at
  github.com/XuanNguyenNB/QuanLyThuChi_Bot_Telegram_Zalom/blob/main/docs/ZALO_BOT_API.md. Every method is
  ``POST`` with a JSON body. Responses look like ``{"ok": true, "result": ...}``; errors look like
  ``{"ok": false, "error_code": int, "description": str}``.
* ``getMe`` returns ``{id, account_name, account_type, can_join_groups}``.
* ``getUpdates`` is long polling. Its one parameter is ``timeout``, in seconds, typed as a *string* in the docs
  (default 30). The documented sample returns **one** update object as ``result``, not a list as Telegram does.
  OpenClaw's client (github.com/openclaw/openclaw, extensions/zalo/src/api.ts) says the same ("Zalo returns a
  single update per call") and treats ``error_code`` 408 as "no update before the timeout". python-zalo-bot
  likewise parses ``result`` as a single Update. We accept a dict, a list, ``null`` or a 408, and always return a
  list. ``getUpdates`` does not work while a webhook is set; call ``deleteWebhook`` first.
* Update: ``{"event_name": "message.text.received" | "message.image.received" | "message.sticker.received" |
  "message.unsupported.received", "message": {...}}``. Message: ``message_id``, ``date`` (epoch **milliseconds**),
  ``chat{id, chat_type: PRIVATE|GROUP}``, ``from{id, display_name, is_bot}`` and ``text``. Images carry
  ``photo_url`` (sometimes ``photo``) and ``caption``; stickers carry ``sticker`` and ``url``. The docs' sample
  names the sender ``first_name`` and OpenClaw's types say ``name``, so we read all three.
* ``sendMessage(chat_id, text)`` takes text of 1 to 2000 characters and returns ``{message_id, date}``.
  ``sendPhoto(chat_id, photo, caption?)`` takes a photo URL. ``sendChatAction(chat_id, action)`` takes ``typing``
  (``upload_photo`` is listed as "coming soon").
* ``setWebhook(url, secret_token)``: the URL must be HTTPS and the secret 8 to 256 characters. Zalo sends the secret
  back in the ``X-Bot-Api-Secret-Token`` header of every delivery. ``getWebhookInfo`` and ``deleteWebhook``
  return ``{url, updated_at}``. OpenClaw notes that deliveries come unwrapped (``{event_name, message}``); we also
  accept a ``{"ok": true, "result": {...}}`` wrapper.

Assumptions where the docs say nothing
---------------------------------------
* Rate limits are not documented. We treat ``error_code`` 429, or a description containing "too many requests",
  as a rate limit. The wait comes from ``parameters.retry_after`` (the Telegram convention), then a
  ``Retry-After`` header, else 1 s.
* "2000 characters" is assumed to be counted in UTF-16 code units, the way a JS or Java backend counts them. For
  Vietnamese text (all in the BMP, NFC or NFD) this is the same as ``len()``; an emoji counts as 2. This is the
  stricter reading, so a message we accept is never rejected for length.
* Incoming text is normalised to NFC. Some Vietnamese keyboards send decomposed (NFD) diacritics, and search
  and matching expect NFC.

Groups: what the docs do not say, and what we assume
----------------------------------------------------
``chat.chat_type`` is ``PRIVATE`` or ``GROUP``; that much is in the docs and in OpenClaw's types. Nothing we
could find documents how a group message shows that it mentions the bot or replies to it: the dated docs copy
above has no such field, OpenClaw and GoClaw treat the Bot API as direct-messages-only ("the API doesn't surface
mentions"), and other public bots guess. So ``ZaloMessage.from_dict`` reads, tolerantly:

* mentions: a list under ``mentions`` (or ``entities`` items of type ``mention``), each with the mentioned user's
  id in ``uid``, ``user_id`` or ``id`` and, when present, the span in ``offset``/``pos`` and ``length``/``len``.
  That is the shape Zalo's own group APIs (Official Account GMF, zca) use;
* a reply: ``reply_to_message`` or ``quote``, an object with a ``from`` like the message's own (Telegram's
  shape, which the Bot API copies elsewhere).

The bot also counts as mentioned when the text has ``@`` followed by a name getMe gave it (``account_name``,
or ``display_name``/``name`` if a future getMe adds one), because a typed mention is plain text in every sample
we saw. If Zalo sends mentions some other way, group members can still use ``/hoi …``.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from bot import textsplit
from bot.redaction import install_log_redaction, redact
from bot.textsplit import text_length

__all__ = [
    "DEFAULT_BASE_URL",
    "MAX_TEXT_LENGTH",
    "SECRET_HEADER",
    "Mention",
    "MessageKind",
    "ZaloApiError",
    "ZaloBotApi",
    "ZaloMessage",
    "ZaloNetworkError",
    "ZaloRetryAfter",
    "ZaloUpdate",
    "install_log_redaction",
    "is_transient",
    "redact",
    "split_text",
    "text_length",
    "verify_secret",
]

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://bot-api.zaloplatforms.com"
MAX_TEXT_LENGTH = 2000
SECRET_HEADER = "X-Bot-Api-Secret-Token"
POLL_TIMEOUT_CODE = 408  # getUpdates: no update arrived within `timeout`
DEFAULT_RETRY_AFTER = 1.0

MessageKind = Literal["text", "sticker", "image", "other"]

_EVENT_KINDS: dict[str, MessageKind] = {
    "message.text.received": "text",
    "message.image.received": "image",
    "message.sticker.received": "sticker",
}


def verify_secret(headers: Mapping[str, str], expected: str, header: str = SECRET_HEADER) -> bool:
    """Check a webhook delivery's secret header (Zalo's by default, Telegram's is named) in constant time.

    Header names are matched case-insensitively because a plain dict, unlike Starlette's ``Headers``, will not.
    An empty ``expected`` never verifies, so a missing secret in our config cannot let every request through.
    """
    if not expected:
        return False
    wanted = header.lower()
    got = next((value for key, value in headers.items() if key.lower() == wanted), None)
    if got is None:
        return False
    return hmac.compare_digest(got.encode("utf-8"), expected.encode("utf-8"))


# --------------------------------------------------------------------------- errors


class ZaloApiError(Exception):
    """The Bot API answered ``ok: false``, or with something that is not its JSON envelope."""

    def __init__(self, error_code: int | None, description: str, *, method: str | None = None) -> None:
        super().__init__(error_code, description)
        self.error_code = error_code
        self.description = description
        self.method = method

    def __str__(self) -> str:
        where = f" in {self.method}" if self.method else ""
        return f"Zalo Bot API error {self.error_code}{where}: {self.description}"


class ZaloRetryAfter(ZaloApiError):
    """Rate limited: the caller should wait ``retry_after`` seconds before trying again."""

    def __init__(
        self,
        retry_after: float,
        description: str = "Too Many Requests",
        *,
        error_code: int = 429,
        method: str | None = None,
    ) -> None:
        super().__init__(error_code, description, method=method)
        self.retry_after = retry_after

    def __str__(self) -> str:
        return f"{super().__str__()} (retry after {self.retry_after:g} s)"


class ZaloNetworkError(ZaloApiError):
    """The request never got an answer (connection refused, timeout, TLS, …). It has no ``error_code``.

    ``read_timeout`` is set when the server accepted the request but did not answer in time. For getUpdates that
    only means no update came.
    """

    def __init__(self, description: str, *, method: str | None = None, read_timeout: bool = False) -> None:
        super().__init__(None, description, method=method)
        self.read_timeout = read_timeout


def is_transient(exc: ZaloApiError) -> bool:
    """Worth trying again later: no answer at all, a server error, or a rate limit. A 4xx is not."""
    return isinstance(exc, ZaloNetworkError) or (exc.error_code or 0) >= 500 or exc.error_code == 429


# --------------------------------------------------------------------------- updates


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _id(value: Any) -> str:
    """IDs are opaque strings in Zalo. Some payloads have numbers, and a missing ID becomes ''."""
    if value is None or isinstance(value, bool):
        return ""
    return str(value)


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _infer_kind(data: Mapping[str, Any]) -> MessageKind:
    if data.get("sticker"):
        return "sticker"
    if data.get("photo_url") or data.get("photo"):
        return "image"
    if isinstance(data.get("text"), str):
        return "text"
    return "other"


@dataclass(frozen=True)
class ZaloMessage:
    """One incoming message reduced to the fields the bot uses. ``text`` is NFC, and set only for text messages."""

    message_id: str
    chat_id: str
    chat_type: str
    user_id: str
    display_name: str
    text: str | None
    date: int | None  # epoch milliseconds, as the API sends it
    kind: MessageKind
    is_bot: bool = False
    caption: str | None = None
    photo_url: str | None = None
    sticker: str | None = None
    mentions: tuple[Mention, ...] = ()
    reply_to_user_id: str | None = None  # the author of the message this one replies to

    @property
    def is_group(self) -> bool:
        return self.chat_type == "GROUP"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], event_name: str | None = None) -> ZaloMessage:
        """Parse a ``message`` object. Fields may be missing or of the wrong type; we fill in defaults."""
        chat = data.get("chat") if isinstance(data.get("chat"), Mapping) else {}
        sender = data.get("from") if isinstance(data.get("from"), Mapping) else {}
        if event_name:
            kind: MessageKind = _EVENT_KINDS.get(event_name, "other")
        else:
            kind = _infer_kind(data)
        user_id = _id(sender.get("id"))
        display_name = _first_text(sender, ("display_name", "name", "first_name"))
        raw_text = _str_or_none(data.get("text"))
        photo = data.get("photo_url") or data.get("photo")
        if kind == "sticker":
            photo = None
        return cls(
            message_id=_id(data.get("message_id")),
            chat_id=_id(chat.get("id")) or user_id,
            chat_type=str(chat.get("chat_type") or chat.get("type") or "").upper(),
            user_id=user_id,
            display_name=unicodedata.normalize("NFC", display_name),
            text=unicodedata.normalize("NFC", raw_text) if kind == "text" and raw_text is not None else None,
            date=_int_or_none(data.get("date")),
            kind=kind,
            is_bot=sender.get("is_bot") is True,
            caption=_nfc_or_none(data.get("caption")),
            photo_url=photo if isinstance(photo, str) and photo else None,
            sticker=_str_or_none(data.get("sticker")) or None,
            mentions=_mentions(data),
            reply_to_user_id=_reply_author(data),
        )


@dataclass(frozen=True)
class Mention:
    """A user mentioned in a message: their id, and where the mention sits in the text when Zalo says."""

    user_id: str
    offset: int | None = None
    length: int | None = None


def _mentions(data: Mapping[str, Any]) -> tuple[Mention, ...]:
    """Mentions in any of the shapes described in the module docstring; unreadable items are skipped."""
    items = [m for m in _list(data.get("mentions")) if isinstance(m, Mapping)]
    items += [e for e in _list(data.get("entities")) if isinstance(e, Mapping) and e.get("type") == "mention"]
    found = []
    for item in items:
        user_id = _id(next((item[k] for k in ("uid", "user_id", "id") if item.get(k) is not None), None))
        if user_id:
            offset = _int_or_none(item.get("offset", item.get("pos")))
            found.append(Mention(user_id, offset, _int_or_none(item.get("length", item.get("len")))))
    return tuple(found)


def _reply_author(data: Mapping[str, Any]) -> str | None:
    replied = next((data[k] for k in ("reply_to_message", "quote") if isinstance(data.get(k), Mapping)), None)
    sender = replied.get("from") if replied is not None else None
    if not isinstance(sender, Mapping):
        return None
    return _id(sender.get("id")) or None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _first_text(data: Mapping[str, Any], keys: tuple[str, ...]) -> str:
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def _nfc_or_none(value: Any) -> str | None:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) and value else None


@dataclass(frozen=True)
class ZaloUpdate:
    """One event from getUpdates or a webhook delivery. ``raw`` keeps the original payload for logging."""

    event_name: str
    message: ZaloMessage | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ZaloUpdate:
        """Parse an update. It may be wrapped in ``{"ok": true, "result": {...}}``, as some deliveries are."""
        inner = data.get("result")
        if "event_name" not in data and isinstance(inner, Mapping):
            data = inner
        event_name = data.get("event_name")
        event_name = event_name if isinstance(event_name, str) else ""
        message = data.get("message")
        return cls(
            event_name=event_name,
            message=ZaloMessage.from_dict(message, event_name or None) if isinstance(message, Mapping) else None,
            raw=dict(data),
        )


# --------------------------------------------------------------------------- text length


def split_text(text: str, limit: int = MAX_TEXT_LENGTH) -> list[str]:
    """Messages of at most 2000 characters, cut at paragraph, line, sentence or word boundaries."""
    return textsplit.split_text(text, limit)


# --------------------------------------------------------------------------- the client


def _retry_after(envelope: Mapping[str, Any], response: httpx.Response) -> float:
    params = envelope.get("parameters")
    candidates = [params.get("retry_after") if isinstance(params, Mapping) else None, envelope.get("retry_after")]
    candidates.append(response.headers.get("Retry-After"))
    for value in candidates:
        try:
            seconds = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if seconds >= 0:
            return seconds
    return DEFAULT_RETRY_AFTER


class ZaloBotApi:
    """Async Zalo Bot API client. The token appears only in request URLs, never in errors, logs or ``repr``."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        client: httpx.AsyncClient | None = None,
        timeout: float = 40,
        max_retry_after: float = 30.0,
    ) -> None:
        if not token or any(ch.isspace() or ch == "/" for ch in token):
            raise ValueError("a Zalo bot token is required and has no spaces or slashes")
        self._token = token
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._max_retry_after = max_retry_after
        self._own_client = client is None
        self._client = client if client is not None else httpx.AsyncClient(timeout=timeout)
        install_log_redaction()

    def __repr__(self) -> str:
        return f"ZaloBotApi(base_url={self._base_url!r}, token=<redacted>)"

    async def __aenter__(self) -> ZaloBotApi:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client, but only if we created it; a client passed in stays the caller's to close."""
        if self._own_client:
            await self._client.aclose()

    async def _call(self, method: str, params: Mapping[str, Any] | None = None, *, timeout: float | None = None) -> Any:
        """POST one method and unwrap its envelope. Every error we raise is redacted."""
        url = f"{self._base_url}/bot{self._token}/{method}"
        try:
            response = await self._client.post(
                url, json=dict(params or {}), timeout=timeout if timeout is not None else self._timeout
            )
        except httpx.HTTPError as exc:
            reason = redact(str(exc), self._token) or "no details"
            raise ZaloNetworkError(
                f"{type(exc).__name__}: {reason}", method=method, read_timeout=isinstance(exc, httpx.ReadTimeout)
            ) from None
        try:
            envelope = response.json()
        except ValueError:
            envelope = None
        if not isinstance(envelope, Mapping):
            raise ZaloApiError(
                response.status_code, f"HTTP {response.status_code} without a JSON envelope", method=method
            )
        if envelope.get("ok") is True:
            return envelope.get("result")
        code = _int_or_none(envelope.get("error_code")) or response.status_code
        description = redact(str(envelope.get("description") or response.reason_phrase or "unknown error"), self._token)
        if code == 429 or "too many requests" in description.lower():
            raise ZaloRetryAfter(_retry_after(envelope, response), description, error_code=code, method=method)
        raise ZaloApiError(code, description, method=method)

    async def get_me(self) -> dict[str, Any]:
        """Check the token and return the bot's profile (``id``, ``account_name``, ``account_type``, …)."""
        result = await self._call("getMe")
        return dict(result) if isinstance(result, Mapping) else {}

    async def get_updates(self, timeout: int = 30) -> list[ZaloUpdate]:
        """Long-poll for updates. Zalo sends one per call, but we accept a list too and return ``[]`` when idle."""
        try:
            result = await self._call("getUpdates", {"timeout": str(timeout)}, timeout=max(self._timeout, timeout + 10))
        except ZaloNetworkError as exc:
            if exc.read_timeout:  # the poll outlived our read timeout: nothing came
                return []
            raise
        except ZaloApiError as exc:
            if exc.error_code == POLL_TIMEOUT_CODE:
                return []
            raise
        if isinstance(result, Mapping):
            items: list[Any] = [result] if result else []
        elif isinstance(result, list):
            items = result
        else:
            items = []
        return [ZaloUpdate.from_dict(item) for item in items if isinstance(item, Mapping)]

    async def send_message(self, chat_id: str, text: str) -> dict[str, Any]:
        """Send one text message. On a rate limit, wait as asked and retry once before raising.

        Text must be 1 to 2000 characters. Splitting longer text is the caller's job (see ``split_text``), because
        only the caller knows whether the parts may be sent, or are wanted, as several messages.
        """
        if not text or not text.strip():
            raise ValueError("Zalo rejects empty messages")
        if text_length(text) > MAX_TEXT_LENGTH:
            raise ValueError(
                f"message is {text_length(text)} characters; Zalo allows {MAX_TEXT_LENGTH} (use split_text)"
            )
        payload = {"chat_id": chat_id, "text": text}
        try:
            result = await self._call("sendMessage", payload)
        except ZaloRetryAfter as exc:
            if exc.retry_after > self._max_retry_after:
                raise
            logger.warning("Zalo rate limit on sendMessage; retrying once in %.2f s", exc.retry_after)
            await asyncio.sleep(exc.retry_after)
            result = await self._call("sendMessage", payload)
        return dict(result) if isinstance(result, Mapping) else {}

    async def send_photo(self, chat_id: str, photo_url: str, caption: str | None = None) -> dict[str, Any]:
        """Send an image by URL, with an optional caption (same 2000-character limit as a text message)."""
        if caption is not None and text_length(caption) > MAX_TEXT_LENGTH:
            raise ValueError(f"caption is longer than {MAX_TEXT_LENGTH} characters")
        payload: dict[str, Any] = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            payload["caption"] = caption
        result = await self._call("sendPhoto", payload)
        return dict(result) if isinstance(result, Mapping) else {}

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        """Show "typing…" while an answer is prepared; Zalo clears it when our next message arrives."""
        await self._call("sendChatAction", {"chat_id": chat_id, "action": action})

    async def set_webhook(self, url: str, secret_token: str) -> dict[str, Any]:
        """Have Zalo push updates to ``url`` (HTTPS), each carrying ``secret_token`` in ``X-Bot-Api-Secret-Token``."""
        if not 8 <= len(secret_token) <= 256:
            raise ValueError("Zalo requires a webhook secret of 8 to 256 characters")
        result = await self._call("setWebhook", {"url": url, "secret_token": secret_token})
        return dict(result) if isinstance(result, Mapping) else {}

    async def delete_webhook(self) -> dict[str, Any]:
        """Remove the webhook; needed before getUpdates works again."""
        result = await self._call("deleteWebhook")
        return dict(result) if isinstance(result, Mapping) else {}

    async def get_webhook_info(self) -> dict[str, Any]:
        """The webhook currently set (``url`` is empty when none is), with ``updated_at``."""
        result = await self._call("getWebhookInfo")
        return dict(result) if isinstance(result, Mapping) else {}
