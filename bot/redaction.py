"""Bot tokens out of logs and error messages, for every channel.

Telegram and Zalo put the token in the URL path (`/bot<TOKEN>/sendMessage`), and httpx logs every
request URL at INFO; one filter on httpx's logger keeps both channels' tokens out of the logs.
"""

from __future__ import annotations

import logging
import re

_URL_TOKEN = re.compile(r"/bot[^/\s?#\"']+")


def redact(text: str, token: str | None = None) -> str:
    """Hide a bot token in ``text``, both as a literal and wherever it sits in a ``/bot<TOKEN>/`` URL path."""
    if token:
        text = text.replace(token, "<redacted>")
    return _URL_TOKEN.sub("/bot<redacted>", text)


class _RedactBotTokenFilter(logging.Filter):
    """Rewrites log records that carry a ``/bot<TOKEN>/`` URL (httpx logs every request URL at INFO)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is the logging module's problem, not ours
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


# Loggers that print bot URLs: httpx (every request) and python-telegram-bot's Bot (its base URLs, at DEBUG).
# A logger's filters do not apply to its children's records, so each one is named.
URL_LOGGERS = ("httpx", "telegram.Bot", "telegram.ext.ExtBot")


def install_log_redaction(logger_names: tuple[str, ...] = URL_LOGGERS) -> None:
    """Make httpx's ``HTTP Request: POST https://…/bot<TOKEN>/…`` lines safe. Idempotent.

    This also covers Telegram, whose Bot API uses the same ``/bot<TOKEN>/`` URL shape.
    """
    for name in logger_names:
        target = logging.getLogger(name)
        if not any(isinstance(f, _RedactBotTokenFilter) for f in target.filters):
            target.addFilter(_RedactBotTokenFilter())
