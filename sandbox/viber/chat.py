"""The web chat at `{base}/chat`: a page where a person plays the Viber user's side (the sandbox).

What the bot sent is the emulator's record; what the person typed or tapped is kept here, each
with how many bot messages came before it, so the page shows one conversation in order.
"""
from __future__ import annotations

import re
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from sandbox.live import event_stream
from sandbox.viber.state import EmulatorState

PAGE = Path(__file__).with_name("chat.html")
DEFAULT_USER = "sandbox-seller-01=="
LINK = re.compile(r"https?://\S+")


class ViberWebChat(EmulatorState):
    """The page and the JSON routes behind it; each action is one user-side call."""

    _typed: dict[str, list[tuple[int, dict[str, Any]]]]  #: user -> (bot messages before, what)

    if TYPE_CHECKING:  # the user side, defined by UserSide

        def user_starts_conversation(self, user_id: str, **profile: Any) -> Any: ...
        def user_sends_text(self, user_id: str, text: str, **profile: Any) -> Any: ...
        def user_taps(self, user_id: str, action_body: str, **profile: Any) -> Any: ...
        def user_shares_contact(self, user_id: str, phone_number: str, **profile: Any) -> Any: ...

    def _chat_page(self, request: Request) -> Response:
        return HTMLResponse(PAGE.read_text(encoding="utf-8"))

    async def _chat_events(self, request: Request) -> Response:
        user_id = request.query_params.get("user") or DEFAULT_USER

        def wait(seconds: float) -> None:
            with self._changed:
                self._changed.wait(seconds)

        return event_stream(request, lambda: self._chat_view(user_id), wait)

    def _chat_view(self, user_id: str) -> dict[str, Any]:
        with self._lock:
            sent, typed = list(self._sent[user_id]), list(self._typed[user_id])
            name = next(iter(self._accounts.values())).name if self._accounts else "Viber"
        messages: list[dict[str, Any]] = []
        for index, message in enumerate([*sent, None]):
            while typed and typed[0][0] <= index:
                messages.append({**typed.pop(0)[1], "outgoing": True})
            if message is not None:
                messages.append(_bot_message(message))
        keyboard = next((m.get("keyboard") for m in reversed(sent) if m.get("keyboard")), None)
        return {"bot": name, "messages": messages, "keyboard": keyboard, "user": user_id}

    async def _chat_action(self, request: Request) -> Response:
        body = await request.json()
        user_id = str(body.get("user") or DEFAULT_USER)
        action = request.path_params["action"]
        profile = {"name": str(body.get("name") or "Seller")}
        shown: dict[str, Any] | None
        if action == "start":
            call, shown = partial(self.user_starts_conversation, user_id, **profile), None
        elif action == "send" and str(body.get("text") or "").strip():
            text = str(body["text"])
            call, shown = partial(self.user_sends_text, user_id, text, **profile), {"text": text}
        elif action == "tap":
            data = str(body.get("data") or "")
            call = partial(self.user_taps, user_id, data, **profile)
            shown = {"text": str(body.get("text") or data)}
        elif action == "contact":
            phone = str(body.get("phone_number") or "")
            call = partial(self.user_shares_contact, user_id, phone, **profile)
            shown = {"contact": phone}
        else:
            return JSONResponse({"error": f"Unknown or empty action {action!r}."}, status_code=400)
        if shown is not None:
            with self._changed:
                self._typed[user_id].append((len(self._sent[user_id]), shown))
                self._changed.notify_all()
        try:
            status, _ = await anyio.to_thread.run_sync(call)  # the user side blocks on the bot
        except (RuntimeError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=409)
        if status != 200:
            return JSONResponse({"error": f"The bot answered HTTP {status}."}, status_code=502)
        return JSONResponse({"ok": True})


def _bot_message(message: dict[str, Any]) -> dict[str, Any]:
    text = str(message.get("text") or "")
    buttons = (message.get("keyboard") or {}).get("Buttons") or []
    link = next((b["ActionBody"] for b in buttons if b.get("ActionType") == "open-url"), None)
    found = LINK.search(text)
    return {"text": text, "picture": message.get("media") if message.get("type") == "picture"
            else None, "link": found.group(0) if found else link, "outgoing": False}
