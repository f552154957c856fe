"""What both bots do with a seller's payment account, whatever the messenger: say which account
their invoices are paid into, read a key the seller typed, build the ConnectAccount command with
the private key encrypted, and disconnect.

Checking keys needs the provider, so it happens in a worker (workers/connect.py); the bots only
read and write storage. Nothing here keeps or shows a private key: it is encrypted the moment it is
read, and only its ciphertext reaches Redis (the dialog state, the queue).
"""
from __future__ import annotations

import re
from collections.abc import Callable

from domain.commands import ConnectAccount
from domain.errors import SecretUnreadable
from domain.i18n import mask_key, t
from storage.secrets import SecretBox
from storage.uow import UnitOfWork

PROVIDER = "liqpay"
MONOBANK = "monobank"  #: the provider connected by one token (the business cabinet's)
KEY = re.compile(r"[A-Za-z0-9_+/=.-]{4,200}")  #: one word: LiqPay's keys are letters and digits
TOKEN = re.compile(r"[A-Za-z0-9_+/=.-]{16,300}")  #: one word: monobank's token


def read_token(text: str) -> str | None:
    """The monobank token in what the seller typed, or None if it cannot be one."""
    token = text.strip()
    return token if TOKEN.fullmatch(token) else None


def monobank_key(uow_factory: Callable[[], UnitOfWork], seller_id: int) -> str | None:
    """The merchant id of the seller's connected monobank account, or None."""
    with uow_factory().readonly() as uow:
        account = uow.accounts.connected(seller_id, MONOBANK)
    return account.public_key if account is not None else None


def screen(uow_factory: Callable[[], UnitOfWork], seller_id: int, platform: bool,
           lang: str) -> tuple[str, str | None, str | None]:
    """*Payment account* listing each connected provider, masked: its text, the LiqPay public
    key and the monobank merchant id of the seller's own accounts (None: not connected)."""
    with uow_factory().readonly() as uow:
        own = uow.accounts.connected(seller_id, PROVIDER)
        mono = uow.accounts.connected(seller_id, MONOBANK)
        refused = own is not None and uow.account_checks.is_refused(own.id)
        mono_refused = mono is not None and uow.account_checks.is_refused(mono.id)
    public_key = own.public_key if own is not None else None
    if own is not None and mono is not None:  # the pay page offers both: the buyer chooses
        text = t(lang, "account_both", public_key=mask_key(own.public_key))
        if refused:
            text += "\n" + t(lang, "account_own_refused")
    elif mono is not None:
        text = t(lang, "account_own_only_monobank")
    else:
        text = account_text(public_key, platform, lang, refused)
    if mono is not None:
        text += "\n" + t(lang, "account_monobank", public_key=mask_key(mono.public_key))
        if mono_refused:
            text += "\n" + t(lang, "account_monobank_refused")
    return text, public_key, mono.public_key if mono is not None else None


def monobank_command(box: SecretBox, *, channel: str, chat_id: str, key: str, seller_id: int,
                     token: str, lang: str) -> ConnectAccount:
    """The command for one token message; encrypted at once, checked by a worker."""
    return ConnectAccount(idempotency_key=f"{channel}:{chat_id}:{key}", seller_id=seller_id,
                          public_key="", private_key_encrypted=box.encrypt(token),
                          channel=channel, chat_id=chat_id, language=lang, provider=MONOBANK)


def read_key(text: str) -> str | None:
    """The key in what the seller typed, or None if it cannot be one."""
    key = text.strip()
    return key if KEY.fullmatch(key) else None


def connected_key(uow_factory: Callable[[], UnitOfWork], seller_id: int) -> str | None:
    """The public key of the seller's own connected account, or None."""
    with uow_factory().readonly() as uow:
        account = uow.accounts.connected(seller_id, PROVIDER)
    return account.public_key if account is not None else None


def account_text(public_key: str | None, platform: bool, lang: str,
                 refused: bool = False) -> str:
    """Which account the seller's new invoices are paid into (and whether LiqPay refuses it)."""
    if public_key is not None:
        text = t(lang, "account_own", public_key=mask_key(public_key))
        return f"{text}\n{t(lang, 'account_own_refused')}" if refused else text
    return t(lang, "account_platform" if platform else "account_none")


def remembered_key(box: SecretBox, encrypted: object) -> str | None:
    """The public key the dialog state keeps (encrypted) between the two steps; None when it
    has none or it cannot be read (SECRET_KEY changed meanwhile): then it is asked for again."""
    if not isinstance(encrypted, str) or not encrypted:
        return None
    try:
        return box.decrypt(encrypted)
    except SecretUnreadable:
        return None


def connect_command(box: SecretBox, *, channel: str, chat_id: str, key: str, seller_id: int,
                    public_key: str, private_key: str, lang: str) -> ConnectAccount:
    """The command for one private-key message; `key` makes a redelivered one check once."""
    return ConnectAccount(idempotency_key=f"{channel}:{chat_id}:{key}", seller_id=seller_id,
                          public_key=public_key, private_key_encrypted=box.encrypt(private_key),
                          channel=channel, chat_id=chat_id, language=lang)


def disconnect(uow_factory: Callable[[], UnitOfWork], seller_id: int,
               provider: str = PROVIDER) -> bool:
    """New invoices stop using the seller's account; made ones keep its keys. False: none was."""
    with uow_factory() as uow:
        count = uow.accounts.disconnect(seller_id, provider)
        uow.commit()
    return count > 0
