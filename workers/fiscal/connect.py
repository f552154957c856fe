"""Connecting a seller's Checkbox: the licence key and PIN they typed are checked by a sign-in and
stored (encrypted) only if it passes; the seller hears the outcome either way. Both arrive
encrypted in the command and are decrypted only here; neither is logged nor put in a message.
A reconnect also retries the receipts Checkbox refused before (the fix may have been this)."""
from __future__ import annotations

import logging
from datetime import UTC, datetime

from domain.commands import ConnectFiscal
from domain.errors import FiscalRejected, FiscalUnavailable, SecretUnreadable
from domain.i18n import t
from storage.secrets import SecretBox
from workers.fiscal.receipts import retry_refused
from workers.fiscal.texts import reason_text
from workers.notify import tell
from workers.providers.checkbox import CheckboxClient
from workers.runtime import Deps

log = logging.getLogger(__name__)


def connect_fiscal(cmd: ConnectFiscal, d: Deps) -> None:
    lang = cmd.language
    box = SecretBox.from_settings(d.settings)
    try:
        license_key, pin = box.decrypt(cmd.license_key_encrypted), box.decrypt(cmd.pin_encrypted)
    except SecretUnreadable:  # SECRET_KEY changed between the bot and the worker
        tell(d, cmd.channel, cmd.chat_id, t(lang, "fiscal_connect_unchecked"))
        return
    client = CheckboxClient(d.settings.checkbox_base, license_key, pin)
    try:
        client.sign_in()
    except FiscalUnavailable as exc:
        log.warning("Checkbox of seller %d not checked, unreachable: %s", cmd.seller_id, exc)
        tell(d, cmd.channel, cmd.chat_id, t(lang, "fiscal_connect_unchecked"))
        return
    except FiscalRejected as exc:
        log.info("Checkbox of seller %d refused the sign-in: %s", cmd.seller_id, exc)
        tell(d, cmd.channel, cmd.chat_id,
             t(lang, "fiscal_connect_refused", reason=reason_text(str(exc), lang)))
        return
    finally:
        client.close()
    with d.uow() as uow:  # stored as checked: the command's ciphertexts, never the clear text
        uow.fiscal.connect(cmd.seller_id, cmd.license_key_encrypted, cmd.pin_encrypted,
                           datetime.now(UTC))
        uow.commit()
    log.info("Seller %d connected Checkbox.", cmd.seller_id)
    tell(d, cmd.channel, cmd.chat_id, t(lang, "fiscal_connected"))
    retry_refused(d, f"{cmd.channel}:{cmd.chat_id}", seller_id=cmd.seller_id)
