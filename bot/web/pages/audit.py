"""Nhật ký quản trị: every admin action from every channel (console, CLI, Telegram, Zalo), filterable."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.web.common import blocking, console, local, render, require

PAGE = 100


async def audit(request: Request) -> Response:
    require(request)
    store = console(request).assistant.store
    p = request.query_params
    action, channel, user, result = p.get("thao_tac", ""), p.get("kenh", ""), p.get("nguoi", ""), p.get("ket_qua", "")
    page = int(p.get("trang", "1")) if p.get("trang", "1").isdigit() else 1
    entries = await blocking(store.audit_log, PAGE + 1, action=action or None, channel=channel or None,
                             user_id=user or None, result=result or None, offset=(max(page, 1) - 1) * PAGE)
    actions = await blocking(store.audit_actions)
    return render(request, "audit.html", entries=entries[:PAGE], more=len(entries) > PAGE, page=page,
                  actions=actions, action=action, channel=channel, user=user, result=result, local=local)


routes = [Route("/nhat-ky", audit, name="audit")]
