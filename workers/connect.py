"""Connecting a seller's own provider account: the keys they typed in a bot are checked with the
provider and stored (encrypted) only if they pass; the seller hears the outcome either way.

The private key arrives encrypted in the command and is decrypted only here, for the check; it is
never logged and never put in a message.
"""
from __future__ import annotations

import logging

from domain.commands import ConnectAccount
from domain.errors import ProviderRejected, ProviderUnavailable, SecretUnreadable
from domain.i18n import mask_key, t
from storage.secrets import SecretBox
from workers.notify import tell
from workers.runtime import Deps

log = logging.getLogger(__name__)


def connect_account(cmd: ConnectAccount, d: Deps) -> None:
    """Check the keys, store them if they pass, and tell the seller.

    Idempotent: a redelivered command whose keys are already the seller's account stores nothing
    new. A provider that cannot be reached is not retried behind the seller's back: they are told
    to try again, and nothing is stored.
    """
    lang = cmd.language
    try:
        private_key = SecretBox.from_settings(d.settings).decrypt(cmd.private_key_encrypted)
    except SecretUnreadable:  # SECRET_KEY changed between the bot and the worker
        log.warning("Keys of seller %d could not be decrypted; not connected.", cmd.seller_id)
        tell(d, cmd.channel, cmd.chat_id, t(lang, "keys_unchecked"))
        return
    if cmd.provider and cmd.provider != d.accounts.name:
        _connect_token(cmd, private_key, d)
        return
    if _already(cmd, private_key, d):
        log.info("Seller %d's keys were connected already (%s).", cmd.seller_id,
                 cmd.idempotency_key)
    else:
        try:
            d.accounts.connect(cmd.seller_id, cmd.public_key, private_key)
        except ProviderUnavailable as exc:
            log.warning("Keys of seller %d not checked, LiqPay unreachable: %s", cmd.seller_id,
                        exc)
            tell(d, cmd.channel, cmd.chat_id, t(lang, "keys_unchecked"))
            return
        except ProviderRejected as exc:
            log.info("Keys of seller %d refused: %s", cmd.seller_id, exc)
            tell(d, cmd.channel, cmd.chat_id, t(lang, "keys_refused"))
            return
    tell(d, cmd.channel, cmd.chat_id,
         t(lang, "account_connected", public_key=mask_key(cmd.public_key.strip())))


def _connect_token(cmd: ConnectAccount, token: str, d: Deps) -> None:
    """A provider connected by one token: checked with it (its merchant's details), stored
    only if accepted; the seller sees the merchant's name, or why nothing was stored."""
    lang, provider = cmd.language, cmd.provider
    try:
        merchant = d.accounts.connect_token(provider, cmd.seller_id, token)
    except ProviderUnavailable as exc:
        log.warning("Token of seller %d not checked, %s unreachable: %s", cmd.seller_id,
                    provider, exc)
        tell(d, cmd.channel, cmd.chat_id, t(lang, f"{provider}_unchecked"))
        return
    except ProviderRejected as exc:
        log.info("Token of seller %d refused by %s: %s", cmd.seller_id, provider, exc)
        tell(d, cmd.channel, cmd.chat_id, t(lang, f"{provider}_refused"))
        return
    tell(d, cmd.channel, cmd.chat_id, t(lang, f"{provider}_connected", merchant=merchant))


def _already(cmd: ConnectAccount, private_key: str, d: Deps) -> bool:
    with d.uow().readonly() as uow:
        account = uow.accounts.connected(cmd.seller_id, d.accounts.name)
        # keys LiqPay refused are checked again, even the same ones: they may work once more
        refused = account is not None and uow.account_checks.is_refused(account.id)
    if account is None or refused or account.public_key != cmd.public_key.strip():
        return False
    box = SecretBox.from_settings(d.settings)
    return box.decrypt(account.private_key_encrypted) == private_key.strip()
