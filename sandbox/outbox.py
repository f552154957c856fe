"""`/sandbox/outbox`: what would have gone out, newest first, pushed live to the page.

The SMS and e-mails the workers only logged (SMS_BACKEND=log, no SMTP_URL), the fiscal receipts
the Checkbox stand-in issued (`receipt_keeper`), and the webhooks a
seller's shop received at the sandbox's own shop (`POST /sandbox/outbox/shop/<name>`, answered
`ok`: set `/webhook http://127.0.0.1:8000/sandbox/outbox/shop/main` in the bot). Development only.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from sandbox.live import event_stream

OUTBOX_KEY = "chatpay:outbox"  #: the Redis list workers.sms.outbox_keeper fills, newest first
SHOWN = 50  #: messages on the page
KEPT = 200  #: messages kept (as workers.sms.outbox_keeper keeps)
BODY_KEPT = 16 * 1024  #: bytes of a shop webhook's body shown
CHECK_EVERY = 0.5  #: seconds between looks at the list while a page listens
PAGE = Path(__file__).with_name("outbox.html")


def receipt_keeper(client: redis.Redis, public_base: str) -> Callable[[Any], None]:
    """Keeps each fiscal receipt the Checkbox stand-in issues in the outbox, with its public
    page (`public_base`/{id}), so the page shows receipts beside the SMS and e-mails."""
    def keep(receipt: Any) -> None:
        kind = "return" if receipt.is_return else "sale"
        goods = "\n".join(f"{g['good']['name']}: {int(g['good']['price']) / 100:.2f}"
                          for g in receipt.goods)
        paid = ", ".join(str(p.get("type")) for p in receipt.payments)
        item = {"kind": "receipt", "to": receipt.fiscal_code, "subject": kind,
                "text": f"{goods}\n{receipt.total / 100:.2f} ({paid})",
                "link": f"{public_base}/{receipt.id}"}
        client.pipeline().lpush(OUTBOX_KEY, json.dumps(item)).ltrim(
            OUTBOX_KEY, 0, KEPT - 1).execute()
    return keep


def outbox_app(client: redis.Redis) -> Starlette:
    def items() -> list[object]:
        return [json.loads(raw) for raw in client.lrange(OUTBOX_KEY, 0, SHOWN - 1)]

    def page(request: Request) -> Response:
        return HTMLResponse(PAGE.read_text(encoding="utf-8"))

    async def events(request: Request) -> Response:
        return event_stream(request, items, lambda seconds: time.sleep(CHECK_EVERY))

    async def shop(request: Request) -> Response:
        """The seller's shop, as the sandbox plays it: keeps the webhook and answers `ok`."""
        body = (await request.body())[:BODY_KEPT].decode("utf-8", "replace")
        headers = {k: v for k, v in request.headers.items() if k.startswith("webhook-")}
        item = {"kind": "webhook", "to": request.path_params["name"], "headers": headers,
                "text": body}
        client.pipeline().lpush(OUTBOX_KEY, json.dumps(item)).ltrim(
            OUTBOX_KEY, 0, KEPT - 1).execute()
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/", page), Route("/events", events),
                             Route("/shop/{name}", shop, methods=["POST"])])
