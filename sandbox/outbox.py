"""`/sandbox/outbox`: the SMS and e-mails that would have been sent (SMS_BACKEND=log, no
SMTP_URL), newest first, so a newcomer sees them "arrive". Development only."""
from __future__ import annotations

import html
import json

import redis
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

OUTBOX_KEY = "chatpay:outbox"  #: the Redis list workers.sms.outbox_keeper fills, newest first
SHOWN = 50  #: messages on the page


def outbox_app(client: redis.Redis) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None)

    @app.get("/", response_class=HTMLResponse)
    def outbox() -> HTMLResponse:
        items = [json.loads(raw) for raw in client.lrange(OUTBOX_KEY, 0, SHOWN - 1)]
        parts = []
        for item in items:
            to = html.escape(item.get("to", ""))
            if item.get("kind") == "sms":
                parts.append(f'<article class="sms"><h2>SMS → {to}</h2>'
                             f'<pre>{html.escape(item.get("text", ""))}</pre></article>')
            else:
                parts.append(f'<article class="email"><h2>E-mail → {to}: '
                             f'{html.escape(item.get("subject", ""))}</h2>'
                             f'<pre>{html.escape(item.get("text", ""))}</pre>'
                             f'<iframe sandbox srcdoc="{html.escape(item.get("html", ""))}" '
                             f'width="100%" height="420"></iframe></article>')
        body = "".join(parts) or "<p>Nothing sent yet.</p>"
        return HTMLResponse('<!doctype html><html><head><meta charset="utf-8">'
                            '<title>chatpay outbox</title></head><body><h1>Outbox</h1>'
                            f"{body}</body></html>")

    return app
