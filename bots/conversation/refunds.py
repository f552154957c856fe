"""*Refund* under a paid invoice: the amount (all that is left, or typed) → *Yes* / *No* →
published. Anything but *Yes* at the confirmation ends the refund: nothing is sent."""
from __future__ import annotations

from decimal import Decimal

from bots import refunds
from bots.conversation.guards import Needs
from bots.conversation.routes import Routes
from bots.conversation.turn import Menu, Reply, Turn, say
from bots.deps import ChannelDeps
from domain.actions import RefundAll, RefundConfirm, RefundNo, RefundTap
from domain.i18n import format_money, t
from domain.money import Money

routes = Routes("refunds")


@routes.action(RefundTap, needs=Needs.SELLER)
def refund(deps: ChannelDeps, turn: Turn) -> Reply:
    assert turn.seller is not None and isinstance(turn.action, RefundTap)
    invoice = refunds.refundable_invoice(deps.uow, turn.seller.id, turn.action.code)
    refused = refunds.refusal(invoice, turn.lang)
    if refused is not None or invoice is None:
        return say(refused or t(turn.lang, "refund_nothing_left"), menu=Menu.MAIN)
    left = invoice.refundable
    everything = RefundAll().button(t(turn.lang, "btn_refund_all",
                                      amount=format_money(left, turn.lang)))
    return say(refunds.ask_text(left, turn.lang), ((everything,),),
               state={"step": "refund_amount", "code": invoice.code,
                      "description": invoice.description, "left": str(left.amount),
                      "currency": left.currency})


@routes.step("refund_amount", needs=Needs.SELLER, blocking=False)
@routes.action(RefundAll, needs=Needs.SELLER, blocking=False, step="refund_amount")
def amount(deps: ChannelDeps, turn: Turn) -> Reply:
    got = turn.state
    left = Money(Decimal(got["left"]), got["currency"])
    if turn.media:
        return say(t(turn.lang, "amount_not_a_number"))
    chosen, problem = (left, "") if turn.action is not None else refunds.read_refund_amount(
        turn.text, left, deps.settings.max_invoice_amount, turn.lang)
    if chosen is None:
        return say(problem)
    rows = ((RefundConfirm().button(t(turn.lang, "btn_refund_confirm")),
             RefundNo().button(t(turn.lang, "btn_refund_no"))),)
    return say(refunds.confirm_text(chosen, got["description"], turn.lang), rows,
               state={**got, "step": "refund_confirm", "amount": str(chosen.amount)})


@routes.step("refund_confirm", needs=Needs.SELLER, blocking=False)
@routes.action(RefundNo, needs=Needs.SELLER, blocking=False, step="refund_confirm")
def declined(deps: ChannelDeps, turn: Turn) -> Reply:
    return say(t(turn.lang, "dialog_cancelled"), menu=Menu.MAIN, state=None)


@routes.action(RefundConfirm, needs=Needs.SELLER, step="refund_confirm")
def confirmed(deps: ChannelDeps, turn: Turn) -> Reply:
    """One refund per confirming tap: the tap's token makes a redelivered one the same refund."""
    assert turn.seller is not None
    got = turn.state
    command = refunds.refund_command(turn.messenger, turn.chat_id, turn.token, turn.seller.id,
                                     got["code"], got["amount"])
    return say(refunds.requested_text(got["amount"], got["currency"], turn.lang), menu=Menu.MAIN,
               state=None, publish=command)
