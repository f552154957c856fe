"""The Bot API over HTTP: parameters, dispatch, and the methods about the bot itself (commands,
menu button, files); getUpdates and webhook delivery are in sandbox.telegram.updates."""

from __future__ import annotations

import asyncio
import copy
import json
import re
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.telegram.errors import ApiError, _bad
from sandbox.telegram.state import _Bot, _Upload
from sandbox.telegram.updates import UpdateDelivery


class BotApi(UpdateDelivery):
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

    # --- methods: bot, webhook, commands ----------------------------------------------------------

    def _m_getme(self, bot: _Bot, p: dict[str, Any]) -> dict[str, Any]:
        return dict(bot.user)

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
