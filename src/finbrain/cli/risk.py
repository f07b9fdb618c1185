"""``finbrain risk …``: replay history through the engine as if live; backtest rule sets.

Both run on the library alone (no server): an analyst replays a file of past payments with a
candidate model and rules and sees what would have been blocked, before anything goes live.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

if TYPE_CHECKING:  # numpy and pandas are imported by the commands, not at start-up
    import pandas as pd

app = typer.Typer(help="Real-time risk monitoring (风险监控).", no_args_is_help=True)
out = Console()
err = Console(stderr=True)
CHUNK = 256


def read_events(path: Path) -> pd.DataFrame:
    """A Parquet or CSV file of events: event-field columns, or the fraud handbook's columns.

    A label column ``is_fraud`` (or the handbook's ``TX_FRAUD``) is kept for the summary."""
    import pandas as pd

    from finbrain.risk.events import frame_from_handbook

    if not path.is_file():
        raise typer.BadParameter(f"{path} is not a file")
    frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    if "TX_DATETIME" in frame.columns:
        return frame_from_handbook(frame)
    if "occurred_at" not in frame.columns:
        raise typer.BadParameter("the file needs event columns (occurred_at, amount, …)")
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
    return frame.sort_values("occurred_at", kind="stable").reset_index(drop=True)


def _rules(path: Path | None) -> Any:
    from finbrain.platform.risk.rules import default_rules
    from finbrain.risk.rules import RuleSet

    if path is None:
        return default_rules()
    return RuleSet.from_json(path.read_bytes())


@app.command()
def replay(
    file: Annotated[Path, typer.Argument(help="Parquet/CSV of events (or the handbook file).")],
    model: Annotated[Path | None, typer.Option(help="A RiskModel JSON file.")] = None,
    rules: Annotated[Path | None, typer.Option(help="A rule set JSON (default: starter)")] = None,
    output: Annotated[Path | None, typer.Option("--out", help="Write decisions (Parquet).")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N events.")] = None,
) -> None:
    """Score a history of events in time order, exactly as the live engine would."""
    import numpy as np
    import pandas as pd

    from finbrain.core.errors import FinbrainError
    from finbrain.risk.engine import RiskEngine
    from finbrain.risk.events import events_from_frame
    from finbrain.risk.features import extended_feature_set

    frame = read_events(file)
    if limit is not None:
        frame = frame.head(limit)
    labels = frame["is_fraud"].to_numpy() if "is_fraud" in frame.columns else None
    fraud_model = None
    if model is not None:
        from finbrain.risk.model import RiskModel

        fraud_model = RiskModel.from_json(model.read_text("utf-8"))
    try:
        engine = RiskEngine(extended_feature_set(), _rules(rules), fraud_model)
    except FinbrainError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    columns = [c for c in frame.columns if c not in ("is_fraud", "seq")]
    events = events_from_frame(frame[columns])
    n = len(frame)
    actions: list[str] = []
    scores = np.empty(n)
    rule_hits: list[str] = []
    started = time.perf_counter()
    progress = Progress(
        TextColumn("replay"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TextColumn("{task.fields[rate]:,.0f} events/s"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )
    with progress:
        task = progress.add_task("replay", total=n, rate=0.0)
        done = 0
        while done < n:
            chunk = [next(events) for _ in range(min(CHUNK, n - done))]
            for a in engine.assess_many(chunk):
                actions.append(a.action)
                scores[done] = a.score
                rule_hits.append(",".join(h.rule_id for h in a.hits))
                done += 1
            elapsed = time.perf_counter() - started
            progress.update(task, completed=done, rate=done / elapsed if elapsed else 0.0)
    seconds = time.perf_counter() - started
    result = pd.DataFrame(
        {
            "event_id": frame["event_id"].astype(str),
            "action": actions,
            "score": scores,
            "rules": rule_hits,
        }
    )
    table = Table(
        "action", "events", "share", title=f"{n:,} events in {seconds:.1f} s ({n / seconds:,.0f}/s)"
    )
    counts = result["action"].value_counts()
    for action in ("allow", "review", "block"):
        count = int(counts.get(action, 0))
        table.add_row(action, f"{count:,}", f"{count / max(n, 1):.2%}")
    out.print(table)
    if labels is not None:
        flagged = result["action"].to_numpy() != "allow"
        fraud = labels.astype(bool)
        caught = int((flagged & fraud).sum())
        out.print(
            f"alerts {int(flagged.sum()):,}: precision {caught / max(int(flagged.sum()), 1):.3f}, "
            f"recall {caught / max(int(fraud.sum()), 1):.3f} ({caught:,} of "
            f"{int(fraud.sum()):,} frauds)"
        )
    if output is not None:
        result.to_parquet(output, index=False)
        out.print(f"decisions written to {output}")


@app.command()
def backtest(
    file: Annotated[Path, typer.Argument(help="Parquet/CSV of labelled events.")],
    rules: Annotated[Path | None, typer.Option(help="A rule set JSON (default: starter)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Measure a rule set over labelled history: features from DuckDB (the same numbers as the
    live windows), then hits, hit rate, precision, recall and alerts per day for each rule."""
    import duckdb
    import numpy as np

    from finbrain.core.errors import FinbrainError
    from finbrain.risk import backtest as bt
    from finbrain.risk.engine import rule_schema
    from finbrain.risk.features import extended_feature_set
    from finbrain.risk.windows_sql import to_sql

    frame = read_events(file)
    if "is_fraud" not in frame.columns:
        raise typer.BadParameter("the file needs a label column is_fraud (or TX_FRAUD)")
    if "seq" not in frame.columns:
        frame["seq"] = np.arange(len(frame), dtype=np.int64)
    features = extended_feature_set()
    con = duckdb.connect()
    con.register("events", frame)
    with err.status("computing window features in DuckDB"):
        table = con.execute(to_sql(features, "events")).df()
    table["fraud"] = table["is_fraud"].astype(bool)
    table["timestamp"] = table["occurred_at"]
    for name in ("channel", "mcc", "kind", "currency", "country"):
        if name not in table.columns:
            table[name] = None
    table["model_score"] = np.nan
    try:
        report = bt.backtest(_rules(rules), table, rule_schema(features))
    except FinbrainError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    data = report.to_dict()
    if as_json:
        out.print_json(json.dumps(data, default=str))
        return
    view = Table(
        "rule",
        "mode",
        "hits",
        "hit rate",
        "precision",
        "recall",
        "alerts/day",
        title=f"{len(table):,} events",
    )
    for rule in data["rules"]:
        view.add_row(
            rule["rule_id"],
            rule["mode"],
            f"{rule['hits']:,}",
            _pct(rule["hit_rate"]),
            _pct(rule["precision"]),
            _pct(rule["recall"]),
            "" if rule["alerts_per_day"] is None else f"{rule['alerts_per_day']:.1f}",
        )
    out.print(view)
    whole = data["active"]
    out.print(
        f"active rules: {whole['alerts']:,} alerts ({_pct(whole['alert_rate'])} of events, "
        f"{whole['alerts_per_day'] or 0:.1f}/day), precision {_pct(whole['precision'])}, "
        f"recall {_pct(whole['recall'])}; actions {whole['actions']}"
    )


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.2%}"
