"""Production mode: one ASGI app serving the Telegram webhook, the Zalo webhook and a health check.

Both platforms sign their deliveries with the secret we registered (Telegram:
X-Telegram-Bot-Api-Secret-Token, Zalo: X-Bot-Api-Secret-Token); anything else gets 403 before its
body is read as an update. A signed body is then capped (`Settings.webhook_max_body_kb`, 1 MB by
default): a declared Content-Length over the cap is refused before a byte is read, and a body
streamed without one (chunked) is refused as soon as the bytes read pass the cap, so a leaked
secret cannot make a worker hold 100 MB in memory. Real updates are a few KB: files are fetched
separately. Updates are acknowledged at once and handled in the background, so a slow answer never
makes the platform retry the delivery. Several workers may run this app behind nginx: they share
the database and the data directory (see deploy/README.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from telegram import Update

from bot.assistant import Assistant
from bot.channels import telegram
from bot.channels.zalo import ZaloBot
from bot.channels.zalo_api import ZaloBotApi, ZaloUpdate, verify_secret
from bot.config import Settings

log = logging.getLogger(__name__)
TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CONSOLE_PREFIX = "/admin"


class BodyRejected(Exception):
    """The request body cannot be an update; `response` says why (400 or 413)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


async def read_json(request: Request, limit: int) -> object:
    """The body parsed as JSON, never holding more than `limit` bytes of it (plus one chunk).

    Why not `request.json()`: it buffers the whole body first, whatever its size. Here a declared
    length over the limit is refused unread, and a chunked body stops being read at the limit.
    """
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise BodyRejected(Response("bad content-length", status_code=400))
        if int(declared) > limit:
            raise BodyRejected(_too_large(limit))
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyRejected(_too_large(limit))
    try:
        return json.loads(body)
    except ValueError:
        raise BodyRejected(Response("bad update", status_code=400)) from None


def _too_large(limit: int) -> Response:
    return Response(f"update larger than {limit // 1024} KB", status_code=413)


def create_app(settings: Settings, assistant: Assistant, *, register: bool = True) -> Starlette:
    """`register`: tell Telegram/Zalo where to deliver (needs PUBLIC_URL); tests deliver by hand."""
    if not settings.webhook_secret:
        raise SystemExit("Chế độ webhook cần WEBHOOK_SECRET (8–256 ký tự chữ, số, '_' hoặc '-').")
    tg_app = telegram.build_application(settings, assistant, webhook=True) if settings.telegram_token else None
    zalo_api = ZaloBotApi(settings.zalo_token, base_url=settings.zalo_api_url) if settings.zalo_token else None
    zalo = ZaloBot(zalo_api, assistant) if zalo_api else None
    max_body = settings.webhook_max_body_kb * 1024
    background: set[asyncio.Task] = set()

    def in_background(coro) -> None:
        task = asyncio.create_task(coro)
        background.add(task)
        task.add_done_callback(background.discard)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await asyncio.to_thread(assistant.warm_up)
        if tg_app:
            await tg_app.initialize()
            await tg_app.start()
            if register and settings.public_url:
                await tg_app.bot.set_webhook(f"{settings.public_url}/telegram", secret_token=settings.webhook_secret,
                                             allowed_updates=Update.ALL_TYPES)
        if zalo_api and register and settings.public_url:
            await zalo_api.set_webhook(f"{settings.public_url}/zalo", settings.webhook_secret)
        assistant.quiz.start()  # both channels are registered by now: resume their sessions, then watch them
        try:
            yield
        finally:
            if background:
                await asyncio.gather(*background, return_exceptions=True)
            await assistant.quiz.close()
            if tg_app:
                await tg_app.stop()
                await tg_app.shutdown()
            if zalo_api:
                await zalo_api.aclose()

    async def telegram_webhook(request: Request) -> Response:
        if tg_app is None:
            return Response(status_code=404)
        if not verify_secret(request.headers, settings.webhook_secret, TELEGRAM_SECRET_HEADER):
            return Response(status_code=403)
        try:
            update = Update.de_json(await read_json(request, max_body), tg_app.bot)
        except BodyRejected as rejected:
            return rejected.response
        except Exception:
            return Response("bad update", status_code=400)
        await tg_app.update_queue.put(update)
        return Response(status_code=200)

    async def zalo_webhook(request: Request) -> Response:
        if zalo is None:
            return Response(status_code=404)
        if not verify_secret(request.headers, settings.webhook_secret):
            return Response(status_code=403)
        try:
            update = ZaloUpdate.from_dict(await read_json(request, max_body))
        except BodyRejected as rejected:
            return rejected.response
        except Exception:
            return Response("bad update", status_code=400)
        in_background(zalo.handle(update))
        return Response(status_code=200)

    async def health(request: Request) -> Response:
        try:
            chunks = len(assistant.library.index)
        except Exception as exc:
            return JSONResponse({"ok": False, "error": type(exc).__name__}, status_code=503)
        return JSONResponse({"ok": True, "chunks": chunks, "telegram": tg_app is not None, "zalo": zalo is not None})

    from bot.web.app import create_app as create_console

    return Starlette(
        routes=[
            Route("/telegram", telegram_webhook, methods=["POST"]),
            Route("/zalo", zalo_webhook, methods=["POST"]),
            Route("/healthz", health, methods=["GET"]),
            # The admin console, sharing this worker's assistant (library, database, quiz master).
            Mount(CONSOLE_PREFIX, create_console(settings, assistant)),
        ],
        lifespan=lifespan,
    )


def serve(settings: Settings, assistant: Assistant, host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(create_app(settings, assistant), host=host, port=port, log_level="info", access_log=False)
