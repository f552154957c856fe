"""*Settings → Fiscal receipts* in Viber: the same steps and texts as in Telegram. Viber lets no
bot delete a person's message, so the seller is asked to delete the key and the PIN themself."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bots import fiscal
from bots.accounts import remembered_key
from bots.viber import keyboards
from bots.viber.reply import Reply
from domain.commands import Command
from domain.i18n import t
from domain.messaging import Button
from storage.repository import Seller
from workers.messengers.viber_format import keyboard

if TYPE_CHECKING:
    from bots.viber.dialog import DialogState, ViberDeps

STEPS = ("fiscal_license", "fiscal_pin", "fiscal_goods")


def handles(text: str) -> bool:
    return text == fiscal.COMMAND or text.startswith(fiscal.PREFIX)


def _keyboard(lang: str) -> dict[str, Any]:
    rows = tuple(tuple(Button(t(lang, key), data=f"{fiscal.PREFIX}{action}")
                       for action, key in row) for row in fiscal.BUTTONS)
    return keyboard(rows + ((Button(t(lang, "btn_create"), data=t(lang, "btn_create")),),))


class FiscalDialog:
    def __init__(self, deps: ViberDeps, state: DialogState,
                 then_publish: Callable[[str, Reply, Command], list[Reply]]) -> None:
        self.deps, self.state, self.then_publish = deps, state, then_publish

    def tapped(self, user_id: str, seller: Seller, lang: str, text: str) -> Reply:
        """`/fiscal` or a `fisc:` button."""
        action = text[len(fiscal.PREFIX):] if text.startswith(fiscal.PREFIX) else "show"
        if action == "connect":
            self.state.set(user_id, {"step": "fiscal_license"})
            return Reply(t(lang, "fiscal_ask_license"))
        if action == "goods":
            self.state.set(user_id, {"step": "fiscal_goods"})
            return Reply(t(lang, "fiscal_ask_goods"))
        if action.startswith("mode:"):
            return Reply(fiscal.set_mode(self.deps.uow, seller.id, action[len("mode:"):], lang),
                         keyboards.main_menu(lang))
        self.state.clear(user_id)
        return Reply(fiscal.settings_text(self.deps.uow, seller.id, lang), _keyboard(lang))

    def step(self, user_id: str, seller: Seller, lang: str, text: str, step: dict[str, Any],
             token: str) -> list[Reply]:
        delete = t(lang, "key_delete_yourself")
        if step["step"] == "fiscal_goods":
            name = fiscal.read_goods(text)
            if name is None:
                return [Reply(t(lang, "fiscal_goods_invalid"))]
            fiscal.set_goods(self.deps.uow, seller.id, name)
            self.state.clear(user_id)
            return [Reply(t(lang, "fiscal_goods_set", goods=name), keyboards.main_menu(lang))]
        box = self.deps.box
        if step["step"] == "fiscal_license":
            key = fiscal.read_license(text)
            if key is None:
                return [Reply(f"{delete}\n\n{t(lang, 'fiscal_license_invalid')}")]
            self.state.set(user_id, {"step": "fiscal_pin", "license_key": box.encrypt(key)})
            return [Reply(f"{delete}\n\n{t(lang, 'fiscal_ask_pin')}")]
        pin = fiscal.read_pin(text)
        if pin is None:
            return [Reply(f"{delete}\n\n{t(lang, 'fiscal_pin_invalid')}")]
        license_key = remembered_key(box, step.get("license_key"))
        if license_key is None:
            self.state.set(user_id, {"step": "fiscal_license"})
            return [Reply(f"{delete}\n\n{t(lang, 'fiscal_ask_license')}")]
        command = fiscal.connect_command(box, channel="viber", chat_id=user_id, key=token,
                                         seller_id=seller.id, license_key=license_key, pin=pin,
                                         lang=lang)
        replies = self.then_publish(user_id, Reply(f"{delete}\n\n{t(lang, 'fiscal_checking')}",
                                                   keyboards.main_menu(lang)), command)
        self.state.clear(user_id)
        return replies
