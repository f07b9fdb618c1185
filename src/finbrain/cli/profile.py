"""``finbrain profile build``: every customer's customer-360 profile from a bank's files (the
library alone, no server), or from a tenant's transaction log on the platform (``--tenant``)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from finbrain.core.errors import FinbrainError
from finbrain.core.settings import get_settings

app = typer.Typer(help="Customer profiling (客户画像).", no_args_is_help=True)
out = Console()
err = Console(stderr=True)


@app.command("build")
def build(
    transactions: Annotated[
        Path | None, typer.Option(help="Transactions (Parquet or CSV: customer_id, ts, amount…).")
    ] = None,
    balances: Annotated[Path | None, typer.Option(help="Balance snapshots.")] = None,
    accounts: Annotated[Path | None, typer.Option(help="Accounts held.")] = None,
    tenant: Annotated[
        str | None, typer.Option(help="Build the tenant's profiles on the platform instead.")
    ] = None,
    as_of: Annotated[str | None, typer.Option(help="ISO time the features are as of.")] = None,
    output: Annotated[Path | None, typer.Option(help="Write the features here (Parquet).")] = None,
    utc_offset: Annotated[float, typer.Option(help="The bank's hours from UTC (China: 8).")] = 8,
) -> None:
    """Build features, tags and segments and print what the build saw."""
    when = datetime.fromisoformat(as_of) if as_of else datetime.now(UTC)
    if when.tzinfo is None:
        err.print("[red]--as-of needs a time zone (e.g. 2026-12-01T00:00:00+08:00)[/red]")
        raise typer.Exit(2)
    try:
        if tenant:
            from finbrain.platform.profile import service
            from finbrain.platform.store.database import Database

            summary = service.build(Database(get_settings()), tenant, when)
            out.print_json(json.dumps(summary, ensure_ascii=False))
            return
        from finbrain.profile import build_features

        if transactions is None and balances is None and accounts is None:
            err.print("[red]give --transactions (and/or --balances, --accounts) or --tenant[/red]")
            raise typer.Exit(2)
        made = build_features(
            _read(transactions), _read(balances), _read(accounts),
            as_of=when, utc_offset_hours=utc_offset,
        )  # fmt: skip
    except FinbrainError as exc:
        err.print(f"[red]{exc.field or ''}: {exc}[/red]")
        raise typer.Exit(1) from None
    out.print(f"{len(made.frame):,} customers × {made.frame.shape[1]} features as of {when}")
    out.print_json(json.dumps(asdict(made.report), ensure_ascii=False, default=str))
    if output:
        made.frame.to_parquet(output)
        out.print(f"wrote {output}")


def _read(path: Path | None) -> Any:
    """A file as the profile reads it: Parquet by path (DuckDB scans it), CSV into pandas."""
    if path is None:
        return None
    if path.suffix == ".csv":
        import pandas as pd

        frame = pd.read_csv(path)
        for column in ("ts", "opened_at", "closed_at"):
            if column in frame.columns:
                frame[column] = pd.to_datetime(frame[column], utc=True)
        return frame
    return str(path)
