"""CHATPAY_ENV=production from the operator's side: the real `chatpay` CLI refuses test defaults
with one line, serves nothing of the sandbox or the emulators, closes /metrics, and `chatpay
config` shows every setting without showing a secret."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sandbox.stack import Stack
from storage.settings import EMULATOR_TELEGRAM_TOKEN, Settings, SettingsError, load_settings

CHATPAY = str(Path(sys.executable).with_name("chatpay"))
SETTING_NAMES = {name.upper() for name in Settings.model_fields}

#: a complete production configuration; every value here but the key's id is a secret
PRODUCTION = {
    "CHATPAY_ENV": "production",
    "SECRET_KEY": "secret-key-that-must-never-show-0123456789",
    "TELEGRAM_BOT_TOKEN": "987654:telegram-token-never-shown",
    "LIQPAY_PUBLIC_KEY": "i12345678901",
    "LIQPAY_PRIVATE_KEY": "liqpay-private-never-shown",
    "METRICS_TOKEN": "metrics-token-never-shown",
}
SECRETS = [value for key, value in PRODUCTION.items()
           if key not in ("CHATPAY_ENV", "LIQPAY_PUBLIC_KEY")]


def _environ(**values: str) -> dict[str, str]:
    """This process's environment without any chatpay setting, plus `values`."""
    env = {k: v for k, v in os.environ.items() if k.upper() not in SETTING_NAMES}
    return {**env, **values}


def _run(args: list[str], cwd: Path, **values: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CHATPAY, *args], check=False, cwd=cwd, env=_environ(**values),
                          text=True, capture_output=True, timeout=120)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(("command", "values", "named"), [
    ("web", {"CHATPAY_ENV": "production"}, "SECRET_KEY"),
    ("worker", {"CHATPAY_ENV": "production"}, "SECRET_KEY"),
    ("web", {**PRODUCTION, "METRICS_TOKEN": ""}, "METRICS_TOKEN"),
    ("worker", {**PRODUCTION, "TELEGRAM_BOT_TOKEN": EMULATOR_TELEGRAM_TOKEN}, "TELEGRAM_BOT_TOKEN"),
    ("web", {**PRODUCTION, "LIQPAY_API_BASE": "http://127.0.0.1:8000/sandbox/liqpay"},
     "LIQPAY_API_BASE"),
    # development too: live keys with no LIQPAY_API_BASE would sign the sandbox's successes
    ("web", {**PRODUCTION, "CHATPAY_ENV": "development"}, "LIQPAY_API_BASE"),
])
def test_a_process_on_unsafe_settings_stops_with_one_line_naming_the_setting(
        tmp_path, command, values, named):
    done = _run([command], tmp_path, **values)
    assert done.returncode == 2
    assert done.stderr.startswith(f"chatpay: Setting {named} ")
    assert done.stderr.count("\n") == 1, done.stderr
    for secret in SECRETS:
        assert secret not in done.stderr + done.stdout


def test_production_web_edge_serves_no_stand_ins_no_viber_and_closes_metrics(
        tmp_path, database_url, redis_url):
    port = _free_port()
    proc = subprocess.Popen(
        [CHATPAY, "web"], cwd=tmp_path, text=True, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=_environ(**PRODUCTION, DATABASE_URL=database_url, REDIS_URL=redis_url,
                     HOST="127.0.0.1", PORT=str(port), PUBLIC_BASE_URL=f"http://127.0.0.1:{port}"))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read()  # type: ignore[union-attr]
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "chatpay web did not start"
            time.sleep(0.2)
        for path in ("/sandbox/liqpay/api/request", "/emulator/telegram/bot1:x/getMe",
                     "/emulator/viber/pa/set_webhook", "/viber/webhook"):
            assert httpx.post(f"{base}{path}", content=b"{}").status_code == 404, path
        assert httpx.get(f"{base}/sandbox/liqpay/checkout").status_code == 404
        assert httpx.get(f"{base}/sandbox/outbox/").status_code == 404
        for path in ("/openapi.json", "/docs", "/redoc"):  # no map of the edge for a stranger
            assert httpx.get(f"{base}{path}").status_code == 404, path
        assert httpx.get(f"{base}/metrics").status_code == 401
        wrong = {"Authorization": "Bearer not-the-token"}
        assert httpx.get(f"{base}/metrics", headers=wrong).status_code == 401
        right = {"Authorization": f"Bearer {PRODUCTION['METRICS_TOKEN']}"}
        answer = httpx.get(f"{base}/metrics", headers=right)
        assert answer.status_code == 200 and "chatpay_" in answer.text
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    for secret in SECRETS:
        assert secret not in output


def test_chatpay_config_shows_each_setting_and_its_source_with_every_secret_masked(tmp_path):
    db_password, redis_password, smtp_password = "db-pass-456", "redis-pass-789", "smtp-pass-123"
    (tmp_path / ".env").write_text(
        f"SECRET_KEY={PRODUCTION['SECRET_KEY']}\n"
        f"SMTP_URL=smtp://mailer:{smtp_password}@mail.example.com:587?starttls=1\n")
    done = _run(["config"], tmp_path,
                LIQPAY_PRIVATE_KEY=PRODUCTION["LIQPAY_PRIVATE_KEY"],
                TELEGRAM_BOT_TOKEN=PRODUCTION["TELEGRAM_BOT_TOKEN"],
                METRICS_TOKEN=PRODUCTION["METRICS_TOKEN"],
                VIBER_AUTH_TOKEN="viber-token-never-shown",
                TELEGRAM_WEBHOOK_SECRET="webhook-secret-never-shown",
                SECRET_KEY_PREVIOUS="previous-key-never-shown-0123456789",
                DATABASE_URL=f"postgresql://chatpay:{db_password}@db.example.com/chatpay",
                REDIS_URL=f"redis://:{redis_password}@cache.example.com:6379/0")
    assert done.returncode == 0, done.stderr
    shown = done.stdout + done.stderr
    for secret in [*SECRETS, db_password, redis_password, smtp_password, "viber-token-never-shown",
                   "webhook-secret-never-shown", "previous-key-never-shown"]:
        assert secret not in shown
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line[:1].isupper()}
    assert SETTING_NAMES <= lines.keys()
    assert lines["SECRET_KEY"].endswith("[.env]")
    assert lines["LIQPAY_PRIVATE_KEY"].endswith("[environment]")
    assert lines["INVOICE_TTL"].endswith("[default]")
    assert "chatpay:*****@db.example.com" in lines["DATABASE_URL"]
    assert "mailer:*****@mail.example.com" in lines["SMTP_URL"]
    refused = done.stdout.split("Production would refuse:", 1)[1]
    assert "Setting LIQPAY_PUBLIC_KEY is required in production" in refused
    assert "SECRET_KEY" not in refused and "METRICS_TOKEN" not in refused


def test_chatpay_config_in_production_lists_every_refusal_and_fails(tmp_path):
    done = _run(["config"], tmp_path, CHATPAY_ENV="production")
    assert done.returncode == 1
    refused = done.stdout.split("Production would refuse:", 1)[1]
    for name in ("SECRET_KEY", "TELEGRAM_BOT_TOKEN", "METRICS_TOKEN"):
        assert f"Setting {name} " in refused
    assert "LIQPAY" not in refused  # the platform's own account is optional


def test_chatpay_up_refuses_production(tmp_path):
    settings = load_settings(**{k.lower(): v for k, v in PRODUCTION.items()}, var_dir=tmp_path)
    with pytest.raises(SettingsError, match="CHATPAY_ENV"):
        Stack(settings, "redis://127.0.0.1:9/0").start()
