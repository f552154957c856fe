"""The Viber dialog's invoice steps: create one (amount, description), list the open ones,
check or cancel one, send its link by SMS or e-mail, the buyer details asked on the pay page, and
the shop webhook. `Dialog` inherits them and routes each message to its step."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bots import invoices, webhooks
from bots.viber import keyboards
from bots.viber.reply import Reply
from domain.commands import CancelInvoice, CheckStatus, Command
from domain.i18n import t
from storage.repository import Seller

if TYPE_CHECKING:
    from bots.viber.dialog import DialogState, ViberDeps


class InvoiceSteps:
    """A mixin of `Dialog`: its dependencies, state and `_then_publish` come from there."""

    if TYPE_CHECKING:
        deps: ViberDeps
        state: DialogState
        _then_publish: Callable[[str, Reply, Command], list[Reply]]

    def _new_invoice(self, user_id: str, seller: Seller | None, lang: str) -> Reply:
        if seller is None or not seller.currency:
            return Reply(t(lang, "need_phone_first"), keyboards.share_phone(lang))
        refusal = invoices.invoice_refusal(self.deps.uow, seller.id, self.deps.settings, lang)
        if refusal is not None:
            self.state.clear(user_id)
            return Reply(refusal[0], keyboards.account(lang, refusal[1]))
        self.state.set(user_id, {"step": "amount"})
        return Reply(t(lang, "ask_amount", currency=seller.currency))

    def _amount(self, user_id: str, seller: Seller, lang: str, text: str) -> Reply:
        assert seller.currency
        amount, problem = invoices.read_amount(text, seller.currency,
                                               self.deps.settings.max_invoice_amount, lang)
        if amount is None:
            return Reply(problem)
        self.state.set(user_id, {"step": "description", "amount": str(amount.amount),
                                 "currency": amount.currency})
        return Reply(t(lang, "ask_description"), keyboards.skip(lang))

    def _describe(self, user_id: str, seller: Seller, lang: str, description: str,
                  step: dict[str, Any], token: str) -> list[Reply]:
        if len(description) > invoices.DESCRIPTION_LIMIT:
            return [Reply(t(lang, "description_too_long", limit=invoices.DESCRIPTION_LIMIT),
                          keyboards.skip(lang))]
        command = invoices.create_invoice(self.deps.channel, user_id, token, seller.id,
                                          step["amount"], step["currency"], description, lang)
        replies = self._then_publish(user_id, Reply(
            invoices.creating_text(step["amount"], step["currency"], lang),
            keyboards.main_menu(lang)), command)
        self.state.clear(user_id)
        return replies

    def _pending(self, seller: Seller | None, lang: str) -> Reply:
        if seller is None:
            return Reply(t(lang, "need_phone_first"), keyboards.share_phone(lang))
        found = invoices.open_invoices(self.deps.uow, seller.id)
        board = keyboards.pending(found, lang) if found else keyboards.main_menu(lang)
        return Reply(invoices.pending_text(found, lang, seller.country), board)

    def _check(self, user_id: str, seller: Seller | None, lang: str, code: str) -> list[Reply]:
        if seller is None:
            return [Reply(t(lang, "need_phone_first"), keyboards.share_phone(lang))]
        return self._then_publish(user_id, Reply(t(lang, "checking"), keyboards.main_menu(lang)),
                                  CheckStatus(code=code, seller_id=seller.id))

    def _cancel(self, user_id: str, seller: Seller | None, lang: str, code: str) -> list[Reply]:
        if seller is None:
            return [Reply(t(lang, "need_phone_first"), keyboards.share_phone(lang))]
        return self._then_publish(user_id, Reply(t(lang, "cancelling"), keyboards.main_menu(lang)),
                                  CancelInvoice(code=code, seller_id=seller.id))

    def _buyer_fields(self, user_id: str, seller: Seller | None, lang: str, text: str) -> Reply:
        """*Settings → Buyer details*: show the choice, or switch one field (`bf:<field>`)."""
        if seller is None or not seller.currency:
            return Reply(t(lang, "need_phone_first"), keyboards.share_phone(lang))
        if text.startswith(invoices.BUYER_FIELD_PREFIX):
            seller = self.deps.sellers.toggle_buyer_field(
                user_id, text[len(invoices.BUYER_FIELD_PREFIX):]) or seller
        return Reply(invoices.buyer_fields_text(seller, lang), keyboards.buyer_fields(lang))

    def _ask_recipient(self, user_id: str, seller: Seller | None, lang: str,
                       data: str) -> Reply:
        """*Send by SMS* / *Send by e-mail* under an invoice: ask for the phone or address."""
        if seller is None:
            return Reply(t(lang, "need_phone_first"), keyboards.share_phone(lang))
        via, prompt = invoices.SEND_VIA[data[:4]]
        self.state.set(user_id, {"step": "recipient", "via": via, "code": data[4:]})
        return Reply(t(lang, prompt))

    def _recipient(self, user_id: str, seller: Seller, lang: str, text: str,
                   step: dict[str, Any], token: str) -> list[Reply]:
        """A wrong phone or address is explained and the step stays; a good one is sent."""
        to, problem = invoices.read_recipient(step["via"], text, seller.country, lang)
        if to is None:
            return [Reply(problem)]
        command = invoices.send_link(self.deps.channel, user_id, token, seller.id, step["code"],
                                     step["via"], to)
        replies = self._then_publish(user_id, Reply(t(lang, "link_sending", to=to),
                                                    keyboards.main_menu(lang)), command)
        self.state.clear(user_id)
        return replies

    def _webhook(self, user_id: str, seller: Seller | None, lang: str,
                 text: str) -> list[Reply]:
        """`/webhook URL` sets the shop URL (the worker answers with the secret and pings it);
        `/webhook` alone shows it with its buttons; a button asks the worker for its action."""
        if seller is None:
            return [Reply(t(lang, "need_phone_first"), keyboards.share_phone(lang))]
        command = (webhooks.button(text, seller.id) if text.startswith(webhooks.PREFIX)
                   else webhooks.parse(text, seller.id))
        if command is not None:
            self.deps.bus.publish(command)
            return []
        shown, exists = webhooks.report(self.deps.uow, seller.id, lang)
        return [Reply(shown, keyboards.webhook(lang) if exists else keyboards.main_menu(lang))]
