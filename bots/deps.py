"""What a channel's bot needs, whichever messenger it speaks: settings, the database, the queue,
the provider's currencies, and the sellers of that channel."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from bots.sellers import SellerBook
from bots.support import Desk
from storage.queue import CommandBus
from storage.secrets import SecretBox
from storage.settings import Settings
from storage.uow import UnitOfWork


@dataclass
class ChannelDeps:
    channel: ClassVar[str]
    settings: Settings
    uow: Callable[[], UnitOfWork]
    bus: CommandBus
    currencies: frozenset[str]  #: what the payment provider takes
    sellers: SellerBook = field(init=False, repr=False)
    #: encrypts the keys a seller types before they reach Redis (dialog state, queue)
    box: SecretBox = field(init=False, repr=False)
    support: Desk = field(init=False, repr=False)  #: support agents' commands and buttons

    def __post_init__(self) -> None:
        self.sellers = SellerBook(self.uow, self.channel, self.currencies)
        self.box = SecretBox.from_settings(self.settings)
        self.support = Desk(self.uow, self.bus, self.settings, self.channel)
