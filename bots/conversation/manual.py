"""Manual payments: *Approve* / *Reject* / *Approve with corrections* under a declared payment,
*Record payment* from the main menu, *Paid another way* under an invoice (the first of two steps:
it opens a payment the seller then approves), and *Refund* on an invoice paid by hand. Every
button is checked against the seller who tapped it."""
from __future__ import annotations

from collections.abc import Mapping

from bots import manual
from bots.conversation.routes import Routes, menu_texts
from bots.conversation.turn import Menu, Reply, Rows, State, Turn, say
from bots.deps import ChannelDeps
from domain.actions import (
    ApproveManual,
    CorrectManual,
    ManualMethodChosen,
    ManualRefundTap,
    RecordForInvoice,
    RejectManual,
    Skip,
    Today,
)
from domain.commands import Command, RefundManualPayment
from domain.i18n import t

routes = Routes("manual")
SKIP_TEXTS = menu_texts("btn_skip")
DATES = ("mp_date", "rec_date")
COMMENTS = ("mp_comment", "rec_comment")


def done(turn: Turn, command: Command, text: str) -> Reply:
    return say(text, menu=Menu.MAIN, state=None, publish=command)


def skip_rows(lang: str) -> Rows:
    return ((Skip().button(t(lang, "btn_skip")),),)


def today_rows(lang: str) -> Rows:
    return ((Today().button(t(lang, "btn_today")),),)


def ask_method(deps: ChannelDeps, turn: Turn, got: Mapping[str, str]) -> Reply:
    assert turn.seller is not None
    found = manual.methods(deps.uow, turn.seller)
    rows = tuple((ManualMethodChosen(str(m.id)).button(manual.method_label(m, turn.lang)),)
                 for m in found)
    return say(t(turn.lang, "record_ask_method"), rows, state={**got, "step": "rec_method"})


def ask_date(turn: Turn, got: State, step: str) -> Reply:
    return say(t(turn.lang, "record_ask_date"), today_rows(turn.lang), state={**got, "step": step})


@routes.action(ApproveManual, RejectManual, CorrectManual)
def decision(deps: ChannelDeps, turn: Turn) -> Reply:
    assert turn.seller is not None
    assert isinstance(turn.action, ApproveManual | RejectManual | CorrectManual)
    payment_id = turn.action.payment_id
    if manual.own_payment(deps.uow, turn.seller.id, payment_id) is None:
        return say(t(turn.lang, "manual_not_found"), menu=Menu.MAIN)
    if isinstance(turn.action, ApproveManual):
        return done(turn, manual.decide(turn.seller.id, payment_id, True),
                    t(turn.lang, "manual_approving"))
    if isinstance(turn.action, RejectManual):
        return say(t(turn.lang, "manual_ask_reason"),
                   state={"step": "mp_reason", "payment_id": payment_id})
    return say(t(turn.lang, "manual_ask_amount"), skip_rows(turn.lang),
               state={"step": "mp_amount", "payment_id": payment_id})


@routes.command(menu="btn_record", blocking=False)
def record(deps: ChannelDeps, turn: Turn) -> Reply:
    return say(t(turn.lang, "record_ask_amount"), state={"step": "rec_amount"})


@routes.action(RecordForInvoice)
def paid_another_way(deps: ChannelDeps, turn: Turn) -> Reply:
    assert turn.seller is not None and isinstance(turn.action, RecordForInvoice)
    if manual.own_invoice(deps.uow, turn.seller.id, turn.action.code) is None:
        return say(t(turn.lang, "invoice_not_found"), menu=Menu.MAIN)
    return ask_method(deps, turn, {"code": turn.action.code})


@routes.action(ManualRefundTap)
def refund(deps: ChannelDeps, turn: Turn) -> Reply:
    assert turn.seller is not None and isinstance(turn.action, ManualRefundTap)
    invoice = manual.own_invoice(deps.uow, turn.seller.id, turn.action.code)
    if invoice is None or not invoice.manual or invoice.refundable.amount <= 0:
        return say(t(turn.lang, "refund_nothing_left"), menu=Menu.MAIN)
    return say(manual.refund_ask_text(invoice, turn.lang),
               state={"step": "mrf_comment", "code": turn.action.code})


@routes.step("mp_reason", "mrf_comment", blocking=False)
def reason(deps: ChannelDeps, turn: Turn) -> Reply:
    assert turn.seller is not None
    if turn.media:
        return say(t(turn.lang, "unknown_input"))
    words = manual.read_comment(turn.text)
    if turn.step == "mp_reason":
        return done(turn, manual.decide(turn.seller.id, turn.state["payment_id"], False, words),
                    t(turn.lang, "manual_rejecting"))
    return done(turn, RefundManualPayment(turn.state["code"], turn.seller.id, words),
                t(turn.lang, "manual_refunding"))


@routes.step("mp_amount", "rec_amount")
@routes.action(Skip, step="mp_amount", blocking=False)
def amount(deps: ChannelDeps, turn: Turn) -> Reply:
    assert turn.seller is not None
    got = dict(turn.state)
    skipped = turn.action is not None or turn.text in SKIP_TEXTS
    if not (skipped and turn.step == "mp_amount"):
        typed, problem = manual.read_corrected(turn.text, turn.seller.currency or "UAH",
                                               deps.settings.max_invoice_amount, turn.lang)
        if turn.media or typed is None:
            return say(problem or t(turn.lang, "amount_not_a_number"))
        got.update(amount=str(typed.amount), currency=typed.currency)
    if turn.step == "rec_amount":
        return ask_method(deps, turn, got)
    return ask_date(turn, got, "mp_date")


@routes.step("rec_method")
@routes.action(ManualMethodChosen, step="rec_method", blocking=False)
def method(deps: ChannelDeps, turn: Turn) -> Reply:
    if not isinstance(turn.action, ManualMethodChosen):
        return ask_method(deps, turn, turn.state)
    return ask_date(turn, {**turn.state, "method": turn.action.method_id}, "rec_date")


@routes.step(*DATES, blocking=False)
@routes.action(Today, steps=DATES, blocking=False)
def paid_on(deps: ChannelDeps, turn: Turn) -> Reply:
    assert turn.seller is not None
    today = manual.local_today(turn.seller.country)
    when = today if turn.action is not None else manual.read_paid_on(turn.text, today)
    if when is None:
        return say(t(turn.lang, "record_date_invalid"), today_rows(turn.lang))
    return say(t(turn.lang, "record_ask_comment"), skip_rows(turn.lang),
               state={**turn.state, "paid_on": when.isoformat(),
                      "step": turn.step.replace("date", "comment")})


@routes.step(*COMMENTS)
@routes.action(Skip, steps=COMMENTS)
def comment(deps: ChannelDeps, turn: Turn) -> Reply:
    assert turn.seller is not None
    if turn.media:
        return say(t(turn.lang, "unknown_input"))
    got = turn.state
    words = None if turn.action is not None or turn.text in SKIP_TEXTS \
        else manual.read_comment(turn.text)
    if turn.step == "mp_comment":
        corrections = {"amount": got.get("amount"), "currency": got.get("currency"),
                       "paid_on": got.get("paid_on"), "comment": words}
        return done(turn, manual.decide(turn.seller.id, got["payment_id"], True,
                                        corrections=corrections), t(turn.lang, "manual_approving"))
    data = {**got, "comment": words or ""}
    return done(turn, manual.record(turn.messenger, turn.chat_id, f"c{turn.token}", turn.seller,
                                    data), manual.saving_text(data, turn.lang))
