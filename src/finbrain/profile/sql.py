"""A feature catalogue as one SQL query: one pass over each source, one row per customer.

How the query keeps its promises:

* Money is summed as BIGINT cents (``floor(amount * 100 + 0.5)``), so a sum does not depend on
  the order rows are added in (parallel engines add in any order) and any engine that does the
  same integer arithmetic gets the same value, bit for bit; the division by 100 comes last.
* Times are integers (microseconds since the epoch, UTC): the window ``t >= as_of - w days``,
  the local hour, weekday and day (``(t + offset) // 3600e6 % 24``, ...) never depend on the
  session's time zone. The bank's local time is a fixed UTC offset (China Standard Time, +8,
  has no daylight saving).
* The balance trend is the least-squares slope from exact integer sums (n, Σx, Σy, Σxy, Σx²,
  x = whole days before the as-of time, y = cents) whose numerator and denominator are formed
  in 128-bit integers and divided once in double precision.
* Categories, channels and products are compared as small integer codes (1-based position in
  the catalogue's list, 0 = ``other``), worked out once per row: string comparisons in every
  filter cost three times as much (measured on 1.75 M rows).

The engine-specific bits are the four methods of :class:`Dialect`. A Spark backend is a
subclass: ``epoch_us(x)`` -> ``unix_micros(x)``, ``floor_div(a, b)`` -> ``a div b``,
``position(list, x)`` -> ``array_position(array(...), x)`` (also 1-based, 0 when absent),
``arg_max`` -> ``max_by``; Spark SQL has ``count(*) FILTER (WHERE ...)`` (3.0+) and
``DECIMAL(38, 0)`` for the 128-bit sums. It would run the same text with ``spark.sql`` over
temporary views named as here; nothing else changes.
"""

# ruff: noqa: S608  (this module writes SQL: identifiers go through quote(), text through
# literal(), and everything else is a number or a fixed keyword)
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Final

from finbrain.profile.features import LEVELS, Condition, FeatureCatalog, FeatureDef

__all__ = ["DAY_US", "HOUR_US", "Dialect", "compile_query", "quote"]

DAY_US: Final = 86_400_000_000
HOUR_US: Final = 3_600_000_000
_COLUMN = {"amount": "__c", "balance": "__c"}  # money is in cents


def quote(name: str) -> str:
    """A SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


class Dialect:
    """DuckDB's spelling of the few things SQL engines spell differently."""

    def epoch_us(self, expr: str) -> str:
        return f"epoch_us(CAST({expr} AS TIMESTAMPTZ))"

    def floor_div(self, a: str, b: str) -> str:
        return f"(({a}) // {b})"  # integers; callers keep both operands non-negative

    def position(self, levels: Sequence[str], expr: str) -> str:
        items = ", ".join(literal(v) for v in levels)
        return f"coalesce(list_position([{items}], CAST({expr} AS VARCHAR)), 0)"

    def arg_max(self, value: str, key: str) -> str:
        return f"arg_max({value}, {key})"

    def count_days(self, day: str, low: int | None, high: int, flt: str) -> str:
        """Distinct days in [low, high]: a bitmap when the range is known (a third of the
        time of ``count(DISTINCT ...)``, measured), else the plain distinct count."""
        if low is None:
            return f"count(DISTINCT {day}){flt}"
        return f"coalesce(bit_count(bitstring_agg({day}, {low}, {high}){flt}), 0)"


def _staged(
    source: str,
    catalog: FeatureCatalog,
    columns: frozenset[str],
    as_of_us: int,
    offset_us: int,
    d: Dialect,
) -> str:
    """The source's rows before the as-of time, in the columns the definitions use."""
    table = quote(f"__{source}")

    def level(column: str, name: str) -> str:
        return d.position(catalog.levels(column), quote(name)) if name in columns else "0"

    if source == "transactions":
        inner = (
            f"SELECT customer_id AS __cid, {d.epoch_us('ts')} AS __t, "
            "CAST(floor(CAST(amount AS DOUBLE) * 100 + 0.5) AS BIGINT) AS __c, "
            f"{level('category', 'category')} AS __category, "
            f"{level('channel', 'channel')} AS __channel FROM {table}"
        )
        local = f"__t + {offset_us}"
        outer = (
            f"{d.floor_div(local, str(HOUR_US))} % 24 AS __hour, "
            f"({d.floor_div(local, str(DAY_US))} + 3) % 7 AS __weekday, "
            f"{d.floor_div(local, str(DAY_US))} AS __day"
        )
    elif source == "balances":
        inner = (
            f"SELECT customer_id AS __cid, {d.epoch_us('ts')} AS __t, "
            "CAST(floor(CAST(balance AS DOUBLE) * 100 + 0.5) AS BIGINT) AS __c FROM "
            f"{table}"
        )
        outer = (
            f"{d.floor_div(f'__t + {offset_us}', str(DAY_US))} AS __day, "
            f"{d.floor_div(f'{as_of_us} - __t', str(DAY_US))} AS __age"
        )
    else:
        closed = d.epoch_us("closed_at") if "closed_at" in columns else "NULL"
        inner = (
            f"SELECT customer_id AS __cid, {d.epoch_us('opened_at')} AS __t, "
            f"{level('product', 'product')} AS __product, {closed} AS __closed FROM {table}"
        )
        outer = (
            f"(__closed IS NULL OR __closed >= {as_of_us}) AS __open, "
            f"CASE WHEN __closed < {as_of_us} THEN "
            f"{d.floor_div(f'{as_of_us} - __closed', str(DAY_US))} END AS __closed_days_ago"
        )
    return f"SELECT *, {outer} FROM ({inner}) WHERE __t < {as_of_us}"


def _cents(bound: float) -> str:
    return str(Decimal(repr(bound)) * 100)


def _number(bound: float) -> str:
    return str(int(bound)) if bound.is_integer() else repr(bound)


def _condition(c: Condition, catalog: FeatureCatalog) -> str:
    column = _COLUMN.get(c.column, f"__{c.column}")
    if c.values is not None:
        if c.column in LEVELS:
            levels = catalog.levels(c.column)
            codes = sorted({levels.index(str(v)) + 1 if v in levels else 0 for v in c.values})
            return f"{column} IN ({', '.join(map(str, codes))})"
        if isinstance(c.values[0], bool):
            return column if c.values[0] else f"NOT {column}"
        return f"{column} IN ({', '.join(str(int(v)) for v in c.values)})"
    money = c.column in _COLUMN
    parts = []
    for op, bound in ((">=", c.gte), ("<", c.lt)):
        if bound is not None:
            parts.append(f"{column} {op} {_cents(bound) if money else _number(bound)}")
    return " AND ".join(parts)


def _filter(f: FeatureDef, catalog: FeatureCatalog, as_of_us: int) -> str:
    parts = [_condition(c, catalog) for c in f.where]
    if f.window_days is not None:
        parts.insert(0, f"__t >= {as_of_us - f.window_days * DAY_US}")
    return f" FILTER (WHERE {' AND '.join(parts)})" if parts else ""


def aggregate(
    f: FeatureDef, catalog: FeatureCatalog, as_of_us: int, offset_us: int, d: Dialect
) -> str:
    """The SQL of one base feature, a DOUBLE (NULL where the definition says empty)."""
    flt = _filter(f, catalog, as_of_us)
    col = _COLUMN.get(f.column or "", f"__{f.column}")
    if f.agg == "count":
        return f"CAST(count(*){flt} AS DOUBLE)"
    if f.agg == "sum":
        return f"CAST(sum(__c){flt} AS DOUBLE) / 100.0"
    if f.agg == "mean":
        n = f"count(__c){flt}"
        return f"CASE WHEN {n} = 0 THEN NULL ELSE CAST(sum(__c){flt} AS DOUBLE) / {n} / 100.0 END"
    if f.agg in {"max", "min"}:
        return f"CAST({f.agg}(__c){flt} AS DOUBLE) / 100.0"
    if f.agg == "last":  # the latest; of two at the same instant, the larger (deterministic)
        key = "CAST(__t AS HUGEINT) * 18446744073709551616 + __c"
        return f"CAST({d.arg_max('__c', key)}{flt} AS DOUBLE) / 100.0"
    if f.agg == "count_distinct" and col == "__day":
        high = (as_of_us - 1 + offset_us) // DAY_US
        low = None
        if f.window_days is not None:
            low = (as_of_us - f.window_days * DAY_US + offset_us) // DAY_US
        return f"CAST({d.count_days(col, low, high, flt)} AS DOUBLE)"
    if f.agg == "count_distinct":
        return f"CAST(count(DISTINCT {col}){flt} AS DOUBLE)"
    if f.agg in {"days_since_last", "days_since_first"}:
        edge = "max" if f.agg == "days_since_last" else "min"
        return f"CAST({as_of_us} - {edge}(__t){flt} AS DOUBLE) / {DAY_US}.0"
    # slope: y (cents) against x = whole days before the as-of time, from exact sums
    n = f"CAST(count(__c){flt} AS HUGEINT)"
    sx, sy = f"CAST(sum(__age){flt} AS HUGEINT)", f"CAST(sum(__c){flt} AS HUGEINT)"
    sxy = f"sum(CAST(__age AS HUGEINT) * __c){flt}"
    sxx = f"sum(CAST(__age AS HUGEINT) * __age){flt}"
    num, den = f"({n} * {sxy} - {sx} * {sy})", f"({n} * {sxx} - {sx} * {sx})"
    # a rising balance falls with the days before the as-of time: hence the minus
    return (
        f"CASE WHEN coalesce({den}, 0) = 0 THEN NULL "
        f"ELSE -(CAST({num} AS DOUBLE) / CAST({den} AS DOUBLE)) / 100.0 END"
    )


def _ratio(f: FeatureDef) -> str:
    top = " + ".join(quote(n) for n in f.numerator)
    den = quote(str(f.denominator))
    return f"CASE WHEN {den} IS NULL OR {den} = 0 THEN NULL ELSE ({top}) / {den} END"


def _audit(source: str, columns: frozenset[str]) -> dict[str, str]:
    """What the build reports, counted in the same pass: rows used, values taken as ``other``,
    negative balances (columns named ``__...``, dropped from the features)."""
    out = {f"__rows_{source}": "count(*)"}
    for column in sorted(columns & set(LEVELS)):
        out[f"__unknown_{column}"] = f"count(*) FILTER (WHERE __{column} = 0)"
    if source == "balances":
        out["__negative_balances"] = "count(*) FILTER (WHERE __c < 0)"
    return out


def compile_query(
    catalog: FeatureCatalog,
    columns: dict[str, frozenset[str]],
    *,
    as_of_us: int,
    offset_us: int = 0,
    customers: bool = False,
    dialect: Dialect | None = None,
) -> str:
    """One query over the views ``__transactions``, ``__balances``, ``__accounts`` (those in
    ``columns``: source -> the optional columns it has) and ``__customers`` (when
    ``customers``): ``customer_id``, the catalogue's features in order, then the audit counts
    (``__rows_<source>``, ``__unknown_<column>``, ``__negative_balances``), sorted by customer.
    Features of a source not in ``columns`` must not be in ``catalog``."""
    d = dialect or Dialect()
    ctes, joins, audits = [], [], []
    for source in ("transactions", "balances", "accounts"):
        feats = [f for f in catalog.features if f.source == source]
        if source not in columns:
            continue
        staged = _staged(source, catalog, columns[source], as_of_us, offset_us, d)
        ctes.append(f"__s_{source} AS ({staged})")
        body = [
            f"{aggregate(f, catalog, as_of_us, offset_us, d)} AS {quote(f.name)}" for f in feats
        ]
        audit = _audit(source, columns[source])
        body += [f"{sql} AS {quote(name)}" for name, sql in audit.items()]
        audits += list(audit)
        ctes.append(
            f"__a_{source} AS (SELECT __cid, {', '.join(body)} FROM __s_{source} GROUP BY __cid)"
        )
        joins.append(f"LEFT JOIN __a_{source} USING (__cid)")
    if customers:
        ids = "SELECT DISTINCT customer_id AS __cid FROM __customers"
    else:
        # the aggregates hold one row per customer already: UNION of them, never the raw rows
        ids = " UNION ".join(f"SELECT __cid FROM __a_{s}" for s in columns)
    ctes.append(f"__ids AS ({ids})")
    base = []
    for f in catalog.features:
        if f.source != "derived":
            value = quote(f.name) if f.fill is None else f"coalesce({quote(f.name)}, {f.fill!r})"
            base.append(f"{value} AS {quote(f.name)}")
    base += [f"coalesce({quote(a)}, 0) AS {quote(a)}" for a in audits]
    inner = f"SELECT __cid, {', '.join(base)} FROM __ids {' '.join(joins)}"
    outer = [
        f"{_ratio(f)} AS {quote(f.name)}" if f.source == "derived" else quote(f.name)
        for f in catalog.features
    ] + [quote(a) for a in audits]
    return (
        f"WITH {', '.join(ctes)} SELECT __cid AS customer_id, {', '.join(outer)} "
        f"FROM ({inner}) ORDER BY customer_id"
    )
