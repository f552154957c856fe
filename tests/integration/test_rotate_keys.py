"""`chatpay rotate-keys`: sellers' stored private keys move to the current SECRET_KEY."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from domain.errors import SecretUnreadable
from storage.secrets import SecretBox

ROOT = Path(__file__).resolve().parents[2]
CHATPAY = str(Path(sys.executable).with_name("chatpay"))
OLD = "old-secret-key-" + "o" * 30
NEW = "new-secret-key-" + "n" * 30
KEYS = {"sandbox_i111": "sandbox_private_of_seller_one", "sandbox_i222": "sandbox_private_two"}


def _run(database_url: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("DATABASE_", "REDIS_", "TEST_", "SECRET_", "LIQPAY_"))}
    base.update(DATABASE_URL=database_url, VAR_DIR=str(tmp_path), PYTHONPATH=str(ROOT), **env)
    return subprocess.run([CHATPAY, "rotate-keys"], env=base, cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)


def _stored(uow_factory) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        accounts = [uow.accounts.get(i) for i in uow.accounts.all_ids()]
    return {a.public_key: a.private_key_encrypted for a in accounts if a is not None}


def _connect_under_old_key(uow_factory) -> None:  # type: ignore[no-untyped-def]
    old = SecretBox(OLD)
    with uow_factory() as uow:
        for n, (public, private) in enumerate(KEYS.items()):
            seller = uow.sellers.upsert("telegram", f"70{n}", name=f"Shop {n}")
            uow.accounts.connect(seller.id, public, old.encrypt(private))
        uow.commit()


def test_rotate_keys_re_encrypts_every_stored_key_under_the_new_secret(
        database_url, uow_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _connect_under_old_key(uow_factory)
    done = _run(database_url, tmp_path, SECRET_KEY=NEW, SECRET_KEY_PREVIOUS=OLD)
    assert done.returncode == 0, done.stderr
    assert "Re-encrypted 2 stored private keys" in done.stdout
    for public, token in _stored(uow_factory).items():
        assert SecretBox(NEW).decrypt(token) == KEYS[public]  # the previous key is not needed
        try:
            SecretBox(OLD).decrypt(token)
            raise AssertionError("still readable with the old SECRET_KEY")
        except SecretUnreadable:
            pass


def test_rotate_keys_without_the_previous_secret_refuses_and_changes_nothing(
        database_url, uow_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _connect_under_old_key(uow_factory)
    before = _stored(uow_factory)
    refused = _run(database_url, tmp_path, SECRET_KEY=NEW)
    assert refused.returncode != 0
    assert "SECRET_KEY_PREVIOUS" in refused.stderr and "Traceback" not in refused.stderr
    assert _stored(uow_factory) == before


def test_rotate_keys_takes_a_sellers_monobank_token_along(
        database_url, uow_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    token = "sandbox-monobank-token-of-a-seller-0001"
    with uow_factory() as uow:
        seller = uow.sellers.upsert("telegram", "709", name="Mono shop")
        uow.accounts.connect(seller.id, "merchant1", SecretBox(OLD).encrypt(token), "monobank")
        uow.commit()
    done = _run(database_url, tmp_path, SECRET_KEY=NEW, SECRET_KEY_PREVIOUS=OLD)
    assert done.returncode == 0, done.stderr
    assert SecretBox(NEW).decrypt(_stored(uow_factory)["merchant1"]) == token
