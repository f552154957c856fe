"""`chatpay webhook …`: support and operators set, show, remove and redeliver a seller's shop
webhook, finding the seller by the phone number they shared."""
from __future__ import annotations

import typer

from web.cli_common import _logging, _settings

webhook_app = typer.Typer(help="A seller's shop webhook (support and operators).",
                          no_args_is_help=True)

SELLER = typer.Option(..., "--seller", help="the seller's phone number, as they shared it")
CHANNEL = typer.Option(None, "--channel", help="telegram or viber, when the phone has both")


def _webhook_seller(phone: str, channel: str | None):  # type: ignore[no-untyped-def]
    """The worker's dependencies and the seller with this phone; exits naming the problem."""
    from sqlalchemy import select

    from storage.tables import SellerRow
    from workers.runtime import bootstrap, configure

    deps = bootstrap(_settings())
    configure(deps)
    digits = "".join(c for c in phone if c.isdigit())
    with deps.uow().readonly() as uow:
        rows = [r for r in uow.session.scalars(select(SellerRow))
                if r.phone and "".join(c for c in r.phone if c.isdigit()) == digits
                and (channel is None or r.channel == channel)]
        found = [(r.id, r.channel, r.language) for r in rows]
    if len(found) != 1:
        typer.echo(f"chatpay: {'no' if not found else 'more than one'} seller with phone "
                   f"{phone}{'' if not found else '; give --channel'}.", err=True)
        raise typer.Exit(1)
    return deps, found[0]


@webhook_app.command("set")
def webhook_set(url: str, seller: str = SELLER, channel: str | None = CHANNEL) -> None:
    """Set the shop URL (a new secret, printed once) and ping it."""
    _logging("WARNING")
    from domain.errors import WebhookUrlRefused
    from workers import deliveries

    deps, (seller_id, _, _) = _webhook_seller(seller, channel)
    try:
        endpoint, secret, ping = deliveries.set_endpoint(seller_id, url, deps)
    except WebhookUrlRefused as exc:
        typer.echo(f"chatpay: refused: {exc}.", err=True)
        raise typer.Exit(1) from None
    outcome = deliveries.deliver_webhook(ping, deps)  # the ping, now, in this process
    typer.echo(f"Shop URL {endpoint.url} set. Signing secret (shown once): {secret}")
    if outcome is not None:
        typer.echo("The shop answered ok." if outcome.attempt.ok else
                   f"The shop did not answer ok: {outcome.attempt.status_code or ''} "
                   f"{outcome.attempt.error or ''}".rstrip() + ".")


@webhook_app.command("show")
def webhook_show(seller: str = SELLER, channel: str | None = CHANNEL) -> None:
    """The shop URL, its state and the last deliveries."""
    _logging("WARNING")
    from bots.webhooks import report

    deps, (seller_id, _, _) = _webhook_seller(seller, channel)
    typer.echo(report(deps.uow, seller_id, "en")[0])  # operators read English


@webhook_app.command("remove")
def webhook_remove(seller: str = SELLER, channel: str | None = CHANNEL) -> None:
    """Remove the shop URL and its delivery log."""
    _logging("WARNING")
    from workers import deliveries

    deps, (seller_id, _, _) = _webhook_seller(seller, channel)
    typer.echo("Removed." if deliveries.remove_endpoint(seller_id, deps) else "No shop URL set.")


@webhook_app.command("redeliver")
def webhook_redeliver(seller: str = SELLER, channel: str | None = CHANNEL,
                      event: int | None = typer.Option(None, help="one delivery's id"),
                      since: str | None = typer.Option(
                          None, help="every failed one since (ISO 8601, UTC)")) -> None:
    """One event again, or every failed one (since a time); the worker makes the attempts."""
    _logging("WARNING")
    from datetime import UTC, datetime

    from workers import deliveries

    deps, (seller_id, _, _) = _webhook_seller(seller, channel)
    after = datetime.fromisoformat(since).replace(tzinfo=UTC) if since else None
    queued = deliveries.redeliver(seller_id, deps, delivery_id=event, since=after)
    typer.echo(f"Queued {len(queued)} deliver{'y' if len(queued) == 1 else 'ies'} again: "
               f"{', '.join(map(str, queued)) or 'none'}.")
