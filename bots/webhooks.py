"""`/webhook` in both bots: what it shows and what its buttons ask the workers to do.

The bots never post to a shop themselves: setting a URL (which pings it), a test, a rotation,
a redelivery and a removal are ManageWebhook commands; the worker answers in the chat.
"""
from __future__ import annotations

from collections.abc import Callable

from domain.commands import ManageWebhook
from domain.i18n import t
from storage.uow import UnitOfWork

RECENT = 5  #: deliveries shown
#: the buttons under `/webhook`, in rows, with the text key of each
BUTTONS = ((("test", "btn_webhook_test"), ("rotate", "btn_webhook_rotate")),
           (("redeliver", "btn_webhook_redeliver"), ("remove", "btn_webhook_remove")))
ACTIONS = frozenset(action for row in BUTTONS for action, _ in row)


def parse(text: str, seller_id: int) -> ManageWebhook | None:
    """`/webhook URL` → set it; `/webhook` alone → None (show it)."""
    parts = text.strip().split(maxsplit=1)
    if len(parts) < 2:
        return None
    return ManageWebhook(seller_id=seller_id, action="set", url=parts[1].strip())


def report(unit_of_work: Callable[[], UnitOfWork], seller_id: int,
           lang: str) -> tuple[str, bool]:
    """The URL, its state and the last deliveries; and whether there is an endpoint at all.

    A shop's answer is shown only as its status code: its text is never rendered."""
    with unit_of_work().readonly() as uow:
        endpoint = uow.webhooks.endpoint(seller_id)
        if endpoint is None:
            return t(lang, "webhook_none"), False
        lines = []
        for row in uow.webhooks.recent(endpoint.id, RECENT):
            tries = uow.webhooks.attempts(row.id or 0)
            last = tries[-1] if tries else None
            said = "" if last is None else f", {last.status_code or '—'}"
            lines.append(f"• {row.event_type} #{row.sequence}: {delivery_word(row.status, lang)} "
                         f"({len(tries)}×{said}) · id {row.id}")
    return t(lang, "webhook_show", url=endpoint.url,
             state=t(lang, f"webhook_state_{endpoint.state.value}"),
             lines="\n".join(lines) or t(lang, "webhook_no_deliveries")), True


def delivery_word(status: str, lang: str) -> str:
    """A shop delivery's state (`pending`, `delivered`, `failed`) as the seller reads it."""
    return t(lang, f"webhook_delivery_{status}")
