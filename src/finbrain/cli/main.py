"""The ``finbrain`` command: run the platform and administer tenants and keys."""

from __future__ import annotations

import os

# LightGBM trains on OpenMP threads that spin while they wait: in the server they starve the
# request and writer threads (measured on 2 busy cores: a training 11-22 s instead of 2 s).
# Set before the OpenMP runtime loads; an operator's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from finbrain.cli import assistant as assistant_cli
from finbrain.cli import credit as credit_cli
from finbrain.cli import identity as identity_cli
from finbrain.cli import ledger as ledger_cli
from finbrain.cli import marketing as marketing_cli
from finbrain.cli import profile as profile_cli
from finbrain.cli import risk as risk_cli
from finbrain.cli import witness as witness_cli
from finbrain.core.errors import FinbrainError
from finbrain.core.settings import get_settings

if TYPE_CHECKING:
    from finbrain.platform.store.database import Database

app = typer.Typer(help="finbrain 金融大脑: an open AI platform for banks.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
tenants_app = typer.Typer(help="Bank tenants (operator).", no_args_is_help=True)
keys_app = typer.Typer(help="API keys (operator).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(tenants_app, name="tenants")
app.add_typer(keys_app, name="keys")
app.add_typer(ledger_cli.app, name="ledger")
app.add_typer(credit_cli.app, name="credit")
app.add_typer(risk_cli.app, name="risk")
app.add_typer(profile_cli.app, name="profile")
app.add_typer(marketing_cli.app, name="marketing")
app.add_typer(assistant_cli.app, name="assistant")
app.command("chat")(assistant_cli.chat)
app.command("witness")(witness_cli.run)
app.add_typer(identity_cli.validate_app, name="validate")
app.command("screen")(identity_cli.screen)
out = Console()
err = Console(stderr=True)


def _fail(exc: FinbrainError) -> None:
    from finbrain.core.i18n import message

    text = message(exc.code, "en", **exc.params)
    extra = f" ({exc.detail})" if exc.detail else ""
    err.print(
        f"[red]error[/red] {exc.code}: {escape(text + extra)}", soft_wrap=True, highlight=False
    )
    raise typer.Exit(code=2)


def _database() -> Database:
    from finbrain.platform.bootstrap import prepare

    return prepare(get_settings())


def _show_secret(title: str, secret: str) -> None:
    out.print(
        Panel(
            f"[bold]{secret}[/bold]\n\nShown once: store it in your secrets manager now.",
            title=title,
            border_style="yellow",
        )
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema (and PostgreSQL row-level security)."""
    from finbrain.platform.store.migrate import current_revision, upgrade

    settings = get_settings()
    upgrade(settings)
    out.print(
        f"schema at revision [bold]{current_revision(settings)}[/bold] "
        f"on {settings.effective_database_url.split('@')[-1]}"
    )


@tenants_app.command("create")
def tenants_create(
    name: Annotated[str, typer.Argument(help="The bank's display name.")],
) -> None:
    """Create a tenant and its first admin key; creates the operator key on first use."""
    from finbrain.platform import tenancy

    db = _database()
    try:
        with db.platform() as session:
            operator = None
            if not tenancy.has_operator_key(session):
                operator = tenancy.create_operator_key(session, label="bootstrap operator")
            tenant = tenancy.create_tenant(session, name.strip())
            key = tenancy.create_key(
                session, tenant.id, label="admin", scopes=["admin"], created_by="cli"
            )
            tenant_id = tenant.id
    except FinbrainError as exc:
        _fail(exc)
        return
    out.print(f"tenant [bold]{name}[/bold] id={tenant_id}")
    if operator:
        _show_secret(f"operator key {operator.id}", operator.secret)
    _show_secret(f"admin key {key.id} for {name}", key.secret)


@tenants_app.command("list")
def tenants_list() -> None:
    """List tenants."""
    from finbrain.platform import tenancy

    db = _database()
    table = Table("id", "name", "status", "created (UTC)")
    with db.platform() as session:
        cursor = None
        while True:
            rows, cursor = tenancy.list_tenants(session, limit=200, cursor=cursor)
            for t in rows:
                table.add_row(t.id, t.name, t.status, t.created_at.strftime("%Y-%m-%d %H:%M"))
            if cursor is None:
                break
    out.print(table)


@keys_app.command("create")
def keys_create(
    tenant: Annotated[str | None, typer.Option(help="Tenant id for a tenant key.")] = None,
    scope: Annotated[list[str] | None, typer.Option(help="Scope (repeat).")] = None,
    label: Annotated[str, typer.Option(help="What the key is for.")] = "cli",
    operator: Annotated[bool, typer.Option("--operator", help="Create an operator key.")] = False,
) -> None:
    """Create a tenant key (--tenant ID --scope S …) or an operator key (--operator)."""
    from finbrain.platform import tenancy

    if operator == (tenant is not None):
        err.print("give exactly one of --tenant ID or --operator")
        raise typer.Exit(code=2)
    db = _database()
    try:
        with db.platform() as session:
            if operator:
                key = tenancy.create_operator_key(session, label=label)
            else:
                assert tenant is not None
                key = tenancy.create_key(
                    session,
                    tenant,
                    label=label,
                    scopes=scope or ["decisions:read"],
                    created_by="cli",
                )
    except FinbrainError as exc:
        _fail(exc)
        return
    _show_secret(f"key {key.id} scopes={','.join(key.scopes) or 'operator'}", key.secret)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key id (not the secret).")],
) -> None:
    """Revoke a tenant or operator key at once."""
    from finbrain.platform import tenancy

    db = _database()
    try:
        with db.platform() as session:
            tenancy.revoke_key(session, key_id)
    except FinbrainError as exc:
        _fail(exc)
        return
    out.print(f"revoked {key_id}")


def _serve(host: str | None, port: int | None) -> None:
    import uvicorn

    from finbrain.core.privacy import configure_logging
    from finbrain.platform.api.app import create_app

    settings = get_settings()
    configure_logging(settings.log_level)
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_config=None,
        access_log=False,  # finbrain.access logs each request (masked, with tenant and key)
        proxy_headers=False,
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
) -> None:
    """Serve the API and the console (migrates the schema first)."""
    _database()
    _serve(host, port)


@app.command()
def demo(
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Set up only.")] = False,
) -> None:
    """Set up embedded storage and the demo bank, print its key, and serve the platform."""
    from finbrain.platform.bootstrap import ensure_demo

    settings = get_settings()
    db = _database()
    setup = ensure_demo(db)
    db.dispose()
    base = f"http://{host or settings.host}:{port or settings.port}"
    out.print(
        Panel.fit(
            f"console   [bold]{base}/console/[/bold]\n"
            f"API docs  [bold]{base}/docs[/bold]\n"
            f"tenant    {setup.tenant_name} ({setup.tenant_id})\n"
            f"demo key  [bold]{setup.demo_key.secret}[/bold]\n"
            + (
                f"operator  [bold]{setup.operator_key.secret}[/bold]\n"
                if setup.operator_key
                else ""
            )
            + (f"credit    {setup.model}\n" if setup.model else "")
            + (f"risk      {setup.risk_model}\n" if setup.risk_model else "")
            + (f"marketing {setup.marketing}\n" if setup.marketing else "")
            + (
                f"advisory  {setup.advisory}\n"
                if setup.advisory
                else "advisory  no shelf (the data folder has no wealth/ fund files)\n"
            )
            + (f"assistant {escape(setup.assistant)}\n" if setup.assistant else "")
            + f"storage   {settings.effective_database_url}",
            title="finbrain demo 金融大脑演示",
            border_style="green",
        )
    )
    if not no_serve:
        _serve(host, port)


if __name__ == "__main__":  # pragma: no cover
    app()
