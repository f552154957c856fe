"""What both bots do in the invoice dialog, whatever the messenger: read the amount, build the
CreateInvoice command, and word the replies and the pending list."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from bots.accounts import PROVIDER as KEYS_PROVIDER
from domain.amounts import parse_amount
from domain.commands import CreateInvoice, SendLink
from domain.errors import AmountError
from domain.i18n import format_money, mask_key, t
from domain.invoice import Invoice
from domain.money import Money
from storage.repository import Seller
from storage.settings import Settings
from storage.uow import UnitOfWork

DESCRIPTION_LIMIT = 200  #: characters; LiqPay shows it on the checkout page


def read_amount(text: str, currency: str, maximum: Decimal,
                lang: str) -> tuple[Money | None, str]:
    """The amount the seller typed, or None and the reply explaining what is wrong with it."""
    try:
        return parse_amount(text, currency, maximum), ""
    except AmountError as exc:
        params = dict(exc.params)
        if "maximum" in params:
            params["maximum"] = format_money(Money(Decimal(str(params["maximum"])), currency), lang)
        return None, t(lang, exc.reason, **params)


def invoice_refusal(uow_factory: Callable[[], UnitOfWork], seller_id: int, settings: Settings,
                    lang: str) -> tuple[str, bool] | None:
    """Why the seller cannot make an invoice now, in their words, and whether they have an
    account of their own (for the account buttons); None when they can.

    Decided once for every messenger, before the amount is asked: no account to be paid into,
    or one LiqPay refuses (storage.account_checks). The worker refuses such an invoice too; the
    platform's refused account is left to it once its refusal is old enough to ask LiqPay again.
    """
    with uow_factory().readonly() as uow:
        account = uow.seller_settings(seller_id).account  # cached: read at every *Create invoice*
        if account is not None:
            if uow.account_checks.is_refused(account.id):
                key = ("account_refused" if account.provider == KEYS_PROVIDER
                       else f"{account.provider}_account_refused")
                return t(lang, key, public_key=mask_key(account.public_key)), True
            return None
        if not settings.platform_account:
            return t(lang, "need_account_first"), False
        check = uow.account_checks.of(None, settings.liqpay_public_key)
    if check is not None and check.refused and not check.due(datetime.now(UTC)):
        return t(lang, "platform_refused"), False
    return None


def create_invoice(channel: str, chat_id: str, key: str, seller_id: int, amount: str,
                   currency: str, description: str, language: str) -> CreateInvoice:
    """The command for one tap or message: `key` makes a redelivered one create nothing new."""
    return CreateInvoice(idempotency_key=f"{channel}:{chat_id}:{key}", seller_id=seller_id,
                         amount=amount, currency=currency, description=description,
                         channel=channel, chat_id=chat_id, language=language)


def creating_text(amount: str, currency: str, lang: str) -> str:
    return t(lang, "creating", amount=format_money(Money(Decimal(amount), currency), lang))


def open_invoices(uow_factory: Callable[[], UnitOfWork], seller_id: int) -> list[Invoice]:
    with uow_factory().readonly() as uow:
        return uow.invoices.open_for_seller(seller_id)


def pending_text(invoices: list[Invoice], lang: str, country: str | None) -> str:
    """The seller's pending invoices, each with its expiry in the seller's country's time."""
    from workers.render import local_time  # presentation only: no provider or messenger client
    if not invoices:
        return t(lang, "no_pending")
    lines = [t(lang, "pending_header")] + [
        t(lang, "pending_item", amount=format_money(i.amount, lang),
          description=f" — {i.description}" if i.description else "",
          expires=local_time(i.expires_at, country)) for i in invoices]
    return "\n".join(lines)


def read_recipient(via: str, text: str, country: str | None, lang: str) -> tuple[str | None, str]:
    """The buyer's phone (E.164) or address the seller typed, or None and what to type instead."""
    from bots.phone import read_buyer_email, read_buyer_phone
    if via == "sms":
        phone = read_buyer_phone(text, country)
        return (phone, "") if phone else (None, t(lang, "buyer_phone_invalid"))
    address = read_buyer_email(text)
    return (address, "") if address else (None, t(lang, "buyer_email_invalid"))


def send_link(channel: str, chat_id: str, key: str, seller_id: int, code: str, via: str,
              to: str) -> SendLink:
    return SendLink(idempotency_key=f"{channel}:{chat_id}:{key}", code=code, seller_id=seller_id,
                    via=via, to=to)


def buyer_fields_text(seller: Seller, lang: str) -> str:
    def word(on: bool) -> str:
        return t(lang, "yes" if on else "no")
    return t(lang, "buyer_fields", name=word(seller.ask_buyer_name),
             phone=word(seller.ask_buyer_phone))
