"""Every inbound body is capped at 64 KiB (413 beyond), whether or not Content-Length says so:
LiqPay callbacks, the Viber webhook, and the Telegram webhook."""
from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from aiogram import Bot, Dispatcher

from bots.telegram.webhook import BODY_LIMIT, SECRET_HEADER, webhook_app
from bots.viber.dialog import ViberDeps
from bots.viber.webhook import SIGNATURE_HEADER, viber_routes
from sandbox.loopback import serve_in_thread
from storage.settings import load_settings
from web.app import WebDeps, create_app
from workers import handlers, manual, runtime
from workers.providers.liqpay import LiqPayClient

OVER = BODY_LIMIT + 1024  #: bytes


def _chunked(body: bytes) -> Iterator[bytes]:
    """The body as a stream: httpx sends it chunked, with no Content-Length."""
    for start in range(0, len(body), 8192):
        yield body[start:start + 8192]


@pytest.fixture
def edge(database_url: str, redis_url: str, tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """The web edge as `chatpay web` builds it: callbacks and the Viber webhook."""
    settings = load_settings(database_url=database_url, redis_url=redis_url, var_dir=tmp_path)
    deps = runtime.bootstrap(settings, redis_url=redis_url)
    client = redis.Redis.from_url(redis_url)
    viber = viber_routes(ViberDeps(settings=settings, uow=deps.uow, bus=deps.bus,
                                   currencies=LiqPayClient.currencies, redis=client))
    app = create_app(WebDeps(settings=settings, uow=deps.uow,
                             providers={deps.provider.name: deps.provider}, bus=deps.bus,
                             apply_fact=handlers.apply_fact, open_manual_payment=manual.open_payment,
                             extra_routes=[viber]))
    base, stop = serve_in_thread(app)
    yield base, settings
    stop()
    client.close()
    deps.engine.dispose()  # type: ignore[union-attr]


@pytest.fixture
def telegram_webhook() -> Iterator[str]:
    bot = Bot("123456:body-cap-test")
    base, stop = serve_in_thread(webhook_app(Dispatcher(), bot, "the-secret"))
    yield base + "/telegram/webhook"
    stop()


def _both_ways(post: Callable[..., httpx.Response], body: bytes) -> list[int]:
    """Status codes for the body sent with a Content-Length, then chunked without one."""
    return [post(content=body).status_code, post(content=_chunked(body)).status_code]


def test_an_oversized_liqpay_callback_is_refused_with_413_declared_or_streamed(edge):
    base, _ = edge
    url = f"{base}/callbacks/liqpay"

    def post(**kwargs: Any) -> httpx.Response:
        return httpx.post(url, headers={"Content-Type": "application/x-www-form-urlencoded"},
                          **kwargs)

    big = b"signature=x&data=" + b"A" * OVER
    assert _both_ways(post, big) == [413, 413]
    # at the limit it is read, and refused for what it is: a callback that does not verify
    at_limit = b"signature=x&data=" + b"A" * (BODY_LIMIT - len(b"signature=x&data="))
    assert _both_ways(post, at_limit) == [403, 403]


def test_an_oversized_viber_webhook_call_is_refused_with_413_declared_or_streamed(edge):
    base, settings = edge
    body = json.dumps({"event": "webhook", "timestamp": 1, "message_token": 1,
                       "pad": "x" * OVER}).encode()
    signature = hmac.new(settings.viber_auth_token.encode(), body, hashlib.sha256).hexdigest()

    def post(**kwargs: Any) -> httpx.Response:
        return httpx.post(f"{base}/viber/webhook", headers={SIGNATURE_HEADER: signature}, **kwargs)

    assert _both_ways(post, body) == [413, 413]
    small = json.dumps({"event": "webhook", "timestamp": 1, "message_token": 1}).encode()
    signed = hmac.new(settings.viber_auth_token.encode(), small, hashlib.sha256).hexdigest()
    answer = httpx.post(f"{base}/viber/webhook", content=small, headers={SIGNATURE_HEADER: signed})
    assert answer.status_code == 200


def test_an_oversized_telegram_update_is_refused_with_413_declared_or_streamed(telegram_webhook):
    def post(secret: str = "the-secret", **kwargs: Any) -> httpx.Response:
        return httpx.post(telegram_webhook, headers={SECRET_HEADER: secret}, **kwargs)

    big = json.dumps({"update_id": 1, "pad": "x" * OVER}).encode()
    assert _both_ways(post, big) == [413, 413]
    # the secret is checked before the body is read at all
    assert post("wrong", content=big).status_code == 403
    update = {"update_id": 2, "message": {"message_id": 1, "date": 0, "text": "hi",
                                          "chat": {"id": 1, "type": "private"}}}
    assert post(content=json.dumps(update).encode()).status_code == 200
