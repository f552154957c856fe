"""The Bot API methods about messages: send, edit, delete, answer callback queries, and the rate
limits every send and edit passes through."""

from __future__ import annotations

import json
import math
import re
import time
from typing import Any

from sandbox.telegram.errors import ApiError, _bad
from sandbox.telegram.markup import (
    MAX_CAPTION,
    MAX_TEXT,
    _image_size,
    _markup,
    _parse_text,
    _truthy,
    _u16,
)
from sandbox.telegram.state import EmulatorState, _Bot, _Chat, _Upload

TELEGRAM_GLOBAL_RATE = (
    30.0  #: messages per second, the reference for stats["violations"] when not set
)
TELEGRAM_PER_CHAT_RATE = 1.0  #: messages per second per chat, likewise
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


class MessageMethods(EmulatorState):
    """sendMessage, sendPhoto, edit*, deleteMessage, answerCallbackQuery, sendChatAction."""

    def _target(self, bot: _Bot, p: dict[str, Any]) -> _Chat:
        raw = p.get("chat_id")
        if raw in (None, ""):
            raise _bad("chat_id is empty")
        chat = self._chats.get((bot.token, int(raw))) if re.fullmatch(r"-?\d+", str(raw)) else None
        if chat is None:
            raise _bad("chat not found")
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _throttle(self, bot: _Bot, chat: _Chat) -> None:
        """Answer 429 when a send breaks the configured limits; count sends that break Telegram's anyway."""
        now = time.monotonic()
        while bot.recent_sends and bot.recent_sends[0] <= now - 1.0:
            bot.recent_sends.popleft()
        chat_wait = chat.last_send + 1.0 / (self.per_chat_rate or TELEGRAM_PER_CHAT_RATE) - now
        global_wait = (
            bot.recent_sends[0] + 1.0 - now
            if len(bot.recent_sends) >= math.floor(self.global_rate or TELEGRAM_GLOBAL_RATE)
            else 0.0
        )
        waits = [
            w
            for w, enforced in ((chat_wait, self.per_chat_rate), (global_wait, self.global_rate))
            if enforced and w > 1e-6
        ]
        if waits:
            raise ApiError(
                429,
                f"Too Many Requests: retry after {max(1, math.ceil(max(waits)))}",
                max(1, math.ceil(max(waits))),
            )
        if chat_wait > 1e-3 or global_wait > 1e-3:
            self.stats["violations"] += 1
        self.stats["sends"] += 1
        chat.last_send = now
        bot.recent_sends.append(now)

    def _content(self, p: dict[str, Any], key: str, limit: int, too_long: str) -> dict[str, Any]:
        text, entities, page = _parse_text(str(p.get(key) or ""), p.get("parse_mode"))
        if key == "text" and not text.strip():
            raise _bad("message text is empty")
        if _u16(text) > limit:
            raise _bad(too_long)
        if not text:
            return {key: None, "html": ""}
        return {
            key: text,
            f"{'caption_' if key == 'caption' else ''}entities": entities or None,
            "html": page,
        }

    def _store(
        self, bot: _Bot, chat: _Chat, p: dict[str, Any], content: dict[str, Any]
    ) -> dict[str, Any]:
        markup = _markup(p.get("reply_markup"))
        reply = p.get("reply_parameters")
        reply = json.loads(reply) if isinstance(reply, str) else (reply or {})
        reply_to = reply.get("message_id", p.get("reply_to_message_id"))
        replied = None
        if reply_to not in (None, ""):
            try:
                replied = self._find(chat, reply_to, "message to be replied not found")
            except ApiError:
                if not _truthy(
                    reply.get("allow_sending_without_reply", p.get("allow_sending_without_reply"))
                ):
                    raise
        self._throttle(bot, chat)
        if markup and ("keyboard" in markup or "remove_keyboard" in markup):
            chat.keyboard = markup if "keyboard" in markup else None
        message = {
            "message_id": chat.next_message_id,
            "from": dict(bot.user),
            "chat": self._chat_obj(chat),
            "date": int(time.time()),
            "received_at": time.monotonic(),  # for benches: when the emulator stored it
            **content,
            "reply_markup": markup,
            "reply_to_message": self._public(replied) if replied else None,
            "reply_to_message_id": replied["message_id"] if replied else None,
            "edited": False,
            "deleted": False,
        }
        if message["reply_to_message"]:
            message["reply_to_message"].pop("reply_to_message", None)
        chat.next_message_id += 1
        chat.messages.append(message)
        return self._public(message)

    def _m_sendmessage(self, bot: _Bot, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._target(bot, p)
        return self._store(bot, chat, p, self._content(p, "text", MAX_TEXT, "message is too long"))

    def _m_sendphoto(self, bot: _Bot, p: dict[str, Any]) -> dict[str, Any]:
        chat, photo = self._target(bot, p), p.get("photo")
        content = self._content(p, "caption", MAX_CAPTION, "message caption is too long")
        if isinstance(photo, _Upload):
            width, height = _image_size(photo.data)
            n = next(self._ids)
            sizes = [
                (f"AgACAgIAAxkDAAI{n:06d}AAE", min(1.0, 90 / max(width, height, 1))),
                (f"AgACAgIAAxkDAAI{n:06d}AAF", 1.0),
            ]
            content["photo"] = []
            for file_id, scale in sizes:
                size = {
                    "file_id": file_id,
                    "file_unique_id": f"AQAD{n:06d}{int(scale * 100)}",
                    "width": max(1, round(width * scale)),
                    "height": max(1, round(height * scale)),
                    "file_size": len(photo.data),
                }
                self._files[file_id] = {
                    **size,
                    "file_path": f"photos/file_{n}_{len(content['photo'])}.jpg",
                    "data": photo.data,
                    "url": None,
                }
                content["photo"].append(size)
        elif isinstance(photo, str) and photo in self._files:
            entry = self._files[photo]
            content["photo"] = [
                {k: entry[k] for k in ("file_id", "file_unique_id", "width", "height", "file_size")}
            ]
            content["photo_url"] = entry["url"]
        elif isinstance(photo, str) and re.match(r"https?://[^\s/]+", photo):
            file_id = f"AgACAgIAAxkBAAI{next(self._ids):06d}URL"
            size = {
                "file_id": file_id,
                "file_unique_id": file_id[-12:],
                "width": 512,
                "height": 512,
                "file_size": 0,
            }
            self._files[file_id] = {
                **size,
                "file_path": f"photos/{file_id}.jpg",
                "data": None,
                "url": photo,
            }
            content.update(photo=[size], photo_url=photo)
        elif photo in (None, ""):
            raise _bad("there is no photo in the request")
        else:
            raise _bad("wrong file identifier/HTTP URL specified")
        return self._store(bot, chat, p, content)

    def _edit(self, bot: _Bot, p: dict[str, Any], key: str | None) -> dict[str, Any]:
        chat = self._target(bot, p)
        if p.get("message_id") in (None, ""):
            raise _bad("message identifier is not specified")
        message = self._find(chat, p["message_id"], "message to edit not found", own=True)
        changes: dict[str, Any] = {"reply_markup": _markup(p.get("reply_markup"))}
        if changes["reply_markup"] and "inline_keyboard" not in changes["reply_markup"]:
            raise _bad("inline keyboard expected")
        if key == "text":
            if "text" not in message:
                raise _bad("there is no text in the message to edit")
            changes.update(self._content(p, "text", MAX_TEXT, "message is too long"))
        elif key == "caption":
            if "photo" not in message:
                raise _bad("there is no caption in the message to edit")
            changes.update(self._content(p, "caption", MAX_CAPTION, "message caption is too long"))
        if all(message.get(k) == v for k, v in changes.items() if k != "html"):
            raise ApiError(400, _NOT_MODIFIED)
        self._throttle(bot, chat)
        message.update(changes, edited=True, edit_date=int(time.time()))
        return self._public(message)

    def _m_editmessagetext(self, bot: _Bot, p: dict[str, Any]) -> dict[str, Any]:
        return self._edit(bot, p, "text")

    def _m_editmessagecaption(self, bot: _Bot, p: dict[str, Any]) -> dict[str, Any]:
        return self._edit(bot, p, "caption")

    def _m_editmessagereplymarkup(self, bot: _Bot, p: dict[str, Any]) -> dict[str, Any]:
        return self._edit(bot, p, None)

    def _m_deletemessage(self, bot: _Bot, p: dict[str, Any]) -> bool:
        chat = self._target(bot, p)
        if p.get("message_id") in (None, ""):
            raise _bad("message identifier is not specified")
        self._find(chat, p["message_id"], "message to delete not found")["deleted"] = True
        return True

    def _m_answercallbackquery(self, bot: _Bot, p: dict[str, Any]) -> bool:
        query = self._queries.get(str(p.get("callback_query_id") or ""))
        if query is None or query["answer"] is not None or query["chat"][0] != bot.token:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        query["answer"] = {k: v for k, v in p.items() if k != "callback_query_id"}
        if text := p.get("text"):
            self._chats[query["chat"]].notices.append(str(text))
        return True

    def _m_sendchataction(self, bot: _Bot, p: dict[str, Any]) -> bool:
        self._target(bot, p)
        return True
