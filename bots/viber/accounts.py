"""Settings → Payment account in Viber: see it, connect LiqPay (public key → private key),
disconnect. The same steps and texts as in Telegram; Viber lets no bot delete a person's message,
so the seller is asked to delete each message carrying a key themself.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bots import accounts
from bots.viber import keyboards
from bots.viber.reply import Reply
from domain.commands import Command
from domain.i18n import mask_key, t
from storage.repository import Seller

if TYPE_CHECKING:
    from bots.viber.dialog import DialogState, ViberDeps

log = logging.getLogger(__name__)

KEY_STEPS = ("public_key", "private_key", "monobank_token")


class AccountDialog:
    def __init__(self, deps: ViberDeps, state: DialogState,
                 then_publish: Callable[[str, Reply, Command], list[Reply]]) -> None:
        self.deps = deps
        self.state = state
        self.then_publish = then_publish

    def show(self, user_id: str, seller: Seller, lang: str) -> Reply:
        self.state.clear(user_id)
        text, public_key, merchant = accounts.screen(self.deps.uow, seller.id,
                                                     self.deps.settings.platform_account, lang)
        return Reply(text, keyboards.account(lang, public_key is not None, merchant is not None))

    def button(self, user_id: str, seller: Seller, lang: str, action: str) -> Reply:
        """An `acct:` button: connect, disconnect, its confirmation, or keep."""
        if action == "connect":
            self.state.set(user_id, {"step": "public_key"})
            return Reply(t(lang, "ask_public_key"))
        if action.startswith("mono"):
            return self._monobank(user_id, seller, lang, action)
        if action == "disconnect":
            public_key = accounts.connected_key(self.deps.uow, seller.id)
            if public_key is None:
                return Reply(t(lang, "account_not_connected"), keyboards.main_menu(lang))
            return Reply(t(lang, "confirm_disconnect", public_key=mask_key(public_key)),
                         keyboards.confirm_disconnect(lang))
        if action == "disconnect:yes":
            if not accounts.disconnect(self.deps.uow, seller.id):
                return Reply(t(lang, "account_not_connected"), keyboards.main_menu(lang))
            log.info("Seller %d disconnected their own account.", seller.id)
            platform = self.deps.settings.platform_account
            return Reply(f"{t(lang, 'account_disconnected')}\n\n"
                         f"{accounts.account_text(None, platform, lang)}",
                         keyboards.main_menu(lang))
        return Reply(t(lang, "nothing_changed"), keyboards.main_menu(lang))

    def _monobank(self, user_id: str, seller: Seller, lang: str, action: str) -> Reply:
        """`acct:mono` buttons: connect (its token), disconnect, its confirmation."""
        if action == "mono":
            self.state.set(user_id, {"step": "monobank_token"})
            return Reply(t(lang, "ask_monobank_token"))
        if action not in ("mono:disconnect", "mono:disconnect:yes"):
            return Reply(t(lang, "nothing_changed"), keyboards.main_menu(lang))
        merchant = accounts.monobank_key(self.deps.uow, seller.id)
        if merchant is None or (action == "mono:disconnect:yes" and not accounts.disconnect(
                self.deps.uow, seller.id, accounts.MONOBANK)):
            return Reply(t(lang, "monobank_not_connected"), keyboards.main_menu(lang))
        if action == "mono:disconnect":
            return Reply(t(lang, "confirm_disconnect_monobank", public_key=mask_key(merchant)),
                         keyboards.confirm_disconnect(lang, "acct:mono"))
        log.info("Seller %d disconnected their monobank account.", seller.id)
        return Reply(t(lang, "monobank_disconnected"), keyboards.main_menu(lang))

    def key_typed(self, user_id: str, seller: Seller, lang: str, text: str,
                  step: dict[str, Any], token: str) -> list[Reply]:
        delete = t(lang, "key_delete_yourself")
        if step["step"] == "monobank_token":
            secret = accounts.read_token(text)
            if secret is None:
                return [Reply(f"{delete}\n\n{t(lang, 'monobank_token_not_valid')}")]
            command = accounts.monobank_command(
                self.deps.box, channel="viber", chat_id=user_id, key=token, seller_id=seller.id,
                token=secret, lang=lang)
            replies = self.then_publish(user_id, Reply(
                f"{delete}\n\n{t(lang, 'checking_monobank_token')}", keyboards.main_menu(lang)),
                command)
            self.state.clear(user_id)
            return replies
        key = accounts.read_key(text)
        if key is None:
            return [Reply(f"{delete}\n\n{t(lang, 'key_not_valid')}")]
        box = self.deps.box
        if step["step"] == "public_key":
            # not a secret, but the dialog state keeps nothing of the keys in clear
            self.state.set(user_id, {"step": "private_key", "public_key": box.encrypt(key)})
            return [Reply(f"{delete}\n\n{t(lang, 'ask_private_key')}")]
        public_key = accounts.remembered_key(box, step.get("public_key"))
        if public_key is None:
            self.state.set(user_id, {"step": "public_key"})
            return [Reply(f"{delete}\n\n{t(lang, 'ask_public_key')}")]
        command = accounts.connect_command(
            box, channel="viber", chat_id=user_id, key=token, seller_id=seller.id,
            public_key=public_key, private_key=key, lang=lang)
        replies = self.then_publish(user_id, Reply(f"{delete}\n\n{t(lang, 'checking_keys')}",
                                                   keyboards.main_menu(lang)), command)
        self.state.clear(user_id)
        return replies
