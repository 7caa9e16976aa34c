"""Web console accounts: argon2 hashes, logins that tell nothing, and the `admin` commands as a shell runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from bot.accounts import AccountError, Accounts
from bot.storage import Store
from bot.storage.tables import WebAccount

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "mật khẩu đủ dài 123"
# Cheap parameters, so the tests do not spend seconds hashing; the default hasher is tested once.
FAST = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


@pytest.fixture
def accounts(store) -> Accounts:
    return Accounts(store, FAST)


def stored_hash(store: Store, username: str) -> str:
    with store.engine.connect() as conn:
        return conn.execute(select(WebAccount.password_hash).where(WebAccount.username == username)).scalar_one()


def test_add_stores_an_argon2id_hash_never_the_password(store):
    account = Accounts(store).add("alice", PASSWORD, "admin")
    assert (account.username, account.role, account.disabled, account.last_login) == ("alice", "admin", False, None)
    assert not hasattr(account, "password_hash")
    hashed = stored_hash(store, "alice")
    assert hashed.startswith("$argon2id$") and PASSWORD not in hashed
    assert PasswordHasher().verify(hashed, PASSWORD)


def test_add_refuses_duplicates_bad_names_short_passwords_and_unknown_roles(accounts):
    accounts.add("Alice", PASSWORD)
    with pytest.raises(AccountError, match="“alice” đã có"):
        accounts.add("alice", PASSWORD)  # one account whatever the case
    for bad in ("ab", "a" * 65, "có dấu", "a b", "x/y", ""):
        with pytest.raises(AccountError, match="Tên đăng nhập"):
            accounts.add(bad, PASSWORD)
    with pytest.raises(AccountError, match="ít nhất 10 ký tự"):
        accounts.add("bob", "ngắn quá")
    with pytest.raises(AccountError, match="Vai trò"):
        accounts.add("bob", PASSWORD, "owner")
    assert [(a.username, a.role) for a in accounts.list()] == [("alice", "viewer")]


def test_authenticate_right_wrong_unknown_and_disabled(accounts):
    accounts.add("alice", PASSWORD, "trainer")
    assert accounts.authenticate("alice", "sai mật khẩu rồi") is None
    assert accounts.get("alice").last_login is None  # a failed login is not a login
    assert accounts.authenticate("nobody", PASSWORD) is None
    assert accounts.authenticate("x", PASSWORD) is None  # not even a valid name
    assert accounts.authenticate("alice", "") is None
    account = accounts.authenticate(" Alice ", PASSWORD)
    assert account is not None and (account.username, account.role) == ("alice", "trainer")
    assert account.last_login is not None and account.last_login.tzinfo is not None
    accounts.set_disabled("alice")
    assert accounts.get("alice").disabled
    assert accounts.authenticate("alice", PASSWORD) is None
    accounts.set_disabled("alice", False)
    assert accounts.authenticate("alice", PASSWORD) is not None


def test_set_password_and_role(accounts):
    accounts.add("alice", PASSWORD)
    accounts.set_password("alice", "mật khẩu mới hơn nữa")
    assert accounts.authenticate("alice", PASSWORD) is None
    assert accounts.authenticate("alice", "mật khẩu mới hơn nữa") is not None
    with pytest.raises(AccountError, match="ít nhất"):
        accounts.set_password("alice", "short")
    with pytest.raises(AccountError, match="Không có tài khoản “bob”"):
        accounts.set_password("bob", PASSWORD)
    accounts.set_role("alice", "admin")
    assert accounts.get("alice").role == "admin"
    with pytest.raises(AccountError, match="Vai trò"):
        accounts.set_role("alice", "root")


def test_an_outdated_hash_is_replaced_at_the_next_login(store):
    Accounts(store, FAST).add("alice", PASSWORD)
    old = stored_hash(store, "alice")
    assert Accounts(store).authenticate("alice", PASSWORD) is not None  # today's default parameters
    new = stored_hash(store, "alice")
    assert new != old and not PasswordHasher().check_needs_rehash(new)
    assert Accounts(store).authenticate("alice", PASSWORD) is not None
    assert stored_hash(store, "alice") == new  # an up-to-date hash is left alone


def test_a_broken_hash_fails_the_login_instead_of_raising(store, accounts):
    accounts.add("alice", PASSWORD)
    with store.engine.begin() as conn:
        conn.execute(WebAccount.__table__.update().values(password_hash="not a hash"))
    assert accounts.authenticate("alice", PASSWORD) is None


# The command line


def run(database_url, data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "CONDUCT_DATA_DIR": str(data_dir),
           "DATABASE_URL": database_url.render_as_string(hide_password=False)}
    return subprocess.run([sys.executable, "-m", "bot", "admin", *args], input=stdin, capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120, check=False)


def test_cli_add_user_then_log_in_through_accounts(database_url, store, tmp_path):
    proc = run(database_url, tmp_path, "add-user", "Alice", "--role", "trainer", "--password-stdin",
               stdin=PASSWORD + "\nnext line is ignored\n")
    assert proc.returncode == 0, proc.stderr
    assert "“alice”" in proc.stdout and "giảng viên" in proc.stdout
    assert PASSWORD not in proc.stdout + proc.stderr and "$argon2" not in proc.stdout + proc.stderr
    account = Accounts(store).authenticate("alice", PASSWORD)
    assert account is not None and account.role == "trainer"

    again = run(database_url, tmp_path, "add-user", "alice", "--password-stdin", stdin=PASSWORD + "\n")
    assert again.returncode == 1 and "đã có" in again.stderr
    short = run(database_url, tmp_path, "add-user", "bob", "--password-stdin", stdin="ngắn\n")
    assert short.returncode == 1 and "ít nhất 10 ký tự" in short.stderr
    no_tty = run(database_url, tmp_path, "add-user", "bob", stdin=PASSWORD + "\n")
    assert no_tty.returncode == 1 and "--password-stdin" in no_tty.stderr
    assert Accounts(store).get("bob") is None

    changed = run(database_url, tmp_path, "set-password", "alice", "--password-stdin", stdin="một mật khẩu khác\r\n")
    assert changed.returncode == 0, changed.stderr
    assert Accounts(store).authenticate("alice", "một mật khẩu khác") is not None
    unknown = run(database_url, tmp_path, "set-password", "carol", "--password-stdin", stdin=PASSWORD + "\n")
    assert unknown.returncode == 1 and "Không có tài khoản “carol”" in unknown.stderr

    listed = run(database_url, tmp_path, "list-users")
    assert listed.returncode == 0, listed.stderr
    assert "alice" in listed.stdout and "giảng viên" in listed.stdout and "$argon2" not in listed.stdout
