"""Support agents in Viber: the same desk as in Telegram (bots.support); a `sup:` button comes
back as a text message, and a corrected buyer address is awaited as a dialog step."""
from __future__ import annotations

from typing import Any

from bots.support import wants
from bots.support_views import Screen
from bots.viber import keyboards
from bots.viber.reply import Reply
from workers.messengers.viber_format import keyboard

STEP = "support"


def answer(state: Any, user_id: str, lang: str, screen: Screen) -> list[Reply]:
    if screen.ask is not None:
        state.set(user_id, {"step": STEP, "ask": screen.ask})
    board = keyboard(screen.buttons) if screen.buttons else keyboards.main_menu(lang)
    return [Reply(screen.text, board)]


def handle(dialog: Any, user_id: str, lang: str, text: str) -> list[Reply] | None:
    """The answer if an agent wrote a support command or tapped a support button; None for
    anyone else, and for everything else (the dialog goes on)."""
    desk = dialog.deps.support
    if not wants(text) or not desk.is_agent(user_id):
        return None
    return answer(dialog.state, user_id, lang, desk.handle(user_id, user_id, lang, text))


def typed(dialog: Any, user_id: str, lang: str, step: dict[str, Any], text: str,
          token: str) -> list[Reply] | None:
    """The corrected address an agent typed at the support step; None if they are no longer
    support (they are then answered as anyone typing something unexpected)."""
    if step.get("step") != STEP or not dialog.deps.support.is_agent(user_id):
        return None
    dialog.state.clear(user_id)
    screen = dialog.deps.support.typed(user_id, user_id, lang, step["ask"], text, f"v{token}")
    return answer(dialog.state, user_id, lang, screen)
