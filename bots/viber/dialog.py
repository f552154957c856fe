"""The seller's dialog in Viber: the same steps and texts as in Telegram, on viberbot's parsed
requests. Blocking (database, Redis, queue): the webhook runs it off the event loop.

Dialog state lives in Redis under a Viber-only prefix, so a person who also uses the Telegram
bot never sees one channel's half-typed invoice in the other.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from viberbot.api.messages.contact_message import ContactMessage
from viberbot.api.messages.text_message import TextMessage

from bots.conversation.lease import SyncLeases
from bots.conversation.features import FEATURES
from bots.conversation.routes import Conversation
from bots.conversation.state import RedisDialogs
from bots.conversation.turn import Reply as Reply_
from bots.deps import ChannelDeps
from bots.viber import conversation as adapter
from bots.viber import keyboards
from bots.viber import support as support_desk
from bots.viber.accounts import KEY_STEPS, AccountDialog
from bots.viber.reply import Reply
from domain.commands import Command
from domain.errors import ServiceUnavailable
from domain.i18n import normalize_language, t
from storage.repository import Seller

log = logging.getLogger(__name__)

CHANNEL = "viber"
STATE_PREFIX = "chatpay:viber:fsm"
SEEN_PREFIX = "chatpay:viber:seen"
STATE_TTL = 24 * 3600  #: seconds a half-typed invoice is kept
#: seconds a message being handled stays claimed: longer than the dialog's blocking steps take
#: (each times out sooner: Redis 5 s, a Viber send 10 s), and how soon Viber's redelivery of a
#: message whose web process died mid-dialog is handled
LEASE_TTL = 30
UNAVAILABLE = (ServiceUnavailable, SQLAlchemyError, RedisError, ConnectionError)


@dataclass
class ViberDeps(ChannelDeps):
    channel = CHANNEL
    redis: redis.Redis


class DialogState:
    """One person's place in the dialog, as a small JSON object in Redis."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def get(self, user_id: str) -> dict[str, Any]:
        raw = self.client.get(f"{STATE_PREFIX}:{user_id}")
        return json.loads(raw) if raw else {}

    def set(self, user_id: str, data: dict[str, Any]) -> None:
        self.client.set(f"{STATE_PREFIX}:{user_id}", json.dumps(data), ex=STATE_TTL)

    def clear(self, user_id: str) -> None:
        self.client.delete(f"{STATE_PREFIX}:{user_id}")


class Dialog:
    def __init__(self, deps: ViberDeps,
                 say: Callable[[str, list[Reply], Command], None] | None = None) -> None:
        self.deps = deps
        self.state = DialogState(deps.redis)
        self.leases = SyncLeases(deps.redis, SEEN_PREFIX, LEASE_TTL)
        self.conversation = Conversation(deps, FEATURES)
        self.dialogs = RedisDialogs(deps.redis, STATE_PREFIX)
        self.accounts = AccountDialog(deps, self.state, self._then_publish)
        #: queues replies with the command that must follow them (the webhook: a worker sends)
        self.say = say

    def _then_publish(self, user_id: str, reply: Reply, command: Command) -> list[Reply]:
        """Answer, then hand the command to the workers.

        Viber shows the keyboard of the latest message; the worker's message (the QR with
        Check status / Cancel, or the status) must come after this answer, never before it.
        """
        if self.say is None:
            self.deps.bus.publish(command)
            return [reply]
        self.say(user_id, [reply], command)  # Redis down → ServiceUnavailable → "try again"
        return []

    # -- events ------------------------------------------------------------------------------

    def conversation_started(self, user_id: str, name: str, language: str | None) -> Reply:
        """The welcome message, returned as the webhook's answer (Viber's one allowed message)."""
        lang = normalize_language(language)
        try:
            seller = self._seller(user_id)
            self.state.clear(user_id)
        except UNAVAILABLE as exc:
            log.warning("Answering 'temporarily unavailable': %r.", exc)
            return Reply(t(lang, "unavailable"))
        lang = seller.language if seller else lang
        turn = adapter.turn_of(user_id, name, lang, seller, "/start", None, "", {})
        shown = adapter.answers(self.conversation.handle(turn) or Reply_(), lang)
        # Viber takes one message as the webhook's answer: the welcome and what follows, joined
        return Reply("\n\n".join(a.text for a in shown), shown[-1].keyboard)

    def subscription(self, user_id: str, subscribed: bool) -> None:
        """Remember whether the seller may be written to; workers then send nothing."""
        try:
            self.deps.sellers.set_subscribed(user_id, subscribed)
        except SQLAlchemyError:
            log.exception("Could not record that Viber user %s subscribed=%s.", user_id, subscribed)

    def message(self, user_id: str, name: str, language: str | None, message: object,
                token: str) -> list[Reply]:
        """The answers to one message; a message Viber delivers again is answered once.

        Raises StillHandling while another request handles the same message.
        """
        lang = normalize_language(language)
        try:
            lease = self.leases.claim(token)
            if lease is None:
                log.info("Dropped repeated Viber message %s.", token)
                return []
            try:
                seller = self._seller(user_id)
                if seller is not None:
                    lang = seller.language
                    if not seller.subscribed:  # writing to the bot subscribes a user again
                        self.subscription(user_id, True)
                replies = self._message(user_id, name, lang, seller, message, token)
            except BaseException:
                # not handled: Viber's redelivery (after a 500) must not be dropped as seen
                self.leases.release(lease)
                raise
        except UNAVAILABLE as exc:
            log.warning("Answering 'temporarily unavailable': %r.", exc)
            return [Reply(t(lang, "unavailable"))]
        self.leases.done(lease)
        return replies

    # -- the dialog --------------------------------------------------------------------------

    def _message(self, user_id: str, name: str, lang: str, seller: Seller | None,
                 message: object, token: str) -> list[Reply]:
        if isinstance(message, ContactMessage) and message.contact is not None:
            phone = message.contact.phone_number or ""
            return self._converse(user_id, name, lang, seller, None, phone, token) or []
        if not isinstance(message, TextMessage):  # a photo, a sticker: only a step answers
            return self._converse(user_id, name, lang, seller, None, None, token) \
                or [self._unknown(seller, lang)]
        text = (message.text or "").strip()
        if (answered := support_desk.handle(self, user_id, lang, text)) is not None:
            return answered
        if (answered := self._converse(user_id, name, lang, seller, text, None, token)) is not None:
            return answered
        registered = seller is not None and bool(seller.currency)
        if text.startswith("acct:") or text in keyboards.button_texts("btn_settings"):
            if seller is None or not registered:
                return [Reply(t(lang, "need_phone_first"), keyboards.share_phone(lang))]
            if text.startswith("acct:"):
                return [self.accounts.button(user_id, seller, lang, text[len("acct:"):])]
            return [self.accounts.show(user_id, seller, lang)]
        step = self.state.get(user_id)
        if (answered := support_desk.typed(self, user_id, lang, step, text, token)) is not None:
            return answered
        if seller is not None and registered and step.get("step") in KEY_STEPS:
            return self.accounts.key_typed(user_id, seller, lang, text, step, token)
        return [self._unknown(seller, lang)]

    def _unknown(self, seller: Seller | None, lang: str) -> Reply:
        if seller is None or not seller.currency:
            return Reply(t(lang, "unknown_input"), keyboards.share_phone(lang))
        return Reply(t(lang, "unknown_input"), keyboards.main_menu(lang))

    def _converse(self, user_id: str, name: str, lang: str, seller: Seller | None,
                  text: str | None, contact: str | None, token: str) -> list[Reply] | None:
        """The conversation layer's answer, if a moved feature answers; None otherwise."""
        turn = adapter.turn_of(user_id, name, lang, seller, text, contact, token,
                               self.dialogs.get(user_id))
        route = self.conversation.route(turn)
        if route is None:
            return None
        reply = route.answer(self.deps, turn)
        shown = adapter.answers(reply, lang)
        if reply.publish is not None:
            shown = self._then_publish_all(user_id, shown, reply.publish)
        adapter.keep(self.dialogs, user_id, reply)
        return shown

    def _then_publish_all(self, user_id: str, shown: list[Reply],
                          command: Command) -> list[Reply]:
        if self.say is None or not shown:
            self.deps.bus.publish(command)
            return shown
        self.say(user_id, shown, command)
        return []

    # -- helpers -----------------------------------------------------------------------------

    def _seller(self, user_id: str) -> Seller | None:
        return self.deps.sellers.find(user_id)
