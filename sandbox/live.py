"""Server-sent events for the sandbox's pages: a page subscribes once and is sent the new state
whenever it changes, instead of asking again and again."""
from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import StreamingResponse

TICK = 0.5  #: seconds between looks at whether the page left or the server is stopping

#: set while the development composition stops its web server: every stream ends at its next
#: tick, so the server stops at once instead of cancelling pages' streams mid-wait
closing = threading.Event()


def event_stream(request: Request, snapshot: Callable[[], Any],
                 wait: Callable[[float], None]) -> StreamingResponse:
    """Send `snapshot()` (as JSON) at once and again each time it differs.

    `wait(seconds)` blocks until something may have changed (a condition's wait) or the time is
    up; it runs in a worker thread, so the event loop keeps serving.
    """

    async def events() -> AsyncIterator[str]:
        last = None
        while not closing.is_set() and not await request.is_disconnected():
            current = json.dumps(await anyio.to_thread.run_sync(snapshot), ensure_ascii=False)
            if current != last:
                last = current
                yield f"data: {current}\n\n"
            await anyio.to_thread.run_sync(wait, TICK)

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
