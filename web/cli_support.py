"""`chatpay support add|remove|list`: who is support, changed without a restart (the bots check
the database at every tap)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import typer

support_app = typer.Typer(help="Support agents: who may use /find, /seller and /stats.",
                          no_args_is_help=True)


def _uow() -> Callable:  # type: ignore[type-arg]
    from storage.db import make_engine, make_session_factory
    from storage.settings import get_settings
    from storage.uow import UnitOfWork

    settings = get_settings()
    factory = make_session_factory(make_engine(settings.database))
    seed(lambda: UnitOfWork(factory), settings.support_agents)
    return lambda: UnitOfWork(factory)


def seed(uow: Callable, ids: list[tuple[str, str]]) -> None:  # type: ignore[type-arg]
    """SUPPORT_IDS into the agents table: only ids never seen, so a removal sticks."""
    if not ids:
        return
    with uow() as unit:
        unit.agents.seed(ids, datetime.now(UTC))
        unit.commit()


def _agent(text: str) -> tuple[str, str]:
    from domain.support import parse_agent
    try:
        return parse_agent(text)
    except ValueError as exc:
        typer.echo(f"chatpay: {exc}.", err=True)
        raise typer.Exit(2) from None


@support_app.command("add")
def add(agent: str = typer.Argument(..., help="telegram:<user id> or viber:<user id>")) -> None:
    """Make someone a support agent."""
    channel, external_id = _agent(agent)
    with _uow()() as uow:
        added = uow.agents.add(channel, external_id, datetime.now(UTC))
        uow.commit()
    typer.echo(f"{channel}:{external_id} {'is now' if added else 'already was'} support.")


@support_app.command("remove")
def remove(agent: str = typer.Argument(..., help="telegram:<user id> or viber:<user id>")) -> None:
    """Take support away; refused at their next tap, even mid-dialog."""
    channel, external_id = _agent(agent)
    with _uow()() as uow:
        removed = uow.agents.remove(channel, external_id, datetime.now(UTC))
        uow.commit()
    typer.echo(f"{channel}:{external_id} {'is no longer' if removed else 'was not'} support.")


@support_app.command("list")
def list_() -> None:
    """The support agents, one a line."""
    with _uow()().readonly() as uow:
        agents = uow.agents.active()
    typer.echo("\n".join(agents) if agents else "No support agents.")
