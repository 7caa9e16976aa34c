"""The bot's database: users and roles, questions, feedback, admin audit and the document registry."""

from bot.storage.store import AuditEntry, DocumentRecord, Review, ReviewItem, Stats, Store, normalize_url

__all__ = ["AuditEntry", "DocumentRecord", "Review", "ReviewItem", "Stats", "Store", "normalize_url"]
