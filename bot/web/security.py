"""Sessions, CSRF, roles and the login rate limit.

Why these choices: the session is Starlette's signed cookie (HttpOnly always; Secure when the
console is served over https; SameSite=Lax), so workers share no session store. CSRF tokens come
from WTForms' session CSRF (an HMAC of the session's random value and a time stamp), checked on
every form that changes something. Passwords are argon2 (`bot.accounts`). The key that signs both
is `CONDUCT_WEB_SECRET`, or a random key written once into the data directory (mode 0600), which
every worker on the machine reads.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from wtforms import Form
from wtforms.csrf.session import SessionCSRF

from bot.config import Settings

ROLE_RANK = {"viewer": 0, "trainer": 1, "admin": 2}
SESSION_HOURS = 8
KEY_FILE = "web_secret.key"


def secret_key(settings: Settings) -> str:
    """The configured secret, or the machine's own, created on first use (never logged)."""
    if settings.web_secret:
        return settings.web_secret
    path: Path = settings.data_dir / KEY_FILE
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip()


def allowed(role: str, needed: str) -> bool:
    return ROLE_RANK.get(role, -1) >= ROLE_RANK[needed]


class LoginLimiter:
    """At most `attempts` failed logins per key (the address, the user name) in `window` seconds.

    Both keys count: one address trying many names, and many addresses trying one name, are both
    slowed. The clock is injected so tests need no sleeping.
    """

    def __init__(self, attempts: int = 5, window: float = 900, clock: Callable[[], float] = time.monotonic) -> None:
        self.attempts = attempts
        self.window = window
        self.clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def wait(self, *keys: str) -> float:
        """Seconds until these keys may try again; 0 when they may now."""
        now = self.clock()
        with self._lock:
            longest = 0.0
            for key in keys:
                times = self._failures[key]
                while times and now - times[0] >= self.window:
                    times.popleft()
                if len(times) >= self.attempts:
                    longest = max(longest, self.window - (now - times[0]))
            return longest

    def failed(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                self._failures[key].append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


class ConsoleForm(Form):
    """Every console form carries a CSRF token bound to the session (`csrf_token`)."""

    class Meta:
        csrf = True
        csrf_class = SessionCSRF
        csrf_field_name = "csrf_token"
        csrf_time_limit = timedelta(hours=SESSION_HOURS)
