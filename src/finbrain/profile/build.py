"""Build the customer-360 feature table in DuckDB, over Parquet files or in-memory frames.

The sources, each a pandas DataFrame, a pyarrow Table or a Parquet path (a glob is fine):

=============  ===================================================================================
transactions   ``customer_id``, ``ts`` (timezone-aware timestamp), ``amount`` (>= 0, the money
               spent); optional ``category`` and ``channel`` (text)
balances       ``customer_id``, ``ts`` (timezone-aware), ``balance`` (may be negative: overdrawn);
               one snapshot per customer and instant
accounts       ``customer_id``, ``opened_at`` (timezone-aware); optional ``product`` (text) and
               ``closed_at`` (timezone-aware, empty while open)
=============  ===================================================================================

Only rows before ``as_of`` count (nothing from the future leaks into a profile). The customers
are ``customers`` when given (rows of others are ignored), else everyone in any source; a
customer with no transactions gets the fills of :mod:`finbrain.profile.features` (0 or NaN).
Unknown or missing categories, channels and products are counted as ``other`` and reported.
A source left out (``None``) leaves its features out; an empty one fills them for everyone.
Bad input is refused before anything is computed, naming the field and the rule.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

import duckdb
import pandas as pd
import pyarrow as pa

from finbrain.profile.errors import ProfileInputError
from finbrain.profile.features import FeatureCatalog, default_catalog
from finbrain.profile.sql import HOUR_US, Dialect, compile_query, literal, quote

__all__ = ["BuildReport", "FeatureBuild", "build_features"]

Source: TypeAlias = pd.DataFrame | pa.Table | str | os.PathLike[str]
REQUIRED = {
    "transactions": ("customer_id", "ts", "amount"),
    "balances": ("customer_id", "ts", "balance"),
    "accounts": ("customer_id", "opened_at"),
}
OPTIONAL = {
    "transactions": ("category", "channel"),
    "balances": (),
    "accounts": ("product", "closed_at"),
}
TIMES = {"ts", "opened_at", "closed_at"}
MONEY = {"amount", "balance"}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_MONEY = 1e13  # beyond this, cents no longer fit a double exactly
_INTEGER = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT")
_NUMERIC = (*_INTEGER, "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "DECIMAL")


@dataclass(frozen=True)
class BuildReport:
    """What the build saw: rows used per source, rows at or after ``as_of`` (left out),
    customers without transactions, values counted as ``other`` (column -> value -> rows;
    a missing value is ``"<missing>"``), negative balance snapshots, features left out
    because their source was not given, optional columns absent (all their rows ``other``).
    Counts are over the customers profiled."""

    as_of: datetime
    customers: int
    rows: dict[str, int]
    rows_after_as_of: dict[str, int]
    customers_without_transactions: int
    unknown: dict[str, dict[str, int]] = field(default_factory=dict)
    negative_balance_rows: int = 0
    features_left_out: tuple[str, ...] = ()
    missing_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeatureBuild:
    """The feature table (one row per customer, index ``customer_id``), its report and the
    catalogue it was built from."""

    frame: pd.DataFrame
    report: BuildReport
    catalog: FeatureCatalog


def _as_of_us(as_of: Any) -> tuple[datetime, int]:
    if not isinstance(as_of, datetime) or as_of.tzinfo is None:
        raise ProfileInputError(
            "as_of must be a timezone-aware datetime", field="as_of", rule="timezone_aware"
        )
    utc = as_of.astimezone(UTC)
    return utc, (utc - EPOCH) // timedelta(microseconds=1)


def _offset_us(hours: float) -> int:
    if not isinstance(hours, int | float) or not -14 <= hours <= 14 or (hours * 4) % 1:
        raise ProfileInputError(
            "utc_offset_hours: -14 to 14 in quarter hours",
            field="utc_offset_hours",
            rule="quarter_hours_within_14",
        )
    return int(hours * HOUR_US)


def _is_empty(data: Source) -> bool:
    """An in-memory source without rows (its dtypes may be anything: it adds no rows)."""
    if isinstance(data, pa.Table):
        return bool(data.num_rows == 0)
    return isinstance(data, pd.DataFrame) and len(data) == 0


def _register(con: duckdb.DuckDBPyConnection, name: str, data: Any) -> dict[str, str]:
    view = quote(f"__{name}")
    if isinstance(data, pd.DataFrame | pa.Table):
        con.register(f"__{name}", data)
    elif isinstance(data, str | os.PathLike):
        path = os.fspath(data)
        con.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet({literal(path)})")  # noqa: S608 (quoted)
    else:
        raise ProfileInputError(
            f"{name}: a pandas DataFrame, a pyarrow Table or a Parquet path",
            field=name,
            rule="frame_table_or_parquet",
        )
    return {str(r[0]): str(r[1]) for r in con.execute(f"DESCRIBE {view}").fetchall()}


def _id_family(sql_type: str) -> str:
    if sql_type.startswith(_INTEGER):
        return "integer"
    if sql_type == "VARCHAR":
        return "text"
    return sql_type


def _check_types(name: str, types: Mapping[str, str]) -> dict[str, str]:
    for column in REQUIRED[name]:
        if column not in types:
            raise ProfileInputError(
                f"{name} lacks the column {column!r}", field=f"{name}.{column}", rule="required"
            )
    for column, sql_type in types.items():
        used = column in REQUIRED[name] or column in OPTIONAL[name]
        aware = "WITH TIME ZONE" in sql_type or sql_type.startswith("TIMESTAMPTZ")
        if column in TIMES and used and not aware:
            raise ProfileInputError(
                f"{name}.{column} is {sql_type}: timestamps must be timezone-aware (UTC)",
                field=f"{name}.{column}",
                rule="timezone_aware",
            )
        if column in MONEY and not sql_type.startswith(_NUMERIC):
            raise ProfileInputError(
                f"{name}.{column} is {sql_type}, not a number",
                field=f"{name}.{column}",
                rule="numeric",
            )
    family = _id_family(types["customer_id"])
    if family not in {"integer", "text"}:
        raise ProfileInputError(
            f"{name}.customer_id is {types['customer_id']}: integers or text",
            field=f"{name}.customer_id",
            rule="integer_or_text",
        )
    return {"customer_id": family}


def _checks(name: str, columns: frozenset[str], offset_us: int) -> dict[str, str]:
    """``field:rule`` -> SQL true on the rows that break it."""
    time = "opened_at" if name == "accounts" else "ts"
    out = {"customer_id:required": "customer_id IS NULL", f"{time}:required": f"{time} IS NULL"}
    if name == "transactions":
        out["ts:after_1970_local"] = f"{Dialect().epoch_us('ts')} + {offset_us} < 0"
    money = {"transactions": "amount", "balances": "balance"}.get(name)
    if money:
        value = f"CAST({money} AS DOUBLE)"
        out[f"{money}:required"] = f"{money} IS NULL OR isnan({value})"
        out[f"{money}:below_1e13"] = f"abs({value}) >= {MAX_MONEY!r}"
    if name == "transactions":
        out["amount:non_negative"] = "CAST(amount AS DOUBLE) < 0"
    if "closed_at" in columns:
        out["closed_at:not_before_opened_at"] = "closed_at < opened_at"
    return out


def _validate(
    con: duckdb.DuckDBPyConnection,
    name: str,
    columns: frozenset[str],
    as_of_us: int,
    offset_us: int,
) -> int:
    """Refuse a source with a bad row, naming the field and the rule; else the number of rows
    at or after the as-of time. One cheap pass (every rule in one condition); the rules are
    counted one by one only when something is wrong."""
    checks = _checks(name, columns, offset_us)
    view = quote(f"__{name}")
    time = Dialect().epoch_us("opened_at" if name == "accounts" else "ts")
    any_bad = " OR ".join(f"({sql})" for sql in checks.values())
    row = con.execute(
        f"SELECT count(*) FILTER (WHERE {any_bad}), "  # noqa: S608 (fixed fragments, quoted names)
        f"count(*) FILTER (WHERE {time} >= {as_of_us}) FROM {view}"
    ).fetchone()
    bad, after = (int(v) for v in row) if row else (0, 0)
    if bad:
        body = ", ".join(f"count(*) FILTER (WHERE {sql})" for sql in checks.values())
        counts = con.execute(f"SELECT {body} FROM {view}").fetchone() or ()  # noqa: S608
        for key, n in zip(checks, counts, strict=True):
            if n:
                column, rule = key.split(":")
                raise ProfileInputError(
                    f"{name}.{column}: {n} row(s) break the rule {rule}",
                    field=f"{name}.{column}",
                    rule=rule,
                )
    return after


def _unknown(
    con: duckdb.DuckDBPyConnection,
    name: str,
    column: str,
    catalog: FeatureCatalog,
    as_of_us: int,
    customers: bool,
) -> dict[str, int]:
    """Value -> rows of a column's values taken as ``other`` (run only when there are some).
    Grouping by the raw value and sorting the known ones out here is cheaper than matching
    every row against the catalogue's names again."""
    time = Dialect().epoch_us("opened_at" if name == "accounts" else "ts")
    only = " AND customer_id IN (SELECT customer_id FROM __customers)" if customers else ""
    rows = con.execute(
        f"SELECT CAST({quote(column)} AS VARCHAR), count(*) FROM {quote('__' + name)} "  # noqa: S608
        f"WHERE {time} < {as_of_us}{only} GROUP BY 1"
    ).fetchall()
    known = set(catalog.levels(column))
    return {
        ("<missing>" if v is None else str(v)): int(n)
        for v, n in sorted(rows, key=str)
        if v not in known
    }


def _tally(lists: pd.Series) -> dict[str, int]:
    """Value -> rows from the keyed pass's lists of (value, rows) per customer, in the order
    :func:`_unknown` gives."""
    rows: dict[Any, int] = {}
    for pairs in lists.dropna():
        for pair in pairs:
            rows[pair["value"]] = rows.get(pair["value"], 0) + int(pair["rows"])
    return {("<missing>" if v is None else str(v)): n for v, n in sorted(rows.items(), key=str)}


def _empty_view(con: duckdb.DuckDBPyConnection, name: str, id_type: str) -> None:
    cols = {
        "transactions": "CAST(NULL AS TIMESTAMPTZ) AS ts, CAST(NULL AS DOUBLE) AS amount",
        "balances": "CAST(NULL AS TIMESTAMPTZ) AS ts, CAST(NULL AS DOUBLE) AS balance",
        "accounts": "CAST(NULL AS TIMESTAMPTZ) AS opened_at",
    }[name]
    con.execute(
        f"CREATE VIEW {quote('__' + name)} AS "
        f"SELECT CAST(NULL AS {id_type}) AS customer_id, {cols} WHERE false"
    )


def _customers(con: duckdb.DuckDBPyConnection, customers: Sequence[Any], family: str | None) -> str:
    ids = pd.DataFrame({"customer_id": list(customers)})
    if ids.empty:
        raise ProfileInputError("customers is empty", field="customers", rule="not_empty")
    if ids["customer_id"].isna().any():
        raise ProfileInputError(
            "customers holds a missing id", field="customers", rule="no_missing_id"
        )
    types = _register(con, "customers", ids)
    mine = _id_family(types["customer_id"])
    if mine not in {"integer", "text"} or (family and family != mine):
        raise ProfileInputError(
            f"customers are {types['customer_id']}, the sources' customer_id is {family}",
            field="customers",
            rule="same_type_as_customer_id",
        )
    return mine


def build_features(
    transactions: Source | None,
    balances: Source | None = None,
    accounts: Source | None = None,
    *,
    as_of: datetime,
    customers: Sequence[Any] | None = None,
    catalog: FeatureCatalog | None = None,
    features: Sequence[str] | None = None,
    utc_offset_hours: float = 0.0,
) -> FeatureBuild:
    """The features of ``catalog`` (default :func:`~finbrain.profile.features.default_catalog`,
    or only ``features`` of it) for every customer, as of ``as_of`` (timezone-aware: rows at or
    after it are left out). ``utc_offset_hours``: the bank's local time for hours, weekdays and
    days (China: 8)."""
    cat = catalog or default_catalog()
    as_of_dt, as_of_us = _as_of_us(as_of)
    offset_us = _offset_us(utc_offset_hours)
    given = {"transactions": transactions, "balances": balances, "accounts": accounts}
    sources = {k: v for k, v in given.items() if v is not None}
    if not sources and customers is None:
        raise ProfileInputError(
            "nothing to build from", field="transactions", rule="a_source_or_customers"
        )
    con = duckdb.connect()
    try:
        return _build(con, cat, sources, as_of_dt, as_of_us, offset_us, customers, features)
    finally:
        con.close()


def _build(
    con: duckdb.DuckDBPyConnection,
    cat: FeatureCatalog,
    sources: dict[str, Source],
    as_of_dt: datetime,
    as_of_us: int,
    offset_us: int,
    customers: Sequence[Any] | None,
    features: Sequence[str] | None,
) -> FeatureBuild:
    columns: dict[str, frozenset[str]] = {}
    families: dict[str, str] = {}
    empty = [name for name, data in sources.items() if _is_empty(data)]
    for name, data in sources.items():
        if name in empty:
            continue
        types = _register(con, name, data)
        families[name] = _check_types(name, types)["customer_id"]
        columns[name] = frozenset(c for c in OPTIONAL[name] if c in types)
    family = next(iter(families.values()), None)
    differs = [name for name, f in families.items() if f != family]
    if differs:
        raise ProfileInputError(
            f"customer_id types differ across sources: {families}",
            field=f"{differs[0]}.customer_id",
            rule="same_type_in_every_source",
        )
    if customers is not None:
        family = _customers(con, customers, family)
    for name in empty:
        _empty_view(con, name, "VARCHAR" if family == "text" else "BIGINT")
        columns[name] = frozenset()
    after = {n: _validate(con, n, columns[n], as_of_us, offset_us) for n in columns}
    wanted = cat.select(features) if features else cat
    kept = [f.name for f in wanted.features if f.source == "derived" or f.source in columns]
    kept = [
        n
        for n in kept
        if all(p in kept for p in (*wanted[n].numerator, *filter(None, [wanted[n].denominator])))
    ]
    if not kept:
        raise ProfileInputError(
            "no feature can be built from the sources given", field="features", rule="buildable"
        )
    selected = wanted.select(kept)
    sql = compile_query(
        selected, columns, as_of_us=as_of_us, offset_us=offset_us, customers=customers is not None
    )
    frame = con.execute(sql).df().set_index("customer_id")
    if frame.empty:
        raise ProfileInputError(
            "no customer to profile: every source is empty", field="customers", rule="not_empty"
        )
    audit = frame[[c for c in frame.columns if c.startswith("__")]]
    report = _report(con, audit, columns, after, cat, as_of_dt, as_of_us, customers is not None)
    left_out = tuple(n for n in wanted.names if n not in kept)
    report = replace(report, features_left_out=left_out)
    return FeatureBuild(
        frame=frame[selected.names].astype("float64"), report=report, catalog=selected
    )


def _report(
    con: duckdb.DuckDBPyConnection,
    audit: pd.DataFrame,
    columns: Mapping[str, frozenset[str]],
    after: Mapping[str, int],
    cat: FeatureCatalog,
    as_of_dt: datetime,
    as_of_us: int,
    customers: bool,
) -> BuildReport:
    totals = {c: int(audit[c].sum()) for c in audit.columns if not c.startswith("__values_")}
    where = {"category": "transactions", "channel": "transactions", "product": "accounts"}
    unknown = {
        column: _tally(audit[f"__values_{column}"])
        if f"__values_{column}" in audit
        else _unknown(con, where[column], column, cat, as_of_us, customers)
        for column in ("category", "channel", "product")
        if totals.get(f"__unknown_{column}")
    }
    missing = tuple(
        f"{name}.{column}"
        for name in columns
        for column in OPTIONAL[name]
        if column not in columns[name] and column != "closed_at"
    )
    rows = audit.get("__rows_transactions")
    return BuildReport(
        as_of=as_of_dt,
        customers=len(audit),
        rows={n: totals[f"__rows_{n}"] for n in columns},
        rows_after_as_of=dict(after),
        customers_without_transactions=len(audit) if rows is None else int((rows == 0).sum()),
        unknown=unknown,
        negative_balance_rows=totals.get("__negative_balances", 0),
        missing_columns=missing,
    )
