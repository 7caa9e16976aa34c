"""How an answer looks in each chat: Telegram HTML with every piece of text escaped, Zalo plain text.

The answer itself is composed once, as plain text, by `bot.answer`; here it is only dressed. Legal
numbers ("80/2025/QH15"), user text ("<b>", "&") and quotes all go through `html.escape`, so
nothing a user or a document says can become markup.
"""

from __future__ import annotations

import html

from bot.textsplit import split_text, text_length

TELEGRAM_LIMIT = 4096
ZALO_LIMIT = 2000
_HEADINGS = ("Nguồn:", "Quy định liên quan:")


def telegram_html(text: str) -> str:
    """Escape, then bold the citation headings and italicise the validity warnings."""
    out = []
    for line in text.split("\n"):
        escaped = html.escape(line, quote=False)
        for heading in _HEADINGS:
            if line.startswith(heading):
                escaped = f"<b>{html.escape(heading)}</b>{escaped[len(heading):]}"
        if line.startswith("Lưu ý:"):
            escaped = f"<i>{escaped}</i>"
        out.append(escaped)
    return "\n".join(out)


def telegram_messages(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """HTML messages under Telegram's limit, cut between clauses (lines) before anything finer.

    The cut is made on the plain text and each part is escaped afterwards, so a cut can never
    fall inside a tag or an entity; a part that escaping pushed over the limit is cut again.
    """
    messages = []
    for part in split_text(text, limit):
        rendered = telegram_html(part)
        if text_length(rendered) <= limit:
            messages.append(rendered)
        else:
            messages += telegram_messages(part, max(limit // 2, 200))
    return messages


def zalo_messages(text: str, follow_ups: list[str] | None = None) -> list[str]:
    """Plain text in parts of at most 2000 characters; the numbered follow-ups close the last part."""
    body = text
    if follow_ups:
        body += "\n\n" + "\n".join(follow_ups)
    return split_text(body, ZALO_LIMIT)


def article_text(heading: str, text: str) -> str:
    """"Xem toàn văn Điều …": the article with its citation first."""
    return f"{heading}\n\n{text}"
