"""Outbound fan-out: notifications to many chats through TelegramSender + RedisRateLimiter (several
sender threads sharing the Redis schedule) against TelegramEmulator(global_rate=30, per_chat_rate=1),
which answers 429 with retry_after. A 429'd or deferred message goes back on the queue after its wait.

    .venv/bin/python bench/fanout.py [--quick | --full]
      default 3,000 messages to 600 chats (~100 s); --full 5,000 to 1,000 (~170 s); --quick 450 to 90
"""
from __future__ import annotations

import heapq
import threading
import time

import _common as c


def main() -> None:
    p = c.parser(__doc__, db=False)
    p.add_argument("--full", action="store_true")
    p.add_argument("--threads", type=int, default=8)
    a = p.parse_args()
    total, chats = (5000, 1000) if a.full else (450, 90) if a.quick else (3000, 600)
    import redis

    from domain.errors import MessengerRateLimited
    from domain.messaging import OutboundMessage
    from sandbox.loopback import serve_in_thread
    from sandbox.telegram import TelegramEmulator
    from workers.messengers.ratelimit import RedisRateLimiter
    from workers.messengers.telegram import TelegramSender

    token = "123456:bench"
    tg = TelegramEmulator(global_rate=30, per_chat_rate=1)
    tg.add_bot(token)
    for i in range(chats):
        tg.user_sends_text(500_000 + i, "/start")
    base, stop = serve_in_thread(tg.app)
    with c.workdir() as d, c.redis_server(a.redis, d) as r:
        client = redis.Redis.from_url(r)
        limiter = RedisRateLimiter(client, 30.0, 1.0, prefix="bench:rl")
        pending: list[tuple[float, int]] = [(0.0, k) for k in range(total)]
        heapq.heapify(pending)
        cv = threading.Condition()
        done = [0]
        rate_limited = [0]

        def worker() -> None:
            sender = TelegramSender(token, base, limiter)
            while True:
                with cv:
                    while True:
                        if done[0] >= total:
                            return
                        if pending and pending[0][0] <= time.monotonic():
                            _, k = heapq.heappop(pending)
                            break
                        cv.wait(0.05)
                msg = OutboundMessage(channel="telegram", chat_id=str(500_000 + k % chats),
                                      text=f"Notification {k}")
                try:
                    sender.send(msg)
                    with cv:
                        done[0] += 1
                        cv.notify_all()
                except MessengerRateLimited as exc:
                    with cv:
                        rate_limited[0] += 1
                        heapq.heappush(pending, (time.monotonic() + exc.retry_after, k))

        t0 = time.monotonic()
        threads = [threading.Thread(target=worker) for _ in range(a.threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - t0
    stop()
    rate = total / elapsed
    c.emit("fanout", messages=total, chats=chats, threads=a.threads, seconds=round(elapsed, 1),
           achieved_rate=round(rate, 2), fraction_of_limit=round(rate / 30, 3),
           too_many_requests=tg.stats["too_many_requests"], violations=tg.stats["violations"],
           deferred_by_limiter=rate_limited[0], sends=tg.stats["sends"],
           targets={"fraction_of_limit": 0.95, "violations": 0},
           mode="full" if a.full else "quick" if a.quick else "default")


if __name__ == "__main__":
    main()
