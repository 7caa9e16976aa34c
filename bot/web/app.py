"""The console as one ASGI app: `conduct-bot serve web`, or mounted under `/admin` in the webhook app."""

from __future__ import annotations

import time
from collections.abc import Callable

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.accounts import Accounts
from bot.assistant import Assistant
from bot.config import Settings
from bot.web.common import STATIC, TEMPLATES, Console, CsrfFailed, Forbidden, LoginRequired, path, render
from bot.web.pages import audit, documents, login, overview, questions, quiz, sessions
from bot.web.security import SESSION_HOURS, LoginLimiter, secret_key

COOKIE = "conduct_console"
# Everything the pages load is ours: no inline script, no third-party origin, never framed.
HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                 b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """Adds HEADERS to every response of the console."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *HEADERS]
            await send(message)

        await self.app(scope, receive, sending)


async def _login_required(request: Request, exc: Exception) -> Response:
    from starlette.responses import RedirectResponse

    target = request.url.path.removeprefix(request.scope.get("root_path", "").rstrip("/")) or "/"
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(path(request, f"/dang-nhap?next={target}{query}"), status_code=303)


async def _forbidden(request: Request, exc: Exception) -> Response:
    return render(request, "error.html", 403, title="Không có quyền",
                  message="Tài khoản của bạn không được phép thực hiện thao tác này; không có gì thay đổi.")


async def _csrf_failed(request: Request, exc: Exception) -> Response:
    return render(request, "error.html", 403, title="Biểu mẫu không hợp lệ",
                  message="Biểu mẫu đã hết hạn hoặc không đến từ bảng điều khiển này (mã CSRF không đúng); "
                          "không có gì thay đổi. Hãy tải lại trang rồi thử lại.")


def create_app(settings: Settings, assistant: Assistant | None = None, *,
               clock: Callable[[], float] = time.monotonic) -> Starlette:
    """`clock` drives the login rate limit (tests pass their own)."""
    assistant = assistant or Assistant(settings)
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    templates = Jinja2Templates(env=environment)
    secret = secret_key(settings)
    state = Console(settings, assistant, Accounts(assistant.store), LoginLimiter(clock=clock), secret.encode(),
                    templates)
    routes = [*login.routes, *overview.routes, *documents.routes, *questions.routes, *quiz.routes,
              *sessions.routes, *audit.routes, Mount("/tinh", StaticFiles(directory=STATIC), name="static")]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(SessionMiddleware, secret_key=secret, session_cookie=COOKIE, max_age=SESSION_HOURS * 3600,
                       same_site="lax", https_only=settings.web_secure_cookies),
        ],
        exception_handlers={LoginRequired: _login_required, Forbidden: _forbidden, CsrfFailed: _csrf_failed},
    )
    app.state.console = state
    return app


def serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=False,
                proxy_headers=True)
