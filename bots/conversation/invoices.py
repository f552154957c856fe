"""Create an invoice (amount, then an optional description), the pending list, and the buttons
under an invoice's QR message: *Check status*, *Cancel*, *Send by SMS*, *Send by e-mail*."""
from __future__ import annotations

from bots import invoices
from bots.conversation.guards import Needs
from bots.conversation.routes import Routes, menu_texts
from bots.conversation.turn import Menu, Reply, Rows, Turn, say
from bots.deps import ChannelDeps
from domain.actions import (
    AccountTap,
    CancelInvoiceTap,
    CheckStatusTap,
    DigestTap,
    FiscalTap,
    ManualMethodsTap,
    SendByEmail,
    SendBySms,
    Skip,
)
from domain.commands import CancelInvoice, CheckStatus
from domain.i18n import format_money, t
from domain.invoice import Invoice

routes = Routes("invoices")
SKIP_TEXTS = menu_texts("btn_skip")


def account_rows(lang: str, connected: bool, monobank: bool = False) -> Rows:
    """Under the payment account: connect LiqPay (new keys replace the old) and monobank,
    disconnect each one connected, manual methods, fiscal receipts, the daily report."""
    rows: Rows = ((AccountTap("connect").button(t(lang, "btn_connect")),),)
    if connected:
        rows += ((AccountTap("disconnect").button(t(lang, "btn_disconnect")),),)
    rows += ((AccountTap("mono").button(t(lang, "btn_connect_monobank")),),)
    if monobank:
        rows += ((AccountTap("mono:disconnect").button(t(lang, "btn_disconnect_monobank")),),)
    return rows + ((ManualMethodsTap("list").button(t(lang, "btn_manual_methods")),),
                   (FiscalTap("show").button(t(lang, "btn_fiscal")),),
                   (DigestTap("show").button(t(lang, "btn_digest")),))


def skip_rows(lang: str) -> Rows:
    return ((Skip().button(t(lang, "btn_skip")),),)


def pending_rows(found: list[Invoice], lang: str) -> Rows:
    return tuple((CheckStatusTap(i.code).button(f"🔄 {format_money(i.amount, lang)}"),
                  CancelInvoiceTap(i.code).button(f"✖️ {format_money(i.amount, lang)}"))
                 for i in found)


@routes.command("new", menu="btn_create")
def new_invoice(deps: ChannelDeps, turn: Turn) -> Reply:
    """Refused before the amount is asked when there is no account to be paid into."""
    assert turn.seller is not None
    refusal = invoices.invoice_refusal(deps.uow, turn.seller.id, deps.settings, turn.lang)
    if refusal is not None:
        return say(refusal[0], account_rows(turn.lang, refusal[1]), Menu.MAIN, state=None)
    return say(t(turn.lang, "ask_amount", currency=turn.seller.currency), state={"step": "amount"})


@routes.step("amount", blocking=False)
def amount(deps: ChannelDeps, turn: Turn) -> Reply:
    assert turn.seller is not None and turn.seller.currency
    if turn.media:
        return say(t(turn.lang, "amount_not_a_number"))
    typed, problem = invoices.read_amount(turn.text, turn.seller.currency,
                                          deps.settings.max_invoice_amount, turn.lang)
    if typed is None:
        return say(problem)
    return say(t(turn.lang, "ask_description"), skip_rows(turn.lang),
               state={"step": "description", "amount": str(typed.amount),
                      "currency": typed.currency})


@routes.step("description")
@routes.action(Skip, step="description")
def description(deps: ChannelDeps, turn: Turn) -> Reply:
    assert turn.seller is not None
    if turn.media:
        return say(t(turn.lang, "unknown_input"))
    text = "" if turn.action is not None or turn.text in SKIP_TEXTS else turn.text
    if len(text) > invoices.DESCRIPTION_LIMIT:
        return say(t(turn.lang, "description_too_long", limit=invoices.DESCRIPTION_LIMIT),
                   skip_rows(turn.lang))
    got = turn.state
    command = invoices.create_invoice(turn.messenger, turn.chat_id, turn.token, turn.seller.id,
                                      got["amount"], got["currency"], text, turn.lang)
    return say(invoices.creating_text(got["amount"], got["currency"], turn.lang), menu=Menu.MAIN,
               state=None, publish=command)


@routes.command("invoices", menu="btn_pending", needs=Needs.SELLER)
def pending(deps: ChannelDeps, turn: Turn) -> Reply:
    assert turn.seller is not None
    found = invoices.open_invoices(deps.uow, turn.seller.id)
    return say(invoices.pending_text(found, turn.lang, turn.seller.country),
               pending_rows(found, turn.lang), Menu.MAIN)


@routes.action(CheckStatusTap, CancelInvoiceTap, needs=Needs.SELLER, blocking=False)
def check_or_cancel(deps: ChannelDeps, turn: Turn) -> Reply:
    """Acknowledged at once; the worker's message says what came of it."""
    assert turn.seller is not None
    if isinstance(turn.action, CheckStatusTap):
        return Reply(toast=t(turn.lang, "checking"),
                     publish=CheckStatus(code=turn.action.code, seller_id=turn.seller.id))
    assert isinstance(turn.action, CancelInvoiceTap)
    return Reply(toast=t(turn.lang, "cancelling"),
                 publish=CancelInvoice(code=turn.action.code, seller_id=turn.seller.id))


@routes.action(SendBySms, SendByEmail, needs=Needs.SELLER, blocking=False)
def ask_recipient(deps: ChannelDeps, turn: Turn) -> Reply:
    sms = isinstance(turn.action, SendBySms)
    assert isinstance(turn.action, SendBySms | SendByEmail)
    return say(t(turn.lang, "ask_buyer_phone" if sms else "ask_buyer_email"),
               state={"step": "recipient", "via": "sms" if sms else "email",
                      "code": turn.action.code})


@routes.step("recipient", needs=Needs.SELLER)
def recipient(deps: ChannelDeps, turn: Turn) -> Reply:
    """A wrong phone or address is explained and the step stays; a good one is sent."""
    assert turn.seller is not None
    via = turn.state["via"]
    to, problem = invoices.read_recipient(via, turn.text, turn.seller.country, turn.lang)
    if to is None:
        return say(problem)
    command = invoices.send_link(turn.messenger, turn.chat_id, turn.token, turn.seller.id,
                                 turn.state["code"], via, to)
    return say(t(turn.lang, "link_sending", to=to), menu=Menu.MAIN, state=None, publish=command)
