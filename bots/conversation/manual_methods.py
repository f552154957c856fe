"""*Settings → Manual payments* (/manual): list, add, edit and remove the seller's manual
methods, the form field by field (*Skip* keeps what is there); *Cash* is built in (edited,
never removed). The form itself is bots.manual_methods."""
from __future__ import annotations

from bots import manual_methods as form
from bots.conversation.routes import Routes, menu_texts
from bots.conversation.turn import Menu, Reply, Rows, Say, Turn, say
from bots.deps import ChannelDeps
from domain.actions import ManualMethodsTap, Skip
from domain.i18n import t
from storage.repository import Seller

routes = Routes("manual_methods")
STEP = "mm_field"
SKIP_TEXTS = menu_texts("btn_skip")


def skip_rows(lang: str) -> Rows:
    return ((Skip().button(t(lang, "btn_skip")),),)


def listing(deps: ChannelDeps, seller: Seller, lang: str) -> Say:
    from workers.manual_render import method_name
    methods = form.listed(deps.uow, seller)
    rows: Rows = ()
    for m in methods:
        name = method_name(m.name, lang)
        edit = ManualMethodsTap(f"edit:{m.id}").button(t(lang, "btn_mm_edit", name=name))
        remove = ManualMethodsTap(f"del:{m.id}").button(t(lang, "btn_mm_remove", name=name))
        rows += ((edit,) if m.builtin else (edit, remove),)
    rows += ((ManualMethodsTap("add").button(t(lang, "btn_mm_add")),),)
    return Say(form.list_text(methods, lang), rows, Menu.MAIN)  # Viber: the menu under them


@routes.command("manual")
def show(deps: ChannelDeps, turn: Turn) -> Reply:
    assert turn.seller is not None
    return Reply(says=(listing(deps, turn.seller, turn.lang),), state=None)


@routes.action(ManualMethodsTap)
def tapped(deps: ChannelDeps, turn: Turn) -> Reply:
    assert turn.seller is not None and isinstance(turn.action, ManualMethodsTap)
    action, _, method_id = turn.action.what.partition(":")
    method = form.found(form.listed(deps.uow, turn.seller), method_id)  # only the seller's own
    if action == "del":
        gone = method is not None and not method.builtin and form.remove(
            deps.uow, turn.seller, method.id)
        return Reply(says=(Say(t(turn.lang, "mm_removed" if gone else "mm_not_removable")),
                           listing(deps, turn.seller, turn.lang)))
    if action not in ("add", "edit") or (action == "edit" and method is None):
        return Reply(says=(listing(deps, turn.seller, turn.lang),))
    days = int(deps.settings.manual_payment_timeout.total_seconds() // 86400)
    draft = form.draft_of(method if action == "edit" else None, days)
    return say(form.ask_text("name", draft, turn.lang), skip_rows(turn.lang),
               state={"step": STEP, "field": "name", "draft": draft})


@routes.step(STEP)
@routes.action(Skip, step=STEP)
def field(deps: ChannelDeps, turn: Turn) -> Reply:
    assert turn.seller is not None
    skipped = turn.action is not None or turn.text in SKIP_TEXTS or turn.media
    name = turn.state["field"]
    draft, problem = form.take(name, None if skipped else turn.text, turn.state["draft"],
                               turn.lang)
    if draft is None:
        return say(problem, skip_rows(turn.lang))
    following = form.next_field(name)
    if following is None:
        form.save(deps.uow, turn.seller, draft)
        return Reply(says=(Say(t(turn.lang, "mm_saved"), menu=Menu.MAIN),
                           listing(deps, turn.seller, turn.lang)), state=None)
    return say(form.ask_text(following, draft, turn.lang), skip_rows(turn.lang),
               state={"step": STEP, "field": following, "draft": draft})
