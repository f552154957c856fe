"""A local Telegram Bot API server: the subset chatpay's bot and workers use, answering like Telegram.

The bot side talks HTTP (`{base}/bot{token}/{method}`, `{base}/file/bot{token}/{path}`); the
user side is the thread-safe methods of `TelegramEmulator` (tests) or the web chat page at
`{base}/chat` (the sandbox). `token=None` on a user-side method means the first bot added.

- `emulator.py`: the class, its bots and the user side.
- `api.py`: the Bot API over HTTP, getUpdates, webhooks, the methods about the bot itself.
- `messages.py`: the methods about messages and the rate limits.
- `markup.py`: text entities, reply markup and images, parsed and checked as Telegram does.
- `state.py`: bots, chats and uploads; `chat.py`: the web chat; `errors.py`: `ApiError`.
"""

from __future__ import annotations

from sandbox.telegram.emulator import TelegramEmulator
from sandbox.telegram.errors import ApiError
from sandbox.telegram.markup import MAX_CALLBACK_DATA, MAX_CAPTION, MAX_TEXT, parse_html
from sandbox.telegram.messages import TELEGRAM_GLOBAL_RATE, TELEGRAM_PER_CHAT_RATE

__all__ = [
    "MAX_CALLBACK_DATA",
    "MAX_CAPTION",
    "MAX_TEXT",
    "TELEGRAM_GLOBAL_RATE",
    "TELEGRAM_PER_CHAT_RATE",
    "ApiError",
    "TelegramEmulator",
    "parse_html",
]
