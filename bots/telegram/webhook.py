"""Webhook mode: Telegram posts each update to `POST /telegram/webhook`, and the process answers once
the update is handled.

Each update carries the secret we registered in `X-Telegram-Bot-Api-Secret-Token`; a request
without it is refused before anything is parsed. Several `chatpay telegram` processes can listen on
one port (SO_REUSEPORT): the kernel spreads Telegram's connections (up to
TELEGRAM_WEBHOOK_CONNECTIONS) over them, and dialog state is in Redis, so any process can take a
seller's next message. An update Telegram delivers again (it did not see our 200) is dropped by
`DropRepeatedUpdates`, whichever process it reaches.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
import socket

import uvicorn
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bots.cabinet import cabinet_url
from bots.telegram.app import DRAIN_TIMEOUT, build_bot, build_dispatcher, set_commands
from bots.telegram.deps import BotDeps
from domain.errors import MessengerError

log = logging.getLogger(__name__)

PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: the largest body a messenger webhook or provider callback may send; 413 beyond
BODY_LIMIT = 64 * 1024  #: bytes


async def read_capped(request: Request, limit: int = BODY_LIMIT) -> bytes | None:
    """The request's body, or None once it is longer than `limit` bytes, declared or streamed.

    Shared by every inbound webhook and callback (web.app, bots.viber.webhook), so a sender
    cannot make us buffer more than `limit`, with or without a Content-Length.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def too_large(limit: int = BODY_LIMIT) -> Response:
    return PlainTextResponse(f"body over {limit} bytes", status_code=413)


def webhook_app(dp: Dispatcher, bot: Bot, secret: str) -> Starlette:
    """`POST /telegram/webhook` and `GET /healthz` for one bot."""

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("Refused a Telegram webhook call without the right secret token from %s.",
                        request.client.host if request.client else "?")
            return PlainTextResponse("forbidden", status_code=403)
        body = await read_capped(request)
        if body is None:
            return too_large()
        try:
            update = Update.model_validate(json.loads(body), context={"bot": bot})
        except (ValueError, ValidationError):
            return PlainTextResponse("not a Telegram update", status_code=400)
        try:
            result = await dp.feed_update(bot, update)
            if isinstance(result, TelegramMethod):
                await dp.silent_call_request(bot, result)
        except Exception:  # as in polling: logged, and the update counts as handled
            log.exception("Update %d failed.", update.update_id)
        return JSONResponse({})

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(routes=[Route(PATH, receive, methods=["POST"]),
                             Route("/healthz", healthz, methods=["GET"])])


def shared_socket(host: str, port: int) -> socket.socket:
    """A listening socket other processes can bind too (SO_REUSEPORT): they share its connections."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


async def run_webhook(deps: BotDeps) -> None:
    """Serve the webhook on TELEGRAM_WEBHOOK_PORT, then register it with Telegram."""
    settings = deps.settings
    bot = build_bot(settings.telegram_bot_token, settings.telegram_base)
    me = await bot.get_me()
    dp = build_dispatcher(deps, me.id)
    await set_commands(bot, cabinet_url(settings))
    sock = shared_socket(settings.host, settings.telegram_webhook_port)
    server = uvicorn.Server(uvicorn.Config(webhook_app(dp, bot, settings.telegram_webhook_token),
                                           log_level="warning", access_log=False,
                                           timeout_keep_alive=75,
                                           # on SIGTERM, the updates being handled finish first
                                           timeout_graceful_shutdown=DRAIN_TIMEOUT))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if serving.done():
                return await serving  # it could not start: its error, not a silent hang
            await asyncio.sleep(0.05)
        # every process registers the same URL; Telegram keeps what it has not delivered yet
        try:
            await bot.set_webhook(settings.telegram_webhook,
                                  secret_token=settings.telegram_webhook_token,
                                  allowed_updates=dp.resolve_used_update_types(),
                                  max_connections=settings.telegram_webhook_connections,
                                  drop_pending_updates=False)
        except TelegramAPIError as exc:  # e.g. not HTTPS, or a port Telegram does not call
            raise MessengerError(f"Telegram refused the webhook {settings.telegram_webhook}: "
                                 f"{exc.message}") from None
        log.info("Telegram bot @%s takes updates at %s (listening on %s:%d).", me.username,
                 settings.telegram_webhook, settings.host, settings.telegram_webhook_port)
        await serving
    finally:
        if not serving.done():
            server.should_exit = True
            await serving
        await dp.storage.close()
        await bot.session.close()
