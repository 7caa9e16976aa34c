"""Local accounts of the web console, with argon2id password hashes.

Separate from chat admins (`Store.set_role`): the console is reached from a browser, where no chat
platform vouches for who is there, so it needs passwords of its own. Only hashes are stored, and
an `Account` never carries one, so nothing that displays or logs accounts can leak it.
"""

from __future__ import annotations

import builtins
import re
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.storage import Store
from bot.storage.accounts import Account, AccountExists, AccountRecords
from bot.storage.tables import WEB_ROLES, utcnow

__all__ = ["MIN_PASSWORD", "ROLE_NAMES", "WEB_ROLES", "Account", "AccountError", "Accounts"]

MIN_PASSWORD = 10
_USERNAME = re.compile(r"[A-Za-z0-9._-]{3,64}")
ROLE_NAMES = {"admin": "quản trị", "trainer": "giảng viên", "viewer": "chỉ xem"}


class AccountError(ValueError):
    """A request the user can fix (bad name, short password, taken name); the message is Vietnamese."""


class Accounts:
    def __init__(self, store: Store, hasher: PasswordHasher | None = None) -> None:
        """`hasher` defaults to argon2-cffi's current parameters; hashes made with others are upgraded at login."""
        self._rows = AccountRecords(store)
        self._hasher = hasher or PasswordHasher()

    @cached_property
    def _dummy_hash(self) -> str:
        # Verified against when the name is unknown, so a wrong name costs the same time as a wrong password.
        return self._hasher.hash("not a password: timing only")

    def add(self, username: str, password: str, role: str = "viewer") -> Account:
        name = _username(username)
        if role not in WEB_ROLES:
            raise AccountError(f"Vai trò “{role}” không hợp lệ; chọn một trong: {', '.join(WEB_ROLES)}.")
        try:
            return self._rows.insert(name, self._hasher.hash(_password(password)), role)
        except AccountExists:
            raise AccountError(f"Tài khoản “{name}” đã có.") from None

    def set_password(self, username: str, password: str) -> None:
        name = _username(username)
        if not self._rows.update(name, password_hash=self._hasher.hash(_password(password))):
            raise AccountError(f"Không có tài khoản “{name}”.")

    def set_role(self, username: str, role: str) -> None:
        name = _username(username)
        if role not in WEB_ROLES:
            raise AccountError(f"Vai trò “{role}” không hợp lệ; chọn một trong: {', '.join(WEB_ROLES)}.")
        if not self._rows.update(name, role=role):
            raise AccountError(f"Không có tài khoản “{name}”.")

    def set_disabled(self, username: str, disabled: bool = True) -> None:
        """A disabled account keeps its history but can no longer log in."""
        name = _username(username)
        if not self._rows.update(name, disabled=disabled):
            raise AccountError(f"Không có tài khoản “{name}”.")

    def authenticate(self, username: str, password: str) -> Account | None:
        """The account when the password is right and the account enabled, else None (whatever the reason:
        the caller must not tell a wrong name from a wrong password). Records the login time."""
        name = username.strip().lower()
        found = self._rows.credentials(name) if _USERNAME.fullmatch(name) else None
        if found is None:
            self._verify(self._dummy_hash, password)
            return None
        account, hashed = found
        if not self._verify(hashed, password) or account.disabled:
            return None
        values: dict[str, object] = {"last_login": utcnow()}
        if self._hasher.check_needs_rehash(hashed):
            values["password_hash"] = self._hasher.hash(password)
        self._rows.update(name, **values)
        return self._rows.get(name)

    def get(self, username: str) -> Account | None:
        return self._rows.get(username.strip().lower())

    def list(self) -> builtins.list[Account]:
        """By username."""
        return self._rows.all()

    def _verify(self, hashed: str, password: str) -> bool:
        try:
            return self._hasher.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False


def _username(username: str) -> str:
    """Lower case, so "Alice" and "alice" are one account and logging in does not depend on the shift key."""
    name = username.strip().lower()
    if not _USERNAME.fullmatch(name):
        raise AccountError("Tên đăng nhập phải dài 3–64 ký tự, chỉ gồm chữ cái không dấu, chữ số và . _ -")
    return name


def _password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự.")
    return password
