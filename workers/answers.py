"""The Viber bot's answers, sent here rather than inside the webhook's request."""
from __future__ import annotations

import logging

from domain.commands import AnswerInViber, carried
from domain.errors import RecipientUnreachable
from workers.runtime import Deps

log = logging.getLogger(__name__)


def answer_in_viber(cmd: AnswerInViber, d: Deps) -> None:
    """Send the answers in order, then hand on the command that must follow them.

    A rate limit or an outage raises, and the actor tries again (an answer already sent may then
    come twice: a dialog prompt, never a payment message). A person who blocked the bot gets
    nothing, and what they asked for is still done.
    """
    sender = d.senders["viber"]
    for reply in cmd.replies:
        try:
            sender.send_text(cmd.chat_id, reply["text"], reply.get("keyboard"))  # type: ignore[attr-defined]
        except RecipientUnreachable as exc:
            log.info("Viber user %s cannot be answered: %s.", cmd.chat_id, exc)
            break
    if cmd.then is not None:
        d.bus.publish(carried(cmd.then))
