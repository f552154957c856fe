"""*Settings → Manual payments* in Viber: the same list and form as in Telegram
(bots.manual_methods); the buttons send `mm:list`, `mm:add`, `mm:edit:{id}`, `mm:del:{id}` and
`skip` back as text."""
from __future__ import annotations

from typing import Any

from bots import manual_methods as form
from bots.deps import ChannelDeps
from bots.viber import keyboards
from bots.viber.reply import Reply
from domain.i18n import t
from domain.messaging import Button
from storage.repository import Seller
from workers.messengers.viber_format import keyboard

STEP = "mm_field"


class MethodsDialog:
    def __init__(self, deps: ChannelDeps, state: Any) -> None:
        self.deps, self.state = deps, state

    def show(self, seller: Seller, lang: str) -> Reply:
        from workers.manual_render import method_name
        methods = form.listed(self.deps.uow, seller)
        rows: list[tuple[Button, ...]] = []
        for m in methods:
            name = method_name(m.name, lang)
            row = [Button(t(lang, "btn_mm_edit", name=name), data=f"{form.PREFIX}edit:{m.id}")]
            if not m.builtin:
                row.append(Button(t(lang, "btn_mm_remove", name=name),
                                  data=f"{form.PREFIX}del:{m.id}"))
            rows.append(tuple(row))
        rows.append((Button(t(lang, "btn_mm_add"), data=f"{form.PREFIX}add"),))
        return Reply(form.list_text(methods, lang), keyboard(tuple(rows)))

    def tapped(self, user_id: str, seller: Seller | None, lang: str, text: str) -> list[Reply]:
        if seller is None or not seller.currency:
            return [Reply(t(lang, "need_phone_first"), keyboards.share_phone(lang))]
        action, _, method_id = text[len(form.PREFIX):].partition(":")
        method = form.found(form.listed(self.deps.uow, seller), method_id)
        if action == "del":
            gone = method is not None and not method.builtin and form.remove(
                self.deps.uow, seller, method.id)
            return [Reply(t(lang, "mm_removed" if gone else "mm_not_removable")),
                    self.show(seller, lang)]
        if action not in ("add", "edit") or (action == "edit" and method is None):
            return [self.show(seller, lang)]
        days = int(self.deps.settings.manual_payment_timeout.total_seconds() // 86400)
        draft = form.draft_of(method if action == "edit" else None, days)
        self.state.set(user_id, {"step": STEP, "field": "name", "draft": draft})
        return [Reply(form.ask_text("name", draft, lang), keyboards.skip(lang))]

    def step(self, user_id: str, seller: Seller, lang: str, text: str,
             step: dict[str, Any]) -> list[Reply]:
        skipped = text == "skip" or text in keyboards.button_texts("btn_skip")
        draft, problem = form.take(step["field"], None if skipped else text, step["draft"], lang)
        if draft is None:
            return [Reply(problem, keyboards.skip(lang))]
        following = form.next_field(step["field"])
        if following is None:
            form.save(self.deps.uow, seller, draft)
            self.state.clear(user_id)
            return [Reply(t(lang, "mm_saved")), self.show(seller, lang)]
        self.state.set(user_id, {"step": STEP, "field": following, "draft": draft})
        return [Reply(form.ask_text(following, draft, lang), keyboards.skip(lang))]
