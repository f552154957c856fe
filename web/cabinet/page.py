"""The cabinet's page: a shell (`/cabinet/`) that loads `telegram-web-app.js` and then fetches its
parts, each rendered here from a Jinja2 template (autoescape) with the credentials the API takes:
the totals of a period with the 30-day chart as SVG, the invoice list, one invoice."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bots import cabinet as shared
from domain import cabinet
from domain.i18n import TEXTS, format_money, normalize_language, status_word, t
from domain.money import Money
from storage.settings import Settings
from storage.uow import UnitOfWork
from web.cabinet import views
from web.cabinet.auth import COOKIE
from workers.manual_render import method_name

TELEGRAM_JS = "https://telegram.org/js/telegram-web-app.js"
SANDBOX_JS = "/sandbox/telegram-web-app.js"  #: the stand-in sandbox/ serves in development

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent.parent / "templates" / "cabinet"),
    autoescape=select_autoescape(default=True, default_for_string=True), trim_blocks=True,
    lstrip_blocks=True)


def page_routes(api: APIRouter, settings: Settings, uow: Callable[[], UnitOfWork],
                who: Callable[..., Any]) -> None:
    @api.get("/", response_class=HTMLResponse)
    def shell(request: Request) -> HTMLResponse:
        """The Mini App's page. A cookie session (Viber) gets its CSRF token in a meta tag."""
        lang, csrf = normalize_language(request.headers.get("accept-language", "uk")[:5]), ""
        session = cabinet.read_session(settings.secret_key, request.cookies.get(COOKIE, ""),
                                       datetime.now(UTC))
        if session is not None:
            csrf = cabinet.csrf_token(settings.secret_key, session[1])
            with uow().readonly() as unit:
                seller = unit.sellers.get(session[0])
            lang = seller.language if seller else lang
        script = TELEGRAM_JS if settings.chatpay_env == "production" else SANDBOX_JS
        body = TEMPLATES.get_template("shell.html").render(
            lang=lang, csrf=csrf, telegram_js=script, tr=_tr(lang))
        return HTMLResponse(body, headers={"Cache-Control": "no-store",
                                           "Referrer-Policy": "no-referrer"})

    @api.get("/part/home", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        seller = who(request).seller
        params = dict(request.query_params)
        span = views.ask_period(params, shared.zone(seller), datetime.now(UTC))
        got = shared.totals(uow, seller, span)
        lang, currency = seller.language, got.currency
        series = shared.chart(uow, seller)
        top = max((a for _, a in series), default=0)
        return _render("home.html", lang, seller=seller, totals=got, span=span,
                       period=params.get("period", "" if params.get("from") else "today"),
                       money=lambda minor: format_money(Money.from_minor_units(minor, currency),
                                                        lang),
                       bars=cabinet.bars(series), top=top, first=series[0][0],
                       last=series[-1][0])

    @api.get("/part/list", response_class=HTMLResponse)
    def listing(request: Request) -> HTMLResponse:
        from web.cabinet import _page
        seller, params = who(request).seller, dict(request.query_params)
        items, more = _page(uow, seller, params)
        with uow().readonly() as unit:
            methods = unit.cabinet.method_names(seller.id)
        page = int(params.get("page", "1")) if params.get("page", "1").isdigit() else 1
        query = {k: v for k, v in params.items() if k != "page" and v}
        return _render("list.html", seller.language, rows=items, local=_local(seller),
                       more=more, page=page, params=params, methods=methods, query=query,
                       states=("unpaid", "paid", "partially_refunded", "refunded", "expired",
                               "cancelled", "failed"),
                       money=_amounts(seller.language))

    @api.get("/part/invoice/{code}", response_class=HTMLResponse)
    def invoice(code: str, request: Request) -> HTMLResponse:
        seller = who(request).seller
        with uow().readonly() as unit:
            row = unit.cabinet.row(seller.id, code)
            if row is None:
                raise HTTPException(404, "not found")
            data = views.detail(unit.cabinet, seller, row, settings.public_base_url)
        return _render("invoice.html", seller.language, inv=data, local=_local(seller))


def link_used(request: Request) -> HTMLResponse:
    """A Viber link opened twice (or late): the page says so, in the browser's language."""
    lang = normalize_language(request.headers.get("accept-language", "uk")[:5])
    body = TEMPLATES.get_template("link_used.html").render(lang=lang, tr=_tr(lang))
    return HTMLResponse(body, status_code=403, headers={"Cache-Control": "no-store"})


def _local(seller: Any) -> Callable[[str | None], str]:
    """An ISO UTC time as the seller reads it, in their zone."""
    tz = shared.zone(seller)

    def text(iso: str | None) -> str:
        return datetime.fromisoformat(iso).astimezone(tz).strftime("%Y-%m-%d %H:%M") if iso else ""
    return text


def _amounts(lang: str) -> Callable[[str | None, str], str]:
    """A decimal string and its currency as a person reads them ("" for none)."""
    def text(amount: str | None, currency: str) -> str:
        return format_money(Money(Decimal(amount), currency), lang) if amount else ""
    return text


def _tr(lang: str) -> Callable[..., str]:
    def tr(key: str, **params: object) -> str:
        return t(lang, key, **params)
    return tr


def _words(lang: str) -> Callable[[str, str], str]:
    """`word(kind, value)`: a stored code (an event's name, a refund's or a delivery's state) in
    the seller's language; a code without a text shows as it is stored."""
    prefixes = {"event": "sup_ev_", "refund": "cab_refund_", "delivery": "webhook_delivery_"}

    def word(kind: str, value: str) -> str:
        key = f"{prefixes[kind]}{value}"
        return t(lang, key) if key in TEXTS else value
    return word


def _render(name: str, lang: str, **context: Any) -> HTMLResponse:
    context.setdefault("money", _amounts(lang))
    body = TEMPLATES.get_template(name).render(
        lang=lang, tr=_tr(lang), status=lambda s: status_word(s, lang),
        word=_words(lang), first_upper=lambda text: text[:1].upper() + text[1:],
        method=lambda m: t(lang, "cab_card") if m == "card" else method_name(m, lang), **context)
    return HTMLResponse(body, headers={"Cache-Control": "no-store",
                                       "Content-Language": lang})
