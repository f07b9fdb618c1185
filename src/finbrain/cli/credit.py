"""``finbrain credit …``: train, score, export and monitor scorecards from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from finbrain.core.errors import FinbrainError
from finbrain.core.settings import get_settings

if TYPE_CHECKING:  # pandas is imported by the commands that read data, not at start-up
    import pandas as pd

app = typer.Typer(help="Credit scoring (客户信用评价).", no_args_is_help=True)
out = Console()
err = Console(stderr=True)
BUILTIN = {
    "german": "creditability",
    "taiwan": "default.payment.next.month",
    "hmeq": "BAD",
    "lendingclub": "not.fully.paid",
}


def _read(source: str) -> pd.DataFrame:
    """A built-in real dataset by name, or a CSV / Parquet file."""
    import pandas as pd

    from finbrain import datasets

    if source in BUILTIN:
        frame = datasets.load(source)
        assert isinstance(frame, pd.DataFrame)
        return frame.drop(columns=["ID"], errors="ignore")
    path = Path(source)
    if not path.is_file():
        raise typer.BadParameter(
            f"{source} is neither a dataset name ({', '.join(BUILTIN)}) nor a file"
        )
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)


ProtectedOption = Annotated[
    list[str] | None,
    typer.Option(
        "--protected",
        help="A column the model may never use as a feature (repeat for more); it is reported in "
        "the fairness check. Default: sex and marital status (a built-in dataset's own columns); "
        "a list given here replaces the default, so name those too.",
    ),
]
MonitorOption = Annotated[
    list[str] | None,
    typer.Option(
        "--monitor",
        help="A feature to keep but check for fairness (repeat for more). Default: age (and a "
        "built-in dataset's other watched columns).",
    ),
]


def _fairness_lists(
    data: str, protected: list[str] | None, monitor: list[str] | None
) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    """The exclusion and monitoring lists: as given, else the built-in dataset's defaults."""
    from finbrain.credit.protected import MONITORED_BY_DATASET, PROTECTED_BY_DATASET

    excluded = tuple(protected) if protected else PROTECTED_BY_DATASET.get(data)
    watched = tuple(monitor) if monitor else MONITORED_BY_DATASET.get(data)
    return excluded, watched


def _fail(exc: FinbrainError) -> None:
    err.print(f"[red]error[/red] {exc.code}: {exc}", highlight=False)
    raise typer.Exit(code=2)


@app.command("train")
def train(
    data: Annotated[str, typer.Argument(help="german | taiwan | hmeq | lendingclub | FILE")],
    tenant: Annotated[str, typer.Option(help="Tenant to register the model for.")],
    target: Annotated[str | None, typer.Option(help="Target column (1 = bad).")] = None,
    name: Annotated[str, typer.Option(help="Model name.")] = "scorecard",
    promote: Annotated[bool, typer.Option(help="Make it the champion.")] = False,
    kind: Annotated[
        str, typer.Option(help="scorecard or gbm (LightGBM challenger).")
    ] = "scorecard",
    protected: ProtectedOption = None,
    monitor: MonitorOption = None,
) -> None:
    """Fit a scorecard or GBM (70/30 stratified), register it, optionally promote it.

    Sex and marital status are never features unless --protected names another list."""
    from finbrain.platform import registry
    from finbrain.platform.credit import service as credit
    from finbrain.platform.store.database import Database

    frame = _read(data)
    column = target or BUILTIN.get(data)
    if column is None or column not in frame.columns:
        raise typer.BadParameter(f"target column {column!r} not in the data", param_hint="--target")
    excluded, watched = _fairness_lists(data, protected, monitor)
    db = Database(get_settings())
    try:
        with out.status("training…"):
            features, labels = frame.drop(columns=[column]), frame[column]
            if kind == "gbm":
                gbm, metrics = credit.train_gbm(
                    features, labels, protected=excluded, monitored=watched
                )
            else:
                card, metrics, html = credit.train(
                    features, labels, protected=excluded, monitored=watched
                )
        with db.tenant(tenant) as session:
            if kind == "gbm":
                row = credit.register_gbm(session, tenant, gbm, metrics, name)
            else:
                row = credit.register_scorecard(session, tenant, card, metrics, name, html)
            if promote:
                registry.promote(session, row.id)
            model_id, version = row.id, row.version
    except FinbrainError as exc:
        _fail(exc)
        return
    finally:
        db.dispose()
    out.print(
        f"model {name} v{version} ({model_id}): AUC {metrics['auc']:.4f}  KS "
        f"{metrics['ks']:.4f}  features {len(metrics['features'])}"
        + ("  [green]champion[/green]" if promote else "")
    )
    if metrics["protected"]:
        out.print(f"protected, not features: {', '.join(metrics['protected'])}", highlight=False)


@app.command("report")
def report(
    data: Annotated[str, typer.Argument(help="german | taiwan | hmeq | lendingclub | FILE")],
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the HTML report.")],
    target: Annotated[str | None, typer.Option(help="Target column (1 = bad).")] = None,
    protected: ProtectedOption = None,
    monitor: MonitorOption = None,
    title: Annotated[str, typer.Option(help="Report title.")] = "Scorecard",
    language: Annotated[str, typer.Option(help="zh or en.")] = "en",
) -> None:
    """Fit a scorecard (70/30 stratified) and write its self-contained HTML report, with a
    fairness check across every protected and monitored attribute."""
    from sklearn.model_selection import train_test_split

    from finbrain.credit.protected import monitored_columns
    from finbrain.credit.report import build_report
    from finbrain.credit.scorecard import Scorecard

    frame = _read(data)
    column = target or BUILTIN.get(data)
    if column is None or column not in frame.columns:
        raise typer.BadParameter(f"target column {column!r} not in the data", param_hint="--target")
    features, labels = frame.drop(columns=[column]), frame[column].to_numpy()
    excluded, watched = _fairness_lists(data, protected, monitor)
    try:
        x_train, x_test, y_train, y_test = train_test_split(
            features, labels, test_size=0.3, stratify=labels, random_state=42
        )
        with out.status("fitting and writing the report…"):
            card = Scorecard(protected=excluded).fit(x_train, y_train)
            monitored = monitored_columns(features.columns, watched)
            html = build_report(
                card,
                x_train,
                y_train,
                x_test,
                y_test,
                title=title,
                protected=[*card.protected_, *(c for c in monitored if c not in card.protected_)],
                language=language,
            )
    except FinbrainError as exc:
        _fail(exc)
        return
    out_file.write_text(html, encoding="utf-8")
    out.print(f"report written to {out_file}")


@app.command("score")
def score(
    data: Annotated[str, typer.Argument(help="Applicants: dataset name or CSV/Parquet file.")],
    tenant: Annotated[str, typer.Option(help="Tenant whose champion scores them.")],
    out_file: Annotated[Path, typer.Option("--out", help="Write scores (CSV/Parquet).")],
    with_reasons: Annotated[
        bool,
        typer.Option(
            "--reasons/--no-reasons", help="Add the top reasons (about 80 us a row; scores: 1 us)."
        ),
    ] = True,
) -> None:
    """Batch-score a file with the champion scorecard (no decisions recorded): score, PD, grade
    and each applicant's top reasons (reason_1_code, reason_1_zh, reason_1_en … reason_4_*),
    the same ones, in the same order, as a decision of the API would give."""
    from finbrain.credit.policy import grade_of
    from finbrain.credit.scorecard import MAX_REASONS
    from finbrain.platform import registry
    from finbrain.platform.credit import service as credit
    from finbrain.platform.store.database import Database

    frame = _read(data)
    db = Database(get_settings())
    try:
        with db.tenant(tenant, write=False) as session:
            model = registry.champion(session, "credit")
            card = credit.scorecard_of(model)
        scored = frame.assign(score=card.points(frame), pd=card.predict_proba(frame)[:, 1])
        scored["grade"] = [grade_of(p) for p in scored["pd"]]
        used = list(card.compiled_)
        records = frame[used].to_dict(orient="records") if with_reasons else []
        reasons = [card.score_record({str(k): v for k, v in r.items()}).reasons for r in records]
        for n in range(MAX_REASONS if with_reasons else 0):
            nth = [row[n] if n < len(row) else None for row in reasons]
            scored[f"reason_{n + 1}_code"] = [r.code if r else None for r in nth]
            scored[f"reason_{n + 1}_zh"] = [r.text.zh if r else None for r in nth]
            scored[f"reason_{n + 1}_en"] = [r.text.en if r else None for r in nth]
    except FinbrainError as exc:
        _fail(exc)
        return
    finally:
        db.dispose()
    if out_file.suffix == ".parquet":
        scored.to_parquet(out_file)
    else:
        scored.to_csv(out_file, index=False)
    out.print(f"scored {len(scored):,} rows with {model.name} v{model.version} → {out_file}")


@app.command("export-sql")
def export_sql(
    tenant: Annotated[str, typer.Option(help="Tenant whose champion to export.")],
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the JSON.")] = None,
) -> None:
    """Print the champion scorecard as one ANSI SQL expression (same scores as Python)."""
    from finbrain.credit.export import to_json, to_sql
    from finbrain.platform import registry
    from finbrain.platform.credit import service as credit
    from finbrain.platform.store.database import Database

    db = Database(get_settings())
    try:
        with db.tenant(tenant, write=False) as session:
            model = registry.champion(session, "credit")
            card = credit.scorecard_of(model)
    except FinbrainError as exc:
        _fail(exc)
        return
    finally:
        db.dispose()
    if json_out:
        json_out.write_text(to_json(card))
    print(to_sql(card))


@app.command("monitor")
def monitor(
    reference: Annotated[str, typer.Argument(help="Reference sample (dataset or file).")],
    current: Annotated[str, typer.Argument(help="Current sample (dataset or file).")],
    tenant: Annotated[str, typer.Option(help="Tenant whose champion to monitor.")],
    period: Annotated[
        str | None, typer.Option(help="Column to group the current sample by.")
    ] = None,
) -> None:
    """PSI of the score and CSI of every feature; flags drift (0.10) and shift (0.25)."""
    from finbrain.credit.monitoring import stability_report
    from finbrain.platform import registry
    from finbrain.platform.credit import service as credit
    from finbrain.platform.store.database import Database

    db = Database(get_settings())
    try:
        with db.tenant(tenant, write=False) as session:
            model = registry.champion(session, "credit")
            card = credit.scorecard_of(model)
        report = stability_report(card, _read(reference), _read(current), period)
    except FinbrainError as exc:
        _fail(exc)
        return
    finally:
        db.dispose()
    table = Table("period", "name", "PSI/CSI", "flag")
    colours = {"stable": "green", "drift": "yellow", "shift": "red"}
    for record in report.to_dict(orient="records"):
        status = str(record["flag"])
        table.add_row(
            str(record["period"] or "-"),
            str(record["name"]),
            f"{float(record['value']):.4f}",
            f"[{colours[status]}]{status}[/]",
        )
    out.print(table)
    shifted: Any = report[report["flag"] == "shift"]
    if len(shifted):
        raise typer.Exit(code=1)
