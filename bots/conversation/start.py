"""/start, sharing the phone number, choosing a currency, choosing a language; /help, /cancel."""
from __future__ import annotations

from bots.conversation.guards import Needs, need_phone
from bots.conversation.routes import Routes
from bots.conversation.turn import Menu, Reply, Say, Turn, say
from bots.deps import ChannelDeps
from domain.actions import ChooseCurrency, ChooseLanguage
from domain.i18n import LANGUAGES, t

routes = Routes("start")
LANGUAGE_NAMES = {"uk": "Українська", "ru": "Русский", "en": "English"}


@routes.command("start", needs=Needs.NOBODY, blocking=False)
def start(deps: ChannelDeps, turn: Turn) -> Reply:
    """The welcome, then the menu, or the request to share a phone (Viber, whose welcome is one
    message, joins the two)."""
    welcome = Say(t(turn.lang, "welcome", name=turn.name))
    if turn.registered:
        then = Say(t(turn.lang, "menu"), menu=Menu.MAIN)
    else:
        then = Say(t(turn.lang, "share_phone_prompt"), menu=Menu.SHARE_PHONE)
    return Reply(says=(welcome, then), state=None)


@routes.command("help", needs=Needs.NOBODY, blocking=False)
def help_(deps: ChannelDeps, turn: Turn) -> Reply:
    return say(t(turn.lang, "help"))


@routes.command("cancel", needs=Needs.NOBODY, blocking=False)
def cancel(deps: ChannelDeps, turn: Turn) -> Reply:
    return say(t(turn.lang, "dialog_cancelled"), menu=Menu.MAIN, state=None)


@routes.shared_contact()
def contact(deps: ChannelDeps, turn: Turn) -> Reply:
    """The number's country decides the currency; one not taken is chosen from those that are."""
    if not turn.contact_own or turn.contact is None:
        return say(t(turn.lang, "phone_not_own"), menu=Menu.SHARE_PHONE)
    outcome = deps.sellers.register_phone(turn.user_id, turn.contact, turn.name, turn.lang)
    if outcome.seller is None:
        return say(outcome.text, menu=Menu.SHARE_PHONE)
    if outcome.choose_from:
        rows = (tuple(ChooseCurrency(c).button(c) for c in outcome.choose_from),)
        reply = say(outcome.text, rows)
    else:
        reply = say(outcome.text, menu=Menu.MAIN)
    return Reply(says=reply.says, menu_button=turn.lang)


@routes.action(ChooseCurrency, needs=Needs.NOBODY)
def currency(deps: ChannelDeps, turn: Turn) -> Reply:
    assert isinstance(turn.action, ChooseCurrency)
    chosen = turn.action.currency
    if deps.sellers.set_currency(turn.user_id, chosen) is None:
        return need_phone(turn)
    return say(t(turn.lang, "currency_set", currency=chosen), menu=Menu.MAIN)


@routes.command("language", menu="btn_language", needs=Needs.NOBODY, blocking=False)
def languages(deps: ChannelDeps, turn: Turn) -> Reply:
    rows = (tuple(ChooseLanguage(code).button(LANGUAGE_NAMES[code]) for code in LANGUAGES),)
    return say(t(turn.lang, "choose_language"), rows)


@routes.action(ChooseLanguage, needs=Needs.NOBODY)
def language(deps: ChannelDeps, turn: Turn) -> Reply:
    assert isinstance(turn.action, ChooseLanguage)
    chosen = turn.action.language
    if chosen not in LANGUAGES:
        return Reply(toast=t(turn.lang, "button_stale"))
    deps.sellers.set_language(turn.user_id, chosen)
    return Reply(says=(Say(t(chosen, "language_set"), menu=Menu.MAIN),), menu_button=chosen)
