"""The admin web console: documents and validity, unanswered questions, the quiz bank, training
sessions and the audit, for admins, trainers and viewers with local accounts.

Starlette with Jinja2 templates and plain forms; a few lines of our own JavaScript for live
validation and reindex progress; nothing fetched from the internet (static files ship here).
Every change goes through `bot.admin.Admin`, the layer the CLI, Telegram and Zalo call, so the
console cannot drift from them; the audit records the account ("web:alice").
"""
