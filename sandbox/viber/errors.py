"""Viber's refusals: every API answer is HTTP 200 with a JSON `status`, non-zero when refused."""
from __future__ import annotations

STATUS_MESSAGES = {
    0: "ok", 1: "invalidUrl", 2: "invalidAuthToken", 3: "badData", 4: "missingData",
    5: "receiverNotRegistered", 6: "notSubscribed", 7: "publicAccountBlocked",
    8: "publicAccountNotFound", 9: "publicAccountSuspended", 10: "webhookNotSet",
    11: "receiverNoSuitableDevice", 12: "tooManyRequests", 13: "apiVersionNotSupported",
}


class ViberStatus(Exception):
    """Raised inside a handler to answer with a non-zero Viber status."""

    def __init__(self, status: int, message: str | None = None) -> None:
        super().__init__(message or STATUS_MESSAGES.get(status, "generalError"))
        self.status = status
        self.message = message or STATUS_MESSAGES.get(status, "generalError")
