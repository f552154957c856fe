"""Signed webhooks: each change of an invoice is POSTed as JSON to its webHookUrl with `X-Sign`,
base64 of the stand-in's own ECDSA P-256 signature over the raw body with SHA-256, as monobank
signs them. Delivered in order by one thread, retried until answered 200, kept in `webhook_log`.

Signing is written here again, not imported from the adapter, so a bug there is not mirrored."""
from __future__ import annotations

import base64
import json
import logging
import queue
import threading
import time
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

logger = logging.getLogger(__package__)

WEBHOOK_RETRY_DELAYS = (0.5, 1.0, 2.0)  #: seconds between attempts after the first
WEBHOOK_TIMEOUT = 5.0  #: seconds
#: how webhooks go out: in order, each twice, or held until release_webhooks() sends them newest first
WEBHOOK_ORDERS = ("", "twice", "reverse")


class Signer:
    """The stand-in's key pair; `pubkey` is what `/api/merchant/pubkey` serves (base64 of a PEM)."""

    def __init__(self) -> None:
        self.rotate()

    def rotate(self) -> None:
        """A new key pair, as monobank may rotate its own: webhooks are signed with it from now."""
        self._private = ec.generate_private_key(ec.SECP256R1())
        pem = self._private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        self.pubkey = base64.b64encode(pem).decode("ascii")

    def sign(self, body: bytes) -> str:
        return base64.b64encode(self._private.sign(body, ec.ECDSA(hashes.SHA256()))).decode("ascii")


class WebhookDelivery:
    """Mixed into the stand-in: `_send_webhook(invoice)` signs the invoice as it stands now."""

    signer: Signer
    webhooks: bool  #: False: invoices change without telling the merchant
    webhook_order: str  #: one of WEBHOOK_ORDERS
    webhook_log: list[dict[str, Any]]
    held_webhooks: list[tuple[str, str, bytes, str]]
    _lock: threading.RLock

    def _start_delivery(self) -> None:
        self._outgoing: queue.Queue[tuple[str, str, bytes, str]] = queue.Queue()
        self._in_hand = 0
        self._thread: threading.Thread | None = None

    @property
    def webhooks_pending(self) -> int:
        """Webhooks queued or being delivered (not held)."""
        with self._lock:
            return self._in_hand

    def _send_webhook(self, describe: dict[str, Any]) -> None:
        url = describe.pop("webHookUrl", None)
        if not self.webhooks or not url:
            return
        body = json.dumps(describe, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        item = (describe["invoiceId"], url, body, self.signer.sign(body))
        if self.webhook_order == "reverse":
            self.held_webhooks.append(item)
            return
        self._enqueue([item, item] if self.webhook_order == "twice" else [item])

    def release_webhooks(self) -> int:
        """Send the held webhooks newest first (monobank delivering out of order); how many."""
        with self._lock:
            held, self.held_webhooks[:] = list(self.held_webhooks), []
        self._enqueue(list(reversed(held)))
        return len(held)

    def _enqueue(self, items: list[tuple[str, str, bytes, str]]) -> None:
        with self._lock:
            self._in_hand += len(items)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._deliver_forever, daemon=True,
                                                name="monobank-webhooks")
                self._thread.start()
        for item in items:
            self._outgoing.put(item)

    def _deliver_forever(self) -> None:
        with httpx.Client(timeout=WEBHOOK_TIMEOUT) as client:
            while True:
                item = self._outgoing.get()
                try:
                    self._attempts(client, *item)
                finally:
                    with self._lock:
                        self._in_hand -= 1

    def _attempts(self, client: httpx.Client, invoice_id: str, url: str, body: bytes,
                  signature: str) -> None:
        for attempt, delay in enumerate((0.0, *WEBHOOK_RETRY_DELAYS), start=1):
            time.sleep(delay)
            entry: dict[str, Any] = {"invoiceId": invoice_id, "url": url, "attempt": attempt,
                                     "at": time.time(), "body": body, "x_sign": signature}
            try:
                response = client.post(url, content=body, headers={
                    "X-Sign": signature, "Content-Type": "application/json"})
                entry["status_code"] = response.status_code
            except httpx.HTTPError as exc:
                entry["error"] = repr(exc)
            self.webhook_log.append(entry)
            if entry.get("status_code") == 200:
                return
            logger.info("Webhook attempt %d for invoice %s failed: %s.", attempt, invoice_id,
                        entry.get("status_code") or entry.get("error"))
