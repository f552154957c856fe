"""The button catalogue: every action a seller can tap, as a class that packs itself into a
button's data and parses it back.

A button's data travels through a messenger (Telegram's callback data, at most 64 bytes; Viber's
ActionBody, sent back as a message's text) and comes back as a string. Each action owns its tag
and its fields, so no one writes `"chk:" + code` or `data[4:]`: the workers draw buttons with
`CheckStatusTap(code).button(text)`, the bots read a tap with `parse(data)`, and a test taps one
with `CheckStatusTap(code).pack()`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from domain.messaging import Button

A = TypeVar("A", bound="Action")

#: tag → the action class it names; filled by `Action.__init_subclass__`
CATALOGUE: dict[str, type[Action]] = {}


@dataclass(frozen=True)
class Action:
    """One kind of tap. A subclass names its `tag` and declares its fields (all `str`); the
    data is `tag:field1:field2…`, the last field taking the rest (a code never holds `:`)."""

    tag: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.tag:
            assert cls.tag not in CATALOGUE, f"two actions tagged {cls.tag!r}"
            CATALOGUE[cls.tag] = cls

    def pack(self) -> str:
        values = [str(getattr(self, f.name)) for f in dataclasses.fields(self)]
        return ":".join([self.tag, *values]) if values else self.tag

    def button(self, text: str) -> Button:
        return Button(text, data=self.pack())

    @classmethod
    def read(cls: type[A], data: str) -> A | None:
        """This action from `data`, or None if `data` is another action's (or nobody's)."""
        found = parse(data)
        return found if isinstance(found, cls) else None


def parse(data: str) -> Action | None:
    """The action a button's data packs; None for anything else (typed text, an unknown tag)."""
    tag, sep, rest = data.partition(":")
    cls = CATALOGUE.get(tag)
    if cls is None:
        return None
    names = [f.name for f in dataclasses.fields(cls)]
    if not names:
        return cls() if not sep else None
    values = rest.split(":", len(names) - 1) if sep else []
    if len(values) != len(names) or not all(values):
        return None
    return cls(**dict(zip(names, values, strict=True)))


# -- the invoice's message, and the pending list ------------------------------------------------

@dataclass(frozen=True)
class CheckStatusTap(Action):
    tag = "chk"
    code: str


@dataclass(frozen=True)
class CancelInvoiceTap(Action):
    tag = "cnl"
    code: str


@dataclass(frozen=True)
class SendBySms(Action):
    tag = "sms"
    code: str


@dataclass(frozen=True)
class SendByEmail(Action):
    tag = "eml"
    code: str


@dataclass(frozen=True)
class RecordForInvoice(Action):
    """*Paid another way* under an invoice: record a manual payment against it."""
    tag = "mpo"
    code: str


@dataclass(frozen=True)
class RefundTap(Action):
    tag = "rfd"
    code: str


@dataclass(frozen=True)
class RefundAll(Action):
    """*Refund all that is left*, instead of typing an amount."""
    tag = "rfa"


@dataclass(frozen=True)
class RefundConfirm(Action):
    tag = "rfc"


@dataclass(frozen=True)
class RefundNo(Action):
    tag = "rfn"


@dataclass(frozen=True)
class ManualRefundTap(Action):
    """*Refund* under an invoice paid by hand: refunded by hand, no provider call."""
    tag = "mrf"
    code: str


@dataclass(frozen=True)
class ApproveManual(Action):
    tag = "mpa"
    payment_id: str


@dataclass(frozen=True)
class RejectManual(Action):
    tag = "mpr"
    payment_id: str


@dataclass(frozen=True)
class CorrectManual(Action):
    tag = "mpc"
    payment_id: str


@dataclass(frozen=True)
class ManualMethodChosen(Action):
    """The method a manual payment was made by, chosen from the seller's list."""
    tag = "mmt"
    method_id: str


@dataclass(frozen=True)
class Today(Action):
    """*Today* as a payment's date."""
    tag = "today"


# -- the seller's profile -----------------------------------------------------------------------

@dataclass(frozen=True)
class ChooseCurrency(Action):
    tag = "cur"
    currency: str


@dataclass(frozen=True)
class ChooseLanguage(Action):
    tag = "lang"
    language: str


@dataclass(frozen=True)
class Skip(Action):
    """*Skip* an optional step (the invoice's description)."""
    tag = "skip"


@dataclass(frozen=True)
class ToggleBuyerField(Action):
    tag = "bf"
    field: str  #: "name" | "phone"


@dataclass(frozen=True)
class AskShopName(Action):
    tag = "shop"
    what: str = "ask"


@dataclass(frozen=True)
class AccountTap(Action):
    """Under the payment account: connect, disconnect, disconnect:yes, keep."""
    tag = "acct"
    what: str


@dataclass(frozen=True)
class ManualMethodsTap(Action):
    """Manual methods: list, add, edit:{id}, del:{id}."""
    tag = "mm"
    what: str


@dataclass(frozen=True)
class FiscalTap(Action):
    tag = "fisc"
    what: str


@dataclass(frozen=True)
class DigestTap(Action):
    tag = "digest"
    what: str = "show"


@dataclass(frozen=True)
class WebhookTap(Action):
    """Under `/webhook`: test, rotate, redeliver, remove."""
    tag = "wh"
    what: str


@dataclass(frozen=True)
class SupportTap(Action):
    """Support's buttons (bots.support parses the rest)."""
    tag = "sup"
    what: str
