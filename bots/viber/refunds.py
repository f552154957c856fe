"""*Refund* in Viber: the same steps and texts as in Telegram. Viber has no inline buttons, so
the buttons send `rfd:{code}`, `rfa` (all that is left), `rfc` (confirm) and `rfn` (no) back as
text; anything but `rfc` at the confirmation ends the refund, as in Telegram."""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bots import refunds
from bots.deps import ChannelDeps
from bots.viber import keyboards
from bots.viber.reply import Reply
from domain.commands import Command
from domain.i18n import format_money, t
from domain.messaging import Button
from domain.money import Money
from storage.repository import Seller
from workers.messengers.viber_format import keyboard

CHANNEL = "viber"
STEPS = ("refund_amount", "refund_confirm")


class RefundDialog:
    def __init__(self, deps: ChannelDeps, state: Any,
                 then_publish: Callable[[str, Reply, Command], list[Reply]]) -> None:
        self.deps, self.state, self._then_publish = deps, state, then_publish

    def tapped(self, user_id: str, seller: Seller | None, lang: str, code: str) -> Reply:
        invoice = None if seller is None else refunds.refundable_invoice(
            self.deps.uow, seller.id, code)
        refused = refunds.refusal(invoice, lang)
        if refused is not None or invoice is None:
            return Reply(refused or t(lang, "refund_nothing_left"), keyboards.main_menu(lang))
        left = invoice.refundable
        self.state.set(user_id, {"step": "refund_amount", "code": invoice.code,
                                 "description": invoice.description, "left": str(left.amount),
                                 "currency": left.currency})
        return Reply(refunds.ask_text(left, lang), keyboard(((Button(
            t(lang, "btn_refund_all", amount=format_money(left, lang)), data="rfa"),),)))

    def step(self, user_id: str, seller: Seller, lang: str, text: str, step: dict[str, Any],
             token: str) -> list[Reply]:
        left = Money(Decimal(step["left"]), step["currency"])
        if step["step"] == "refund_amount":
            amount, problem = (left, "") if text == "rfa" else refunds.read_refund_amount(
                text, left, self.deps.settings.max_invoice_amount, lang)
            if amount is None:
                return [Reply(problem)]
            self.state.set(user_id, {**step, "step": "refund_confirm", "amount": str(amount.amount)})
            return [Reply(refunds.confirm_text(amount, step["description"], lang), keyboard(
                ((Button(t(lang, "btn_refund_confirm"), data="rfc"),
                  Button(t(lang, "btn_refund_no"), data="rfn")),)))]
        if text != "rfc":
            self.state.clear(user_id)
            return [Reply(t(lang, "dialog_cancelled"), keyboards.main_menu(lang))]
        command = refunds.refund_command(CHANNEL, user_id, f"rfc{token}", seller.id,
                                         step["code"], step["amount"])
        replies = self._then_publish(user_id, Reply(
            refunds.requested_text(step["amount"], step["currency"], lang),
            keyboards.main_menu(lang)), command)
        self.state.clear(user_id)
        return replies
