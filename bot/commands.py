"""Admin commands typed in chat — words in, reply text out — written once for Telegram and Zalo.

`/stats`, `/het_hieu_luc`, `/xoa`, `/lich_su`, `/khoi_phuc` and `/hieu_luc` read the same in both channels
and say the same thing back; a channel only finds the command's name and its words. The checks, the
audit and the transaction are `bot.admin`'s.
"""

from __future__ import annotations

from collections.abc import Callable

from bot import messages
from bot.admin import Actor, Admin, AdminError
from bot.storage.store import MAX_STATS_DAYS
from knowledge_base import validity

STATS_DAYS = 7  # a week: what an admin glancing at the bot wants without typing a number


def stats(admin: Admin, actor: Actor, args: list[str]) -> str:
    """/stats [SỐ_NGÀY]: the last week by default. Anything but one whole number of days in range gets the
    usage text — silently showing 7 days for "/stats 30d" would look like an answer to the wrong question."""
    if not args:
        days = STATS_DAYS
    elif len(args) == 1 and args[0].isdecimal() and 1 <= int(args[0]) <= MAX_STATS_DAYS:
        days = int(args[0])
    else:
        return messages.stats_usage(STATS_DAYS, MAX_STATS_DAYS)
    return messages.stats_text(admin.store.stats(days))


def supersede(admin: Admin, actor: Actor, args: list[str]) -> str:
    if not args:
        return messages.SUPERSEDE_USAGE
    by = " ".join(args[1:])
    doc = admin.mark_superseded(actor, args[0], by)
    return messages.superseded(doc, by)


def remove(admin: Admin, actor: Actor, args: list[str]) -> str:
    if not args:
        return messages.REMOVE_USAGE
    change = admin.remove(actor, args[0], " ".join(args[1:]))
    return messages.removed(change.previous.id if change.previous else args[0], change.kept)


def history(admin: Admin, actor: Actor, args: list[str]) -> str:
    doc_id = args[0] if args else None
    return messages.history_text(admin.history(doc_id), doc_id)


def restore(admin: Admin, actor: Actor, args: list[str]) -> str:
    if not args or len(args) > 2 or (len(args) == 2 and not args[1].isdigit()):
        return messages.RESTORE_USAGE
    number = int(args[1]) if len(args) == 2 else None
    change = admin.restore(actor, args[0], number)
    return messages.restored(change.document, number)


def record_change(admin: Admin, actor: Actor, args: list[str]) -> str:
    """/hieu_luc ĐƠN_VỊ | THAY_ĐỔI | CĂN_CỨ | TỪ_NGÀY [| GHI_CHÚ [| QUY_ĐỊNH_HIỆN_HÀNH]]"""
    fields = [f.strip() for f in " ".join(args).split("|")]
    if len(fields) < 4 or len(fields) > 6 or not all(fields[:4]):
        return messages.VALIDITY_USAGE
    try:
        change = validity.change_from_words(*fields)
    except validity.RegisterError as exc:
        return f"{exc} {messages.VALIDITY_USAGE}"
    return messages.change_recorded(admin.record_change(actor, change))


TEXT_COMMANDS: dict[str, Callable[[Admin, Actor, list[str]], str]] = {
    "stats": stats,
    "het_hieu_luc": supersede,
    "xoa": remove,
    "lich_su": history,
    "khoi_phuc": restore,
    "hieu_luc": record_change,
}


def run(admin: Admin, actor: Actor, name: str, args: list[str]) -> str:
    """The reply to one admin command; a refusal or failure is the reply too (AdminError's message)."""
    try:
        return TEXT_COMMANDS[name](admin, actor, args)
    except AdminError as exc:
        return str(exc)
