"""Manual payments in Viber: the same steps and texts as in Telegram (bots.telegram.handlers.
manual). Viber has no inline buttons, so the buttons send `mpa:{id}`, `mpr:{id}`, `mpc:{id}`,
`mpo:{code}`, `mrf:{code}`, `mmt:{method}`, `today` and `skip` back as text."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bots import manual
from bots.deps import ChannelDeps
from bots.viber import keyboards
from bots.viber.reply import Reply
from domain.commands import Command, RefundManualPayment
from domain.i18n import t
from domain.messaging import Button
from storage.repository import Seller
from workers.messengers.viber_format import keyboard

CHANNEL = "viber"
PREFIXES = (manual.APPROVE, manual.REJECT, manual.CORRECT, manual.OPEN, manual.REFUND)
STEPS = ("mp_reason", "mp_amount", "mp_date", "mp_comment", "rec_amount", "rec_method",
         "rec_date", "rec_comment", "mrf_comment")


def _one(text: str, data: str) -> dict[str, Any]:
    return keyboard(((Button(text, data=data),),))


class ManualDialog:
    def __init__(self, deps: ChannelDeps, state: Any,
                 then_publish: Callable[[str, Reply, Command], list[Reply]]) -> None:
        self.deps, self.state, self._then_publish = deps, state, then_publish

    def tapped(self, user_id: str, seller: Seller | None, lang: str, text: str) -> list[Reply]:
        """A manual payment button, or *Record payment* from the main menu."""
        if seller is None or not seller.currency:
            return [Reply(t(lang, "need_phone_first"), keyboards.share_phone(lang))]
        if not text.startswith(PREFIXES):  # *Record payment*
            self.state.set(user_id, {"step": "rec_amount"})
            return [Reply(t(lang, "record_ask_amount"))]
        prefix, key = text[:4], text[4:]
        if prefix in (manual.OPEN, manual.REFUND):
            invoice = manual.own_invoice(self.deps.uow, seller.id, key)
            if prefix == manual.OPEN:
                if invoice is None:
                    return [Reply(t(lang, "invoice_not_found"), keyboards.main_menu(lang))]
                return [self._ask_method(user_id, seller, lang, {"code": key})]
            if invoice is None or not invoice.manual or invoice.refundable.amount <= 0:
                return [Reply(t(lang, "refund_nothing_left"), keyboards.main_menu(lang))]
            self.state.set(user_id, {"step": "mrf_comment", "code": key})
            return [Reply(manual.refund_ask_text(invoice, lang))]
        if manual.own_payment(self.deps.uow, seller.id, key) is None:
            return [Reply(t(lang, "manual_not_found"), keyboards.main_menu(lang))]
        if prefix == manual.APPROVE:
            return self._publish(user_id, lang, manual.decide(seller.id, key, True),
                                 t(lang, "manual_approving"))
        if prefix == manual.REJECT:
            self.state.set(user_id, {"step": "mp_reason", "payment_id": key})
            return [Reply(t(lang, "manual_ask_reason"))]
        self.state.set(user_id, {"step": "mp_amount", "payment_id": key})
        return [Reply(t(lang, "manual_ask_amount"), keyboards.skip(lang))]

    def step(self, user_id: str, seller: Seller, lang: str, text: str, step: dict[str, Any],
             token: str) -> list[Reply]:
        name = step["step"]
        skipped = text == "skip" or text in keyboards.button_texts("btn_skip")
        if name == "mp_reason":
            return self._publish(user_id, lang, manual.decide(
                seller.id, step["payment_id"], False, manual.read_comment(text)),
                t(lang, "manual_rejecting"))
        if name == "mrf_comment":
            return self._publish(user_id, lang, RefundManualPayment(
                step["code"], seller.id, manual.read_comment(text)), t(lang, "manual_refunding"))
        if name in ("mp_amount", "rec_amount"):
            if not (skipped and name == "mp_amount"):
                amount, problem = manual.read_corrected(
                    text, seller.currency or "UAH", self.deps.settings.max_invoice_amount, lang)
                if amount is None:
                    return [Reply(problem)]
                step = {**step, "amount": str(amount.amount), "currency": amount.currency}
            if name == "rec_amount":
                return [self._ask_method(user_id, seller, lang, step)]
            return [self._ask_date(user_id, lang, step, "mp_date")]
        if name == "rec_method":
            if not text.startswith(manual.METHOD):
                return [self._ask_method(user_id, seller, lang, step)]
            return [self._ask_date(user_id, lang, {**step, "method": text[4:]}, "rec_date")]
        if name in ("mp_date", "rec_date"):
            today = manual.local_today(seller.country)
            paid_on = today if text == "today" else manual.read_paid_on(text, today)
            if paid_on is None:
                return [Reply(t(lang, "record_date_invalid"), _one(t(lang, "btn_today"), "today"))]
            self.state.set(user_id, {**step, "paid_on": paid_on.isoformat(),
                                     "step": name.replace("date", "comment")})
            return [Reply(t(lang, "record_ask_comment"), keyboards.skip(lang))]
        comment = None if skipped else manual.read_comment(text)
        if name == "mp_comment":
            corrections = {"amount": step.get("amount"), "currency": step.get("currency"),
                           "paid_on": step.get("paid_on"), "comment": comment}
            return self._publish(user_id, lang, manual.decide(
                seller.id, step["payment_id"], True, corrections=corrections),
                t(lang, "manual_approving"))
        data = {**step, "comment": comment or ""}
        return self._publish(user_id, lang, manual.record(CHANNEL, user_id, f"c{token}", seller,
                                                          data), manual.saving_text(data, lang))

    def _ask_method(self, user_id: str, seller: Seller, lang: str,
                    step: dict[str, Any]) -> Reply:
        self.state.set(user_id, {**step, "step": "rec_method"})
        found = manual.methods(self.deps.uow, seller)
        return Reply(t(lang, "record_ask_method"), keyboard(tuple(
            (Button(manual.method_label(m, lang), data=f"{manual.METHOD}{m.id}"),)
            for m in found)))

    def _ask_date(self, user_id: str, lang: str, step: dict[str, Any], name: str) -> Reply:
        self.state.set(user_id, {**step, "step": name})
        return Reply(t(lang, "record_ask_date"), _one(t(lang, "btn_today"), "today"))

    def _publish(self, user_id: str, lang: str, command: Command, text: str) -> list[Reply]:
        replies = self._then_publish(user_id, Reply(text, keyboards.main_menu(lang)), command)
        self.state.clear(user_id)
        return replies
