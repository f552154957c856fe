"""The suite runs under pytest-xdist: each worker must get a Redis database of its own, or one
worker's FLUSHDB wipes the queues of the other's test."""
from tests.conftest import worker_redis_url


def test_the_first_worker_keeps_the_given_redis_database() -> None:
    assert worker_redis_url("redis://127.0.0.1:6379/4", "gw0") == "redis://127.0.0.1:6379/4"
    assert worker_redis_url("redis://127.0.0.1:6379/4", "") == "redis://127.0.0.1:6379/4"


def test_each_other_worker_gets_its_own_database_number() -> None:
    urls = {worker_redis_url("redis://127.0.0.1:6379/4", f"gw{n}") for n in range(4)}
    assert urls == {"redis://127.0.0.1:6379/4", "redis://127.0.0.1:6379/9",
                    "redis://127.0.0.1:6379/10", "redis://127.0.0.1:6379/11"}


def test_a_unix_socket_url_gets_its_database_as_a_query() -> None:
    assert worker_redis_url("unix:///tmp/r.sock", "gw1") == "unix:///tmp/r.sock?db=9"
