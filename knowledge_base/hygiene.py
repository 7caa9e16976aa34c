"""Text that came from outside (a terminal, a chat, a file) made safe to store, index and print.

Python decodes undecodable argv and stdin bytes into lone surrogates, which crash pyvi's tagger
and cannot be written as UTF-8; a NUL or another control character in a title ends up in YAML,
in a chat message and in the index. Every entry point cleans with the same function, so what one
channel accepts another can read.
"""

from __future__ import annotations

import re
import unicodedata

REPLACEMENT = "\ufffd"
# C0 and C1 controls except tab and line breaks, plus lone surrogates.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean(text: str) -> str:
    """NFC, lone surrogates → U+FFFD (a pair becomes its character), control characters dropped
    (tab and newlines kept)."""
    text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return _CONTROL.sub("", unicodedata.normalize("NFC", text))


def clean_line(text: str) -> str:
    """One line of input: `clean`, with every run of whitespace (newlines included) made one space."""
    return " ".join(clean(text).split())


def problems(text: str) -> list[str]:
    """Why a stored text field is unsafe, in Vietnamese; empty when it is fine."""
    found = []
    if _SURROGATE.search(text) or REPLACEMENT in text:
        found.append("có ký tự không giải mã được (sai bảng mã)")
    if _CONTROL.search(text):
        found.append("có ký tự điều khiển (ví dụ NUL)")
    return found
