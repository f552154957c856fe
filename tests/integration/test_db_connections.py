"""Pooled PostgreSQL connections the server dropped while they sat in the pool (a restart, an idle
timeout, an operator's pg_terminate_backend) are replaced before any work sees them."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import create_engine, text

from storage.uow import UnitOfWork


def backend_pid(uow_factory: Callable[[], UnitOfWork]) -> int:
    with uow_factory() as uow:
        return int(uow.session.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_dropped_while_idle_is_replaced_and_the_work_goes_on(
        database_url: str, uow_factory: Callable[[], UnitOfWork]) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has no server to drop a connection")
    first = backend_pid(uow_factory)
    assert backend_pid(uow_factory) == first  # one pooled connection, reused
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar()
    admin.dispose()

    with uow_factory() as uow:  # a seller's look-up, say: it must not fail
        assert uow.sellers.by_external("telegram", "nobody") is None
    assert backend_pid(uow_factory) != first
