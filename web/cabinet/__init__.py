"""The seller's cabinet: its own router, mounted by the web app under /cabinet.

The page (`/cabinet/`) is a shell that loads Telegram's `telegram-web-app.js`; its parts are
server-rendered fragments (`/cabinet/part/...`, Jinja2 with autoescape) fetched with the same
credentials as the JSON API (`/cabinet/api/...`): `Authorization: tma <initData>` from Telegram,
or the session cookie a Viber one-time link (`/cabinet/enter?t=...`) became, whose writes carry
its CSRF token. Actions publish the bot's own commands (bots.cabinet)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from bots import cabinet as shared
from bots.telegram.webhook import read_capped, too_large
from domain import cabinet
from domain.commands import Command
from domain.errors import ServiceUnavailable
from storage.queue import CommandBus
from storage.settings import Settings
from storage.uow import UnitOfWork
from web.cabinet import export, views
from web.cabinet.auth import COOKIE, Visitor, redeem, visitor
from web.cabinet.page import link_used, page_routes


def router(settings: Settings, uow: Callable[[], UnitOfWork], bus: CommandBus) -> APIRouter:
    api = APIRouter(prefix="/cabinet")

    def who(request: Request, write: bool = False) -> Visitor:
        return visitor(request, settings, uow, write=write)

    @api.get("/enter")
    def enter(request: Request, t: str = "") -> Response:
        """A Viber one-time link: becomes the session cookie once, then stops working."""
        session = redeem(settings, uow, t)
        if session is None:
            return link_used(request)
        response = RedirectResponse("/cabinet/", status_code=303)
        response.set_cookie(COOKIE, session, max_age=int(cabinet.SESSION_TTL.total_seconds()),
                            httponly=True, samesite="lax", path="/cabinet",
                            secure=settings.chatpay_env == "production")
        return response

    @api.get("/api/summary")
    def summary(request: Request) -> dict[str, Any]:
        seller = who(request).seller
        span = views.ask_period(dict(request.query_params), shared.zone(seller),
                                datetime.now(UTC))
        got = shared.totals(uow, seller, span)
        return {**got.as_json(), "from": span.first_day.isoformat(),
                "to": span.last_day.isoformat()}

    @api.get("/api/invoices")
    def invoices(request: Request) -> dict[str, Any]:
        seller, params = who(request).seller, dict(request.query_params)
        items, more = _page(uow, seller, params)
        return {"invoices": items, "page": _int(params.get("page")),
                "has_more": more}

    @api.get("/api/invoices/{code}")
    def one(code: str, request: Request) -> dict[str, Any]:
        seller = who(request).seller
        with uow().readonly() as unit:
            row = unit.cabinet.row(seller.id, code)
            if row is None:
                raise HTTPException(404, "not found")
            return views.detail(unit.cabinet, seller, row, settings.public_base_url)

    @api.get("/api/chart")
    def chart(request: Request) -> dict[str, Any]:
        seller = who(request).seller
        series = shared.chart(uow, seller)
        currency = seller.currency or "UAH"
        return {"currency": currency, "days": [
            {"day": day.isoformat(), "amount": views.money(amount, currency)}
            for day, amount in series]}

    @api.get("/chart.png")
    def chart_png(s: str = "") -> Response:
        """The 30-day chart of a signed link the report sent to Viber (pictures go by URL)."""
        from workers.reports import chart_png as draw
        seller_id = cabinet.read_chart_token(settings.secret_key, s, datetime.now(UTC))
        with uow().readonly() as unit:
            seller = unit.sellers.get(seller_id) if seller_id is not None else None
        if seller is None or not seller.currency:
            raise HTTPException(404, "not found")
        png = draw(shared.chart(uow, seller), seller.currency, seller.language)
        return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})

    @api.get("/export.{kind}")
    def download(kind: str, request: Request) -> Response:
        if kind not in ("csv", "xlsx"):
            raise HTTPException(404, "not found")
        seller = who(request).seller
        span = views.ask_period(dict(request.query_params), shared.zone(seller),
                                datetime.now(UTC))
        with uow().readonly() as unit:
            lines = list(export.rows(unit.cabinet, seller, span.start, span.end))
        name = f"chatpay-{span.first_day}-{span.last_day}.{kind}"
        body = export.as_csv(iter(lines)) if kind == "csv" else export.as_xlsx(iter(lines))
        media = ("text/csv; charset=utf-8" if kind == "csv" else
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        return Response(body, media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @api.post("/api/invoices/{code}/{action}")
    async def act(code: str, action: str, request: Request) -> Response:
        body = await read_capped(request)  # capped before it is read, as every body here
        if body is None:
            return too_large()
        form = await _form(request, body)
        return await run_in_threadpool(_act, code, action, request, form)

    def _act(code: str, action: str, request: Request, form: dict[str, str]) -> Response:
        seller = who(request, write=True).seller
        invoice = shared.own_invoice(uow, seller, code)
        if invoice is None or action not in ("refund", "cancel", "send", "duplicate"):
            raise HTTPException(404, "not found")
        key = (form.get("key") or request.headers.get("idempotency-key", ""))[:64]
        if not key:
            raise HTTPException(422, "an idempotency key (key) is required")
        command: Command | None
        if action == "refund":
            command, problem = shared.refund(invoice, seller, key, form.get("amount", ""))
        elif action == "cancel":
            command, problem = shared.cancel(invoice, seller)
        elif action == "send":
            command, problem = shared.send(invoice, seller, key, form.get("to", ""))
        else:
            command, problem = shared.duplicate(invoice, seller, key), ""
        if command is None:
            return JSONResponse({"ok": False, "error": problem}, status_code=422)
        try:
            bus.publish(command)
        except ServiceUnavailable:
            return JSONResponse({"ok": False, "error": "try again in a minute"}, status_code=503)
        return JSONResponse({"ok": True, "action": action}, status_code=202)

    page_routes(api, settings, uow, who)
    return api


def _page(uow: Callable[[], UnitOfWork], seller: Any,
          params: dict[str, str]) -> tuple[list[dict[str, Any]], bool]:
    """One page of the list the query asks for, and whether another follows."""
    span = views.optional_range(params, shared.zone(seller))
    with uow().readonly() as unit:
        rows, more = unit.cabinet.invoices(
            seller.id, state=params.get("state", "")[:24],
            start=span.start if span else None, end=span.end if span else None,
            method=params.get("method", "")[:64], text=params.get("q", "")[:100],
            page=_int(params.get("page")))
        return [views.item(r) for r in rows], more


def _int(text: str | None) -> int:
    return max(int(text), 1) if text and text.isdigit() and len(text) < 6 else 1


async def _form(request: Request, body: bytes) -> dict[str, str]:
    """An action's fields, as JSON or a urlencoded form."""
    import json
    from urllib.parse import parse_qsl
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            raise HTTPException(422, "malformed JSON") from None
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    return dict(parse_qsl(body.decode("utf-8", "replace")))
