"""`chatpay up` as a person runs it: it says what it starts, prints one URL, and Ctrl-C stops
everything it started, the embedded Redis server included; the next `up` starts afresh on the
data kept in var/."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from storage.settings import Settings
from tests.e2e.conftest import free_port

CHATPAY = str(Path(sys.executable).with_name("chatpay"))
SETTINGS = {name.upper() for name in Settings.model_fields}
URL = re.compile(r"Open (http://\S+) ")


def environment(var: Path, port: int, **values: str) -> dict[str, str]:
    """This environment without chatpay's settings: `up` on its embedded defaults in `var`."""
    env = {k: v for k, v in os.environ.items() if k.upper() not in SETTINGS}
    return {**env, "VAR_DIR": str(var), "PORT": str(port),
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", **values}


def processes_using(directory: Path) -> list[str]:
    """Every process whose working directory or command line is inside `directory`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # gone, or not ours to read
        if cwd.startswith(str(directory)) or str(directory) in cmdline:
            found.append(f"{entry.name}: {cmdline.strip()} (in {cwd})")
    return found


@contextmanager
def chatpay_up(var: Path, port: int, **values: str) -> Iterator[tuple[str, list[str]]]:
    """Run `chatpay up` until it prints its URL; yield the URL and what it printed; Ctrl-C."""
    process = subprocess.Popen([CHATPAY, "up"], cwd=var.parent, env=environment(var, port,
                                                                                  **values),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip())
            if match := URL.search(line):
                break
        else:
            raise AssertionError("chatpay up ended without a URL:\n" + "\n".join(lines))
        yield match.group(1), lines
        process.send_signal(signal.SIGINT)  # what Ctrl-C sends
        rest, _ = process.communicate(timeout=60)
        lines += rest.splitlines()
        assert process.returncode == 0, "\n".join(lines)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_chatpay_up_says_what_it_starts_and_ctrl_c_leaves_no_process_behind(
        tmp_path: Path) -> None:
    var = tmp_path / "var"
    port = free_port()
    with chatpay_up(var, port) as (url, lines):
        assert url == f"http://127.0.0.1:{port}/sandbox/"
        said = "\n".join(lines)
        for part in ("Redis started", "database migrated", "web edge listening",
                     "worker started", "Telegram bot polling", "Viber bot"):
            assert part in said, said
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200
        assert processes_using(var), "the embedded Redis server runs under var/redis"
    assert "Stopped." in lines
    deadline = time.monotonic() + 10
    while processes_using(var) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_using(var) == []
    assert (var / "chatpay.db").is_file()

    with chatpay_up(var, port) as (again, lines):  # a second run, on the data kept in var/
        assert again == url
        assert "Redis started" in "\n".join(lines)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200
    assert processes_using(var) == []


def test_chatpay_up_with_a_real_telegram_token_says_it_uses_telegram(tmp_path: Path) -> None:
    """A real token is used instead of the emulator, and `up` says so (the test stops it before
    it could reach Telegram: the bot starts last)."""
    var, port = tmp_path / "var", free_port()
    process = subprocess.Popen(
        [CHATPAY, "up"], cwd=tmp_path, text=True, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=environment(var, port, TELEGRAM_BOT_TOKEN="987654:a-real-looking-token",
                        TELEGRAM_API_BASE=f"http://127.0.0.1:{free_port()}"))
    try:
        assert process.stdout is not None
        first = [process.stdout.readline() for _ in range(2)]
        assert any("TELEGRAM_BOT_TOKEN is set, so the bot talks to" in line
                   for line in first), first
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
    assert processes_using(var) == []


def bot_answers(base: str, chat: str, text: str, timeout: float = 15.0) -> None:
    """The seller writes `text` in the sandbox's Telegram or Viber chat; wait for a new answer
    from the bot (an AssertionError after `timeout` seconds)."""
    def answers() -> int:
        if chat == "telegram":
            state = httpx.get(f"{base}/emulator/telegram/chat/api/state",
                              params={"chat_id": 100001}, timeout=10).json()
        else:  # the Viber chat is pushed as server-sent events: the first one is the state
            with httpx.stream("GET", f"{base}/emulator/viber/pa/chat/api/events",
                              timeout=10) as events:
                line = next(ln for ln in events.iter_lines() if ln.startswith("data:"))
            state = json.loads(line[len("data:"):])
        return sum(1 for m in state["messages"] if not m["outgoing"])

    before = answers()
    path = "emulator/telegram/chat/api/send" if chat == "telegram" else \
        "emulator/viber/pa/chat/api/send"
    sent = httpx.post(f"{base}/{path}", json={"chat_id": 100001, "text": text}, timeout=10)
    assert sent.status_code == 200, sent.text
    deadline = time.monotonic() + timeout
    while answers() <= before:
        assert time.monotonic() < deadline, f"the {chat} bot did not answer {text!r}"
        time.sleep(0.2)


def test_after_ctrl_c_and_a_second_up_the_bots_answer_at_once(tmp_path: Path) -> None:
    """The emulators go on numbering updates and messages where they left off (kept in var/):
    the bot, which remembers the ids it handled (in Redis, kept in var/ too), takes none of
    the new messages for a repeat."""
    var, port = tmp_path / "var", free_port()
    with chatpay_up(var, port) as (url, _):
        base = url.removesuffix("/sandbox/")
        bot_answers(base, "telegram", "/start")
        bot_answers(base, "viber", "/start")
    kept = json.loads((var / "emulators.json").read_text())
    assert kept["telegram"]["update_id"] > 1 and kept["telegram"]["message_id"] > 2

    with chatpay_up(var, port) as (url, _):
        base = url.removesuffix("/sandbox/")
        bot_answers(base, "telegram", "/start")  # not taken for the first run's /start
        bot_answers(base, "viber", "/start")
