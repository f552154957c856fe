"""The seller's dialog in Viber: the conversation layer (bots.conversation) on viberbot's parsed
requests. Blocking (database, Redis, queue): the webhook runs it off the event loop.

Dialog state lives in Redis under a Viber-only prefix, so a person who also uses the Telegram
bot never sees one channel's half-typed invoice in the other.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import redis
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from viberbot.api.messages.contact_message import ContactMessage
from viberbot.api.messages.text_message import TextMessage

from bots.conversation.features import FEATURES
from bots.conversation.lease import SyncLeases
from bots.conversation.routes import NOT_UNDERSTOOD, Conversation
from bots.conversation.state import RedisDialogs
from bots.deps import ChannelDeps
from bots.viber import conversation as adapter
from bots.viber.reply import Reply
from domain.commands import Command
from domain.errors import ServiceUnavailable
from domain.i18n import normalize_language, t
from storage.repository import Seller

log = logging.getLogger(__name__)

CHANNEL = "viber"
SEEN_PREFIX = "chatpay:viber:seen"
#: seconds a message being handled stays claimed: longer than the dialog's blocking steps take
#: (each times out sooner: Redis 5 s, a Viber send 10 s), and how soon Viber's redelivery of a
#: message whose web process died mid-dialog is handled
LEASE_TTL = 30
UNAVAILABLE = (ServiceUnavailable, SQLAlchemyError, RedisError, ConnectionError)


@dataclass
class ViberDeps(ChannelDeps):
    channel = CHANNEL
    redis: redis.Redis


class Dialog:
    def __init__(self, deps: ViberDeps,
                 say: Callable[[str, list[Reply], Command], None] | None = None) -> None:
        self.deps = deps
        self.leases = SyncLeases(deps.redis, SEEN_PREFIX, LEASE_TTL)
        self.conversation = Conversation(deps, FEATURES)
        self.dialogs = RedisDialogs(deps.redis, adapter.STATE_PREFIX)
        #: queues replies with the command that must follow them (the webhook: a worker sends)
        self.say = say

    def conversation_started(self, user_id: str, name: str, language: str | None) -> Reply:
        """The welcome message, returned as the webhook's answer (Viber's one allowed message):
        /start's messages joined into one."""
        lang = normalize_language(language)
        try:
            seller = self.deps.sellers.find(user_id)
            lang = seller.language if seller else lang
            shown = self._converse(user_id, name, lang, seller, "/start", None, "")
        except UNAVAILABLE as exc:
            log.warning("Answering 'temporarily unavailable': %r.", exc)
            return Reply(t(lang, "unavailable"))
        assert shown
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
                seller = self.deps.sellers.find(user_id)
                if seller is not None:
                    lang = seller.language
                    if not seller.subscribed:  # writing to the bot subscribes a user again
                        self.subscription(user_id, True)
                text = contact = None
                if isinstance(message, ContactMessage) and message.contact is not None:
                    contact = message.contact.phone_number or ""
                elif isinstance(message, TextMessage):
                    text = (message.text or "").strip()
                replies = self._converse(user_id, name, lang, seller, text, contact, token)
            except BaseException:
                # not handled: Viber's redelivery (after a 500) must not be dropped as seen
                self.leases.release(lease)
                raise
        except UNAVAILABLE as exc:
            log.warning("Answering 'temporarily unavailable': %r.", exc)
            return [Reply(t(lang, "unavailable"))]
        self.leases.done(lease)
        return replies

    def _converse(self, user_id: str, name: str, lang: str, seller: Seller | None,
                  text: str | None, contact: str | None, token: str) -> list[Reply]:
        """The conversation's answer; anything no feature answers is not understood. The command
        is queued with the answers (a worker sends them, then the command's own message)."""
        turn = adapter.turn_of(user_id, name, lang, seller, text, contact, token,
                               self.dialogs.get(user_id) if text != "/start" else {})
        reply = (self.conversation.route(turn) or NOT_UNDERSTOOD).answer(self.deps, turn)
        shown = adapter.answers(reply, lang)
        if reply.publish is not None:
            if self.say is None or not shown:
                self.deps.bus.publish(reply.publish)
            else:
                self.say(user_id, shown, reply.publish)  # Redis down → "try again"
                shown = []
        adapter.keep(self.dialogs, user_id, reply)
        return shown
