"""The cabinet's router on its own, over the test's database, with a bus that keeps what was
published (a fake of our own port), and the helpers that sign a person in."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from bots.cabinet import viber_link
from domain.commands import Command
from sandbox.telegram.webapp import sign_init_data
from storage.settings import Settings, load_settings
from storage.uow import UnitOfWork
from web.cabinet import router


@dataclass
class KeptBus:
    published: list[Command] = field(default_factory=list)

    def publish(self, command: Command, **_: Any) -> None:
        self.published.append(command)


@dataclass
class Cabinet:
    client: TestClient
    settings: Settings
    uow: Callable[[], UnitOfWork]
    bus: KeptBus

    def tma(self, user_id: int | str, *, age: int = 0) -> dict[str, str]:
        """The Mini App's header for a Telegram user, signed as Telegram signs it."""
        init = sign_init_data(self.settings.telegram_bot_token,
                              {"id": int(user_id), "first_name": "Olena"},
                              auth_date=int(time.time()) - age)
        return {"Authorization": f"tma {init}"}

    def viber_link(self, seller_id: int) -> str:
        url = viber_link(self.uow, self.settings, seller_id)
        return url[len(self.settings.public_base_url):]


def cabinet_app(uow: Callable[[], UnitOfWork], database_url: str, tmp_path: Path) -> Cabinet:
    settings = load_settings(database_url=database_url, var_dir=tmp_path)
    bus = KeptBus()
    app = FastAPI()
    app.include_router(router(settings, uow, bus))  # type: ignore[arg-type]
    return Cabinet(TestClient(app), settings, uow, bus)
