"""Tổng quan: questions per day, share refused, top citations, feedback, the index, both bot channels."""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.web import charts
from bot.web.common import ZONE, blocking, console, local, render, require
from index import storage

DAYS = 14


def _index_state(c) -> dict:  # noqa: ANN001 - Console
    """The build in service as `index info` prints it; a missing or broken index is said, not raised."""
    try:
        build = storage.current_build(c.settings.index_dir)
        m = storage.read_manifest(build)
    except Exception as exc:  # noqa: BLE001 - the page must show the state, whatever it is
        return {"ok": False, "error": str(exc)}
    built = datetime.fromisoformat(m.built_at)
    return {"ok": True, "model": m.model_id, "dim": m.dim, "built": local(built), "hash": m.corpus_hash[:16],
            "documents": m.counts.get("documents", 0), "articles": m.counts.get("articles", 0),
            "chunks": m.counts.get("chunks", 0)}


def _channels(c, last: dict[str, datetime]) -> list[dict]:  # noqa: ANN001
    """Whether each channel is configured, and when it last brought a question (the database says)."""
    s = c.settings
    out = []
    for name, title, token in (("telegram", "Telegram", s.telegram_token), ("zalo", "Zalo", s.zalo_token)):
        seen = last.get(name)
        out.append({"title": title, "configured": bool(token), "last": local(seen) if seen else "",
                    "mode": "webhook" if s.public_url else "long polling"})
    return out


async def overview(request: Request) -> Response:
    require(request)
    c = console(request)
    store = c.assistant.store
    stats = await blocking(store.stats, DAYS, now=datetime.now(ZONE), top=8, unanswered=5)
    last = await blocking(store.last_questions)
    chart = charts.bars([(d.strftime("%d/%m"), n) for d, n in stats.per_day], title="Số câu hỏi theo ngày")
    return render(request, "overview.html", stats=stats, days=DAYS, chart=chart, index=_index_state(c),
                  channels=_channels(c, last), local=local)


routes = [Route("/", overview, name="overview")]
