"""Stored secrets: readable back, survive a SECRET_KEY rotation, unreadable under another key."""
from __future__ import annotations

import pytest

from domain.errors import SecretUnreadable
from storage.secrets import SecretBox

OLD = "o" * 40
NEW = "n" * 40
PRIVATE = "sandbox_private_key_of_a_seller_0123456789"


def test_an_encrypted_key_reads_back_and_is_not_in_clear() -> None:
    box = SecretBox(NEW)
    token = box.encrypt(PRIVATE)
    assert PRIVATE not in token
    assert box.decrypt(token) == PRIVATE
    assert box.encrypt(PRIVATE) != token  # a fresh IV each time


def test_after_rotation_old_tokens_read_with_the_previous_key_and_rotate_to_the_new() -> None:
    old_token = SecretBox(OLD).encrypt(PRIVATE)
    rotating = SecretBox(NEW, previous=OLD)
    assert rotating.decrypt(old_token) == PRIVATE
    new_token = rotating.rotate(old_token)
    assert SecretBox(NEW).decrypt(new_token) == PRIVATE  # the old key is no longer needed
    with pytest.raises(SecretUnreadable):
        SecretBox(OLD).decrypt(new_token)


def test_a_wrong_key_fails_clearly() -> None:
    token = SecretBox(OLD).encrypt(PRIVATE)
    with pytest.raises(SecretUnreadable, match="SECRET_KEY_PREVIOUS"):
        SecretBox(NEW).decrypt(token)
    with pytest.raises(SecretUnreadable):
        SecretBox(NEW).rotate(token)
    with pytest.raises(SecretUnreadable):
        SecretBox(NEW).decrypt("not a token at all")
