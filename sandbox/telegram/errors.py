"""The Bot API's error answer: raised anywhere inside a method, turned into {"ok": false, ...}."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """Raised inside a Bot API method to answer {"ok": false, ...} with this code and description."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _bad(what: str) -> ApiError:
    return ApiError(400, f"Bad Request: {what}")
