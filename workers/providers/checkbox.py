"""Checkbox (the seller's PRRO) API: every HTTP call chatpay makes to Checkbox lives here.

Each call carries X-Client-Name / X-Client-Version and the register's X-License-Key; the cashier
signs in with their PIN (`/cashier/signinPinCode`) for a bearer token. Errors split as elsewhere:
no answer or 5xx is FiscalUnavailable (try later), a 4xx is FiscalRejected with Checkbox's words.
"""
from __future__ import annotations

import logging
import time
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import httpx

from domain.errors import FiscalRejected, FiscalUnavailable

log = logging.getLogger(__name__)

CLIENT_NAME = "chatpay"
DEFAULT_TIMEOUT = 15.0  #: seconds
SHIFT_WAIT = (0.2, 0.5, 1.0, 2.0, 4.0)  #: seconds between reads of an OPENING shift
NO_SHIFT_WORDS = ("зміну не відкрито", "shift is not opened", "no open shift")
DUPLICATE_WORDS = ("вже існує", "already exists")


def client_version() -> str:
    try:
        return version("chatpay")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "0"


class ShiftNotOpen(FiscalRejected):
    """Raised when a sale comes without an open shift (it was closed meanwhile): open one."""


class CheckboxClient:
    """One register (licence key) and its cashier (PIN)."""

    def __init__(self, api_base: str, license_key: str, pin_code: str, *,
                 http: httpx.Client | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.api_base = api_base.rstrip("/")
        self._license_key = license_key
        self._pin = pin_code
        self._token: str | None = None
        self._http = http or httpx.Client(timeout=timeout)
        self._own_http = http is None

    def close(self) -> None:
        if self._own_http:
            self._http.close()

    # -- cashier and shifts ----------------------------------------------------------------------

    def sign_in(self) -> str:
        """A bearer token for the cashier; FiscalRejected when the licence or PIN is refused."""
        answer = self._call("POST", "/cashier/signinPinCode", {"pin_code": self._pin},
                            auth=False)
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise FiscalUnavailable("Checkbox's sign-in answer had no access token.")
        self._token = token
        return token

    def current_shift(self) -> dict[str, Any] | None:
        answer = self._call("GET", "/cashier/shift")
        return answer if isinstance(answer, dict) else None

    def ensure_shift(self) -> dict[str, Any]:
        """The open shift, opened on demand and read until OPENED."""
        shift = self.current_shift()
        if shift is None or shift.get("status") in ("CLOSING", "CLOSED"):
            try:
                shift = self._call("POST", "/shifts")
            except FiscalRejected:  # another worker opened it between our two calls
                shift = self.current_shift()
                if shift is None:
                    raise
        for wait in SHIFT_WAIT:
            if shift.get("status") == "OPENED":
                return shift
            time.sleep(wait)
            shift = self._call("GET", f"/shifts/{shift['id']}")
        if shift.get("status") == "OPENED":
            return shift
        raise FiscalUnavailable(f"Checkbox's shift is still {shift.get('status')}.")

    def close_shift(self) -> dict[str, Any] | None:
        """Close the shift (Checkbox makes the Z-report); None when none was open."""
        try:
            answer = self._call("POST", "/shifts/close")
        except FiscalRejected as exc:
            if _says(exc, NO_SHIFT_WORDS):
                return None
            raise
        return answer if isinstance(answer, dict) else None

    # -- receipts --------------------------------------------------------------------------------

    def receipt(self, receipt_id: str) -> dict[str, Any] | None:
        """The receipt registered under our id, or None if Checkbox has none."""
        try:
            answer = self._call("GET", f"/receipts/{receipt_id}")
        except _NotFound:
            return None
        return answer if isinstance(answer, dict) else None

    def sell(self, body: dict[str, Any]) -> dict[str, Any]:
        """Register a sale or a return under `body["id"]`. Registered already (a try whose answer
        was lost): the receipt Checkbox has, not a second one."""
        try:
            answer = self._call("POST", "/receipts/sell", body)
        except FiscalRejected as exc:
            if _says(exc, DUPLICATE_WORDS):
                found = self.receipt(str(body["id"]))
                if found is not None:
                    return found
            if _says(exc, NO_SHIFT_WORDS):
                raise ShiftNotOpen(str(exc)) from exc
            raise
        if not isinstance(answer, dict):
            raise FiscalUnavailable("Checkbox answered a sale with a non-object.")
        return answer

    # -- plumbing --------------------------------------------------------------------------------

    def _call(self, method: str, path: str, body: object = None, *, auth: bool = True) -> Any:
        headers = {"X-Client-Name": CLIENT_NAME, "X-Client-Version": client_version(),
                   "X-License-Key": self._license_key}
        if auth:
            headers["Authorization"] = f"Bearer {self._token or self.sign_in()}"
        try:
            response = self._http.request(method, f"{self.api_base}{path}", headers=headers,
                                          json=body if method == "POST" else None)
        except httpx.HTTPError as exc:
            raise FiscalUnavailable(f"Checkbox could not be reached: {type(exc).__name__}.") \
                from exc
        if response.status_code >= 500:
            raise FiscalUnavailable(f"Checkbox answered {response.status_code} to {path}.")
        try:
            answer = response.json()
        except ValueError as exc:
            if response.status_code < 400:
                raise FiscalUnavailable(f"Checkbox answered {path} with non-JSON.") from exc
            answer = {}
        if response.status_code == 404 and path.startswith("/receipts/"):
            raise _NotFound(path)
        if response.status_code >= 400:
            raise FiscalRejected(_reason(response.status_code, answer))
        return answer


class _NotFound(FiscalRejected):
    """Raised when Checkbox has no such receipt."""


def _reason(status: int, answer: object) -> str:
    """Checkbox's own words for a refusal: its `message`, and the validation `detail` if any."""
    if isinstance(answer, dict):
        message = str(answer.get("message") or "").strip()
        detail = answer.get("detail")
        if detail:
            message = f"{message}: {detail}" if message else str(detail)
        if message:
            return message[:500]
    return f"Checkbox answered {status}."


def _says(exc: Exception, words: tuple[str, ...]) -> bool:
    text = str(exc).lower()
    return any(w in text for w in words)
