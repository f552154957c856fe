"""`chatpay fiscal …`: operators and support retry a refused fiscal receipt after its cause was
fixed (a renewed licence, a closed shift), under the same receipt id."""
from __future__ import annotations

import typer

fiscal_app = typer.Typer(help="Fiscal receipts (the sellers' Checkbox).", no_args_is_help=True)


@fiscal_app.command("retry")
def retry(invoice: str = typer.Argument(..., help="the invoice's code (from its pay link) or id"),
          by: str = typer.Option("cli", help="who retries, for the invoice's history")) -> None:
    """Register the invoice's refused receipts again (never a second receipt: the same ids)."""
    from storage.settings import get_settings
    from workers.fiscal.receipts import retry_refused
    from workers.runtime import bootstrap, configure

    deps = bootstrap(get_settings())
    configure(deps)
    queued = retry_refused(deps, by, invoice_ref=invoice)
    if not queued:
        typer.echo(f"Invoice {invoice} has no refused fiscal receipt (unknown, registered, or "
                   f"still being tried).")
        raise typer.Exit(1)
    typer.echo(f"Queued again: {', '.join(queued)}. The seller is told when it is registered.")
