"""Commands: what someone asks chatpay to do, in the imperative. Published on the queue."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Command:
    #: the Dramatiq actor that carries it out
    actor: ClassVar[str] = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Command:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


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
    kinds = {kind.actor: kind for kind in Command.__subclasses__()}
    return kinds[data["actor"]].from_dict(data["fields"])
