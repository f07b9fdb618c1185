"""A :class:`~finbrain.risk.windows.FeatureSet` as DuckDB window SQL, for training sets.

The query computes exactly what :class:`~finbrain.risk.windows.OnlineWindows` computes (the
semantics are in :mod:`finbrain.risk.windows`). How the SQL keeps that promise:

* DuckDB ``RANGE`` frames include peers (rows with the same ordering value), but a window must
  hold the events at the same instant that arrived earlier and not the later ones. Each row is
  therefore ordered by one integer ``__k = epoch_us * 2^32 + seq`` (HUGEINT), unique per row,
  and the frame bounds are per-row expressions: ``t - delay - span`` becomes
  ``(delay + span) * 2^32 + seq PRECEDING`` and ``occurred_at < t - delay`` becomes
  ``delay * 2^32 + seq + 1 PRECEDING``. ``seq`` must be a distinct integer in [0, 2^32).
* Amounts are summed as BIGINT in 1/10,000 units (``floor(amount * 10000 + 0.5)``, the same
  IEEE operations as the online side) and divided in DOUBLE at the end, as online.
* Time-of-day features use integer arithmetic on ``epoch_us``, so the session time zone never
  matters.
"""

from __future__ import annotations

from datetime import timedelta

from finbrain.core.errors import ValidationError
from finbrain.risk.events import AMOUNT_SCALE
from finbrain.risk.windows import Derived, FeatureSet, Window

__all__ = ["to_sql"]

_M = 1 << 32
_INTERNAL = ("__ts", "__amt", "__k", "__lab")
_US = timedelta(microseconds=1)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _num(value: float | None) -> str:
    return "NULL" if value is None else f"CAST({value!r} AS DOUBLE)"


def _frame(w: Window, seq: str) -> str:
    span = w.span // _US
    delay = w.delay // _US
    keys = ", ".join(_ident(k) for k in w.key)
    lower = f"CAST({delay + span} AS HUGEINT) * {_M} + {seq}"
    if delay == 0:
        upper = "CURRENT ROW"
    else:
        upper = f"CAST({delay} AS HUGEINT) * {_M} + {seq} + 1 PRECEDING"
    return f"(PARTITION BY {keys} ORDER BY __k RANGE BETWEEN {lower} PRECEDING AND {upper})"


def _window_sql(w: Window, seq: str) -> str:
    over = "OVER " + _frame(w, seq)
    count = f"count(*) {over}"
    scale = f"{AMOUNT_SCALE}.0"
    fill = _num(w.fill)
    if w.label:
        frauds = f"COALESCE(sum(__lab) {over}, 0)"
        if w.agg == "avg":
            expr = f"CASE WHEN {count} = 0 THEN {fill} ELSE CAST({frauds} AS DOUBLE) / {count} END"
        else:
            expr = f"CAST({frauds} AS DOUBLE)"
    elif w.agg == "count":
        expr = f"CAST({count} AS DOUBLE)"
    elif w.agg == "distinct":
        assert w.field is not None
        expr = f"CAST(count(DISTINCT {_ident(w.field)}) {over} AS DOUBLE)"
    elif w.agg == "sum":
        expr = f"CAST(COALESCE(sum(__amt) {over}, 0) AS DOUBLE) / {scale}"
    elif w.agg == "avg":
        total = f"CAST(sum(__amt) {over} AS DOUBLE)"
        expr = f"CASE WHEN {count} = 0 THEN {fill} ELSE {total} / {count} / {scale} END"
    else:
        extreme = f"CAST({w.agg}(__amt) {over} AS DOUBLE) / {scale}"
        expr = extreme if w.fill is None else f"COALESCE({extreme}, {fill})"
    missing = " OR ".join(f"{_ident(k)} IS NULL" for k in w.key)
    return f"CASE WHEN {missing} THEN NULL ELSE {expr} END AS {_ident(w.name)}"


def _operand(name: str) -> str:
    if name == "amount":
        return f"(CAST(__amt AS DOUBLE) / {AMOUNT_SCALE}.0)"
    return _ident(name)


def _derived_sql(d: Derived, seq: str) -> str:
    """One derived column; ``__w`` has the window columns and the internal columns."""
    fill = _num(d.fill)
    if d.op in ("ratio", "diff"):
        a, b = (_operand(x) for x in d.args)
        missing = f"{a} IS NULL OR {b} IS NULL OR isnan({a}) OR isnan({b})"
        if d.op == "ratio":
            expr = f"CASE WHEN {missing} OR {b} = 0 THEN {fill} ELSE {a} / {b} END"
        else:
            expr = f"CASE WHEN {missing} THEN {fill} ELSE {a} - {b} END"
    elif d.op == "since_prev":
        keys = ", ".join(_ident(k) for k in d.args)
        missing = " OR ".join(f"{_ident(k)} IS NULL" for k in d.args)
        gap = f"CAST(__ts - lag(__ts) OVER (PARTITION BY {keys} ORDER BY __k) AS DOUBLE)"
        expr = f"CASE WHEN {missing} THEN NULL ELSE {gap} / 1000000.0 END"
    elif d.op == "hour":
        expr = "CAST((__ts // 3600000000) % 24 AS DOUBLE)"
    elif d.op == "night":
        expr = "CASE WHEN (__ts // 3600000000) % 24 <= 6 THEN 1.0 ELSE 0.0 END"
    else:  # weekend; 1970-01-01 was a Thursday
        expr = "CASE WHEN (__ts // 86400000000 + 3) % 7 >= 5 THEN 1.0 ELSE 0.0 END"
    return f"{expr} AS {_ident(d.name)}"


def to_sql(
    features: FeatureSet,
    table: str,
    *,
    seq: str = "seq",
    label: str = "is_fraud",
) -> str:
    """A DuckDB query: every column of ``table`` plus one DOUBLE column per feature, by seq.

    ``table`` is a table or view name, or a ``SELECT`` (e.g. from
    :func:`finbrain.risk.events.handbook_sql`). It needs ``occurred_at`` (TIMESTAMP in UTC or
    TIMESTAMPTZ), ``seq`` (arrival order, distinct integers in [0, 2^32)), ``amount`` when an
    amount is used, the key and distinct fields, and ``label`` (0/1, NULL = unknown) for label
    windows. A missing value (NaN/NULL) comes out as NULL.
    """
    if not isinstance(table, str) or not table.strip():
        raise ValidationError(field="table", rule="non_empty")
    is_query = table.lstrip().lower().startswith(("select", "with", "from"))
    source = f"({table})" if is_query else table
    seq_col = _ident(seq)
    uses_amount = any(w.field == "amount" for w in features.windows) or any(
        "amount" in d.args for d in features.derived if d.op in ("ratio", "diff")
    )
    uses_label = any(w.label for w in features.windows)
    base = [
        "__src.*",
        "epoch_us(occurred_at) AS __ts",
        f"CAST(epoch_us(occurred_at) AS HUGEINT) * {_M} + {seq_col} AS __k",
        f"CAST(floor(amount * {AMOUNT_SCALE} + 0.5) AS BIGINT) AS __amt"
        if uses_amount
        else "CAST(0 AS BIGINT) AS __amt",
        f"COALESCE(CAST({_ident(label)} AS BIGINT), 0) AS __lab"
        if uses_label
        else "CAST(0 AS BIGINT) AS __lab",
    ]
    windows = [_window_sql(w, seq_col) for w in features.windows]
    # Each derived feature may read earlier ones: DuckDB resolves aliases left to right.
    derived = [_derived_sql(d, seq_col) for d in features.derived]
    window_list = ",\n    ".join(["*", *windows])
    final = ",\n  ".join([f"* EXCLUDE ({', '.join(_INTERNAL)})", *derived])
    # Identifiers are quoted; the table is the caller's own SQL.
    return (
        f"WITH __b AS (\n  SELECT {', '.join(base)}\n  FROM {source} AS __src\n),\n"  # noqa: S608
        f"__w AS (\n  SELECT {window_list}\n  FROM __b\n)\n"
        f"SELECT {final}\nFROM __w\nORDER BY {seq_col}"
    )
