"""Log in and out. Failed attempts are rate limited per address and per user name, and audited."""

from __future__ import annotations

import math

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.admin import Actor
from bot.web.common import blocking, console, form, redirect, render
from bot.web.forms import ActionForm, LoginForm

WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."


async def login(request: Request) -> Response:
    c = console(request)
    filled = await form(request, LoginForm)
    if request.method == "GET":
        return render(request, "login.html", form=filled)
    address = request.client.host if request.client else "?"
    name = (filled.username.data or "").strip().lower()
    keys = (f"ip:{address}", f"user:{name}")
    wait = c.limiter.wait(*keys)
    if wait:
        c.assistant.admin.audit(Actor("web", name or "?"), "login", address, "refused: quá nhiều lần sai")
        minutes = math.ceil(wait / 60)
        return render(request, "login.html", 429, form=filled,
                      error=f"Đăng nhập sai quá nhiều lần. Hãy thử lại sau {minutes} phút.")
    if not filled.validate():
        return render(request, "login.html", 400, form=filled)
    who = await blocking(c.accounts.authenticate, name, filled.password.data or "")
    if who is None:
        c.limiter.failed(*keys)
        c.assistant.admin.audit(Actor("web", name), "login", address, "refused: sai mật khẩu hoặc tên")
        return render(request, "login.html", 401, form=filled, error=WRONG)
    c.limiter.succeeded(f"user:{name}")
    request.session.clear()  # a fresh session (and CSRF secret) for the new login
    request.session["user"] = who.username
    c.assistant.admin.audit(Actor("web", who.username), "login", address, "ok")
    target = request.query_params.get("next", "/")
    return redirect(request, target if target.startswith("/") and not target.startswith("//") else "/")


async def logout(request: Request) -> Response:
    await form(request, ActionForm)
    request.session.clear()
    return redirect(request, "/dang-nhap")


routes = [
    Route("/dang-nhap", login, methods=["GET", "POST"], name="login"),
    Route("/dang-xuat", logout, methods=["POST"], name="logout"),
]
