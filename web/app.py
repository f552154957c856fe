"""The HTTP edge: provider callbacks, the buyer's pay page and QR image, health and metrics.

In development the composition (sandbox/stack.py) mounts the sandbox beside it (`mounts`), so one
process shows a newcomer the whole product offline.
"""
from __future__ import annotations

import hmac
import html
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from prometheus_client import generate_latest
from starlette.concurrency import run_in_threadpool

from bots.phone import read_buyer_email, read_buyer_phone
from bots.telegram.webhook import read_capped, too_large
from domain.commands import NotifySeller
from domain.errors import ServiceUnavailable
from domain.i18n import format_money, normalize_language, status_word, t
from domain.invoice import Invoice, InvoiceStatus
from domain.ports import CallbackVerifier, ProviderStatus
from storage.queue import CommandBus
from storage.repository import Seller
from storage.settings import Settings
from storage.uow import UnitOfWork
from web import manual, metrics
from web.callbacks import accept_callback

log = logging.getLogger(__name__)

PAY_TEMPLATE = (Path(__file__).parent / "templates" / "pay.html").read_text(encoding="utf-8")


@dataclass
class WebDeps:
    settings: Settings
    uow: Callable[[], UnitOfWork]
    providers: dict[str, CallbackVerifier]  #: by name; each checks a callback with its account
    bus: CommandBus
    #: stores a verified provider fact, returning the events to tell the seller about: the
    #: workers' service function, handed in by the composition root (the web holds no worker)
    apply_fact: Callable[[ProviderStatus, Callable[[], UnitOfWork], timedelta], list[int]]
    #: the buyer's *I have paid*: opens a manual payment (workers.manual.open_payment), handed
    #: in likewise
    open_manual_payment: Callable[..., tuple[str, list[int]]]
    mounts: dict[str, Any] = field(default_factory=dict)  #: path prefix -> ASGI app (sandbox)
    extra_routes: list[Callable[[FastAPI], None]] = field(default_factory=list)


def create_app(deps: WebDeps) -> FastAPI:
    app = FastAPI(title="chatpay", docs_url=None, redoc_url=None)
    app.state.deps = deps

    @app.post("/callbacks/{provider_name}")
    async def provider_callback(provider_name: str, request: Request) -> Response:
        provider = deps.providers.get(provider_name)
        if provider is None:
            return PlainTextResponse("unknown provider", status_code=404)
        body = await read_capped(request)
        if body is None:
            metrics.CALLBACKS.labels(provider_name, "too_large").inc()
            return too_large()
        # LiqPay posts a urlencoded form; its `data` is decoded only once the signature verifies
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        status, text = await run_in_threadpool(accept_callback, provider, form, deps)
        return PlainTextResponse(text, status_code=status)

    @app.get("/p/{code}", response_class=HTMLResponse)
    def pay_page(code: str, request: Request) -> Response:
        """Who asks, how much, what for; then the buyer's details, posted back here."""
        lang = _buyer_language(request)
        with deps.uow().readonly() as uow:
            invoice = uow.invoices.by_code(code)
            seller = uow.sellers.get(invoice.seller_id) if invoice else None
            methods, payments = manual.offered(uow, invoice) if invoice else ([], [])
        if invoice is None or seller is None:
            return HTMLResponse(t(lang, "invoice_not_found"), status_code=404)
        metrics.PAY_PAGE_VIEWS.inc()
        returning = "back" in request.query_params  # the provider sent the buyer back here
        return _pay_page(invoice, seller, lang, returning, manual_html=manual.section(
            invoice, methods, payments, lang, error=request.query_params.get("error", "")
            and t(lang, "pay_manual_invalid")))

    @app.post("/p/{code}/manual")
    async def manual_payment(code: str, request: Request) -> Response:
        """*I have paid* with a manual method: an open payment, the seller asked to decide."""
        body = await read_capped(request)
        if body is None:
            return too_large()
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        outcome, notify = await run_in_threadpool(manual.declare, deps.open_manual_payment, deps.uow,
                                                  deps.settings, code, form,
                                                  _buyer_language(request))
        if outcome == "not_found":
            return HTMLResponse(t(_buyer_language(request), "invoice_not_found"), 404)
        for event_id in notify:
            try:
                deps.bus.publish(NotifySeller(event_id))
            except ServiceUnavailable:  # in the outbox: the reconciler sends it
                log.warning("Queue down; event %d will be sent by the reconciler.", event_id)
        error = "?error=1" if outcome in ("invalid", "no_method") else ""
        return RedirectResponse(f"/p/{code}{error}", status_code=303)

    @app.post("/p/{code}", response_class=HTMLResponse)
    async def buyer_details(code: str, request: Request) -> Response:
        """Check what the buyer typed (a wrong value shows the form again, saying why), store
        it on the invoice, and send the buyer on to the provider. No JavaScript needed."""
        lang = _buyer_language(request)
        body = await read_capped(request)
        if body is None:
            return too_large()
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        return await run_in_threadpool(_take_details, code, form, lang)

    def _take_details(code: str, form: dict[str, str], lang: str) -> Response:
        typed = {k: form.get(k, "").strip()[:254] for k in ("email", "name", "phone")}
        email = read_buyer_email(typed["email"]) if typed["email"] else None
        with deps.uow() as uow:
            invoice = uow.invoices.by_code(code, for_update=True)
            seller = uow.sellers.get(invoice.seller_id) if invoice else None
            if invoice is None or seller is None:
                return HTMLResponse(t(lang, "invoice_not_found"), status_code=404)
            if invoice.status is not InvoiceStatus.PENDING or not invoice.pay_url:
                return _pay_page(invoice, seller, lang, returning=False)
            name = " ".join(typed["name"].split()) if invoice.ask_name else ""
            phone = (read_buyer_phone(typed["phone"], seller.country) if invoice.ask_phone
                     else None)
            errors = {}
            if typed["email"] and email is None:
                errors["email"] = t(lang, "pay_email_invalid")
            if invoice.ask_name and not 0 < len(name) <= 100:
                errors["name"] = t(lang, "pay_name_missing")
            if invoice.ask_phone and phone is None:
                errors["phone"] = t(lang, "pay_phone_invalid")
            if errors:
                return _pay_page(invoice, seller, lang, returning=False, status_code=422,
                                 errors=errors, typed=typed)
            if invoice.give_buyer_details(email, lang, name or None, phone):
                uow.invoices.save(invoice)
                uow.commit()
            pay_url = invoice.pay_url
        return RedirectResponse(pay_url, status_code=303)

    @app.get("/qr/{code}.png")
    def qr_image(code: str) -> Response:
        from domain.qr import (
            qr_png,  # pure rendering, in the domain: both the web edge and the workers draw it
        )
        with deps.uow().readonly() as uow:
            invoice = uow.invoices.by_code(code)
        if invoice is None:
            return PlainTextResponse("not found", status_code=404)
        png = qr_png(f"{deps.settings.public_base_url}/p/{code}")
        return Response(png, media_type="image/png", headers={"Cache-Control": "max-age=86400"})

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    outbox = metrics.outbox_registry(deps.uow)

    @app.get("/metrics")
    def prometheus(request: Request) -> Response:
        token = deps.settings.metrics_token
        if token and not bearer_matches(request.headers.get("authorization", ""), token):
            return PlainTextResponse("unauthorized", status_code=401,
                                     headers={"WWW-Authenticate": "Bearer"})
        body = generate_latest(metrics.REGISTRY) + generate_latest(outbox)
        return Response(body, media_type="text/plain; version=0.0.4")

    @app.get("/")
    def index() -> Response:
        if "/sandbox" in deps.mounts:  # development: the sandbox page
            return RedirectResponse("/sandbox/")
        return PlainTextResponse("chatpay")

    from web.cabinet import router as cabinet_router  # the seller's cabinet: its own router
    app.include_router(cabinet_router(deps.settings, deps.uow, deps.bus))
    for add in deps.extra_routes:
        add(app)
    for prefix, sub in deps.mounts.items():
        app.mount(prefix, sub)
    return app


def _buyer_language(request: Request) -> str:
    return normalize_language(request.headers.get("accept-language", "uk")[:5])


def _field(label: str, name: str, kind: str, value: str, error: str, required: bool) -> str:
    problem = f'<p class="error">{html.escape(error)}</p>' if error else ""
    return (f'<label>{html.escape(label)}<input type="{kind}" name="{name}" autocomplete="'
            f'{ {"email": "email", "name": "name", "phone": "tel"}[name]}" maxlength="254"'
            f'{" required" if required else ""} value="{html.escape(value)}"></label>{problem}')


def _pay_page(invoice: Invoice, seller: Seller, lang: str, returning: bool, *,
              status_code: int = 200, errors: dict[str, str] | None = None,
              typed: dict[str, str] | None = None, manual_html: str = "") -> HTMLResponse:
    """An open invoice shows the details form; a closed one, its state instead."""
    errors, typed = errors or {}, typed or {}
    if invoice.status is InvoiceStatus.PENDING and returning:
        action = f'<p class="closed">{t(lang, "pay_processing")}</p>'
        manual_html = ""  # a card payment is under way: paying another way could pay twice
    elif invoice.status is InvoiceStatus.PENDING and invoice.pay_url:
        fields = []
        if invoice.ask_name:
            fields.append(_field(t(lang, "pay_name_label"), "name", "text",
                                 typed.get("name", invoice.buyer_name or ""),
                                 errors.get("name", ""), True))
        if invoice.ask_phone:
            fields.append(_field(t(lang, "pay_phone_label"), "phone", "tel",
                                 typed.get("phone", invoice.buyer_phone or ""),
                                 errors.get("phone", ""), True))
        fields.append(_field(t(lang, "pay_email_label"), "email", "email",
                             typed.get("email", invoice.buyer_email or ""),
                             errors.get("email", ""), False))
        action = (f'<form method="post" action="/p/{html.escape(invoice.code)}">'
                  + "".join(fields) +
                  f'<button class="pay" type="submit">{t(lang, "pay_button")}</button></form>')
    else:
        action = f'<p class="closed">{t(lang, "pay_closed", status=status_word(invoice.status, lang))}</p>'
    page = PAY_TEMPLATE.format(
        lang=lang, title=html.escape(t(lang, "pay_title")), payee_label=t(lang, "pay_from"),
        payee=html.escape(seller.name or "chatpay"),
        amount=html.escape(format_money(invoice.amount, lang)),
        description=html.escape(invoice.description), action=action + manual_html)
    return HTMLResponse(page, status_code=status_code)


def bearer_matches(header: str, token: str) -> bool:
    """Whether an Authorization header carries `Bearer <token>` (compared in constant time)."""
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                               token.encode())
