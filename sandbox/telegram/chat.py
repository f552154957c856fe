"""The web chat at `{base}/chat`: a page where a person plays the user's side (the sandbox)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from sandbox.live import event_stream
from sandbox.telegram.state import EmulatorState, _Chat
from sandbox.telegram.webapp import sign_init_data

#: the colours a Telegram client hands a Mini App (its light theme)
THEME = {"bg_color": "#ffffff", "text_color": "#000000", "hint_color": "#707579",
         "link_color": "#2e6da4", "button_color": "#2e6da4", "button_text_color": "#ffffff",
         "secondary_bg_color": "#f1f1f4"}

PAGE = Path(__file__).with_name("chat.html")


class WebChat(EmulatorState):
    """The page and the JSON routes behind it; each action is one user-side call."""

    if TYPE_CHECKING:  # the user side, defined by TelegramEmulator

        def user_sends_text(self, chat_id: int, text: str, *, token: str | None = ...) -> Any: ...

        def user_shares_contact(
            self, chat_id: int, phone_number: str, *, token: str | None = ...
        ) -> Any: ...

        def user_taps(
            self, chat_id: int, message_id: int, data: str, *, token: str | None = ...
        ) -> Any: ...

    def open_web_app(self, chat_id: int, url: str, *, token: str | None = None) -> str:
        """A Mini App opened from this chat (a `web_app` button or the menu button): its URL
        with the init data this bot's token signs and a theme, in the fragment, as Telegram's
        clients open it."""
        if not re.match(r"https?://", url):
            raise ValueError("WEB_APP_URL_INVALID")
        with self._cond:
            bot = self._bot(token)
            chat = self._chats.get((bot.token, chat_id)) or _Chat({})
            user = {"id": chat_id, "first_name": "Seller", "language_code": "uk",
                    **{k: v for k, v in chat.user.items()
                       if k in ("id", "first_name", "last_name", "username", "language_code")}}
        init = sign_init_data(bot.token, user)
        fragment = urlencode({"tgWebAppData": init, "tgWebAppVersion": "7.0",
                              "tgWebAppPlatform": "web",
                              "tgWebAppThemeParams": json.dumps(THEME, separators=(",", ":"))})
        return f"{url.split('#', 1)[0]}#{fragment}"

    def _chat_page(self, request: Request) -> Response:
        return HTMLResponse(PAGE.read_text(encoding="utf-8"))

    def _chat_args(self, args: Any) -> tuple[str | None, int]:
        return args.get("token") or None, int(args.get("chat_id") or 100_001)

    async def _chat_state(self, request: Request) -> Response:
        view = self._chat_view(*self._chat_args(request.query_params))
        if view is None:
            return JSONResponse(
                {"error": "No bot is registered with the emulator yet."}, status_code=404
            )
        return JSONResponse(view)

    async def _chat_events(self, request: Request) -> Response:
        """The chat as server-sent events: sent at once, and again whenever it changes."""
        args = self._chat_args(request.query_params)

        def wait(seconds: float) -> None:
            with self._cond:
                self._cond.wait(seconds)

        return event_stream(request, lambda: self._chat_view(*args) or {"messages": []}, wait)

    def _chat_view(self, token: str | None, chat_id: int) -> dict[str, Any] | None:
        with self._cond:
            if not self._bots:
                return None
            bot = self._bot(token)
            chat = self._chats.get((bot.token, chat_id)) or _Chat({})
            messages = []
            for m in chat.messages:
                if m.get("deleted"):
                    continue
                view = {
                    k: m.get(k)
                    for k in ("message_id", "text", "caption", "html", "contact", "edited")
                }
                view["outgoing"] = not m["from"]["is_bot"]
                view["inline_keyboard"] = (m.get("reply_markup") or {}).get("inline_keyboard")
                if m.get("photo"):
                    entry = self._files[m["photo"][-1]["file_id"]]
                    view["photo_src"] = entry["url"] or f"file/bot{bot.token}/{entry['file_path']}"
                messages.append(view)
            buttons = bot.menu_buttons
            return {
                "bot": bot.user,
                "messages": messages,
                "keyboard": chat.keyboard,
                "menu_button": buttons.get(str(chat_id), buttons.get("", {"type": "commands"})),
                "notices": chat.notices[-5:],
                "chat_id": chat_id,
            }

    async def _chat_action(self, request: Request) -> Response:
        body = await request.json()
        token, chat_id = self._chat_args(body)
        action = request.path_params["action"]
        try:
            if action == "send" and str(body.get("text") or "").strip():
                self.user_sends_text(chat_id, str(body["text"]), token=token)
            elif action == "contact":
                self.user_shares_contact(chat_id, str(body["phone_number"]), token=token)
            elif action == "tap":
                self.user_taps(chat_id, int(body["message_id"]), str(body["data"]), token=token)
            elif action == "webapp":
                return JSONResponse({"url": self.open_web_app(chat_id, str(body["url"]),
                                                              token=token)})
            else:
                return JSONResponse(
                    {"error": f"Unknown or empty action {action!r}."}, status_code=400
                )
        except (KeyError, ValueError) as e:
            return JSONResponse({"error": str(e)}, status_code=400)
        return JSONResponse({"ok": True})
