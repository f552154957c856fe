"""`chatpay webhook set|show|redeliver|remove --seller PHONE`, against a real local shop, and
`chatpay rotate-keys` taking the webhook secrets along."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from standardwebhooks import Webhook

from sandbox.shop import Shop
from storage.secrets import SecretBox

ROOT = Path(__file__).resolve().parents[2]
CHATPAY = str(Path(sys.executable).with_name("chatpay"))
PHONE = "+380501234567"


@pytest.fixture
def shop() -> Iterator[Shop]:
    shop = Shop().start()
    yield shop
    shop.stop()


def chatpay(database_url: str, redis_url: str, tmp_path: Path, *args: str,
            **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("DATABASE_", "REDIS_", "TEST_", "SECRET_", "WEBHOOK_"))}
    base.update(DATABASE_URL=database_url, REDIS_URL=redis_url, VAR_DIR=str(tmp_path),
                PYTHONPATH=str(ROOT), **env)
    return subprocess.run([CHATPAY, *args], env=base, cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)


def test_an_operator_sets_shows_redelivers_and_removes_a_sellers_webhook(
        database_url, redis_url, uow_factory, tmp_path, shop) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        uow.sellers.upsert("telegram", "501", name="Shop", phone=PHONE, language="uk")
        uow.commit()
    def run(*a, **e):
        return chatpay(database_url, redis_url, tmp_path, *a, **e)

    done = run("webhook", "set", shop.url("cli"), "--seller", "380 50 123 45 67")
    assert done.returncode == 0, done.stderr
    assert "The shop answered ok." in done.stdout
    secret = re.search(r"whsec_\S+", done.stdout)
    assert secret is not None
    ping = shop.hook("cli").received[0]
    Webhook(secret.group(0)).verify(ping.body, ping.headers)

    shown = run("webhook", "show", "--seller", PHONE)
    assert shown.returncode == 0 and "ping #0: delivered (1×, 200)" in shown.stdout
    assert "whsec_" not in shown.stdout
    delivery_id = re.search(r"id (\d+)", shown.stdout).group(1)  # type: ignore[union-attr]
    again = run("webhook", "redeliver", "--seller", PHONE, "--event", delivery_id)
    assert again.returncode == 0 and f"again: {delivery_id}." in again.stdout
    with uow_factory() as uow:
        assert uow.session.execute(text("SELECT status FROM webhook_deliveries")).scalar() \
            == "pending"  # a worker (or the scheduler's scan) makes the attempt

    assert "Removed." in run("webhook", "remove", "--seller", PHONE).stdout
    assert "not set up" in run("webhook", "show", "--seller", PHONE).stdout
    assert run("webhook", "show", "--seller", "+380999999999").returncode == 1


def test_production_refuses_a_local_shop_from_the_cli_too(
        database_url, redis_url, uow_factory, tmp_path, shop) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        uow.sellers.upsert("telegram", "501", name="Shop", phone=PHONE, language="uk")
        uow.commit()
    done = chatpay(database_url, redis_url, tmp_path, "webhook", "set",
                   shop.url("cli", host="localhost"), "--seller", PHONE,
                   WEBHOOK_ALLOW_PRIVATE="0")
    assert done.returncode == 1 and "non-public address" in done.stderr
    assert shop.hook("cli").received == []


def test_rotate_keys_re_encrypts_webhook_secrets(database_url, redis_url, uow_factory,
                                                tmp_path) -> None:  # type: ignore[no-untyped-def]
    old, new = "old-secret-key-" + "o" * 30, "new-secret-key-" + "n" * 30
    from datetime import UTC, datetime
    with uow_factory() as uow:
        seller = uow.sellers.upsert("telegram", "501", name="Shop", phone=PHONE)
        uow.webhooks.set_endpoint(seller.id, "https://shop.example/hook",
                                  SecretBox(old).encrypt("whsec_abc"), datetime.now(UTC))
        uow.commit()
    done = chatpay(database_url, redis_url, tmp_path, "rotate-keys", SECRET_KEY=new,
                   SECRET_KEY_PREVIOUS=old)
    assert done.returncode == 0, done.stderr
    assert "1 webhook secret" in done.stdout
    with uow_factory() as uow:
        stored = uow.webhooks.secrets(uow.webhooks.all_endpoint_ids()[0]).current
    assert SecretBox(new).decrypt(stored) == "whsec_abc"
