"""The Viber dialog's invoice steps: create one (amount, description), list the open ones,
check or cancel one, send its link by SMS or e-mail, the buyer details asked on the pay page, and
the shop webhook. `Dialog` inherits them and routes each message to its step."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bots import invoices, webhooks
from bots.viber import keyboards
from bots.viber.reply import Reply
from domain.commands import Command
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

    def _buyer_fields(self, user_id: str, seller: Seller | None, lang: str, text: str) -> Reply:
        """*Settings → Buyer details*: show the choice, or switch one field (`bf:<field>`)."""
        if seller is None or not seller.currency:
            return Reply(t(lang, "need_phone_first"), keyboards.share_phone(lang))
        if text.startswith(invoices.BUYER_FIELD_PREFIX):
            seller = self.deps.sellers.toggle_buyer_field(
                user_id, text[len(invoices.BUYER_FIELD_PREFIX):]) or seller
        return Reply(invoices.buyer_fields_text(seller, lang), keyboards.buyer_fields(lang))

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
