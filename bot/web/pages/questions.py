"""Câu hỏi: what the bot refused and what users voted down, grouped by similarity, with what the bot
answered; an admin marks a missing source, teaches search a wording, or links the right provision.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.admin import AdminError
from bot.review import group
from bot.web.common import actor, blocking, console, flash, form, local, redirect, render, require
from bot.web.forms import ReviewForm
from knowledge_base import validity

VERDICT_NAMES = {"missing": "thiếu văn bản", "thesaurus": "đã thêm cách nói", "linked": "đã gắn quy định đúng",
                 "dismissed": "bỏ qua"}


async def questions(request: Request) -> Response:
    require(request)
    c = console(request)
    days = int(request.query_params.get("ngay", "30")) if request.query_params.get("ngay", "30").isdigit() else 30
    items = await blocking(c.assistant.store.review_questions, min(max(days, 1), 366))
    pending_only = request.query_params.get("tat_ca") != "1"
    shown = [i for i in items if not (pending_only and i.review)]
    return render(request, "questions.html", groups=group(shown), total=len(items), days=days,
                  pending_only=pending_only, verdicts=VERDICT_NAMES, local=local,
                  logging_on=c.settings.log_question_text, review=await form(request, ReviewForm, check=False))


async def review(request: Request) -> Response:
    who = require(request, "admin")
    c = console(request)
    filled = await form(request, ReviewForm)
    provision = None
    try:
        if filled.verdict.data == "linked" and (filled.provision.data or "").strip():
            provision = validity.parse_unit(filled.provision.data)
        done = await blocking(c.assistant.admin.review_question, actor(who), int(filled.question_id.data or 0),
                              filled.verdict.data or "", note=filled.note.data or "", provision=provision,
                              phrase=filled.phrase.data or "", terms=filled.terms.data or "")
    except (AdminError, validity.RegisterError, ValueError) as exc:
        flash(request, str(exc), "error")
    else:
        flash(request, done)
    return redirect(request, "/cau-hoi")


routes = [
    Route("/cau-hoi", questions, name="questions"),
    Route("/cau-hoi/danh-dau", review, methods=["POST"]),
]
