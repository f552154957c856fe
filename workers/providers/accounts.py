"""Which merchant account an invoice is paid into, and the provider client holding its keys.

The one place that decides it: a new invoice of a seller goes to their connected account, else
to the platform's (LIQPAY_* settings), else it cannot be made; an existing invoice always uses
the account it was made with (`Invoice.account_id`, None: the platform's), for its link, polls,
cancel and the verification of its callbacks, even after the seller disconnected it.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import httpx

from domain.errors import ForgedCallback, NoPaymentAccount
from domain.invoice import Invoice
from domain.ports import PaymentProvider, ProviderStatus
from storage.repository import MerchantAccount
from storage.secrets import SecretBox
from workers.providers.liqpay import DEFAULT_TIMEOUT, LiqPayClient, decode_data

if TYPE_CHECKING:
    from storage.uow import UnitOfWork

log = logging.getLogger(__name__)


class ProviderAccounts:
    """Provider clients per merchant account, built from the stored (encrypted) keys on first
    use and kept: an account's keys never change (new keys make a new account)."""

    name = LiqPayClient.name
    currencies = LiqPayClient.currencies

    def __init__(self, uow: Callable[[], UnitOfWork], box: SecretBox, api_base: str,
                 platform: Callable[[], PaymentProvider | None], *,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        self._uow = uow
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
        return client

    def for_invoice(self, invoice: Invoice) -> PaymentProvider:
        """The client of the account this invoice was made with."""
        if invoice.account_id is None:
            return self.platform()
        return self._client(invoice.account_id)

    def for_new_invoice(self, seller_id: int, uow: UnitOfWork) -> tuple[PaymentProvider, int | None]:
        """The client and account id (None: the platform's) a new invoice of this seller uses."""
        account = uow.accounts.connected(seller_id, self.name)
        if account is not None:
            return self._client(account.id, account), account.id
        return self.platform(), None

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
        invoice = None
        if isinstance(order_id, str):
            with self._uow().readonly() as uow:
                invoice = uow.invoices.by_order_id(order_id)
        try:
            # an order we do not know is checked against the platform's keys (then ignored)
            client = self.for_invoice(invoice) if invoice is not None else self.platform()
        except NoPaymentAccount as exc:
            raise ForgedCallback("No account could verify the callback.") from exc
        return client.parse_callback(dict(form))

    # -- keys ----------------------------------------------------------------------------------

    def check(self, public_key: str, private_key: str) -> None:
        """Prove a key pair with the provider (see LiqPayClient.check_keys); raises
        ProviderRejected with the reason, or ProviderUnavailable."""
        LiqPayClient(public_key, private_key, self.api_base, http=self._shared_http()).check_keys()

    def connect(self, seller_id: int, public_key: str, private_key: str) -> int:
        """Check the keys, then make them the seller's account for new invoices; returns its id.
        The private key is stored only encrypted."""
        public_key, private_key = public_key.strip(), private_key.strip()
        self.check(public_key, private_key)
        with self._uow() as uow:
            account = uow.accounts.connect(seller_id, public_key, self._box.encrypt(private_key),
                                           self.name)
            uow.commit()
        log.info("Seller %d connected a %s account (%s).", seller_id, self.name, public_key)
        return account.id

    def disconnect(self, seller_id: int) -> bool:
        """New invoices of the seller stop using their account; made ones keep it."""
        with self._uow() as uow:
            count = uow.accounts.disconnect(seller_id, self.name)
            uow.commit()
        return count > 0

    # -- plumbing ------------------------------------------------------------------------------

    def _shared_http(self) -> httpx.Client:
        with self._lock:
            if self._http is None:
                self._http = httpx.Client(timeout=self._timeout)
            return self._http

    def _client(self, account_id: int, account: MerchantAccount | None = None) -> LiqPayClient:
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
