"""What every page needs: the console's state, who is logged in, forms with their token, rendering."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from bot.accounts import ROLE_NAMES, Account, Accounts
from bot.admin import Actor
from bot.assistant import Assistant
from bot.config import Settings
from bot.web.security import LoginLimiter, allowed

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
F = TypeVar("F")


class LoginRequired(Exception):
    """No account in the session: the login page, then back where the user was going."""


class Forbidden(Exception):
    """Logged in, but the role does not allow this."""


class CsrfFailed(Exception):
    """A form whose token is missing, wrong or expired: nothing was changed."""


@dataclass
class ReindexJob:
    """The rebuild this worker is running, for the progress page (one at a time per process)."""

    running: bool = False
    lines: list[str] = field(default_factory=list)
    result: str = ""
    failed: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Console:
    settings: Settings
    assistant: Assistant
    accounts: Accounts
    limiter: LoginLimiter
    secret: bytes
    templates: Jinja2Templates
    reindex: ReindexJob = field(default_factory=ReindexJob)


def console(request: Request) -> Console:
    return request.app.state.console


def account(request: Request) -> Account | None:
    """The logged-in account, read once per request (the check and the page's header share it), so a
    disabled account or a changed role takes effect on its next request."""
    if not hasattr(request.state, "account"):
        name = request.session.get("user")
        found = console(request).accounts.get(name) if name else None
        request.state.account = None if found is None or found.disabled else found
    return request.state.account


def require(request: Request, role: str = "viewer") -> Account:
    who = account(request)
    if who is None:
        raise LoginRequired
    if not allowed(who.role, role):
        raise Forbidden
    return who


def actor(who: Account) -> Actor:
    """How the audit and the history name a console user: "web:alice"."""
    return Actor("web", who.username)


def path(request: Request, to: str) -> str:
    """A link inside the console, wherever it is mounted (`/admin` in the webhook app)."""
    return request.scope.get("root_path", "").rstrip("/") + to


def redirect(request: Request, to: str) -> RedirectResponse:
    return RedirectResponse(path(request, to), status_code=303)


def flash(request: Request, message: str, kind: str = "ok") -> None:
    """A message shown once on the next page (after a redirect): what was done, or why not."""
    request.session.setdefault("flash", []).append([kind, message])


async def form(request: Request, cls: type[F], *, check: bool = True) -> F:
    """The form filled from the request (POST) or empty (GET); a POST with a bad token raises CsrfFailed."""
    c = console(request)
    data: FormData | None = await request.form(max_part_size=c.settings.max_upload_mb * 1024 * 1024) \
        if request.method == "POST" else None
    filled = cls(formdata=data, meta={"csrf_secret": c.secret, "csrf_context": request.session})
    if check and data is not None:
        filled.csrf_token.validate(filled)  # type: ignore[attr-defined]
        if filled.csrf_token.errors:  # type: ignore[attr-defined]
            raise CsrfFailed
    return filled


def token_form(request: Request) -> Any:
    """An empty form holding only the token, for buttons on a page."""
    from bot.web.forms import ActionForm

    c = console(request)
    return ActionForm(meta={"csrf_secret": c.secret, "csrf_context": request.session})


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    who = account(request)
    messages = request.session.pop("flash", [])
    base = {"request": request, "who": who, "role_name": ROLE_NAMES.get(who.role, "") if who else "",
            "can": (lambda role: who is not None and allowed(who.role, role)), "flashes": messages,
            "u": lambda to: path(request, to), "token": token_form(request)}
    return console(request).templates.TemplateResponse(request, template, {**base, **context},
                                                      status_code=status_code)


async def blocking(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """The library, the index and the database are synchronous: run them off the event loop."""
    return await run_in_threadpool(fn, *args, **kwargs)


def local(at: Any) -> str:
    """A stored (UTC) time as Vietnamese read it: "30/11/2026 14:05"."""
    return at.astimezone(ZONE).strftime("%d/%m/%Y %H:%M") if at else ""
