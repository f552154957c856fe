"""monobank's merchant accounts: a client per seller's account (its token, stored encrypted), the
webhook key shared by all of them, and the port spoken in our attempt ids.

The rest of chatpay names an attempt by our order id (`{code}-{n}`); monobank names its invoice by
its own `invoiceId`, given back when the invoice is made and kept on the attempt
(`Attempt.provider_ref`). The translation happens here, so no worker or domain rule needs to know
that monobank's ids are not ours.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import httpx

from domain.errors import ForgedCallback, NoPaymentAccount, ProviderUnavailable
from domain.money import Money
from domain.ports import PaymentLink, PaymentRequest, ProviderStatus, RefundResult
from storage.secrets import SecretBox
from workers.providers.monobank import DEFAULT_TIMEOUT, MonobankClient
from workers.providers.monobank_wire import MONOBANK_CURRENCIES, PUBKEY_REFETCH, PubkeyCache

if TYPE_CHECKING:
    from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

NAME = "monobank"


class MonobankAccounts:
    """Clients of sellers' monobank accounts, built on first use and kept (a token never changes:
    a new one makes a new account), and the web edge's verifier of monobank's webhooks."""

    name = NAME
    currencies = MONOBANK_CURRENCIES
    #: what the web edge hands `parse_callback`: the raw body (verified before it is read) and
    #: the `X-Sign` header
    signed_body = "x-sign"

    def __init__(self, uow: Callable[[], UnitOfWork], box: SecretBox, api_base: str, *,
                 timeout: float = DEFAULT_TIMEOUT, pubkey_refetch: float = PUBKEY_REFETCH) -> None:
        self._uow = uow
        self._box = box
        self.api_base = api_base
        self._timeout = timeout
        self._http: httpx.Client | None = None
        self._clients: dict[int, MonobankClient] = {}
        self._lock = threading.Lock()
        #: monobank's webhook key is monobank's, not a merchant's: one cache for every account
        self.pubkeys = PubkeyCache(self._fetch_pubkey, refetch_every=pubkey_refetch)

    # -- clients -------------------------------------------------------------------------------

    def client(self, account_id: int) -> OurIds:
        """The port for one account, spoken in our attempt ids."""
        return OurIds(self._client(account_id), self._uow)

    def check(self, token: str) -> tuple[str, str]:
        """Prove a token with monobank (`/api/merchant/details`): the merchant's id and name.
        AccountRefused if monobank refuses it, ProviderUnavailable if it does not answer."""
        client = MonobankClient(token, self.api_base, http=self._shared_http(),
                                pubkeys=self.pubkeys)
        details = client.details()
        return str(details.get("merchantId") or ""), str(details.get("merchantName") or "")

    def encrypt(self, token: str) -> str:
        return self._box.encrypt(token)

    # -- webhooks ------------------------------------------------------------------------------

    def parse_callback(self, form: Mapping[str, str]) -> ProviderStatus:
        """Verify the raw body against `X-Sign` with monobank's key before reading it, then read
        it. ForgedCallback: it does not verify; ProviderUnavailable: the key cannot be had."""
        body, x_sign = form.get("body", "").encode("utf-8"), form.get("x_sign", "")
        if not x_sign or not self.pubkeys.verify(body, x_sign):
            raise ForgedCallback("The webhook's X-Sign does not verify.")
        return MonobankClient("", self.api_base, http=self._shared_http(),
                              pubkeys=self.pubkeys).parse_webhook(body, x_sign)

    def _fetch_pubkey(self) -> str:
        with self._uow().readonly() as uow:
            account = uow.accounts.any_of(NAME)
        if account is None:  # no merchant of ours: nothing monobank sends can be for us
            raise ForgedCallback("No monobank account is connected to fetch the webhook key with.")
        return self._client(account.id, account.private_key_encrypted).pubkey()

    # -- plumbing ------------------------------------------------------------------------------

    def _shared_http(self) -> httpx.Client:
        with self._lock:
            if self._http is None:
                self._http = httpx.Client(timeout=self._timeout)
            return self._http

    def _client(self, account_id: int, encrypted: str | None = None) -> MonobankClient:
        with self._lock:
            client = self._clients.get(account_id)
        if client is not None:
            return client
        if encrypted is None:
            with self._uow().readonly() as uow:
                account = uow.accounts.get(account_id)
            if account is None or account.provider != NAME:
                raise NoPaymentAccount(f"Merchant account {account_id} is not monobank's.")
            encrypted = account.private_key_encrypted
        client = MonobankClient(self._box.decrypt(encrypted), self.api_base,
                                http=self._shared_http(), pubkeys=self.pubkeys)
        with self._lock:
            return self._clients.setdefault(account_id, client)

    def close(self) -> None:
        with self._lock:
            if self._http is not None:
                self._http.close()
                self._http = None
            self._clients.clear()


class OurIds:
    """domain.ports.PaymentProvider for one monobank account, taking and giving our order ids."""

    name = NAME
    currencies = MONOBANK_CURRENCIES

    def __init__(self, client: MonobankClient, uow: Callable[[], UnitOfWork]) -> None:
        self._client = client
        self._uow = uow

    def _ref(self, order_id: str) -> str | None:
        with self._uow().readonly() as uow:
            return uow.invoices.provider_ref(order_id)[0]

    def create_link(self, request: PaymentRequest) -> PaymentLink:
        return self._client.create_link(request)

    def fetch_status(self, order_id: str) -> ProviderStatus:
        ref = self._ref(order_id)
        if ref is None:  # its invoice was never made (its answer lost): monobank has nothing
            return ProviderStatus(order_id=order_id, outcome="unknown", raw_status="not_found")
        fact = self._client.fetch_status(ref)
        return fact if fact.order_id == order_id else dataclasses.replace(fact, order_id=order_id)

    def refund(self, order_id: str, amount: Money, refund_id: str | None = None) -> RefundResult:
        ref = self._ref(order_id)
        if ref is None:
            raise ProviderUnavailable(f"monobank's invoice of {order_id} is not known.")
        result = self._client.refund(ref, amount, refund_id)
        return dataclasses.replace(result, order_id=order_id)

    def cancel(self, order_id: str) -> None:
        ref = self._ref(order_id)
        if ref is not None:
            self._client.cancel(ref)

    def parse_callback(self, form: dict[str, str]) -> ProviderStatus:
        return self._client.parse_callback(form)

    def check_keys(self) -> str:
        return self._client.check_keys()
