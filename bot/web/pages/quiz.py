"""Ngân hàng câu hỏi trắc nghiệm: filter, approve, switch off, edit (checked against the cited text
as the trainer types), add; each question's correct rate from real sessions and practice.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.admin import AdminError
from bot.quiz import editing
from bot.quiz.bank import KIND_NAMES, BankError, QuizQuestion
from bot.quiz.results import observed_difficulty, rate_flag
from bot.web.common import actor, blocking, console, flash, form, redirect, render, require
from bot.web.forms import QuizFlagForm, QuizForm

FLAG_ACTIONS = {"approve": {"reviewed": True}, "unapprove": {"reviewed": False},
                "disable": {"enabled": False}, "enable": {"enabled": True}}


def _all_questions(c) -> list[QuizQuestion]:  # noqa: ANN001
    """Every question in the files, enabled or not: trainers see what the served bank withholds."""
    return editing.Editor(c.assistant.library.quiz_dir).questions()


async def quiz(request: Request) -> Response:
    require(request)
    c = console(request)
    questions = await blocking(_all_questions, c)
    served = await blocking(c.assistant.library.quiz_bank)
    rates = await blocking(c.assistant.quiz.records.question_rates)
    p = request.query_params
    topic, kind, reviewed = p.get("chu_de", ""), p.get("loai", ""), p.get("duyet", "")
    flagged = {q.id for q in questions if rate_flag(*rates.get(q.id, (0, 0)))}
    shown = [q for q in questions if (not topic or q.topic == topic) and (not kind or q.kind == kind)
             and (reviewed != "chua" or not q.reviewed) and (reviewed != "roi" or q.reviewed)
             and (reviewed != "xem_lai" or q.id in flagged)]
    topics = sorted({q.topic for q in questions})
    return render(request, "quiz.html", questions=shown, total=len(questions), topics=topics, topic=topic,
                  kind=kind, reviewed=reviewed, kinds=KIND_NAMES, rates=rates, rate_flag=rate_flag,
                  observed=observed_difficulty, flagged=len(flagged),
                  withheld={q.id for q in questions if served.changed(q)},
                  reviewed_count=sum(q.reviewed for q in questions), flags=await form(request, QuizFlagForm,
                                                                                      check=False))


async def flags(request: Request) -> Response:
    who = require(request, "trainer")
    c = console(request)
    filled = await form(request, QuizFlagForm)
    change = FLAG_ACTIONS.get(filled.action.data or "")
    if change is None:
        flash(request, "Thao tác không hợp lệ.", "error")
    else:
        try:
            q = await blocking(c.assistant.admin.quiz_flags, actor(who), filled.id.data or "", **change)
        except AdminError as exc:
            flash(request, str(exc), "error")
        else:
            state = ("đã duyệt" if q.reviewed else "chưa duyệt") + ", " + ("đang dùng" if q.enabled else "đã tắt")
            flash(request, f"Câu {q.id}: {state}.")
    back = request.headers.get("referer", "")
    return redirect(request, "/trac-nghiem" + (back[back.index("?"):] if "?" in back else ""))


def _fields(filled: QuizForm) -> dict[str, str]:
    return {name: (field.data if isinstance(field.data, str) else ("on" if field.data else ""))
            for name, field in filled._fields.items() if name != "csrf_token"}


def _fill(filled: QuizForm, q: QuizQuestion) -> None:
    filled.id.data, filled.kind.data, filled.topic.data, filled.difficulty.data = q.id, q.kind, q.topic, q.difficulty
    filled.question.data, filled.options.data = q.question, "\n".join(q.options)
    filled.answer.data = str(q.options.index(q.answer) + 1) if q.answer in q.options else "1"
    filled.doc.data, filled.article.data = q.citation.doc, q.citation.article or ""
    filled.clause.data, filled.point.data = q.citation.clause or "", q.citation.point or ""
    filled.quote.data, filled.explanation.data, filled.enabled.data = q.quote, q.explanation, q.enabled


async def edit(request: Request) -> Response:
    """GET: the form (empty to add one). POST: save when it validates; else the form with its errors."""
    require(request)
    c = console(request)
    question_id = request.query_params.get("id", "")
    new = not question_id
    filled = await form(request, QuizForm)
    problems: list[str] = []
    if request.method == "GET":
        if not new:
            existing = next((q for q in await blocking(_all_questions, c) if q.id == question_id), None)
            if existing is None:
                flash(request, f"Không có câu hỏi {question_id}.", "error")
                return redirect(request, "/trac-nghiem")
            _fill(filled, existing)
        else:
            filled.enabled.data = True
    else:
        who = require(request, "trainer")
        q = editing.from_form(_fields(filled))
        if not new and q.id != question_id:
            problems = ["không đổi được mã câu hỏi khi sửa; hãy thêm câu mới"]
        else:
            try:
                saved = await blocking(c.assistant.admin.quiz_save, actor(who), q, new=new)
            except AdminError as exc:
                problems = [p.strip() for p in str(exc).removesuffix(" Cơ sở tri thức không thay đổi.").split(";")]
            else:
                flash(request, f"Đã lưu câu {saved.id} (đã duyệt).")
                return redirect(request, f"/trac-nghiem?chu_de={saved.topic}")
    return render(request, "quiz_edit.html", 400 if problems else 200, form=filled, new=new,
                  question_id=question_id, problems=problems)


async def check(request: Request) -> Response:
    """What the edit form would be refused for, as the trainer types (nothing is written)."""
    require(request, "trainer")
    c = console(request)
    filled = await form(request, QuizForm)
    q = editing.from_form(_fields(filled))
    documents = {d.id: d for d in await blocking(c.assistant.library.documents)}
    try:
        problems = await blocking(editing.problems, q, documents)
    except BankError as exc:
        problems = [str(exc)]
    return JSONResponse({"ok": not problems, "problems": problems})


routes = [
    Route("/trac-nghiem", quiz, name="quiz"),
    Route("/trac-nghiem/co", flags, methods=["POST"]),
    Route("/trac-nghiem/sua", edit, methods=["GET", "POST"]),
    Route("/trac-nghiem/kiem-tra", check, methods=["POST"]),
]
