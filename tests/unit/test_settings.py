"""The settings' profiles and formats: what development fills in, what production refuses."""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from storage.settings import (
    DEV_SECRET_KEY,
    EMULATOR_TELEGRAM_TOKEN,
    EMULATOR_VIBER_TOKEN,
    SANDBOX_PRIVATE_KEY,
    SANDBOX_PUBLIC_KEY,
    Settings,
    SettingsError,
    load_settings,
)

#: a complete production configuration; each test spoils one part of it
PRODUCTION = {
    "CHATPAY_ENV": "production",
    "SECRET_KEY": "k" * 40,
    "TELEGRAM_BOT_TOKEN": "987654:real-bot-token-from-botfather",
    "LIQPAY_PUBLIC_KEY": "i12345678901",
    "LIQPAY_PRIVATE_KEY": "live-private-key-0123456789",
    "METRICS_TOKEN": "metrics-token-0123456789",
}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[pytest.MonkeyPatch]:
    """A clean environment and no .env: only what the test sets."""
    monkeypatch.chdir(tmp_path)
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    yield monkeypatch


def _set(env: pytest.MonkeyPatch, values: dict[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            env.delenv(name, raising=False)
        else:
            env.setenv(name, value)


def _refusal(env: pytest.MonkeyPatch, values: dict[str, str | None]) -> str:
    _set(env, values)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    return str(caught.value)


def test_development_needs_nothing_and_runs_on_the_sandbox_and_the_emulators(env):
    settings = load_settings()
    assert not settings.production
    assert (settings.secret_key, settings.telegram_bot_token, settings.viber_auth_token) == (
        DEV_SECRET_KEY, EMULATOR_TELEGRAM_TOKEN, EMULATOR_VIBER_TOKEN)
    assert (settings.liqpay_public_key, settings.liqpay_private_key) == (
        SANDBOX_PUBLIC_KEY, SANDBOX_PRIVATE_KEY)
    assert settings.liqpay_base == "http://127.0.0.1:8000/sandbox/liqpay"
    assert settings.serves_sandbox
    assert settings.checkbox_base == "http://127.0.0.1:8000/sandbox/checkbox/api/v1"
    assert settings.checkbox_receipts == "http://127.0.0.1:8000/sandbox/checkbox"
    assert settings.monobank_base == "http://127.0.0.1:8000/sandbox/monobank"
    assert settings.serves_monobank_stand_in


def test_monobank_api_base_given_in_development_is_used_and_nothing_stands_in(env):
    _set(env, {"MONOBANK_API_BASE": "https://api.monobank.ua/"})
    settings = load_settings()
    assert settings.monobank_base == "https://api.monobank.ua"
    assert not settings.serves_monobank_stand_in


def test_the_monobank_api_base_is_an_http_url(env):
    assert _refusal(env, {"MONOBANK_API_BASE": "api.monobank.ua"}).startswith(
        "Setting MONOBANK_API_BASE ")


def test_production_may_run_without_a_platform_account_sellers_connect_their_own(env):
    _set(env, {**PRODUCTION, "LIQPAY_PUBLIC_KEY": None, "LIQPAY_PRIVATE_KEY": None})
    settings = load_settings()
    assert settings.production and not settings.platform_account


def test_production_starts_on_the_real_hosts_with_no_viber_unless_configured(env):
    _set(env, PRODUCTION)
    settings = load_settings()
    assert settings.production and not settings.serves_sandbox
    assert settings.liqpay_base == "https://www.liqpay.ua"
    assert settings.telegram_base == "https://api.telegram.org"
    assert settings.viber_base == "https://chatapi.viber.com/pa"
    assert settings.viber_auth_token == ""  # no emulator token stands in for a missing one
    assert settings.checkbox_base == "https://api.checkbox.ua/api/v1"
    assert settings.checkbox_receipts == "https://check.checkbox.ua"
    assert settings.monobank_base == "https://api.monobank.ua"


@pytest.mark.parametrize(("spoil", "named"), [
    ({"SECRET_KEY": None}, "SECRET_KEY"),
    ({"SECRET_KEY": DEV_SECRET_KEY}, "SECRET_KEY"),
    ({"SECRET_KEY": "short-but-random-31-characters!"}, "SECRET_KEY"),
    ({"SECRET_KEY_PREVIOUS": "old"}, "SECRET_KEY_PREVIOUS"),
    ({"TELEGRAM_BOT_TOKEN": None}, "TELEGRAM_BOT_TOKEN"),
    ({"TELEGRAM_BOT_TOKEN": EMULATOR_TELEGRAM_TOKEN}, "TELEGRAM_BOT_TOKEN"),
    ({"VIBER_AUTH_TOKEN": EMULATOR_VIBER_TOKEN}, "VIBER_AUTH_TOKEN"),
    ({"LIQPAY_PUBLIC_KEY": None}, "LIQPAY_PUBLIC_KEY"),
    ({"LIQPAY_PRIVATE_KEY": None}, "LIQPAY_PRIVATE_KEY"),
    ({"LIQPAY_PUBLIC_KEY": SANDBOX_PUBLIC_KEY}, "LIQPAY_PUBLIC_KEY"),
    ({"LIQPAY_PRIVATE_KEY": SANDBOX_PRIVATE_KEY}, "LIQPAY_PRIVATE_KEY"),
    ({"LIQPAY_API_BASE": "https://pay.example.com/sandbox/liqpay"}, "LIQPAY_API_BASE"),
    ({"TELEGRAM_API_BASE": "https://pay.example.com/emulator/telegram"}, "TELEGRAM_API_BASE"),
    ({"VIBER_API_BASE": "https://pay.example.com/emulator/viber/pa"}, "VIBER_API_BASE"),
    ({"METRICS_TOKEN": None}, "METRICS_TOKEN"),
    ({"CHECKBOX_API_BASE": "https://pay.example.com/sandbox/checkbox/api/v1"},
     "CHECKBOX_API_BASE"),
    ({"CHECKBOX_RECEIPT_BASE": "https://pay.example.com/sandbox/checkbox"},
     "CHECKBOX_RECEIPT_BASE"),
    ({"MONOBANK_API_BASE": "https://pay.example.com/sandbox/monobank"}, "MONOBANK_API_BASE"),
])
def test_production_refuses_each_missing_or_unsafe_setting_with_one_line_naming_it(
        env, spoil, named):
    message = _refusal(env, {**PRODUCTION, **spoil})
    assert message.startswith(f"Setting {named} ")
    assert "\n" not in message
    for secret in (PRODUCTION["SECRET_KEY"], PRODUCTION["LIQPAY_PRIVATE_KEY"],
                   PRODUCTION["TELEGRAM_BOT_TOKEN"], PRODUCTION["METRICS_TOKEN"]):
        assert secret not in message


def test_a_viber_only_deployment_is_a_complete_one(env):
    _set(env, {**PRODUCTION, "TELEGRAM_BOT_TOKEN": None, "VIBER_AUTH_TOKEN": "viber-real-token"})
    assert load_settings().telegram_bot_token == ""


def test_metrics_public_lets_production_serve_metrics_without_a_token(env):
    _set(env, {**PRODUCTION, "METRICS_TOKEN": None, "METRICS_PUBLIC": "1"})
    assert load_settings().metrics_public


@pytest.mark.parametrize("environment", ["development", "production"])
def test_live_keys_pointed_at_the_sandbox_refuse_to_start_naming_liqpay_api_base(
        env, environment):
    base = {} if environment == "development" else {
        "LIQPAY_API_BASE": "http://127.0.0.1:8000/sandbox/liqpay"}
    message = _refusal(env, {**PRODUCTION, "CHATPAY_ENV": environment, **base})
    assert message.startswith("Setting LIQPAY_API_BASE ")


def test_live_keys_on_the_real_host_are_fine_in_development(env):
    _set(env, {"LIQPAY_PUBLIC_KEY": "i1", "LIQPAY_PRIVATE_KEY": "p",
               "LIQPAY_API_BASE": "https://www.liqpay.ua"})
    assert load_settings().liqpay_base == "https://www.liqpay.ua"


def test_the_settle_window_is_a_week_unless_set_like_the_invoice_lifetime(env):
    assert load_settings().provider_settle_window == timedelta(days=7)
    env.setenv("PROVIDER_SETTLE_WINDOW", "3d")
    assert load_settings().provider_settle_window == timedelta(days=3)
    env.setenv("PROVIDER_SETTLE_WINDOW", "0")
    assert "PROVIDER_SETTLE_WINDOW" in _refusal(env, {})


def test_the_previous_secret_key_is_optional(env):
    assert load_settings().secret_key_previous == ""
    env.setenv("SECRET_KEY_PREVIOUS", "p" * 32)
    assert load_settings().secret_key_previous == "p" * 32


@pytest.mark.parametrize("url", [
    "", "smtp://mail.example.com", "smtp://mail.example.com:587?starttls=1",
    "smtp://user:p%40ss@mail.example.com:25", "smtps://user:pass@mail.example.com:465",
])
def test_a_well_formed_smtp_url_is_taken(env, url):
    env.setenv("SMTP_URL", url)
    assert load_settings().smtp_url == url


@pytest.mark.parametrize("url", [
    "mail.example.com", "http://mail.example.com", "smtp://", "smtp://host:notaport",
    "smtp://host?starttls=yes", "smtp://host?tls=1", "smtps://host?starttls=1", "smtp://host/path",
])
def test_a_malformed_smtp_url_stops_start_up_naming_it(env, url):
    message = _refusal(env, {"SMTP_URL": url})
    assert message.startswith("Setting SMTP_URL ") and "\n" not in message


@pytest.mark.parametrize("backend", ["turbosms", "log", "LOG"])
def test_the_sms_backend_is_turbosms_or_log(env, backend):
    env.setenv("SMS_BACKEND", backend)
    env.setenv("TURBOSMS_TOKEN", "a-token")
    assert load_settings().sms_backend == backend.lower()


def test_the_sms_backend_logs_by_default(env):
    assert load_settings().sms_backend == "log"


def test_turbosms_without_its_token_stops_start_up_naming_it(env):
    message = _refusal(env, {"SMS_BACKEND": "turbosms"})
    assert message.startswith("Setting TURBOSMS_TOKEN ") and "\n" not in message


@pytest.mark.parametrize("value", ["noreply", "chatpay <@example.com>", ""])
def test_a_malformed_smtp_from_stops_start_up_naming_it(env, value):
    assert _refusal(env, {"SMTP_FROM": value}).startswith("Setting SMTP_FROM ")


def test_the_turbosms_api_base_is_an_http_url(env):
    assert _refusal(env, {"TURBOSMS_API_BASE": "api.turbosms.ua"}).startswith(
        "Setting TURBOSMS_API_BASE ")


@pytest.mark.parametrize("value", ["", "a-sender-name-too-long"])
def test_the_sms_sender_is_one_to_eleven_characters(env, value):
    assert _refusal(env, {"SMS_SENDER": value}).startswith("Setting SMS_SENDER ")


@pytest.mark.parametrize("backend", ["console", "twilio", ""])
def test_an_unknown_sms_backend_stops_start_up_naming_it(env, backend):
    assert _refusal(env, {"SMS_BACKEND": backend}).startswith("Setting SMS_BACKEND ")


def test_support_ids_name_a_messenger_and_a_user(env):
    env.setenv("SUPPORT_IDS", " telegram:123456 , viber:01234567890A+b/c=,")
    assert load_settings().support_user_ids == {"telegram:123456", "viber:01234567890A+b/c="}


@pytest.mark.parametrize("ids", ["123456", "telegram:abc", "tg:1", "viber:", "telegram:1;viber:2"])
def test_malformed_support_ids_stop_start_up_naming_them(env, ids):
    assert _refusal(env, {"SUPPORT_IDS": ids}).startswith("Setting SUPPORT_IDS ")


def test_the_readme_configuration_table_lists_every_setting_and_nothing_else():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n### ", 1)[0]
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    listed = {name for row in rows for name in re.findall(r"`([A-Z_]+)`", row)}
    assert listed == {name.upper() for name in Settings.model_fields}
