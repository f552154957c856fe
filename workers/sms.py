"""SMS to buyers: TurboSMS's HTTP API (all its HTTP is here), or the log in development."""
from __future__ import annotations

import json
import logging
from collections.abc import Callable

import httpx

from domain.errors import DeliveryRefused, DeliveryUnavailable

log = logging.getLogger(__name__)

TIMEOUT = 10.0  #: seconds
#: TurboSMS answers HTTP 200 even for errors; these response codes mean the message was taken
ACCEPTED = range(800, 804)


class TurboSmsClient:
    """`POST {base}/message/send.json` with a Bearer token. Anything but 800–803 is an error
    whose meaning is TurboSMS's `response_status`; a 5xx or no answer is worth a retry."""

    def __init__(self, token: str, sender: str, base: str,
                 client: httpx.Client | None = None) -> None:
        self.token, self.sender, self.base = token, sender, base.rstrip("/")
        self.client = client or httpx.Client(timeout=TIMEOUT)

    def send(self, phone: str, text: str, sequence_id: str) -> None:
        body = {"recipients": [phone.lstrip("+")], "sms": {"sender": self.sender, "text": text},
                "sequence_id": sequence_id}  # the same id again is not sent twice
        try:
            response = self.client.post(f"{self.base}/message/send.json", json=body,
                                        headers={"Authorization": f"Bearer {self.token}"})
        except httpx.HTTPError as exc:
            raise DeliveryUnavailable(f"TurboSMS could not be reached: {exc}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise DeliveryUnavailable(f"TurboSMS answered HTTP {response.status_code}.")
        try:
            answer = response.json()
            code = int(answer["response_code"])
        except (ValueError, KeyError, TypeError) as exc:
            raise DeliveryUnavailable(
                f"TurboSMS answered HTTP {response.status_code} without a response code.") from exc
        if code not in ACCEPTED:
            raise DeliveryRefused(f"TurboSMS {code} {answer.get('response_status', '')}".strip())
        for result in answer.get("response_result") or []:  # per recipient
            if isinstance(result, dict) and result.get("response_code") not in (0, None):
                raise DeliveryRefused(f"TurboSMS {result.get('response_code')} "
                                      f"{result.get('response_status', '')}".strip())


class LogSms:
    """SMS_BACKEND=log: nothing leaves the machine; the SMS is logged and kept in the outbox."""

    def __init__(self, keep: Callable[[dict[str, str]], None] | None = None) -> None:
        self.keep = keep

    def send(self, phone: str, text: str, sequence_id: str) -> None:
        log.info("SMS to %s (not sent, SMS_BACKEND=log): %s", phone, text)
        if self.keep is not None:
            self.keep({"kind": "sms", "to": phone, "text": text, "id": sequence_id})


def outbox_keeper(client: object, key: str = "chatpay:outbox",  # sandbox/outbox.py reads it
                  size: int = 200,
                  ) -> Callable[[dict[str, str]], None]:
    """Keep what would have been sent in a short Redis list, newest first (the sandbox shows it)."""
    def keep(item: dict[str, str]) -> None:
        try:
            client.pipeline().lpush(key, json.dumps(item)).ltrim(  # type: ignore[attr-defined]
                key, 0, size - 1).execute()
        except Exception as exc:  # only a development aid
            log.info("Could not keep a message in the outbox: %s.", exc)
    return keep
