"""The HTTP edge: provider callbacks, the buyer's pay page and QR image, health and metrics.

In development the composition (sandbox/stack.py) mounts the sandbox beside it (`mounts`), so one
process shows a newcomer the whole product offline.
"""
from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request, Response
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
)
from prometheus_client import generate_latest
from starlette.concurrency import run_in_threadpool

from bots.telegram.webhook import read_capped, too_large
from domain.commands import NotifySeller
from domain.errors import ServiceUnavailable
from domain.i18n import t
from domain.ports import CallbackVerifier, ProviderStatus
from storage.qr_images import QrImages
from storage.queue import CommandBus
from storage.settings import Settings
from storage.uow import UnitOfWork
from web import manual, metrics
from web import pay_page as pay
from web.callbacks import accept_callback

log = logging.getLogger(__name__)

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
    #: the buyer pressed *Pay*: the checkout link to send them to, a new attempt's after a
    #: decline (workers.attempts.checkout_link, bound by the composition root); None: the
    #: invoice cannot be paid by card now. Unset: the invoice's stored link
    checkout_link: Callable[..., str | None] | None = None
    mounts: dict[str, Any] = field(default_factory=dict)  #: path prefix -> ASGI app (sandbox)
    extra_routes: list[Callable[[FastAPI], None]] = field(default_factory=list)
    #: messenger updates whose handler failed, per channel (read from Redis at each scrape)
    update_failures: Callable[[], dict[str, int]] | None = None
    #: where each invoice's QR picture is kept once drawn (storage.qr_images.QrImages), so
    #: Viber, the cabinet's list and every web process share one drawing; None: drawn per request
    qr_images: QrImages | None = None


def create_app(deps: WebDeps) -> FastAPI:
    # production draws no map of its edge for a stranger: no /docs, no /openapi.json
    app = FastAPI(title="chatpay", docs_url=None, redoc_url=None,
                  openapi_url=None if deps.settings.production else "/openapi.json")
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
        header = getattr(provider, "signed_body", None)
        if header:  # signed over the raw body (monobank's X-Sign): verified before it is read
            form = {"body": body.decode("utf-8", "replace"),
                    "x_sign": request.headers.get(header, "")}
        else:
            # LiqPay posts a urlencoded form; its `data` is decoded only once the signature
            # verifies
            form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        status, text = await run_in_threadpool(accept_callback, provider, form, deps)
        return PlainTextResponse(text, status_code=status)

    @app.get("/p/{code}", response_class=HTMLResponse)
    def pay_page(code: str, request: Request) -> Response:
        """Who asks, how much, what for, and the invoice's state as it is; while it may
        change, the page follows it (`/p/{code}/status`)."""
        with deps.uow().readonly() as uow:
            found = pay.load(uow, code, deps.settings.liqpay_public_key)
        if found is None:
            return pay.not_found(pay.buyer_language(request, None))
        metrics.PAY_PAGE_VIEWS.inc()
        lang = pay.buyer_language(request, found["seller"].language)
        returning = "back" in request.query_params  # the provider sent the buyer back here
        ctx = pay.context(found, lang, returning)
        if request.query_params.get("error"):
            ctx["errors"]["manual"] = t(lang, "pay_manual_invalid")
        return pay.render(request, ctx)

    @app.get("/p/{code}/status")
    def pay_status(code: str, request: Request) -> Response:
        """The page's state as JSON, for the page to follow it without a reload."""
        with deps.uow().readonly() as uow:
            found = pay.load(uow, code, deps.settings.liqpay_public_key)
        if found is None:
            return JSONResponse({"state": "not_found"}, status_code=404)
        lang = pay.buyer_language(request, found["seller"].language)
        return pay.status_json(pay.context(found, lang, "back" in request.query_params))

    @app.post("/p/{code}/manual")
    async def manual_payment(code: str, request: Request) -> Response:
        """*I have paid* with a manual method: an open payment, the seller asked to decide."""
        body = await read_capped(request)
        if body is None:
            return too_large()
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        lang = pay.buyer_language(request, None)
        outcome, notify = await run_in_threadpool(manual.declare, deps.open_manual_payment, deps.uow,
                                                  deps.settings, code, form, lang)
        if outcome == "not_found":
            return pay.not_found(lang)
        for event_id in notify:
            try:
                deps.bus.publish(NotifySeller(event_id))
            except ServiceUnavailable:  # in the outbox: the reconciler sends it
                log.warning("Queue down; event %d will be sent by the reconciler.", event_id)
        if outcome == "card_under_way":  # the page shows the card payment under way
            return RedirectResponse(f"/p/{code}?back=1", status_code=303)
        error = "?error=1" if outcome in ("invalid", "no_method") else ""
        return RedirectResponse(f"/p/{code}{error}", status_code=303)

    @app.post("/p/{code}", response_class=HTMLResponse)
    async def buyer_details(code: str, request: Request) -> Response:
        """The buyer's details (the receipt's e-mail, a name and phone when asked), then on to
        the provider."""
        body = await read_capped(request)
        if body is None:
            return too_large()
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        return await run_in_threadpool(pay.take_details, deps.uow, request, code, form,
                                      deps.settings.liqpay_public_key, deps.checkout_link)

    @app.get("/qr/{code}.png")
    def qr_image(code: str) -> Response:
        from domain.qr import (
            qr_png,  # pure rendering, in the domain: both the web edge and the workers draw it
        )
        png = deps.qr_images.get(code) if deps.qr_images is not None else None
        if png is None:  # not drawn yet (or kept nowhere): only a known invoice gets one
            with deps.uow().readonly() as uow:
                known = uow.invoices.by_code(code) is not None
            if not known:
                return PlainTextResponse("not found", status_code=404)
            png = qr_png(f"{deps.settings.public_base_url}/p/{code}")
            if deps.qr_images is not None:
                deps.qr_images.keep(code, png)
        return Response(png, media_type="image/png", headers={"Cache-Control": "max-age=86400"})

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    outbox = metrics.outbox_registry(deps.uow, deps.update_failures,
                                     deps.settings.liqpay_public_key)

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


def bearer_matches(header: str, token: str) -> bool:
    """Whether an Authorization header carries `Bearer <token>` (compared in constant time)."""
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                               token.encode())
