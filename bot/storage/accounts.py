"""The rows of the web console's accounts; checking passwords is `bot.accounts`' job, not the database's.

Kept beside `Store` like quiz storage: the answering bot never reads these tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.storage.store import Store
from bot.storage.tables import WebAccount, utcnow


class AccountExists(Exception):
    """The username is taken."""


@dataclass(frozen=True)
class Account:
    """What the console may show and keep in a session; the password hash never leaves this module's rows."""

    username: str
    role: str
    created_at: datetime
    last_login: datetime | None
    disabled: bool


def _account(row: WebAccount) -> Account:
    return Account(row.username, row.role, row.created_at, row.last_login, row.disabled)


class AccountRecords:
    def __init__(self, store: Store) -> None:
        self._store = store

    def insert(self, username: str, password_hash: str, role: str) -> Account:
        """AccountExists when the name is taken, even by a worker that inserted it a moment ago."""
        row = WebAccount(username=username, password_hash=password_hash, role=role, created_at=utcnow(),
                         disabled=False)
        try:
            with self._store._session() as s:
                s.add(row)
                s.flush()
                return _account(row)
        except IntegrityError as exc:
            raise AccountExists(username) from exc

    def credentials(self, username: str) -> tuple[Account, str] | None:
        """The account and its password hash, for checking a login."""
        with self._store._session(write=False) as s:
            row = s.scalars(select(WebAccount).where(WebAccount.username == username)).first()
            return (_account(row), row.password_hash) if row else None

    def get(self, username: str) -> Account | None:
        found = self.credentials(username)
        return found[0] if found else None

    def all(self) -> list[Account]:
        with self._store._session(write=False) as s:
            return [_account(r) for r in s.scalars(select(WebAccount).order_by(WebAccount.username))]

    def update(self, username: str, **values: Any) -> bool:
        """False when there is no such account."""
        with self._store._session() as s:
            stmt = update(WebAccount).where(WebAccount.username == username).values(**values)
            return s.execute(stmt).rowcount == 1
