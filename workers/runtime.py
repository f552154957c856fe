"""The dependencies handlers need, built once per process by `bootstrap()`.

Actors look them up here, so a test or a bench can build the same worker on its own database,
Redis and emulators without patching anything.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import redis
from sqlalchemy import Engine

from domain.messaging import MessengerSender
from domain.ports import Mailer, PaymentProvider, SmsGateway
from storage.queue import CommandBus
from storage.redis import resolve_redis_url
from storage.secrets import SecretBox
from storage.settings import Settings
from storage.uow import UnitOfWork
from storage.wiring import open_store
from workers.providers.accounts import ProviderAccounts
from workers.webhooks import ShopClient


@dataclass
class Deps:
    settings: Settings
    uow: Callable[[], UnitOfWork]
    #: the platform account's client (LIQPAY_* settings); None when the platform has no keys
    provider: PaymentProvider | None
    senders: dict[str, MessengerSender]
    bus: CommandBus
    redis: redis.Redis
    engine: Engine | None = None
    extras: dict[str, object] = field(default_factory=dict)
    #: the client for each invoice (its account's keys, or the platform's): see accounts.py
    accounts: ProviderAccounts = None  # type: ignore[assignment]
    #: the client posting to sellers' shops (WEBHOOK_ALLOW_PRIVATE; https only in production)
    shops: ShopClient = None  # type: ignore[assignment]
    #: where buyers' SMS and e-mails go (SMS_BACKEND, TURBOSMS_*; SMTP_URL); see sending()
    sms: SmsGateway = None  # type: ignore[assignment]
    mailer: Mailer = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.sms is None or self.mailer is None:
            sms, mailer = sending(self.settings, self.redis)
            self.sms = self.sms or sms
            self.mailer = self.mailer or mailer
        if self.accounts is None:
            # the platform's client is read through `self`, so replacing `provider` takes effect
            from workers.account_checks import tell_refused
            self.accounts = ProviderAccounts(
                self.uow, SecretBox.from_settings(self.settings), self.settings.liqpay_base,
                platform=lambda: self.provider, platform_key=self.settings.liqpay_public_key,
                on_refused=lambda account_id: tell_refused(self, account_id),
                monobank_base=self.settings.monobank_base)
        if self.shops is None:
            self.shops = ShopClient(allow_private=self.settings.webhook_private_allowed,
                                    https_only=self.settings.production)


def sending(settings: Settings, client: redis.Redis | None) -> tuple[SmsGateway, Mailer]:
    """The SMS gateway and the mailer the settings ask for; what only logs keeps an outbox."""
    from workers.mail import LogMailer, SmtpMailer
    from workers.sms import LogSms, TurboSmsClient, outbox_keeper

    keep = outbox_keeper(client) if client is not None and not settings.production else None
    sms: SmsGateway = (TurboSmsClient(settings.turbosms_token, settings.sms_sender,
                                      settings.turbosms_api_base)
                       if settings.sms_backend == "turbosms" else LogSms(keep))
    mailer: Mailer = (SmtpMailer(settings.smtp_url, settings.smtp_from) if settings.smtp_url
                      else LogMailer(settings.smtp_from, keep))
    return sms, mailer


_deps: Deps | None = None


def configure(deps: Deps) -> None:
    global _deps
    _deps = deps


def deps() -> Deps:
    if _deps is None:
        configure(bootstrap())
    assert _deps is not None
    return _deps


def bootstrap(settings: Settings | None = None, *, redis_url: str | None = None) -> Deps:
    """Everything a worker needs, from the settings (the worker's composition root, which
    `chatpay worker`, the CLI's webhook commands and the tests use)."""
    from storage.settings import get_settings
    from workers.messengers.ratelimit import RedisRateLimiter
    from workers.messengers.telegram import TelegramSender
    from workers.messengers.viber import ViberSender
    from workers.providers.liqpay import LiqPayClient

    settings = settings or get_settings()
    url = redis_url or resolve_redis_url(settings)
    client = redis.Redis.from_url(url)
    store = open_store(settings, url)
    limiter = RedisRateLimiter(client, settings.telegram_global_rate,
                               settings.telegram_chat_interval, prefix="chatpay:tg:rl")
    return Deps(
        settings=settings,
        uow=store.uow,
        provider=(LiqPayClient(settings.liqpay_public_key, settings.liqpay_private_key,
                               settings.liqpay_base)
                  if settings.platform_account else None),
        senders={
            "telegram": TelegramSender(settings.telegram_bot_token, settings.telegram_base, limiter),
            "viber": ViberSender(settings.viber_auth_token, settings.viber_base,
                                 sender_name=settings.viber_bot_name,
                                 limiter=RedisRateLimiter(client, settings.viber_global_rate,
                                                          settings.viber_chat_interval,
                                                          prefix="chatpay:viber:rl")),
        },
        bus=store.bus,
        redis=client,
        engine=store.engine,
    )
