"""`POST /viber/webhook`: verify Viber's signature over the raw body, parse with viberbot, hand the
event to the dialog off the event loop, queue its answers for a worker to send, and answer.

Nothing here calls Viber: the answers go the way the bots' commands go (the queue, a worker), so
the webhook never waits on Viber's API. The welcome is the one message Viber takes as the
webhook's own answer (to a person not yet subscribed, the only way to greet them).
"""
from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from redis.exceptions import RedisError
from starlette.concurrency import run_in_threadpool
from viberbot.api.viber_requests import (
    ViberConversationStartedRequest,
    ViberMessageRequest,
    ViberSubscribedRequest,
    ViberUnsubscribedRequest,
    create_request,
)

from bots.telegram.webhook import read_capped, too_large
from bots.conversation.lease import StillHandling
from bots.viber.dialog import Dialog, Reply, ViberDeps
from domain.commands import AnswerInViber, Command, carry
from domain.errors import ServiceUnavailable
from domain.i18n import normalize_language, t
from storage import update_failures
from workers.messengers.viber_format import SENDER_NAME_MAX, TEXT_MAX, required_api_version

log = logging.getLogger(__name__)

PATH = "/viber/webhook"
SIGNATURE_HEADER = "X-Viber-Content-Signature"


def signature_ok(body: bytes, signature: str, auth_token: str) -> bool:
    """Viber signs the raw body: hex HMAC-SHA256 keyed by the bot's auth token."""
    expected = hmac.new(auth_token.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.strip().lower())


def message_payload(reply: Reply, sender_name: str, receiver: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"sender": {"name": sender_name[:SENDER_NAME_MAX]}, "type": "text",
                               "text": reply.text[:TEXT_MAX]}
    if receiver is not None:
        payload["receiver"] = receiver
    if reply.keyboard is not None:
        payload["keyboard"] = reply.keyboard
        payload["min_api_version"] = required_api_version(reply.keyboard)
    return payload


def viber_routes(deps: ViberDeps) -> Callable[[FastAPI], None]:
    """The route, for WebDeps.extra_routes."""
    name = deps.settings.viber_bot_name
    token = deps.settings.viber_auth_token

    def answer(receiver: str, replies: list[Reply], then: Command | None = None) -> None:
        """Queue the answers (and the command that must follow them) for a worker to send;
        raises ServiceUnavailable when the queue cannot be reached."""
        deps.bus.publish(AnswerInViber(
            chat_id=receiver, replies=tuple({"text": r.text, "keyboard": r.keyboard}
                                            for r in replies),
            then=carry(then) if then is not None else None))

    dialog = Dialog(deps, say=answer)

    def failed(user_id: str, language: str | None, token: str, exc: Exception) -> list[Reply]:
        """Log the failure with the message's token, count it, and tell the person to try again
        (answered 200: a redelivery would fail the same way)."""
        log.error("Viber message %s from %s failed in its handler: %r.", token, user_id, exc,
                  exc_info=exc)
        with contextlib.suppress(RedisError):
            update_failures.count(deps.redis, "viber")
        return [Reply(t(normalize_language(language), "failed_try_again"))]

    def add(app: FastAPI) -> None:
        @app.post(PATH)
        async def viber_webhook(request: Request) -> Response:
            body = await read_capped(request)
            if body is None:
                return too_large()
            if not signature_ok(body, request.headers.get(SIGNATURE_HEADER, ""), token):
                log.warning("Refused a Viber webhook call with a wrong signature.")
                return PlainTextResponse("forbidden", status_code=403)
            try:
                data = json.loads(body)
                event = create_request(data)
            except Exception:  # viberbot raises bare Exception/KeyError on malformed events
                return PlainTextResponse("malformed", status_code=400)
            if isinstance(event, ViberConversationStartedRequest):
                user = event.user
                welcome = await run_in_threadpool(dialog.conversation_started, user.id,
                                                  user.name or "", user.language)
                return JSONResponse(message_payload(welcome, name))
            if isinstance(event, ViberMessageRequest):
                sender = event.sender
                try:
                    replies = await run_in_threadpool(
                        dialog.message, sender.id, sender.name or "", sender.language,
                        event.message, str(event.message_token))
                except StillHandling:  # not 200: if that delivery dies, Viber's next try is ours
                    return PlainTextResponse("being handled", status_code=503)
                except Exception as exc:  # noqa: BLE001 -- a handler nobody expected to fail
                    replies = await run_in_threadpool(failed, sender.id, sender.language,
                                                      str(event.message_token), exc)
                if replies:
                    try:
                        await run_in_threadpool(answer, sender.id, replies)
                    except ServiceUnavailable:  # not 200: Viber delivers the message again
                        log.warning("Queue down; Viber user %s is answered on redelivery.",
                                    sender.id)
                        return PlainTextResponse("temporarily unavailable", status_code=503)
                return PlainTextResponse("ok")
            if isinstance(event, ViberSubscribedRequest):
                await run_in_threadpool(dialog.subscription, event.user.id, True)
            elif isinstance(event, ViberUnsubscribedRequest):
                await run_in_threadpool(dialog.subscription, event.user_id, False)
            return PlainTextResponse("ok")  # webhook check, delivered, seen, failed

    return add
