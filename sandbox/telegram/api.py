"""The Bot API over HTTP: parameters, getUpdates long polling, webhook delivery, and the methods
about the bot itself (webhook, commands, menu button, files)."""

from __future__ import annotations

import asyncio
import copy
import json
import re
import threading
import time
from typing import Any

import httpx
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.telegram.errors import ApiError, _bad
from sandbox.telegram.markup import _truthy
from sandbox.telegram.state import EmulatorState, _Bot, _Upload


class BotApi(EmulatorState):
    """The HTTP side of the Bot API; message methods live in `MessageMethods`."""

    async def _api(self, request: Request) -> Response:
        token, method = request.path_params["token"], request.path_params["method"]
        with self._cond:
            self.stats["calls"] += 1
            self.stats[method] += 1
        if self.latency:
            await asyncio.sleep(self.latency)
        try:
            with self._cond:
                bot = self._bots.get(token)
            if bot is None:
                raise ApiError(401, "Unauthorized")
            params = await self._params(request)
            if method.lower() == "getupdates":
                result = await self._get_updates(bot, params)
            else:
                result = self.call(token, method, params)
        except ApiError as e:
            if e.code == 429:
                with self._cond:
                    self.stats["too_many_requests"] += 1
            return JSONResponse(e.body(), status_code=e.code)
        return JSONResponse({"ok": True, "result": result})

    @staticmethod
    async def _params(request: Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query_params)
        kind = request.headers.get("content-type", "")
        if "json" in kind:
            body = await request.body()
            try:
                loaded = json.loads(body) if body.strip() else {}
            except ValueError:
                raise _bad("can't parse JSON object") from None
            params.update(loaded if isinstance(loaded, dict) else {})
        elif "form" in kind:
            form = await request.form(max_part_size=50 * 1024 * 1024)
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    params[key] = _Upload(value.filename or key, await value.read())
                else:
                    params[key] = value
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                params[key] = params.get(value[len("attach://") :], value)
        return params

    def call(self, token: str, method: str, params: dict[str, Any]) -> Any:
        """Run one Bot API method (not getUpdates) and return its result; raise ApiError like Telegram."""
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            raise ApiError(404, "Not Found")
        with self._cond:
            result = handler(self._bots[token], params)
            self._cond.notify_all()
            return result

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

    # --- methods: bot, webhook, commands ----------------------------------------------------------

    def _m_getme(self, bot: _Bot, p: dict[str, Any]) -> dict[str, Any]:
        return dict(bot.user)

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

    def _commands_key(self, p: dict[str, Any]) -> str:
        scope = p.get("scope") or {"type": "default"}
        scope = json.loads(scope) if isinstance(scope, str) else scope
        return json.dumps([scope, p.get("language_code") or ""], sort_keys=True)

    def _m_setmycommands(self, bot: _Bot, p: dict[str, Any]) -> bool:
        commands = p.get("commands")
        try:
            commands = json.loads(commands) if isinstance(commands, str) else commands
        except ValueError:
            raise _bad("can't parse commands JSON object") from None
        for c in commands if isinstance(commands, list) else [None]:
            if not isinstance(c, dict) or not re.fullmatch(
                r"[a-z0-9_]{1,32}", str(c.get("command", ""))
            ):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(c.get("description", ""))) <= 256:
                raise _bad("command description must be non-empty")
        bot.commands[self._commands_key(p)] = commands
        return True

    def _m_getmycommands(self, bot: _Bot, p: dict[str, Any]) -> list[Any]:
        return copy.deepcopy(bot.commands.get(self._commands_key(p), []))

    def _m_deletemycommands(self, bot: _Bot, p: dict[str, Any]) -> bool:
        bot.commands.pop(self._commands_key(p), None)
        return True

    def _m_setchatmenubutton(self, bot: _Bot, p: dict[str, Any]) -> bool:
        button = p.get("menu_button") or {"type": "default"}
        bot.menu_buttons[str(p.get("chat_id") or "")] = (
            json.loads(button) if isinstance(button, str) else button
        )
        return True

    def _m_getchatmenubutton(self, bot: _Bot, p: dict[str, Any]) -> dict[str, Any]:
        buttons = bot.menu_buttons
        return buttons.get(str(p.get("chat_id") or ""), buttons.get("", {"type": "commands"}))

    def _m_close(self, bot: _Bot, p: dict[str, Any]) -> bool:
        return True

    _m_logout = _m_close

    def _m_getfile(self, bot: _Bot, p: dict[str, Any]) -> dict[str, Any]:
        entry = self._files.get(str(p.get("file_id") or ""))
        if entry is None:
            raise _bad("invalid file_id")
        return {k: entry[k] for k in ("file_id", "file_unique_id", "file_size", "file_path")}

    async def _file(self, request: Request) -> Response:
        with self._cond:
            if request.path_params["token"] not in self._bots:
                return JSONResponse(ApiError(401, "Unauthorized").body(), status_code=401)
            found = [
                f
                for f in self._files.values()
                if f["file_path"] == request.path_params["file_path"]
            ]
        if not found or found[0]["data"] is None:
            return JSONResponse(ApiError(404, "Not Found").body(), status_code=404)
        return Response(found[0]["data"], media_type="image/jpeg")


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
