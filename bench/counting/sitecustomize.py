"""Counting hooks for `bench/counts.py`, loaded by every `--layout procfile` process that the bench
starts with this directory first on PYTHONPATH and `CHATPAY_COUNTS` set to a directory.

It counts, in this process: SQL statements (SQLAlchemy's `before_cursor_execute`, by their first
word) and transactions (`begin`), Redis round trips (a command, or a whole pipeline, sync or
asyncio; Dramatiq's Lua dispatch is named by its operation: `dramatiq:fetch`, `dramatiq:enqueue`,
...), and Dramatiq messages enqueued (by actor, `+delay` when delayed). Every 0.2 s the counts are
written to `$CHATPAY_COUNTS/<process name>.json` (the name from `CHATPAY_COUNTS_NAME`).

Nothing here is imported by chatpay itself; without `CHATPAY_COUNTS` it does nothing.
"""
from __future__ import annotations

import os

if os.environ.get("CHATPAY_COUNTS"):
    import collections
    import json
    import threading
    import time
    from pathlib import Path
    from typing import Any

    _counts: collections.Counter[str] = collections.Counter()
    _lock = threading.Lock()

    def _count(key: str) -> None:
        with _lock:
            _counts[key] += 1

    _statements = bool(os.environ.get("CHATPAY_COUNTS_SQL"))  #: count by statement text
    #: the operations of Dramatiq's Lua dispatch script (its first argument)
    _DRAMATIQ = {"enqueue", "fetch", "ack", "nack", "requeue", "purge", "qsize"}

    def _redis_name(args: tuple[Any, ...]) -> str:
        name = str(args[0]).upper() if args else "?"
        if name == "EVALSHA" and len(args) > 4:
            op = args[4].decode() if isinstance(args[4], bytes) else str(args[4])
            return f"dramatiq:{op}" if op in _DRAMATIQ else "EVALSHA"
        return name

    def _install() -> None:
        import redis.asyncio.client as aclient
        import redis.client as sclient
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        @event.listens_for(Engine, "before_cursor_execute")
        def _sql(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:  # noqa: ANN401
            words = statement.split()
            _count("sql:" + (" ".join(words)[:140] if _statements
                             else words[0].upper() if words else "?"))

        @event.listens_for(Engine, "begin")
        def _begin(conn: Any) -> None:  # noqa: ANN401
            _count("sql_transactions")

        sync_exec = sclient.Redis.execute_command
        sync_pipe = sclient.Pipeline.execute

        def execute_command(self: Any, *args: Any, **kw: Any) -> Any:  # noqa: ANN401
            _count("redis:" + _redis_name(args))  # a pipeline buffers in its own override
            return sync_exec(self, *args, **kw)

        def pipe_execute(self: Any, *args: Any, **kw: Any) -> Any:  # noqa: ANN401
            if self.command_stack:
                _count("redis:pipeline(" + "+".join(_redis_name(c[0]) for c in self.command_stack)
                       + ")")
            return sync_pipe(self, *args, **kw)

        sclient.Redis.execute_command = execute_command  # type: ignore[method-assign]
        sclient.Pipeline.execute = pipe_execute  # type: ignore[method-assign]

        async_exec = aclient.Redis.execute_command
        async_pipe = aclient.Pipeline.execute

        async def a_execute_command(self: Any, *args: Any, **kw: Any) -> Any:  # noqa: ANN401
            _count("redis:" + _redis_name(args))
            return await async_exec(self, *args, **kw)

        async def a_pipe_execute(self: Any, *args: Any, **kw: Any) -> Any:  # noqa: ANN401
            if self.command_stack:
                _count("redis:pipeline(" + "+".join(_redis_name(c[0]) for c in self.command_stack)
                       + ")")
            return await async_pipe(self, *args, **kw)

        aclient.Redis.execute_command = a_execute_command  # type: ignore[method-assign]
        aclient.Pipeline.execute = a_pipe_execute  # type: ignore[method-assign]

        from dramatiq.brokers.redis import RedisBroker
        enqueue = RedisBroker.enqueue

        def counted_enqueue(self: Any, message: Any, *, delay: int | None = None) -> Any:  # noqa: ANN401
            _count(f"dramatiq_message:{message.actor_name}{'+delay' if delay else ''}")
            return enqueue(self, message, delay=delay)

        RedisBroker.enqueue = counted_enqueue  # type: ignore[method-assign]

    def _writer() -> None:
        out = Path(os.environ["CHATPAY_COUNTS"]) / f"{os.environ.get('CHATPAY_COUNTS_NAME', os.getpid())}.json"
        last: dict[str, int] = {}
        while True:
            with _lock:
                now = dict(_counts)
            if now != last:
                tmp = out.with_suffix(".tmp")
                tmp.write_text(json.dumps(now))
                tmp.replace(out)
                last = now
            time.sleep(0.2)

    _install()
    threading.Thread(target=_writer, daemon=True, name="bench-counts").start()
