"""The bot's seller book: what the seller changes through the bot is seen on their next message;
what changes elsewhere is seen once the cache entry ages out; a failed write leaves no stale entry."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.exc import OperationalError

from bots.sellers import MISSING, SellerBook
from storage.db import make_engine, make_session_factory
from storage.uow import UnitOfWork

SUPPORTED = frozenset({"UAH", "USD", "EUR"})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def book(uow_factory: Callable[[], UnitOfWork], clock: Clock) -> SellerBook:
    return SellerBook(uow_factory, "telegram", SUPPORTED, ttl=60, clock=clock)


def test_changes_made_through_the_bot_are_seen_on_the_next_message(book: SellerBook) -> None:
    assert book.find("7") is None  # a stranger
    outcome = book.register_phone("7", "+380501234567", "Olena", "uk")
    assert outcome.seller is not None and outcome.seller.currency == "UAH"
    assert book.find("7") == outcome.seller  # not the cached "stranger"
    book.set_language("7", "en")
    assert book.find("7").language == "en"  # type: ignore[union-attr]
    book.set_currency("7", "USD")
    assert book.cached("7").currency == "USD"  # type: ignore[union-attr]


def test_a_change_made_elsewhere_is_seen_once_the_entry_ages_out(
        book: SellerBook, uow_factory: Callable[[], UnitOfWork], clock: Clock) -> None:
    book.register_phone("7", "+380501234567", "Olena", "uk")
    with uow_factory() as uow:  # e.g. an operator's change, or another bot process
        uow.sellers.upsert("telegram", "7", language="ru")
        uow.commit()
    assert book.find("7").language == "uk"  # type: ignore[union-attr]
    clock.now += 61
    assert book.cached("7") is MISSING
    assert book.find("7").language == "ru"  # type: ignore[union-attr]


def test_currency_is_refused_to_a_stranger_and_for_an_unknown_currency(
        book: SellerBook) -> None:
    assert book.set_currency("8", "USD") is None  # never shared a phone
    assert book.set_currency("8", "XYZ") is None  # not a currency the provider takes
    assert book.find("8") is None


def test_a_registration_finished_in_another_process_is_seen_at_once(
        book: SellerBook, uow_factory: Callable[[], UnitOfWork]) -> None:
    assert book.find("9") is None  # a stranger writes to this process first
    other = SellerBook(uow_factory, "telegram", frozenset({"USD"}))  # e.g. another web process
    outcome = other.register_phone("9", "+380501234567", "Olena", "uk")  # UAH not taken there
    assert outcome.seller is not None and outcome.seller.currency is None
    assert book.find("9") is not None  # no cached "stranger"
    other.set_currency("9", "USD")
    assert book.find("9").currency == "USD"  # type: ignore[union-attr]  # no cached half-seller


def test_a_failed_write_forgets_the_seller_rather_than_keep_a_guess(book: SellerBook) -> None:
    book.register_phone("7", "+380501234567", "Olena", "uk")
    broken = SellerBook(_unreachable(), "telegram", SUPPORTED)
    broken._remember("7", book.find("7"))
    with pytest.raises(OperationalError):
        broken.set_language("7", "en")
    assert broken.cached("7") is MISSING  # the next message asks the database again


def test_the_cache_keeps_at_most_its_size(uow_factory: Callable[[], UnitOfWork],
                                          clock: Clock) -> None:
    small = SellerBook(uow_factory, "telegram", SUPPORTED, size=3, clock=clock)
    for n in range(5):
        small.register_phone(str(n), f"+38050123456{n}", "Shop", "uk")
    assert [small.cached(str(n)) is MISSING for n in range(5)] == [True, True, False, False,
                                                                   False]


def _unreachable() -> Callable[[], UnitOfWork]:
    """Units of work on a database that refuses every connection."""
    engine = make_engine("postgresql://chatpay@127.0.0.1:9/unreachable")
    factory = make_session_factory(engine)
    return lambda: UnitOfWork(factory)
