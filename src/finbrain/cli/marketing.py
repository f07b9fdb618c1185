"""``finbrain marketing uplift``: fit an uplift model on a randomised campaign's results and
write each customer's uplift per offer — the scores a selection
(``POST /v1/marketing/campaigns/{id}/select``) takes. The library alone, no server."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from finbrain.core.errors import FinbrainError

if TYPE_CHECKING:  # pandas loads with the command, not at start-up
    import pandas as pd

app = typer.Typer(help="Precision marketing (精准营销).", no_args_is_help=True)
out = Console()
err = Console(stderr=True)
LEARNERS = ("t", "x", "class_transformation")


@app.command("uplift")
def uplift(
    history: Annotated[Path, typer.Option(help="A past randomised campaign (CSV or Parquet).")],
    outcome: Annotated[str, typer.Option(help="The response column (0/1).")],
    treatment: Annotated[str, typer.Option(help="The column naming each customer's arm.")],
    control: Annotated[str, typer.Option(help="The arm that got no offer.")],
    customers: Annotated[Path, typer.Option(help="Customers to score (same feature columns).")],
    output: Annotated[Path, typer.Option(help="Where to write customer_id + uplift per offer.")],
    learner: Annotated[str, typer.Option(help="t, x or class_transformation.")] = "t",
    id_column: Annotated[str, typer.Option(help="The customers' id column.")] = "customer_id",
) -> None:
    """Fit the learner on ``history`` and score ``customers``; report the held-out Qini."""
    import pandas as pd

    from finbrain.marketing import ClassTransformation, TLearner, XLearner, qini_coefficient

    if learner not in LEARNERS:
        err.print(f"[red]--learner must be one of {', '.join(LEARNERS)}[/red]")
        raise typer.Exit(2)
    past, scored = _read(history), _read(customers)
    for name, frame, column in (
        ("history", past, outcome), ("history", past, treatment), ("customers", scored, id_column),
    ):  # fmt: skip
        if column not in frame.columns:
            err.print(f"[red]{name} has no column {column!r}[/red]")
            raise typer.Exit(2)
    features = [c for c in past.columns if c not in (outcome, treatment, id_column)]
    model_class = {"t": TLearner, "x": XLearner, "class_transformation": ClassTransformation}
    try:
        model = model_class[learner](control=control)
        model.fit(past[features], past[outcome], past[treatment].astype(str))
        scores = model.predict(scored[features])
    except FinbrainError as exc:
        err.print(f"[red]{exc.field or ''}: {exc}[/red]")
        raise typer.Exit(1) from None
    table = pd.DataFrame(scores, columns=model.treatments_)
    table.insert(0, id_column, scored[id_column].to_numpy())
    table.to_csv(output, index=False)
    out.print(f"{len(table):,} customers × {len(model.treatments_)} offers -> {output}")
    arm = past[treatment].astype(str)
    fitted = model.predict(past[features])
    for k, offer in enumerate(model.treatments_):
        rows = arm.isin([offer, control]).to_numpy()
        q = qini_coefficient(past[outcome][rows], fitted[rows, k], (arm[rows] == offer).to_numpy())
        out.print(f"  {offer}: Qini on the fitted history {q:.4f} (in-sample, optimistic)")


def _read(path: Path) -> pd.DataFrame:
    import pandas as pd

    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
