"""Reads never queue behind a writer (SQLite WAL), and a read-only unit of work cannot write."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from storage.uow import UnitOfWork


def test_a_read_is_answered_while_a_writer_holds_the_database(
        uow_factory: Callable[[], UnitOfWork]) -> None:
    with uow_factory() as uow:
        uow.sellers.upsert("telegram", "42", name="Olena")
        uow.commit()
    writer_started = threading.Event()
    release_writer = threading.Event()

    def long_writer() -> None:
        with uow_factory() as uow:
            uow.sellers.upsert("telegram", "42", name="Olena K.")  # takes the write lock
            writer_started.set()
            release_writer.wait(10)
            uow.commit()

    thread = threading.Thread(target=long_writer)
    thread.start()
    assert writer_started.wait(10)
    began = time.monotonic()
    with uow_factory().readonly() as uow:
        seller = uow.sellers.by_external("telegram", "42")
    waited = time.monotonic() - began
    release_writer.set()
    thread.join(10)

    assert seller is not None and seller.name == "Olena"  # the committed state, not the writer's
    assert waited < 2.0, f"the read waited {waited:.1f} s for the writer"


def test_a_read_only_unit_of_work_refuses_to_commit(uow_factory: Callable[[], UnitOfWork]) -> None:
    with uow_factory().readonly() as uow:
        uow.sellers.upsert("telegram", "7", name="x")
        with pytest.raises(RuntimeError):
            uow.commit()
    with uow_factory().readonly() as uow:
        assert uow.sellers.by_external("telegram", "7") is None
