"""Engines for SQLite (the default, a file under var/) and PostgreSQL (DATABASE_URL)."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

#: execution option of a read-only transaction (see UnitOfWork.readonly)
READONLY = "chatpay_readonly"


def normalize_url(url: str) -> str:
    """Let people write postgresql:// or postgres:// and still get the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 15, "check_same_thread": False})
        _sqlite_writers_queue(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20,
                         connect_args={"connect_timeout": 5})


def _sqlite_writers_queue(engine: Engine) -> None:
    """WAL, a busy timeout, and BEGIN IMMEDIATE so two writers queue instead of failing late.

    Read-only units of work begin a plain (deferred) transaction: in WAL mode a reader sees a
    consistent snapshot without waiting for, or holding up, any writer.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # type: ignore[no-untyped-def]
        readonly = connection.get_execution_options().get(READONLY)
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
