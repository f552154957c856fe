"""Which merchant account an invoice is paid into, and the provider client holding its keys.

The one place that decides it: a new invoice of a seller goes to their connected account, else
to the platform's (LIQPAY_* settings), else it cannot be made; an existing invoice always uses
the account it was made with (`Invoice.account_id`, None: the platform's), for its link, polls,
cancel and the verification of its callbacks, even after the seller disconnected it.

Accounts fail closed (storage.account_checks): whenever LiqPay refuses an account's keys, through
any client handed out here, the account is marked refused; `ready_for_new_invoice` refuses a
refused account and checks one whose last check is older than CHECK_EVERY before a link is signed.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from domain.attempts import Attempt
from domain.errors import (
    AccountRefused,
    ForgedCallback,
    NoPaymentAccount,
    ProviderRejected,
    ProviderUnavailable,
)
from domain.i18n import mask_key
from domain.invoice import Invoice
from domain.money import Money
from domain.ports import PaymentLink, PaymentProvider, PaymentRequest, ProviderStatus, RefundResult
from storage.repository import MerchantAccount
from storage.secrets import SecretBox
from workers.providers.liqpay import DEFAULT_TIMEOUT, LiqPayClient, decode_data
from workers.providers.monobank_accounts import MonobankAccounts

if TYPE_CHECKING:
    from storage.account_checks import AccountCheck
    from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

CHECK_RETRY = timedelta(minutes=1)  #: a check LiqPay did not answer is tried again after this
T = TypeVar("T")


class ProviderAccounts:
    """Provider clients per merchant account, built from the stored (encrypted) keys on first
    use and kept: an account's keys never change (new keys make a new account)."""

    name = LiqPayClient.name
    currencies = LiqPayClient.currencies

    def __init__(self, uow: Callable[[], UnitOfWork], box: SecretBox, api_base: str,
                 platform: Callable[[], PaymentProvider | None], *,
                 timeout: float = DEFAULT_TIMEOUT, platform_key: str = "",
                 on_refused: Callable[[int | None], None] | None = None,
                 monobank_base: str = "") -> None:
        self._uow = uow
        #: sellers' monobank accounts (MONOBANK_API_BASE): an invoice made on one is theirs
        self.monobank = MonobankAccounts(uow, box, monobank_base or "https://api.monobank.ua",
                                         timeout=timeout)
        #: the platform account's public key (LIQPAY_PUBLIC_KEY): its checks are kept by it
        self.platform_key = platform_key
        #: called after an account is marked refused (the workers tell its seller, once)
        self._on_refused = on_refused
        self._box = box
        self.api_base = api_base
        self._platform = platform
        self._timeout = timeout
        self._http: httpx.Client | None = None
        self._clients: dict[int, LiqPayClient] = {}
        self._lock = threading.Lock()

    # -- choosing ------------------------------------------------------------------------------

    def platform(self) -> PaymentProvider:
        client = self._platform()
        if client is None:
            raise NoPaymentAccount("No payment account: the seller has not connected their own "
                                   "LiqPay account and the platform has none (LIQPAY_* unset).")
        return _Watched(client, lambda exc: self.refused(None, exc))

    def for_invoice(self, invoice: Invoice) -> PaymentProvider:
        """The client of the account the invoice's payment is on: the attempt that paid it (or
        the latest), whose account the buyer may have chosen, else the one it was made with."""
        attempt = invoice.attempt_for(invoice.order_id)
        return self.for_attempt(invoice, attempt) if attempt is not None \
            else self._made_with(invoice)

    def for_attempt(self, invoice: Invoice, attempt: Attempt) -> PaymentProvider:
        """The client of the account one attempt is paid into."""
        if attempt.account_id is None:
            return self._made_with(invoice)
        if attempt.provider == self.monobank.name:
            return self._monobank(attempt.account_id)
        return self._client(attempt.account_id)

    def for_attempts(self, invoice: Invoice) -> Callable[[Attempt], PaymentProvider]:
        return lambda attempt: self.for_attempt(invoice, attempt)

    def choices(self, seller_id: int, uow: UnitOfWork) -> dict[str, int]:
        """The seller's own connected accounts the buyer may choose between, by provider."""
        found = {}
        for name in (self.name, self.monobank.name):
            account = uow.accounts.connected(seller_id, name)
            if account is not None:
                found[name] = account.id
        return found

    def chosen(self, seller_id: int, name: str, uow: UnitOfWork) -> tuple[PaymentProvider, int] | None:
        """The client and account of the provider the buyer chose, if the seller has it."""
        account_id = self.choices(seller_id, uow).get(name)
        if account_id is None:
            return None
        client = self._monobank(account_id) if name == self.monobank.name \
            else self._client(account_id)
        return client, account_id

    def _made_with(self, invoice: Invoice) -> PaymentProvider:
        """The client of the account this invoice was made with."""
        if invoice.account_id is None:
            return self.platform()
        if invoice.provider == self.monobank.name:
            return self._monobank(invoice.account_id)
        return self._client(invoice.account_id)

    def for_new_invoice(self, seller_id: int, uow: UnitOfWork) -> tuple[PaymentProvider, int | None]:
        """The client and account id (None: the platform's) a new invoice of this seller uses:
        their own account (of several, the one connected first), else the platform's."""
        account = uow.seller_settings(seller_id).account  # cached: read for every invoice
        if account is not None and account.provider == self.monobank.name:
            return self._monobank(account.id), account.id
        if account is not None:
            return self._client(account.id, account), account.id
        return self.platform(), None

    def _monobank(self, account_id: int) -> PaymentProvider:
        return _Watched(self.monobank.client(account_id),  # type: ignore[arg-type]
                        lambda exc: self.refused(account_id, exc))

    # -- failing closed ------------------------------------------------------------------------

    def account_state(self, seller_id: int, uow: UnitOfWork,
                      ) -> tuple[PaymentProvider, int | None, AccountCheck | None]:
        """What ready_for_new_invoice decides from: the client and account id a new invoice of
        the seller would use, and that account's last check; read in the caller's unit of work
        (a new invoice then takes one read transaction, not two)."""
        provider, account_id = self.for_new_invoice(seller_id, uow)
        return provider, account_id, uow.account_checks.of(account_id, self.platform_key)

    def ready_for_new_invoice(self, seller_id: int, state: tuple[
            PaymentProvider, int | None, AccountCheck | None] | None = None) -> int | None:
        """Make sure the account a new invoice of this seller would use may sign its link;
        returns its id (None: the platform's).

        Raises AccountRefused when LiqPay refused its keys (the platform's is asked again once
        its refusal is CHECK_EVERY old: only the operator can mend it, maybe without a restart),
        and checks the keys first when their last check is older than CHECK_EVERY: one harmless
        status call per account per CHECK_EVERY, whatever the number of invoices or workers.
        LiqPay not answering the check is not a refusal: the link is signed, checked later.
        `state`: account_state() as the caller has just read it.
        """
        if state is None:
            with self._uow().readonly() as uow:
                state = self.account_state(seller_id, uow)
        provider, account_id, check = state
        now = datetime.now(UTC)
        if check is not None and check.refused and (account_id is not None or not check.due(now)):
            raise AccountRefused(check.refused_reason or "refused", platform=account_id is None)
        if check is not None and not check.due(now):
            return account_id
        with self._uow() as uow:
            mine = uow.account_checks.claim_check(account_id, self.platform_key, now)
            uow.commit()
        if not mine:
            return account_id  # another worker is checking it, or has just done so
        try:
            provider.check_keys()  # type: ignore[attr-defined]
        except AccountRefused as exc:  # the client has marked the account refused already
            raise AccountRefused(exc.reason, str(exc), platform=account_id is None) from exc
        except ProviderUnavailable as exc:
            log.warning("The keys of %s could not be checked (%s); checking again in %d s.",
                        self._named(account_id), exc, CHECK_RETRY.total_seconds())
            with self._uow() as uow:
                uow.account_checks.check_again_in(account_id, self.platform_key, now, CHECK_RETRY)
                uow.commit()
            return account_id
        with self._uow() as uow:
            uow.account_checks.passed(account_id, self.platform_key, datetime.now(UTC))
            uow.commit()
        if check is not None and check.refused:
            log.warning("LiqPay accepts the keys of %s again.", self._named(account_id))
        return account_id

    def refused(self, account_id: int | None, exc: AccountRefused) -> None:
        """LiqPay refused this account's keys: mark it refused (once) and say so."""
        with self._uow() as uow:
            newly = uow.account_checks.refuse(account_id, self.platform_key, exc.reason,
                                              datetime.now(UTC))
            uow.commit()
        if newly:
            log.error("LiqPay refuses the keys of %s (%s): no new invoice is issued on it until %s.",
                      self._named(account_id), exc.reason,
                      "its seller connects keys LiqPay accepts" if account_id is not None
                      else "LIQPAY_PUBLIC_KEY and LIQPAY_PRIVATE_KEY hold keys LiqPay accepts")
        if self._on_refused is not None:
            self._on_refused(account_id)

    def _named(self, account_id: int | None) -> str:
        if account_id is None:
            return f"the platform's account ({mask_key(self.platform_key)})"
        return f"merchant account {account_id}"

    # -- callbacks (the web edge's `providers["liqpay"]`) --------------------------------------

    def parse_callback(self, form: Mapping[str, str]) -> ProviderStatus:
        """Verify a callback with the keys of the invoice it names, then parse it.

        `data` is only decoded here to find the order; nothing in it is trusted until the
        signature verifies with that invoice's account's private key, and the public key it
        names is that account's.
        """
        try:
            order_id = decode_data(form.get("data") or "").get("order_id")
        except ValueError as exc:
            raise ForgedCallback(str(exc)) from exc
        known = None
        if isinstance(order_id, str):
            with self._uow().readonly() as uow:
                known = uow.invoices.account_of_order(order_id)
        if known is not None and known[1] != self.name:
            raise ForgedCallback("A LiqPay callback for another provider's order.")
        try:
            # an order we do not know is checked against the platform's keys (then ignored)
            account_id = known[0] if known is not None else None
            client = self._client(account_id) if account_id is not None else self.platform()
        except NoPaymentAccount as exc:
            raise ForgedCallback("No account could verify the callback.") from exc
        return client.parse_callback(dict(form))

    # -- keys ----------------------------------------------------------------------------------

    def check(self, public_key: str, private_key: str) -> None:
        """Prove a key pair with the provider (see LiqPayClient.check_keys); raises
        ProviderRejected with the reason, or ProviderUnavailable."""
        LiqPayClient(public_key, private_key, self.api_base, http=self._shared_http()).check_keys()

    def connect_token(self, provider: str, seller_id: int, token: str) -> str:
        """Connect the seller's account of a provider that takes one token; the merchant's
        name. ProviderRejected for a provider that takes none."""
        if provider != self.monobank.name:
            raise ProviderRejected(f"{provider} is not connected by a token.")
        return self.connect_monobank(seller_id, token)

    def connect_monobank(self, seller_id: int, token: str) -> str:
        """Check a monobank token (its merchant's details), then make it the seller's monobank
        account for new invoices; returns the merchant's name. Stored only encrypted, and only
        once monobank accepted it (AccountRefused, ProviderUnavailable otherwise)."""
        token = token.strip()
        merchant_id, merchant_name = self.monobank.check(token)
        with self._uow() as uow:
            account = uow.accounts.connect(seller_id, (merchant_id or merchant_name)[:128],
                                           self._box.encrypt(token), self.monobank.name)
            uow.account_checks.passed(account.id, self.platform_key, datetime.now(UTC))
            uow.commit()
        log.info("Seller %d connected a %s account (%s).", seller_id, self.monobank.name,
                 merchant_id)
        return merchant_name

    def connect(self, seller_id: int, public_key: str, private_key: str) -> int:
        """Check the keys, then make them the seller's account for new invoices; returns its id.
        The private key is stored only encrypted."""
        public_key, private_key = public_key.strip(), private_key.strip()
        self.check(public_key, private_key)
        with self._uow() as uow:
            account = uow.accounts.connect(seller_id, public_key, self._box.encrypt(private_key),
                                           self.name)
            uow.account_checks.passed(account.id, self.platform_key, datetime.now(UTC))
            uow.commit()
        log.info("Seller %d connected a %s account (%s).", seller_id, self.name, public_key)
        return account.id

    def disconnect(self, seller_id: int, provider: str = "") -> bool:
        """New invoices of the seller stop using their account; made ones keep it."""
        with self._uow() as uow:
            count = uow.accounts.disconnect(seller_id, provider or self.name)
            uow.commit()
        return count > 0

    # -- plumbing ------------------------------------------------------------------------------

    def _shared_http(self) -> httpx.Client:
        with self._lock:
            if self._http is None:
                self._http = httpx.Client(timeout=self._timeout)
            return self._http

    def _client(self, account_id: int, account: MerchantAccount | None = None) -> PaymentProvider:
        return _Watched(self._keys(account_id, account), lambda exc: self.refused(account_id, exc))

    def _keys(self, account_id: int, account: MerchantAccount | None = None) -> LiqPayClient:
        with self._lock:
            client = self._clients.get(account_id)
        if client is not None:
            return client
        if account is None:
            with self._uow().readonly() as uow:
                account = uow.accounts.get(account_id)
        if account is None:
            raise NoPaymentAccount(f"Merchant account {account_id} does not exist.")
        client = LiqPayClient(account.public_key, self._box.decrypt(account.private_key_encrypted),
                              self.api_base, http=self._shared_http())
        with self._lock:
            return self._clients.setdefault(account_id, client)

    def close(self) -> None:
        with self._lock:
            if self._http is not None:
                self._http.close()
                self._http = None
            self._clients.clear()
        self.monobank.close()


class _Watched:
    """A provider client whose refusal of its own keys, whatever the call, marks its account
    refused before the caller hears of it."""

    def __init__(self, client: PaymentProvider, refused: Callable[[AccountRefused], None]) -> None:
        self._client = client
        self._refused = refused
        self.name = client.name
        self.currencies = client.currencies

    def __getattr__(self, name: str) -> Any:  # encode(), public_key, ...: the client's own
        return getattr(self._client, name)

    def create_link(self, request: PaymentRequest) -> PaymentLink:
        return self._client.create_link(request)

    def parse_callback(self, form: dict[str, str]) -> ProviderStatus:
        return self._client.parse_callback(form)

    def fetch_status(self, order_id: str) -> ProviderStatus:
        return self._watch(lambda: self._client.fetch_status(order_id))

    def refund(self, order_id: str, amount: Money, refund_id: str | None = None) -> RefundResult:
        return self._watch(lambda: self._client.refund(order_id, amount, refund_id))

    def cancel(self, order_id: str) -> None:
        self._watch(lambda: self._client.cancel(order_id))

    def check_keys(self) -> object:
        return self._watch(lambda: self._client.check_keys())  # type: ignore[attr-defined]

    def _watch(self, call: Callable[[], T]) -> T:
        try:
            return call()
        except AccountRefused as exc:
            self._refused(exc)
            raise
