"""Buổi tập huấn: past group sessions, each with its leaderboard, per-question rates, chart and CSV."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.quiz import results
from bot.web import charts
from bot.web.common import blocking, console, flash, local, redirect, render, require


async def sessions(request: Request) -> Response:
    require(request)
    records = console(request).assistant.quiz.records
    rounds = await blocking(records.rounds, "group", 100)
    return render(request, "sessions.html", rounds=rounds, local=local)


async def _loaded(request: Request):  # noqa: ANN202 - (round, asks, people) or None
    records = console(request).assistant.quiz.records
    round_id = request.path_params["round_id"]
    try:
        rnd = await blocking(records.round, round_id)
    except KeyError:  # an unknown id: a wrong link
        return None
    return rnd, await blocking(records.asks, round_id), await blocking(records.participants, round_id)


async def session(request: Request) -> Response:
    require(request)
    loaded = await _loaded(request)
    if loaded is None:
        flash(request, "Không có buổi tập huấn này.", "error")
        return redirect(request, "/tap-huan")
    rnd, asks, people = loaded
    bank = await blocking(console(request).assistant.library.quiz_bank)
    rates = results.question_rates(asks, people)
    chart = charts.bars([(f"Câu {pos + 1}", round(100 * c / a) if a else 0) for pos, a, c in rates],
                        title="Tỉ lệ trả lời đúng theo câu (%)", maximum=100, unit="%", colour="#2e7d32")
    rows = [(ask, bank.get(ask.question_id), a, c) for ask, (_, a, c) in zip(asks, rates, strict=True)]
    return render(request, "session.html", rnd=rnd, people=people, rows=rows, chart=chart, local=local)


async def session_csv(request: Request) -> Response:
    require(request)
    loaded = await _loaded(request)
    if loaded is None:
        return Response("Không có buổi tập huấn này.", status_code=404, media_type="text/plain; charset=utf-8")
    rnd, asks, people = loaded
    bank = await blocking(console(request).assistant.library.quiz_bank)
    data = results.to_csv(rnd, asks, people, bank)
    name = f"tap-huan-{rnd.id}-{rnd.started_at:%Y%m%d}.csv"
    return Response(data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


routes = [
    Route("/tap-huan", sessions, name="sessions"),
    Route("/tap-huan/{round_id:int}", session),
    Route("/tap-huan/{round_id:int}/csv", session_csv),
]
