"""*Settings → Buyer details* (/buyer: which details the pay page of new invoices asks for) and
*Shop name* (/shop, or the button under *Buyer details*): what buyers see."""
from __future__ import annotations

from bots import shop_name
from bots.conversation.routes import Routes
from bots.conversation.turn import Menu, Reply, Rows, Turn, say
from bots.deps import ChannelDeps
from bots.invoices import buyer_fields_text
from domain.actions import AskShopName, ToggleBuyerField
from domain.i18n import t

routes = Routes("shop")
STEP = "shop_name"


def buyer_rows(lang: str) -> Rows:
    return ((ToggleBuyerField("name").button(t(lang, "btn_toggle_name")),
             ToggleBuyerField("phone").button(t(lang, "btn_toggle_phone"))),
            (AskShopName().button(t(lang, "btn_shop_name")),))


@routes.command("buyer", blocking=False)
@routes.action(ToggleBuyerField)
def buyer_fields(deps: ChannelDeps, turn: Turn) -> Reply:
    seller = turn.seller
    assert seller is not None
    if isinstance(turn.action, ToggleBuyerField):
        seller = deps.sellers.toggle_buyer_field(turn.user_id, turn.action.field) or seller
    return say(buyer_fields_text(seller, turn.lang), buyer_rows(turn.lang), Menu.MAIN)


@routes.command("shop", blocking=False)
@routes.action(AskShopName, blocking=False)
def ask(deps: ChannelDeps, turn: Turn) -> Reply:
    assert turn.seller is not None
    return say(shop_name.show(turn.seller, turn.lang), state={"step": STEP})


@routes.step(STEP)
def typed(deps: ChannelDeps, turn: Turn) -> Reply:
    name = shop_name.read(turn.text)
    if name is None:
        return say(t(turn.lang, "shop_name_invalid"))
    saved = deps.sellers.set_shop_name(turn.user_id, name) or turn.seller
    assert saved is not None
    return say(shop_name.saved(saved, turn.lang), menu=Menu.MAIN, state=None)
