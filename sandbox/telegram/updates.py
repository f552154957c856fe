"""How the Bot API emulator hands updates to a bot: getUpdates long polling, or webhook delivery
(one chat's updates in order, up to max_connections at once), and the webhook methods."""

from __future__ import annotations

import asyncio
import copy
import json
import re
import threading
import time
from typing import Any

import httpx

from sandbox.telegram.errors import ApiError, _bad
from sandbox.telegram.markup import _truthy
from sandbox.telegram.state import EmulatorState, _Bot


class UpdateDelivery(EmulatorState):
    """getUpdates and the webhook; `BotApi` runs the methods a webhook answers with (`call`)."""

    async def _get_updates(self, bot: _Bot, p: dict[str, Any]) -> list[dict[str, Any]]:
        offset, limit = int(p.get("offset") or 0), max(1, min(100, int(p.get("limit") or 100)))
        deadline = time.monotonic() + max(0.0, float(p.get("timeout") or 0))
        event, loop = asyncio.Event(), asyncio.get_running_loop()
        with self._cond:
            if bot.webhook:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; use "
                    "deleteWebhook to delete the webhook first",
                )
            if allowed := p.get("allowed_updates"):
                bot.allowed = json.loads(allowed) if isinstance(allowed, str) else allowed
            bot.poll_gen += 1
            generation = bot.poll_gen
            for other_loop, other in list(bot.waiters):
                other_loop.call_soon_threadsafe(other.set)
            if offset < 0:
                del bot.updates[: max(0, len(bot.updates) + offset)]
            elif offset:
                bot.updates = [u for u in bot.updates if u["update_id"] >= offset]
            bot.waiters.add((loop, event))
        try:
            while True:
                with self._cond:
                    if bot.poll_gen != generation:
                        raise ApiError(
                            409,
                            "Conflict: terminated by other getUpdates request; make sure that "
                            "only one bot instance is running",
                        )
                    if batch := self._pending(bot)[:limit]:
                        bot.delivered = max(bot.delivered, *(u["update_id"] for u in batch))
                        return copy.deepcopy(batch)
                    event.clear()
                if (left := deadline - time.monotonic()) <= 0 or self.closing:
                    return []
                try:
                    await asyncio.wait_for(event.wait(), left)
                except TimeoutError:
                    pass
        finally:
            with self._cond:
                bot.waiters.discard((loop, event))

    @staticmethod
    def _pending(bot: _Bot) -> list[dict[str, Any]]:
        if bot.allowed:
            bot.updates = [u for u in bot.updates if not set(u) - {"update_id"} - set(bot.allowed)]
        return bot.updates

    # --- webhook delivery -------------------------------------------------------------------------

    def _deliver(self, bot: _Bot, generation: int) -> None:
        """One of the webhook's `max_connections` senders, each on its own connection.

        Like Telegram, updates go out in parallel, but one chat's updates one at a time and in
        order; an update is dropped only once the webhook answered 2xx, else retried with backoff.
        """
        failures = 0
        with httpx.Client(timeout=30) as client:
            while True:
                with self._cond:
                    while (bot.webhook_gen == generation
                           and (update := self._next_for_webhook(bot)) is None):
                        self._cond.wait(1)
                    if bot.webhook_gen != generation or bot.webhook is None or update is None:
                        return
                    hook = dict(bot.webhook)
                    bot.in_flight.add(id(update))
                headers = (
                    {"X-Telegram-Bot-Api-Secret-Token": hook["secret_token"]}
                    if hook["secret_token"]
                    else {}
                )
                try:
                    reply = client.post(hook["url"], json=update, headers=headers)
                    error = (
                        None
                        if reply.is_success
                        else f"Wrong response from the webhook: {reply.status_code}"
                    )
                except httpx.HTTPError as e:
                    reply, error = None, f"Connection failed: {e}"
                with self._cond:
                    bot.in_flight.discard(id(update))
                    self._cond.notify_all()
                    if not error:
                        bot.updates = [u for u in bot.updates if u is not update]
                    elif bot.webhook_gen == generation and bot.webhook is not None:
                        bot.webhook.update(
                            last_error_date=int(time.time()), last_error_message=error
                        )
                if error:  # this sender backs off; the update may go out on another meanwhile
                    failures += 1
                    time.sleep(min(0.05 * 2 ** min(failures, 6), 2.0))
                    continue
                failures = 0
                self._webhook_reply(bot, reply)

    def _next_for_webhook(self, bot: _Bot) -> dict[str, Any] | None:
        """The oldest pending update whose chat has nothing older pending (in flight or not)."""
        blocked: set[object] = set()  # an update stays pending until the webhook took it
        for update in self._pending(bot):
            chat = _chat_of(update)
            if id(update) not in bot.in_flight and chat not in blocked:
                return update
            blocked.add(chat)
        return None

    def _webhook_reply(self, bot: _Bot, reply: httpx.Response | None) -> None:
        """Run the method a webhook may answer with, as Telegram does (its result is discarded)."""
        try:
            body = reply.json() if reply is not None and reply.content else None
        except ValueError:
            return
        if isinstance(body, dict) and isinstance(body.get("method"), str):
            try:
                self.call(bot.token, body.pop("method"), body)
            except ApiError:
                pass

    # --- methods: the webhook -----------------------------------------------------------------

    def _m_setwebhook(self, bot: _Bot, p: dict[str, Any]) -> bool:
        url = str(p.get("url") or "")
        if not url:
            return self._m_deletewebhook(bot, p)
        if not re.fullmatch(r"https?://[^\s/?#]+(?:[/?#]\S*)?", url):
            raise _bad("bad webhook: Failed to resolve host: Name or service not known")
        secret = str(p.get("secret_token") or "")
        if not re.fullmatch(r"[A-Za-z0-9_-]{0,256}", secret):
            raise _bad("secret token contains unallowed characters")
        if _truthy(p.get("drop_pending_updates")):
            bot.updates.clear()
        if allowed := p.get("allowed_updates"):
            bot.allowed = json.loads(allowed) if isinstance(allowed, str) else allowed
        bot.webhook = {
            "url": url,
            "secret_token": secret,
            "max_connections": _max_connections(p.get("max_connections")),
        }
        bot.webhook_gen += 1
        for n in range(bot.webhook["max_connections"]):
            threading.Thread(
                target=self._deliver,
                args=(bot, bot.webhook_gen),
                daemon=True,
                name=f"telegram-webhook-{bot.user['id']}-{n}",
            ).start()
        return True

    def _m_deletewebhook(self, bot: _Bot, p: dict[str, Any]) -> bool:
        bot.webhook, bot.webhook_gen = None, bot.webhook_gen + 1
        if _truthy(p.get("drop_pending_updates")):
            bot.updates.clear()
        return True

    def _m_getwebhookinfo(self, bot: _Bot, p: dict[str, Any]) -> dict[str, Any]:
        hook = bot.webhook or {"url": ""}
        info = {
            "url": hook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(bot.updates),
        }
        info.update(
            {
                k: v
                for k, v in hook.items()
                if k in ("max_connections", "last_error_date", "last_error_message")
            }
        )
        return info | ({"allowed_updates": bot.allowed} if bot.allowed else {})


def _max_connections(value: Any) -> int:
    try:
        n = int(value or 40)
    except (TypeError, ValueError):
        raise _bad("bad webhook: max_connections must be a number") from None
    if not 1 <= n <= 100:
        raise _bad("bad webhook: max_connections must be between 1 and 100")
    return n


def _chat_of(update: dict[str, Any]) -> object:
    """What Telegram keeps in order: the update's chat, else its sender, else the update alone."""
    for value in update.values():
        if isinstance(value, dict):
            message = value.get("message") if isinstance(value.get("message"), dict) else value
            if isinstance(message.get("chat"), dict):
                return ("chat", message["chat"].get("id"))
            if isinstance(value.get("from"), dict):
                return ("user", value["from"].get("id"))
    return ("update", update.get("update_id"))
