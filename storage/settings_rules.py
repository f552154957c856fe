"""What each profile refuses of the settings, and the values it recognises: the sandbox's and the
emulators' keys and tokens, the real services' hosts. storage.settings applies these rules."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from storage.settings import Settings

#: the sandbox's LiqPay keys; real keys come from LIQPAY_PUBLIC_KEY / LIQPAY_PRIVATE_KEY
SANDBOX_PUBLIC_KEY = "sandbox_i00000000"
SANDBOX_PRIVATE_KEY = "sandbox_a4825234f4bae72a0be04eafe9e8e2bada209255"
SANDBOX_KEY_PREFIX = "sandbox_"  #: LiqPay's test keys begin so; with them no money moves
#: the emulators' token for the Telegram bot when none is configured
EMULATOR_TELEGRAM_TOKEN = "123456:chatpay-emulator-token"
EMULATOR_VIBER_TOKEN = "chatpay-emulator-viber-token"
DEV_SECRET_KEY = "dev-secret-change-me"
SECRET_KEY_MIN = 32  #: characters, in production
#: the real hosts, production's defaults
LIQPAY_API = "https://www.liqpay.ua"
TELEGRAM_API = "https://api.telegram.org"
VIBER_API = "https://chatapi.viber.com/pa"
CHECKBOX_API = "https://api.checkbox.ua/api/v1"
CHECKBOX_RECEIPTS = "https://check.checkbox.ua"  #: a receipt's public page is {this}/{id}
MONOBANK_API = "https://api.monobank.ua"

def is_sandbox_key(key: str) -> bool:
    return key.startswith(SANDBOX_KEY_PREFIX)


def is_stand_in(url: str) -> bool:
    """Whether a base URL points at our LiqPay sandbox or a messenger emulator."""
    return bool(re.search(r"/(sandbox|emulator)(/|$)", urlsplit(url).path))


def refusals(settings: Settings) -> list[str]:
    """What stops this process from starting, one line each (empty: it may start)."""
    found = []
    if settings.liqpay_public_key and not is_sandbox_key(settings.liqpay_public_key) \
            and is_stand_in(settings.liqpay_base):
        found.append(f"Setting LIQPAY_API_BASE points at the LiqPay sandbox "
                     f"({settings.liqpay_base}), but LIQPAY_PUBLIC_KEY is not a sandbox key: "
                     f"set LIQPAY_API_BASE={LIQPAY_API}, or use keys beginning "
                     f"{SANDBOX_KEY_PREFIX}.")
    if settings.production:
        found += production_refusals(settings)
    return found


def production_refusals(settings: Settings) -> list[str]:
    """What production refuses of the settings given, whatever CHATPAY_ENV is now."""
    def given(name: str) -> str:
        return str(getattr(settings, name)) if name in settings._given else ""

    found = []
    secret = given("secret_key")
    if not secret or secret == DEV_SECRET_KEY:
        found.append(f"Setting SECRET_KEY is required in production: a random value of at "
                     f"least {SECRET_KEY_MIN} characters.")
    elif len(secret) < SECRET_KEY_MIN:
        found.append(f"Setting SECRET_KEY is too short for production: {len(secret)} "
                     f"characters, at least {SECRET_KEY_MIN} needed.")
    previous = given("secret_key_previous")
    if previous and (previous == DEV_SECRET_KEY or len(previous) < SECRET_KEY_MIN):
        found.append(f"Setting SECRET_KEY_PREVIOUS is unsafe for production: at least "
                     f"{SECRET_KEY_MIN} characters, not the development value.")
    telegram, viber = given("telegram_bot_token"), given("viber_auth_token")
    if telegram == EMULATOR_TELEGRAM_TOKEN:
        found.append("Setting TELEGRAM_BOT_TOKEN is the emulator's token; production needs "
                     "the bot's token from @BotFather.")
    if viber == EMULATOR_VIBER_TOKEN:
        found.append("Setting VIBER_AUTH_TOKEN is the emulator's token; production needs the "
                     "token from Viber's admin panel.")
    if not telegram and not viber:
        found.append("Setting TELEGRAM_BOT_TOKEN (or VIBER_AUTH_TOKEN) is required in "
                     "production: at least one messenger.")
    # the platform's own account is optional (sellers connect theirs); half of one is not
    keys = {name: given(name) for name in ("liqpay_public_key", "liqpay_private_key")}
    for name, key in keys.items():
        if not key and any(keys.values()):
            found.append(f"Setting {name.upper()} is required in production when the other "
                         f"LiqPay key is set (the platform's account needs both).")
        elif key and (is_sandbox_key(key) or key in (SANDBOX_PUBLIC_KEY,
                                                     SANDBOX_PRIVATE_KEY)):
            found.append(f"Setting {name.upper()} is a sandbox key; production takes the "
                         f"shop's real keys.")
    for name, real in (("liqpay_api_base", LIQPAY_API), ("telegram_api_base", TELEGRAM_API),
                       ("viber_api_base", VIBER_API), ("checkbox_api_base", CHECKBOX_API),
                       ("checkbox_receipt_base", CHECKBOX_RECEIPTS),
                       ("monobank_api_base", MONOBANK_API)):
        if is_stand_in(given(name)):
            found.append(f"Setting {name.upper()} points at a sandbox or emulator; production "
                         f"talks to {real} (leave it unset).")
    if not given("metrics_token") and not settings.metrics_public:
        found.append("Setting METRICS_TOKEN is required in production (or METRICS_PUBLIC=1 to "
                     "serve /metrics to anyone).")
    return found
