"""The buyer's pay page (`/p/{code}`), the page the provider returns the buyer to (`?back=1`),
and its live status (`/p/{code}/status`), drawn from templates by one `PageState`."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from bots.phone import read_buyer_email, read_buyer_phone
from domain.i18n import LANGUAGES, format_money, t
from domain.attempts import AttemptState
from domain.invoice import Invoice
from storage.repository import Seller
from storage.uow import UnitOfWork
from web import manual
from web.pay_state import LatestAttempt, PageState, decline_words, masked_email, page_state
from workers.render import local_time

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
LANGUAGE_COOKIE = "chatpay_lang"
LANGUAGE_NAMES = (("uk", "UA"), ("ru", "RU"), ("en", "EN"))
COOKIE_AGE = 365 * 24 * 3600  #: seconds the buyer's chosen language is remembered


def latest_attempt(invoice: Invoice) -> LatestAttempt | None:
    """The invoice's latest card attempt once the provider has said how it ended (declined,
    failed, paid). One still open at the provider gives None: whether a payment is under way
    is then the invoice's own word (a processing status) or the buyer's return from checkout."""
    attempt = invoice.latest_attempt
    if attempt.state is AttemptState.IN_FLIGHT:
        return None
    return LatestAttempt(attempt.state.value, attempt.decline_code)


def account_refused(uow: UnitOfWork, invoice: Invoice, platform_key: str) -> bool:
    """Whether the provider refuses the keys of the account the invoice is paid into."""
    return uow.account_checks.is_refused(invoice.account_id, platform_key)


def buyer_language(request: Request, seller_language: str | None) -> str:
    """The switcher's choice (`?lang=`, then its cookie), else the first language of the
    browser's Accept-Language that chatpay speaks, else the seller's."""
    for chosen in (request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if chosen in LANGUAGES:
            return chosen  # type: ignore[return-value]
    return accepted_language(request.headers.get("accept-language", "")) or (
        seller_language if seller_language in LANGUAGES else "uk")


def accepted_language(header: str) -> str | None:
    """"en-GB,en;q=0.9,uk;q=0.8" → "en": the most wanted language we speak, or None."""
    ranked = []
    for position, part in enumerate(header[:200].split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        base = tag.strip().split("-")[0].lower()
        if base in LANGUAGES and q > 0:
            ranked.append((-q, position, base))
    return min(ranked)[2] if ranked else None


def load(uow: UnitOfWork, code: str, platform_key: str) -> dict[str, Any] | None:
    """Everything the page shows of an invoice, read in one unit of work (`platform_key`: the
    platform's own LiqPay account, whose standing is kept by its public key)."""
    invoice = uow.invoices.by_code(code)
    seller = uow.sellers.get(invoice.seller_id) if invoice else None
    if invoice is None or seller is None:
        return None
    methods, payments = manual.offered(uow, invoice)
    sale = uow.fiscal.sale_of(invoice.id)
    receipt_failed = any(row.name == "ReceiptSent" and not json.loads(row.payload).get("ok", True)
                         for row in uow.events.for_invoice(invoice.id))
    return {"invoice": invoice, "seller": seller, "methods": methods, "payments": payments,
            "fiscal_link": sale.link if sale is not None else None,
            "fiscal_coming": sale is not None and sale.is_open,
            "receipt_failed": receipt_failed, "attempt": latest_attempt(invoice),
            **providers(uow, invoice, platform_key)}


def providers(uow: UnitOfWork, invoice: Invoice, platform_key: str) -> dict[str, Any]:
    """`providers`: the seller's own providers the buyer chooses between (none: straight to the
    invoice's), only those whose account the provider does not refuse; `refused`: nothing can
    take the payment; `instead`: the provider a new attempt goes to when the invoice's own
    account is refused and another one is not."""
    own_refused = account_refused(uow, invoice, platform_key)
    payable = []
    if invoice.account_id is not None:
        for name in uow.accounts.connected_providers(invoice.seller_id):
            account = uow.accounts.connected(invoice.seller_id, name)
            if account is not None and not uow.account_checks.is_refused(account.id):
                payable.append(name)
    return {"providers": payable, "refused": own_refused and not payable,
            "instead": payable[0] if own_refused and payable else None}


def state_of(found: dict[str, Any], returning: bool) -> PageState:
    payments = found["payments"]
    return page_state(found["invoice"], returning=returning,
                      manual_open=bool(payments) and payments[-1].is_open,
                      manual_methods=bool(found["methods"]),
                      latest_attempt=found["attempt"], account_refused=found["refused"])


def context(found: dict[str, Any], lang: str, returning: bool, *,
            errors: dict[str, str] | None = None, typed: dict[str, str] | None = None,
            ) -> dict[str, Any]:
    invoice: Invoice = found["invoice"]
    seller: Seller = found["seller"]
    state = state_of(found, returning)
    # paid, with the fiscal receipt still being registered: followed until its link is here
    follow = not state.final or (found["fiscal_coming"] and state.kind == "paid")
    here = f"/p/{invoice.code}" + ("?back=1" if returning else "")
    back = "&back=1" if returning else ""
    return {
        "lang": lang, "tr": lambda key, **params: t(lang, key, **params),
        "decline_reason": lambda code: decline_words(code, lang),
        "languages": LANGUAGE_NAMES, "here": here, "sep": "&" if "?" in here else "?",
        "status_url": f"/p/{invoice.code}/status?lang={lang}{back}", "code": invoice.code,
        "state": state, "follow": follow, "shown": f"{state.kind}|{found['fiscal_link'] or ''}",
        "shop": seller.shown_name(t(lang, "a_seller")),
        "amount": format_money(invoice.amount, lang), "description": invoice.description,
        "paid_amount": format_money(invoice.paid_amount or invoice.amount, lang),
        "paid_at": local_time(invoice.paid_at, seller.country) if invoice.paid_at else "",
        "fiscal_link": found["fiscal_link"],
        "receipt_to": masked_email(invoice.buyer_email)
        if invoice.buyer_email and not found["receipt_failed"] else "",
        "manual": manual.view(found["methods"], found["payments"], invoice.amount.currency,
                              invoice.amount, lang),
        "comment_limit": manual.COMMENT_LIMIT,
        "ask_name": invoice.ask_name, "ask_phone": invoice.ask_phone,
        "providers": found["providers"] if len(found["providers"]) > 1 else [],
        "errors": errors or {},
        "typed": typed or {"name": invoice.buyer_name or "", "phone": invoice.buyer_phone or "",
                           "email": invoice.buyer_email or ""},
    }


def render(request: Request, ctx: dict[str, Any], status_code: int = 200) -> Response:
    page = templates.TemplateResponse(request, "pay.html", ctx, status_code=status_code)
    chosen = request.query_params.get("lang")
    if chosen in LANGUAGES:  # the switcher: remembered for the next pages of this buyer
        page.set_cookie(LANGUAGE_COOKIE, chosen, max_age=COOKIE_AGE, samesite="lax")
    return page


def status_json(ctx: dict[str, Any]) -> JSONResponse:
    """The state, whether it can change any more, and the page's live part drawn anew."""
    state: PageState = ctx["state"]
    html = templates.get_template("_pay_state.html").render(ctx)
    return JSONResponse({"state": state.kind.value, "final": not ctx["follow"], "shown": ctx["shown"],
                         "html": html},
                        headers={"Cache-Control": "no-store"})


def not_found(lang: str) -> HTMLResponse:
    """An unknown pay link: a page like the others (a phone's width, the buyer's language)."""
    body = templates.get_template("not_found.html").render(
        lang=lang, message=t(lang, "invoice_not_found"), hint=t(lang, "pay_not_found_hint"))
    return HTMLResponse(body, status_code=404)


def take_details(uow_factory: Callable[[], UnitOfWork], request: Request, code: str,
                 form: dict[str, str], platform_key: str,
                 checkout_link: Callable[..., str | None] | None = None) -> Response:
    """Check what the buyer typed (a wrong value shows the form again, saying why), store it
    on the invoice, and send the buyer on to the provider: to the latest attempt's checkout,
    or after a decline (*Try again*) to a new attempt's (`checkout_link`, from the composition
    root). No JavaScript needed."""
    typed = {k: form.get(k, "").strip()[:254] for k in ("email", "name", "phone")}
    email = read_buyer_email(typed["email"]) if typed["email"] else None
    with uow_factory() as uow:
        invoice = uow.invoices.by_code(code, for_update=True)
        found = load(uow, code, platform_key) if invoice is not None else None
        if invoice is None or found is None:
            return not_found(buyer_language(request, None))
        found["invoice"] = invoice
        seller: Seller = found["seller"]
        lang = buyer_language(request, seller.language)
        if not state_of(found, returning=False).card or not invoice.pay_url:
            return render(request, context(found, lang, returning=False))
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
            return render(request, context(found, lang, False, errors=errors, typed=typed),
                          status_code=422)
        if invoice.give_buyer_details(email, lang, name or None, phone):
            uow.invoices.save(invoice)
            uow.commit()
        pay_url: str | None = invoice.pay_url
        chosen = form.get("provider") if form.get("provider") in found["providers"] else None
        chosen = chosen or found["instead"]  # the invoice's own account is refused
        if (invoice.latest_attempt.declined or chosen) and checkout_link is not None:
            pay_url = None  # a new attempt (after a decline, or on the provider chosen)
    if pay_url is None and checkout_link is not None:
        pay_url = checkout_link(code, provider=chosen) if chosen else checkout_link(code)
    if pay_url is None:  # paid or closed meanwhile: the page says what it is now
        with uow_factory().readonly() as uow:
            found = load(uow, code, platform_key)
        if found is None:
            return not_found(buyer_language(request, None))
        return render(request, context(found, lang, returning=False))
    return RedirectResponse(pay_url, status_code=303)
