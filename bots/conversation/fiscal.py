"""*Settings → Fiscal receipts* (/fiscal): connect Checkbox (licence key → cashier PIN, each
message deleted as soon as it is read), automatic/off, and the default goods name. Checking the
register needs Checkbox: a worker does it (workers/fiscal/connect.py)."""
from __future__ import annotations

from bots import fiscal
from bots.conversation import secrets
from bots.conversation.routes import Routes
from bots.conversation.turn import Menu, Reply, Turn, say
from bots.deps import ChannelDeps
from domain.actions import FiscalTap
from domain.i18n import t

routes = Routes("fiscal")


@routes.command("fiscal")
@routes.action(FiscalTap)
def tapped(deps: ChannelDeps, turn: Turn) -> Reply:
    assert turn.seller is not None
    what = turn.action.what if isinstance(turn.action, FiscalTap) else "show"
    if what == "connect":
        return say(t(turn.lang, "fiscal_ask_license"), state={"step": "fiscal_license"})
    if what == "goods":
        return say(t(turn.lang, "fiscal_ask_goods"), state={"step": "fiscal_goods"})
    if what.startswith("mode:"):
        return say(fiscal.set_mode(deps.uow, turn.seller.id, what[len("mode:"):], turn.lang),
                   menu=Menu.MAIN)
    rows = tuple(tuple(FiscalTap(action).button(t(turn.lang, key)) for action, key in row)
                 for row in fiscal.BUTTONS)
    return say(fiscal.settings_text(deps.uow, turn.seller.id, turn.lang), rows, Menu.MAIN,
               state=None)


@routes.step("fiscal_license", blocking=False)
def license_typed(deps: ChannelDeps, turn: Turn) -> Reply:
    return secrets.first(deps, turn, fiscal.read_license, "fiscal_license_invalid",
                         "license_key", "fiscal_pin", "fiscal_ask_pin")


@routes.step("fiscal_pin", blocking=False)
def pin_typed(deps: ChannelDeps, turn: Turn) -> Reply:
    assert turn.seller is not None
    read = secrets.second(deps, turn, fiscal.read_pin, "fiscal_pin_invalid", "license_key",
                          "fiscal_license", "fiscal_ask_license")
    if isinstance(read, Reply):
        return read
    license_key, pin = read
    command = fiscal.connect_command(deps.box, channel=turn.messenger, chat_id=turn.chat_id,
                                     key=turn.token, seller_id=turn.seller.id,
                                     license_key=license_key, pin=pin, lang=turn.lang)
    return Reply(says=say(t(turn.lang, "fiscal_checking"), menu=Menu.MAIN).says,
                 delete_message=True, state=None, publish=command, answer_first=True)


@routes.step("fiscal_goods")
def goods_typed(deps: ChannelDeps, turn: Turn) -> Reply:
    assert turn.seller is not None
    name = None if turn.media else fiscal.read_goods(turn.text)
    if name is None:
        return say(t(turn.lang, "fiscal_goods_invalid"))
    fiscal.set_goods(deps.uow, turn.seller.id, name)
    return say(t(turn.lang, "fiscal_goods_set", goods=name), menu=Menu.MAIN, state=None)
