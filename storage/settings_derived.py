"""What the rest of chatpay reads of the settings beyond the values given: the profile, each
service's base URL (the real one, or its sandbox or emulator), the secrets derived from others."""
from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from domain.webhooks import parse_schedule
from storage.settings_rules import (
    CHECKBOX_API,
    CHECKBOX_RECEIPTS,
    LIQPAY_API,
    MONOBANK_API,
    TELEGRAM_API,
    VIBER_API,
    is_stand_in,
)


class DerivedSettings:
    """storage.settings.Settings's derived values; a plain mixin (no fields of its own, so
    pydantic sees only Settings's)."""

    @property
    def platform_account(self) -> bool:
        """Whether the platform lends its own LiqPay account (LIQPAY_*) to sellers without one."""
        return bool(self.liqpay_public_key and self.liqpay_private_key)

    @property
    def production(self) -> bool:
        return self.chatpay_env == "production"

    @property
    def webhook_schedule(self) -> tuple[timedelta, ...]:
        return parse_schedule(self.webhook_retry_schedule)

    @property
    def webhook_private_allowed(self) -> bool:
        """Whether a shop URL may reach loopback/private addresses (local shops in development)."""
        if self.webhook_allow_private is None:
            return not self.production
        return self.webhook_allow_private

    @property
    def serves_sandbox(self) -> bool:
        """Whether the web edge mounts the LiqPay sandbox itself (development, no LIQPAY_API_BASE)."""
        return not self.production and not self.liqpay_api_base

    @property
    def liqpay_base(self) -> str:
        if self.liqpay_api_base:
            return self.liqpay_api_base
        return LIQPAY_API if self.production else f"{self.public_base_url}/sandbox/liqpay"

    @property
    def monobank_base(self) -> str:
        if self.monobank_api_base:
            return self.monobank_api_base
        return MONOBANK_API if self.production else f"{self.public_base_url}/sandbox/monobank"

    @property
    def serves_monobank_stand_in(self) -> bool:
        """Whether the web edge mounts the monobank stand-in (development, no MONOBANK_API_BASE)."""
        return not self.production and not self.monobank_api_base

    @property
    def checkbox_base(self) -> str:
        if self.checkbox_api_base:
            return self.checkbox_api_base
        return CHECKBOX_API if self.production else f"{self.checkbox_stand_in}/api/v1"

    @property
    def checkbox_receipts(self) -> str:
        """A fiscal receipt's public page is `{this}/{receipt id}`."""
        if self.checkbox_receipt_base:
            return self.checkbox_receipt_base
        return CHECKBOX_RECEIPTS if self.production else self.checkbox_stand_in

    @property
    def checkbox_stand_in(self) -> str:
        """Where the web edge serves the Checkbox stand-in in development."""
        return f"{self.public_base_url}/sandbox/checkbox"

    @property
    def telegram_base(self) -> str:
        if self.telegram_api_base:
            return self.telegram_api_base
        return TELEGRAM_API if self.production else f"{self.public_base_url}/emulator/telegram"

    @property
    def telegram_emulated(self) -> bool:
        """Whether the bot talks to our Telegram emulator (development without a real token)."""
        return is_stand_in(self.telegram_base)

    @property
    def viber_emulated(self) -> bool:
        """Whether Viber is our emulator (development without a real token)."""
        return is_stand_in(self.viber_base)

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
        if self.viber_api_base:
            return self.viber_api_base
        return VIBER_API if self.production else f"{self.public_base_url}/emulator/viber/pa"

    @property
    def database(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'chatpay.db').resolve()}"

    @property
    def support_user_ids(self) -> frozenset[str]:
        """`telegram:<id>` / `viber:<id>` of the people who answer support chats."""
        return frozenset(x for x in self.support_ids.split(",") if x)

    @property
    def support_agents(self) -> list[tuple[str, str]]:
        """SUPPORT_IDS as (channel, id): they seed the support agents table."""
        from domain.support import parse_agent
        return [parse_agent(x) for x in sorted(self.support_user_ids)]
