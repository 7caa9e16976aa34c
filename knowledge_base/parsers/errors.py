"""The one error every reader raises, so a chat upload can show the user a single kind of message."""

from __future__ import annotations


class ParseError(ValueError):
    """A file that cannot become a Document; the message is Vietnamese because users read it as is."""
