"""Support agents in either bot: /find, /seller, /stats and the buttons under their answers.

Who is support is read from the database at every message and tap, so an agent removed with
`chatpay support remove` is refused at their next one, even mid-dialog. To anyone else these
commands and buttons are not handled here at all: the bot answers them exactly as it answers
garbage, so nothing tells a seller whether an invoice, or support, exists.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from bots import support_views as views
from bots.invoices import read_recipient
from bots.support_views import Screen
from domain.actions import SupportTap
from domain.commands import command_of
from domain.errors import ServiceUnavailable
from domain.i18n import t
from domain.support import (
    PERFORMED,
    RESEND_WINDOW,
    RESENDS,
    Action,
    AuditEntry,
    Phase,
    agent_name,
    over_resend_limit,
)
from storage.queue import CommandBus
from storage.settings import Settings
from storage.support import AlreadyRecorded, week_start
from storage.uow import UnitOfWork

PAGE = 5  #: invoices a /find page shows
SELLER_INVOICES = 10
SINCE_DAYS = (1, 3, 7)  #: *Redeliver failed webhooks since…* choices
COMMANDS = ("/find", "/seller", "/stats")
#: a tap's code → the action it starts (performed by a worker) with its resend channel
TAPS = {"rs": (Action.RESEND_STATUS, ""), "wh": (Action.REDELIVER_WEBHOOK, ""),
        "rc": (Action.RECHECK, ""), "ls": (Action.RESEND_LINK, "sms"),
        "le": (Action.RESEND_LINK, "email")}


def now() -> datetime:
    return datetime.now(UTC)


def nonce() -> str:
    return secrets.token_hex(3)


class Desk:
    def __init__(self, uow: Callable[[], UnitOfWork], bus: CommandBus, settings: Settings,
                 channel: str) -> None:
        self.uow, self.bus, self.settings, self.channel = uow, bus, settings, channel
        self._seeded = False

    def is_agent(self, external_id: str) -> bool:
        if not self._seeded:  # SUPPORT_IDS seed the table once per process
            try:
                with self.uow() as uow:
                    uow.agents.seed(self.settings.support_agents, now())
                    uow.commit()
            except IntegrityError:  # another process seeded the same ids at this moment
                pass
            self._seeded = True
        with self.uow().readonly() as uow:
            return uow.agents.is_agent(self.channel, external_id)

    # -- what an agent writes or taps ------------------------------------------------------

    def handle(self, external_id: str, chat_id: str, lang: str, text: str) -> Screen:
        agent = agent_name(self.channel, external_id)
        tap = SupportTap.read(text)
        if tap is not None:
            return self._tap(agent, chat_id, lang, tap.what.split(":"))
        word, _, rest = text.partition(" ")
        word, rest = word.split("@")[0], rest.strip()
        if word == "/find":
            if not rest:
                return Screen(t(lang, "sup_find_usage"))
            key = nonce()
            self._log(agent, Action.FIND, key, detail={"query": rest})
            return self._page(agent, lang, rest, key, 0)
        if word == "/seller":
            return self._seller(agent, lang, rest) if rest else Screen(t(lang, "sup_seller_usage"))
        return self._stats(agent, lang)

    def typed(self, external_id: str, chat_id: str, lang: str, ask: dict[str, str], text: str,
              key: str) -> Screen:
        """The corrected phone or address an agent typed; a wrong one is explained, asked again."""
        with self.uow().readonly() as uow:
            invoice = uow.invoices.get(ask["invoice_id"])
            seller = uow.sellers.get(invoice.seller_id) if invoice else None
            stored = views.stored_addresses(uow, invoice) if invoice else {}
        if invoice is None:
            return Screen(t(lang, "sup_nothing", query=ask["invoice_id"]))
        to, problem = read_recipient(ask["via"], text, seller.country if seller else None, lang)
        if to is None:
            return Screen(problem, ask=ask)
        return self._start(agent_name(self.channel, external_id), chat_id, lang,
                           Action.RESEND_LINK, invoice.id, invoice.code, invoice.seller_id, key,
                           via=ask["via"], to=to, corrected_from=stored.get(ask["via"], ""))

    # -- screens -----------------------------------------------------------------------------

    def _page(self, agent: str, lang: str, query: str, key: str, page: int) -> Screen:
        moment = now()
        with self.uow().readonly() as uow:
            ids = uow.support.find(query, page * PAGE, PAGE + 1)
            invoices = [uow.invoices.get(i) for i in ids[:PAGE]]
            lines = [views.item(page * PAGE + n + 1, inv, uow.sellers.get(inv.seller_id), lang,
                                moment) for n, inv in enumerate(invoices) if inv is not None]
        if not lines:
            return Screen(t(lang, "sup_nothing", query=query))
        rows = views.open_buttons(ids[:PAGE], page * PAGE + 1)
        if len(ids) > PAGE:
            rows += ((views.Button(t(lang, "sup_btn_more"), data=SupportTap(f"pg:{key}:{page + 1}").pack()),),)
        return Screen("\n".join([t(lang, "sup_found", query=query, page=page + 1), *lines]), rows)

    def _seller(self, agent: str, lang: str, phone: str) -> Screen:
        moment = now()
        texts, rows, first = [], [], 1
        with self.uow().readonly() as uow:
            for seller_id in uow.support.sellers_by_phone(phone):
                seller = uow.sellers.get(seller_id)
                assert seller is not None
                ids = uow.support.latest_invoices(seller_id, SELLER_INVOICES)
                invoices = [uow.invoices.get(i) for i in ids]
                texts.append("\n".join([views.seller_text(uow, seller, lang), *(
                    views.item(first + n, inv, seller, lang, moment)
                    for n, inv in enumerate(invoices) if inv is not None)]))
                rows += list(views.open_buttons(ids, first))
                first += len(ids)
                rows.append(tuple(views.Button(t(lang, "sup_btn_failed_since", days=days),
                                               data=SupportTap(f"rf:{seller_id}:{days}:{nonce()}").pack())
                                  for days in SINCE_DAYS))
        if not texts:
            return Screen(t(lang, "sup_no_seller", phone=phone))
        self._log(agent, Action.SELLER, nonce(), detail={"phone": phone})
        return Screen("\n\n".join(texts), tuple(rows))

    def _stats(self, agent: str, lang: str) -> Screen:
        moment = now()
        with self.uow().readonly() as uow:
            day = uow.support.stats(moment.replace(hour=0, minute=0, second=0, microsecond=0))
            week = uow.support.stats(week_start(moment))
        self._log(agent, Action.STATS, nonce())
        figures = {}
        for suffix, s in (("1", day), ("7", week)):
            figures.update({f"i{suffix}": s.invoices, f"p{suffix}": s.paid, f"f{suffix}": s.failed,
                            f"e{suffix}": s.expired, f"m{suffix}": s.failed_messages,
                            f"w{suffix}": s.failed_webhooks})
        return Screen(t(lang, "sup_stats", **figures))

    def _tap(self, agent: str, chat_id: str, lang: str, parts: list[str]) -> Screen:
        code, args = parts[0], parts[1:]
        if code == "pg" and len(args) == 2 and args[1].isdigit():
            found = self._query(agent, args[0])
            if found is not None:
                return self._page(agent, lang, found, args[0], int(args[1]))
        if code == "rf" and len(args) == 3 and args[0].isdigit() and args[1].isdigit():
            return self._start(agent, chat_id, lang, Action.REDELIVER_FAILED, None, "",
                               int(args[0]), args[2], since_days=int(args[1]))
        if len(args) < 1:
            return Screen(t(lang, "unknown_input"))
        with self.uow().readonly() as uow:
            invoice = uow.invoices.get(args[0])
            if invoice is None:
                return Screen(t(lang, "sup_nothing", query=args[0]))
            seller = uow.sellers.get(invoice.seller_id)
            stored = views.stored_addresses(uow, invoice)
            text = views.history(uow, invoice, lang) if code == "hi" else ""
        tap = args[1] if len(args) > 1 else nonce()
        reads = {"o": Action.OPEN, "hi": Action.HISTORY, "rl": Action.RESEND_MENU}
        if code in reads:  # each shows the buyer's details: written every time, a repeat too
            self._log(agent, reads[code], f"{tap[:20]}.{nonce()}", invoice.id, invoice.seller_id)
        if code == "o":
            return views.card(invoice, seller, lang, now(), nonce())
        if code == "hi":
            return Screen(text)
        if code == "rl":
            return views.link_menu(invoice, stored, lang, tap)
        if code in ("lS", "lE"):
            via = "sms" if code == "lS" else "email"
            return Screen(t(lang, "ask_buyer_phone" if via == "sms" else "ask_buyer_email"),
                          ask={"invoice_id": invoice.id, "via": via})
        if code in TAPS:
            action, via = TAPS[code]
            extra = {"via": via, "to": stored.get(via, "")} if via else {}
            if via and not extra["to"]:  # the menu again: a read like any other
                self._log(agent, Action.RESEND_MENU, f"{tap[:20]}.{nonce()}", invoice.id,
                          invoice.seller_id)
                return views.link_menu(invoice, stored, lang, tap)
            return self._start(agent, chat_id, lang, action, invoice.id, invoice.code,
                               invoice.seller_id, f"{code}{tap}", **extra)
        return Screen(t(lang, "unknown_input"))

    # -- the audit log -------------------------------------------------------------------------

    def _start(self, agent: str, chat_id: str, lang: str, action: Action, invoice_id: str | None,
               code: str, seller_id: int, tap: str, **detail: object) -> Screen:
        """Write the action `started` (or `refused` past the resend limit), then queue it."""
        assert action in PERFORMED
        action_id = f"{agent}:{action}:{invoice_id or seller_id}:{tap}"
        limit = self.settings.support_resend_limit

        reply = {"channel": self.channel, "chat_id": chat_id, "language": lang}

        def entry(phase: Phase, **more: object) -> AuditEntry:
            """`reply` lets the scheduler queue a started action again if its message is lost."""
            return AuditEntry(action_id=action_id, agent=agent, action=action, phase=phase,
                              at=now(), invoice_id=invoice_id, seller_id=seller_id,
                              detail={**detail, **more, "reply": reply})
        with self.uow() as uow:
            try:
                if invoice_id and action in RESENDS and over_resend_limit(uow.audit.count(
                        invoice_id, RESENDS, Phase.STARTED, now() - RESEND_WINDOW), limit):
                    uow.audit.append(entry(Phase.REFUSED, limit=limit))
                    uow.commit()
                    return Screen(t(lang, "sup_limit", code=code, limit=limit))
                uow.audit.append(entry(Phase.STARTED))
            except AlreadyRecorded:
                return Screen(t(lang, "sup_already"))
            uow.commit()
        try:
            self.bus.publish(command_of(entry(Phase.STARTED)))
        except ServiceUnavailable:
            with self.uow() as uow:  # recorded as not performed: nothing will perform it
                uow.audit.append(entry(Phase.FAILED, reason="queue unavailable"))
                uow.commit()
            raise
        return Screen(t(lang, "sup_started", action=t(lang, f"sup_act_{action}"), code=code))

    def _log(self, agent: str, action: Action, key: str, invoice_id: str | None = None,
             seller_id: int | None = None, detail: dict[str, object] | None = None) -> None:
        """A read (find, card, resend menu, history, seller, stats): one `done` line per `key`."""
        with self.uow() as uow:
            try:
                uow.audit.append(AuditEntry(
                    action_id=f"{agent}:{action}:{invoice_id or ''}:{key}", agent=agent,
                    action=action, phase=Phase.DONE, at=now(), invoice_id=invoice_id,
                    seller_id=seller_id, detail=detail or {}))
            except AlreadyRecorded:
                return
            uow.commit()

    def _query(self, agent: str, key: str) -> str | None:
        """The text of this agent's /find behind a page button."""
        with self.uow().readonly() as uow:
            found = uow.audit.for_action(f"{agent}:{Action.FIND}::{key}")
        return str(found[0].detail.get("query")) if found else None
