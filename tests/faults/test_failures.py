"""A handler that fails is not silence: a Telegram or Viber update whose handler raises something
nobody expected (here: a person's dialog state in Redis that no longer reads as JSON, as after a
bad deploy or a half-written key) is answered "Something went wrong, try again" in the person's
language, logged with the update's id, and counted in /metrics.

The whole stack runs on real parts (emulators, Redis, worker); nothing of ours is patched: the
fault is in the data the real handlers read."""
from __future__ import annotations

import logging
import re
from typing import Any

import httpx
import pytest
import redis

from tests.e2e.conftest import SellerChat, stack_factory  # noqa: F401 (fixture)
from tests.e2e.test_viber_conversation import ViberSeller

BROKEN = "{not json"  #: what a corrupted dialog state holds
FAILURES = re.compile(r'^chatpay_update_failures_total\{channel="(\w+)"\} (\d+)', re.MULTILINE)


def failures(stack: Any) -> dict[str, int]:
    text = httpx.get(f"{stack.base_url}/metrics", timeout=10).text
    return {channel: int(float(n)) for channel, n in FAILURES.findall(text)}


def test_a_telegram_handler_that_fails_answers_logs_and_counts(
        stack_factory: Any, redis_url: str, caplog: pytest.LogCaptureFixture) -> None:  # noqa: F811
    stack = stack_factory()
    seller = SellerChat(stack)
    seller.register()
    seller.says("🧾 Створити рахунок")
    seller.next("Введіть суму")
    client = redis.Redis.from_url(redis_url)
    [state_key] = client.keys(f"chatpay:tg:fsm:*:{seller.chat_id}:{seller.chat_id}:state")
    client.set(state_key, BROKEN)  # the conversation keeps its dialog state under this key

    with caplog.at_level(logging.ERROR):
        update = stack.telegram.user_sends_text(seller.chat_id, "12,50",
                                                language_code=seller.language)
        answer = seller.next()
    assert answer["text"] == "⚠️ Щось пішло не так. Спробуйте ще раз."
    logged = [r for r in caplog.records if "JSONDecodeError" in r.getMessage()]
    assert logged and str(update["update_id"]) in logged[0].getMessage()
    assert failures(stack).get("telegram") == 1


def test_a_viber_handler_that_fails_answers_logs_and_counts(
        stack_factory: Any, redis_url: str, caplog: pytest.LogCaptureFixture) -> None:  # noqa: F811
    stack = stack_factory()
    seller = ViberSeller(stack)
    seller.register()
    redis.Redis.from_url(redis_url).set(f"chatpay:viber:fsm:{seller.user_id}", BROKEN)

    with caplog.at_level(logging.ERROR):
        seller.says("привіт")
        answer = seller.next("Щось пішло не так")
    assert answer["text"] == "⚠️ Щось пішло не так. Спробуйте ще раз."
    assert any("JSONDecodeError" in r.getMessage() and "Viber message" in r.getMessage()
               for r in caplog.records)
    assert failures(stack).get("viber") == 1
    # the person can go on: the next message is handled as usual once the state is readable
    redis.Redis.from_url(redis_url).delete(f"chatpay:viber:fsm:{seller.user_id}")
    seller.says("привіт")
    assert "Щось пішло не так" not in seller.next()["text"]
