"""One answer of the Viber bot: a text and, optionally, the keyboard shown under it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reply:
    text: str
    keyboard: dict[str, Any] | None = None
