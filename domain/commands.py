"""Commands: what someone asks chatpay to do, in the imperative. Published on the queue."""
from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar, Self


@dataclass(frozen=True, slots=True)
class Command:
    #: its name on the wire: the Dramatiq actor name its messages carry (and which queued
    #: messages already name, so it never changes); workers.actors.COMMAND_HANDLERS says who
    #: carries it out
    actor: ClassVar[str] = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """The command of this class from its wire form (`to_dict()`); a field the class does
        not know (a newer sender's) is left out."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    @staticmethod
    def parse(actor: str, data: dict[str, Any]) -> Command:
        """The command a message for `actor` carries, of its own class."""
        return command_types()[actor].from_dict(data)


@dataclass(frozen=True, slots=True)
class CreateInvoice(Command):
    actor: ClassVar[str] = "create_invoice"
    idempotency_key: str  #: e.g. "telegram:{chat_id}:{message_id}": one invoice per tap
    seller_id: int
    amount: str  #: Decimal as text, already validated by domain.amounts
    currency: str
    description: str
    channel: str
    chat_id: str
    language: str = "uk"  #: the seller's, to say "still working on it" while the database is away


@dataclass(frozen=True, slots=True)
class CheckStatus(Command):
    """The seller tapped *Check status*: poll now and answer them."""

    actor: ClassVar[str] = "check_status"
    code: str
    seller_id: int


@dataclass(frozen=True, slots=True)
class CancelInvoice(Command):
    actor: ClassVar[str] = "cancel_invoice"
    code: str
    seller_id: int


@dataclass(frozen=True, slots=True)
class NotifySeller(Command):
    actor: ClassVar[str] = "notify_seller"
    event_id: int


@dataclass(frozen=True, slots=True)
class TrimInvoiceButtons(Command):
    """Under an ended invoice's QR message, leave only the actions that still make sense (a
    courtesy, sent when the seller's chat is quiet)."""

    actor: ClassVar[str] = "trim_invoice_buttons"
    invoice_id: str


@dataclass(frozen=True, slots=True)
class TellSeller(Command):
    """Send the seller a plain message that is not about a stored event (e.g. "try again")."""

    actor: ClassVar[str] = "tell_seller"
    channel: str
    chat_id: str
    text: str


@dataclass(frozen=True, slots=True)
class IssueLink(Command):
    """Finish an invoice stored as `created`: get its payable link and show it to the seller."""

    actor: ClassVar[str] = "issue_link"
    invoice_id: str


@dataclass(frozen=True, slots=True)
class PollInvoice(Command):
    actor: ClassVar[str] = "poll_invoice"
    invoice_id: str


@dataclass(frozen=True, slots=True)
class ExpireInvoice(Command):
    actor: ClassVar[str] = "expire_invoice"
    invoice_id: str


@dataclass(frozen=True, slots=True)
class CancelAtProvider(Command):
    """Close a cancelled invoice's order at the provider (background work: it may be slow)."""

    actor: ClassVar[str] = "cancel_at_provider"
    invoice_id: str


@dataclass(frozen=True, slots=True)
class ConnectAccount(Command):
    """The seller entered their provider keys in a bot: check them with the provider, store them
    if they pass, and tell the seller either way.

    The private key travels encrypted (storage.secrets), so it never sits in Redis in clear; only
    the worker that checks it decrypts it.
    """

    actor: ClassVar[str] = "connect_account"
    idempotency_key: str  #: e.g. "telegram:{chat_id}:{message_id}" of the private key's message
    seller_id: int
    public_key: str
    private_key_encrypted: str
    channel: str
    chat_id: str
    language: str = "uk"
    #: which provider the secret is for; "" the one whose keys come in pairs (public, private).
    #: A provider with one token sends it as the private key, with no public key
    provider: str = ""


@dataclass(frozen=True, slots=True)
class DeliverWebhook(Command):
    """Make a shop delivery's due attempt (background: a shop may hang for its whole timeout)."""

    actor: ClassVar[str] = "deliver_webhook"
    delivery_id: int


@dataclass(frozen=True, slots=True)
class ManageWebhook(Command):
    """The seller set, tested, rotated, redelivered or removed their shop URL in the bot."""

    actor: ClassVar[str] = "manage_webhook"
    seller_id: int
    action: str  #: "set", "test", "rotate", "redeliver", "remove"
    url: str = ""


@dataclass(frozen=True, slots=True)
class SendReceipt(Command):
    """A paid invoice whose buyer gave an e-mail: send them a (non-fiscal) receipt, once."""

    actor: ClassVar[str] = "send_receipt"
    invoice_id: str
    kind: str = "paid"  #: "paid": the receipt; "refunded": the short refund notice


@dataclass(frozen=True, slots=True)
class SendLink(Command):
    """The seller asked to send an invoice's pay link to the buyer by SMS or e-mail."""

    actor: ClassVar[str] = "send_link"
    idempotency_key: str  #: e.g. "telegram:{chat_id}:{message_id}" of the typed address: sent once
    code: str
    seller_id: int
    via: str  #: "sms" or "email"
    to: str  #: already validated: E.164 or a normalized address


@dataclass(frozen=True, slots=True)
class RefundInvoice(Command):
    """The seller confirmed a refund. `refund_id` is ours (one refund per confirming tap);
    `amount` None: all that is left."""

    actor: ClassVar[str] = "refund_invoice"
    refund_id: str
    code: str
    seller_id: int
    amount: str | None = None


@dataclass(frozen=True, slots=True)
class ReconcileRefunds(Command):
    """Ask the provider what was refunded on an order and carry on its refund in flight: a
    `reversed` word without the running total came, or a refund's lease expired unanswered."""

    actor: ClassVar[str] = "reconcile_refunds"
    order_id: str


@dataclass(frozen=True, slots=True)
class OpenManualPayment(Command):
    """The seller says an invoice was paid by hand (the first of two steps for a card invoice:
    an open manual payment, which they then approve or reject)."""

    actor: ClassVar[str] = "open_manual_payment"
    payment_id: str  #: e.g. "telegram:{chat_id}:{message_id}": one payment per tap
    code: str
    seller_id: int
    method_id: int
    paid_on: str  #: ISO date
    comment: str = ""


@dataclass(frozen=True, slots=True)
class DecideManualPayment(Command):
    """The seller approved (with corrections, if any) or rejected a manual payment."""

    actor: ClassVar[str] = "decide_manual_payment"
    payment_id: str
    seller_id: int
    approve: bool
    reason: str = ""  #: why it is rejected
    amount: str | None = None  #: corrections on approval (None: as declared)
    currency: str | None = None
    paid_on: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class RecordManualPayment(Command):
    """*Record payment*: the seller was paid by hand; an approved manual payment and a paid
    invoice, flagged manual, are made at once."""

    actor: ClassVar[str] = "record_manual_payment"
    idempotency_key: str  #: e.g. "telegram:{chat_id}:{message_id}": recorded once
    seller_id: int
    amount: str
    currency: str
    method_id: int
    paid_on: str  #: ISO date
    comment: str
    channel: str
    chat_id: str


@dataclass(frozen=True, slots=True)
class RefundManualPayment(Command):
    """*Refund* on an invoice paid by hand: its manual payment is marked refunded; no provider
    is called."""

    actor: ClassVar[str] = "refund_manual_payment"
    code: str
    seller_id: int
    comment: str


@dataclass(frozen=True, slots=True)
class SupportAct(Command):
    """A support agent's action, already written `started` in the audit log: the worker performs
    it only then, and writes `done` or `failed` (domain.support)."""

    actor: ClassVar[str] = "support_act"
    action_id: str  #: the audit log's key for the tap
    action: str  #: domain.support.Action
    agent: str  #: `telegram:123456`: who asked
    channel: str  #: where the agent is answered
    chat_id: str
    language: str
    invoice_id: str | None = None
    seller_id: int | None = None
    via: str = ""  #: resend_link: "sms" or "email"
    to: str = ""  #: resend_link: E.164 or address
    since_days: int = 0  #: redeliver_failed


def command_of(entry: Any) -> SupportAct:
    """The command that performs a support action, from its `started` audit entry
    (domain.support.AuditEntry, whose detail holds where to answer the agent)."""
    detail, reply = entry.detail, entry.detail["reply"]
    return SupportAct(action_id=entry.action_id, action=str(entry.action), agent=entry.agent,
                      channel=reply["channel"], chat_id=reply["chat_id"],
                      language=reply["language"], invoice_id=entry.invoice_id,
                      seller_id=entry.seller_id, via=str(detail.get("via", "")),
                      to=str(detail.get("to", "")), since_days=int(detail.get("since_days", 0)))


@dataclass(frozen=True, slots=True)
class RegisterFiscalReceipt(Command):
    """Register (or finish registering) one fiscal receipt with the seller's PRRO."""

    actor: ClassVar[str] = "register_fiscal_receipt"
    receipt_id: str


@dataclass(frozen=True, slots=True)
class CloseFiscalShift(Command):
    """The seller's day is over: close their PRRO shift (the Z-report)."""

    actor: ClassVar[str] = "close_fiscal_shift"
    seller_id: int


@dataclass(frozen=True, slots=True)
class ConnectFiscal(Command):
    """The seller entered their Checkbox licence key and cashier PIN: check them with a sign-in,
    store them (encrypted) if they pass, and tell the seller either way. Both travel encrypted."""

    actor: ClassVar[str] = "connect_fiscal"
    idempotency_key: str
    seller_id: int
    license_key_encrypted: str
    pin_encrypted: str
    channel: str
    chat_id: str
    language: str = "uk"


@dataclass(frozen=True, slots=True)
class SendReport(Command):
    """*📊 Report* (or the daily digest): the totals as text and the 30-day chart as a picture,
    drawn by a worker, to the seller's chat."""

    actor: ClassVar[str] = "send_report"
    seller_id: int
    channel: str
    chat_id: str
    digest_day: str = ""  #: the digest's local day (its claim is taken); "": asked for now


@dataclass(frozen=True, slots=True)
class AnswerInViber(Command):
    """The Viber bot's answers to one message, sent by a worker, so the webhook never waits on
    Viber. `then` (`{"actor", "fields"}`: see `carried`) is published once they are sent: Viber
    shows the latest message's keyboard, so the worker's own message (the QR, the status) must
    come after the answer, never before it."""

    actor: ClassVar[str] = "answer_in_viber"
    chat_id: str
    replies: tuple[dict[str, Any], ...]  #: {"text", "keyboard"}, the keyboard in Viber's format
    then: dict[str, Any] | None = None


def carry(command: Command) -> dict[str, Any]:
    """A command as another command carries it (AnswerInViber.then)."""
    return {"actor": command.actor, "fields": command.to_dict()}


def carried(data: dict[str, Any]) -> Command:
    """The command `carry()` packed."""
    return Command.parse(data["actor"], data["fields"])


def command_types() -> dict[str, type[Command]]:
    """Every command class by its name on the wire. (`dataclass(slots=True)` makes a new class
    and leaves the first one among the subclasses until it is collected: only the class its
    module holds counts.)"""
    return {kind.actor: kind for kind in Command.__subclasses__()
            if getattr(sys.modules[kind.__module__], kind.__qualname__, None) is kind}
