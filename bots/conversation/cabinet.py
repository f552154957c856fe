"""*📊 Cabinet*, *📊 Report* (/report: a worker sends the totals and the chart) and *Settings →
Daily report* (/digest: the hour is typed next).

The cabinet opens as a Mini App in Telegram (an inline `web_app` button: a reply-keyboard launch
carries no init data); Viber has no Mini Apps, so it gets a one-time signed link."""
from __future__ import annotations

from bots import cabinet
from bots.conversation.routes import Routes
from bots.conversation.turn import Menu, Reply, Turn, say
from bots.deps import ChannelDeps
from domain.actions import DigestTap
from domain.i18n import t
from domain.messaging import Button

routes = Routes("cabinet")
STEP = "digest_hour"


@routes.command("cabinet", menu="btn_cabinet")
def open_cabinet(deps: ChannelDeps, turn: Turn) -> Reply:
    assert turn.seller is not None
    if turn.messenger == "viber":  # no Mini Apps: a signed link, good once
        url = cabinet.viber_link(deps.uow, deps.settings, turn.seller.id)
        text = f"{t(turn.lang, 'cabinet_open')}\n{t(turn.lang, 'cabinet_viber_link')}"
    else:
        url, text = cabinet.cabinet_url(deps.settings), t(turn.lang, "cabinet_open")
    return say(text, ((Button(t(turn.lang, "btn_cabinet"), url=url),),), Menu.MAIN, state=None)


@routes.command("report", menu="btn_report", blocking=False)
def report(deps: ChannelDeps, turn: Turn) -> Reply:
    assert turn.seller is not None
    return Reply(publish=cabinet.report(turn.seller, turn.messenger, turn.chat_id), state=None)


@routes.command("digest", menu="btn_digest")
@routes.action(DigestTap)
def digest(deps: ChannelDeps, turn: Turn) -> Reply:
    assert turn.seller is not None
    return say(cabinet.digest_text(deps.uow, turn.seller), state={"step": STEP})


@routes.step(STEP)
def hour(deps: ChannelDeps, turn: Turn) -> Reply:
    assert turn.seller is not None
    answer = cabinet.set_digest(deps.uow, turn.seller, turn.text)
    if answer is None:
        return say(t(turn.lang, "digest_ask_hour"))
    return say(answer, menu=Menu.MAIN, state=None)
