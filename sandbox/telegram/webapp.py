"""Mini App init data as Telegram makes it: the user, `auth_date` and the other fields, url-encoded
and signed with the bot's token (HMAC-SHA256 keyed by HMAC-SHA256("WebAppData", token)), so the
real check in the cabinet runs unchanged against the emulator."""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode


def sign_init_data(bot_token: str, user: dict[str, Any], *, auth_date: int | None = None,
                   **fields: str) -> str:
    """The raw `initData` string a Mini App opened by `user` receives."""
    data = {"query_id": f"AA{secrets.token_hex(8)}",
            "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
            "auth_date": str(int(time.time()) if auth_date is None else auth_date), **fields}
    check = "\n".join(f"{k}={v}" for k, v in sorted(data.items()))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    data["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(data)
