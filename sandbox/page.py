"""`/sandbox/`: the one page `chatpay up` points a newcomer to.

The seller's chats (the Telegram and the Viber web chats of the emulators, in tabs), the buyer's
phone (a frame the chats open pay links in: the pay page, then the LiqPay sandbox's checkout)
and the outbox (SMS, e-mails and shop webhooks that would have gone out), each updated live.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route

HERE = Path(__file__).parent


def page_app(telegram: bool, viber: bool,
             people: Callable[[], dict[str, Any]] = lambda: {"sellers": [], "agents": []},
             make_agent: Callable[[str, str], bool] = lambda channel, external_id: False,
             ) -> Starlette:
    """The page; a chat whose messenger is real (a token set) is left out. `people`: who is a
    seller and who is support (the page shows whether the chat on screen is the seller);
    `make_agent(channel, id)`: the page's one click that makes a chat a support agent
    (development only: this page is never served in production)."""

    def page(request: Request) -> Response:
        html = (HERE / "page.html").read_text(encoding="utf-8")
        chats = [("telegram", "Telegram", "/emulator/telegram/chat")] if telegram else []
        chats += [("viber", "Viber", "/emulator/viber/pa/chat")] if viber else []
        tabs = "".join(f'<button type="button" data-chat="{key}">{name}</button>'
                       for key, name, _ in chats)
        frames = "".join(f'<iframe id="chat-{key}" title="{name} chat" src="{src}"></iframe>'
                         for key, name, src in chats)
        return HTMLResponse(html.replace("{{tabs}}", tabs).replace("{{chats}}", frames))

    async def who(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(people))

    async def agent(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
            channel, external_id = str(body["channel"]), str(body["id"])
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": "send {channel, id}"}, status_code=400)
        if channel not in ("telegram", "viber") or not 0 < len(external_id) <= 64:
            return JSONResponse({"error": "unknown chat"}, status_code=400)
        added = await run_in_threadpool(make_agent, channel, external_id)
        return JSONResponse({"added": added})

    def phone(request: Request) -> Response:
        return HTMLResponse((HERE / "phone.html").read_text(encoding="utf-8"))

    def with_slash(request: Request) -> Response:
        """`/sandbox/outbox` and the like: this mount takes them before the router can add the
        slash their own mounts need, so it adds it."""
        path = request.url.path
        if path.endswith("/"):
            return PlainTextResponse("not found", status_code=404)
        return RedirectResponse(path + "/", status_code=307)

    def telegram_web_app(request: Request) -> Response:
        """The stand-in for Telegram's telegram-web-app.js the cabinet loads in development."""
        return Response((HERE / "telegram" / "telegram-web-app.js").read_text(encoding="utf-8"),
                        media_type="application/javascript")

    return Starlette(routes=[Route("/", page), Route("/phone", phone), Route("/people", who),
                             Route("/agents", agent, methods=["POST"]),
                             Route("/telegram-web-app.js", telegram_web_app),
                             Route("/{name}", with_slash, methods=["GET", "HEAD", "POST"])])
