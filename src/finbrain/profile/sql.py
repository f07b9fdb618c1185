"""A feature catalogue as one SQL query: a few grouped passes per source, one row per customer.

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
* Where the time goes: each filtered aggregate costs DuckDB a few ns per row, and one wide
  ``GROUP BY`` costs more than the sum of narrow ones. So each source has a main pass (one
  ``GROUP BY`` customer, no text column read) and, for a category, channel or product that
  several features filter on, a keyed pass: partial aggregates per (customer, raw value),
  then merged per customer by code (sums, counts, extremes, the latest value and day bitmaps
  merge exactly). On 1.75 M transactions: about 0.8 s of CPU in one pass, 0.5 s in three.

The engine-specific bits are the methods of :class:`Dialect`. A Spark backend is a subclass:
``epoch_us(x)`` -> ``unix_micros(x)``, ``floor_div(a, b)`` -> ``a div b``,
``position(list, x)`` -> ``array_position(array(...), x)`` (also 1-based, 0 when absent),
``arg_max`` -> ``max_by``, the day bitmaps -> Spark 3.5's bitmap aggregates,
``collect_pairs`` -> ``collect_list(named_struct(...))``; Spark SQL
has ``count(*) FILTER (WHERE ...)`` (3.0+) and ``DECIMAL(38, 0)`` for the 128-bit sums. It
would run the same text with ``spark.sql`` over temporary views named as here; nothing else
changes.
"""

# ruff: noqa: S608  (this module writes SQL: identifiers go through quote(), text through
# literal(), and everything else is a number or a fixed keyword)
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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

    def day_bitmap(self, day: str, low: str, high: str) -> str:
        """Distinct days in [low, high] as a bitmap (a third of the time of
        ``count(DISTINCT ...)``, measured); bitmaps merge with :meth:`bitmap_union`."""
        return f"bitstring_agg({day}, {low}, {high})"

    def bitmap_union(self, bitmaps: str) -> str:
        return f"bit_or({bitmaps})"

    def bitmap_count(self, bitmap: str) -> str:
        return f"bit_count({bitmap})"

    def collect_pairs(self, value: str, rows: str) -> str:
        """A list of (value, rows) structs, one per group aggregated."""
        return f"list(struct_pack(value := {value}, rows := {rows}))"


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
        """The code, and the raw text that a keyed pass groups by (unused ones are pruned)."""
        if name not in columns:
            return f"0 AS __{column}"
        code = d.position(catalog.levels(column), quote(name))
        return f"{code} AS __{column}, CAST({quote(name)} AS VARCHAR) AS __{column}_value"

    if source == "transactions":
        inner = (
            f"SELECT customer_id AS __cid, {d.epoch_us('ts')} AS __t, "
            "CAST(floor(CAST(amount AS DOUBLE) * 100 + 0.5) AS BIGINT) AS __c, "
            f"{level('category', 'category')}, {level('channel', 'channel')} FROM {table}"
        )
        local = f"__t + {offset_us}"
        outer = (
            f"{d.floor_div(local, str(HOUR_US))} % 24 AS __hour, "
            f"({d.floor_div(local, str(DAY_US))} + 3) % 7 AS __weekday, "
            f"{d.floor_div(local, str(DAY_US))} AS __day, "
            f"{d.floor_div(f'{as_of_us} - __t', str(DAY_US))} AS __age"
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
            f"{level('product', 'product')}, {closed} AS __closed FROM {table}"
        )
        outer = (
            f"(__closed IS NULL OR __closed >= {as_of_us}) AS __open, "
            f"CASE WHEN __closed < {as_of_us} THEN "
            f"{d.floor_div(f'{as_of_us} - __closed', str(DAY_US))} END AS __closed_days_ago"
        )
    return f"SELECT *, {outer} FROM ({inner}) WHERE __t < {as_of_us}"


def _cents(bound: float) -> str:
    """A bound in cents for an integer column: ``c >= b`` and ``c < b`` are ``c >= ceil(b)``
    and ``c < ceil(b)`` (a decimal bound would cast every row to DECIMAL)."""
    return str(math.ceil(Decimal(repr(bound)) * 100))


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


def _where(f: FeatureDef, catalog: FeatureCatalog, as_of_us: int) -> tuple[tuple[str, str], ...]:
    """(column, SQL) of each of the feature's conditions, the window first."""
    out = [(c.column, _condition(c, catalog)) for c in f.where]
    if f.window_days is not None:
        out.insert(0, ("ts", f"__t >= {as_of_us - f.window_days * DAY_US}"))
    return tuple(out)


@dataclass(frozen=True)
class _Part:
    """One aggregate over rows that features are made of: ``fn`` of ``arg`` on the rows where
    every condition of ``where`` holds ((column, SQL) pairs)."""

    fn: str  # count | sum | max | min | last | bitmap | distinct
    arg: str = ""
    where: tuple[tuple[str, str], ...] = ()


_LAST_KEY = "CAST(__t AS HUGEINT) * 18446744073709551616 + __c"  # latest; ties: the larger


def _flt(conditions: Sequence[str]) -> str:
    return f" FILTER (WHERE {' AND '.join(conditions)})" if conditions else ""


def _over_rows(p: _Part, d: Dialect, conditions: Sequence[str]) -> str:
    """The part over rows, filtered by ``conditions``."""
    if p.fn == "count":
        sql = "count(*)"
    elif p.fn == "last":
        sql = d.arg_max("__c", _LAST_KEY)
    elif p.fn == "bitmap":
        sql = d.day_bitmap(*p.arg.split(","))
    elif p.fn == "distinct":
        sql = f"count(DISTINCT {p.arg})"
    else:
        sql = f"{p.fn}({p.arg})"
    return sql + _flt(conditions)


def _recipe(
    f: FeatureDef, catalog: FeatureCatalog, as_of_us: int, offset_us: int, d: Dialect
) -> tuple[tuple[_Part, ...], Callable[[Sequence[str]], str]]:
    """A base feature as the parts it is made of and its value (a DOUBLE, NULL where the
    definition says empty) from those parts' results."""
    where = _where(f, catalog, as_of_us)
    col = _COLUMN.get(f.column or "", f"__{f.column}")

    def part(fn: str, arg: str = "") -> _Part:
        return _Part(fn, arg, where)

    if f.agg == "count":
        return (part("count"),), lambda p: f"CAST({p[0]} AS DOUBLE)"
    if f.agg in {"sum", "max", "min", "last"}:
        return (part(f.agg, "__c"),), lambda p: f"CAST({p[0]} AS DOUBLE) / 100.0"
    if f.agg == "mean":  # money is never missing (validated): count(*) counts it
        return (
            (part("sum", "__c"), part("count")),
            lambda p: (
                f"CASE WHEN coalesce({p[1]}, 0) = 0 THEN NULL "
                f"ELSE CAST({p[0]} AS DOUBLE) / {p[1]} / 100.0 END"
            ),
        )
    if f.agg == "count_distinct" and col == "__day" and f.window_days is not None:
        # distinct days in a known range: a bitmap (a third of the time of count(DISTINCT))
        high = (as_of_us - 1 + offset_us) // DAY_US
        low = (as_of_us - f.window_days * DAY_US + offset_us) // DAY_US
        return (
            part("bitmap", f"__day,{low},{high}"),
        ), lambda p: f"CAST(coalesce({d.bitmap_count(p[0])}, 0) AS DOUBLE)"
    if f.agg == "count_distinct":
        return (part("distinct", col),), lambda p: f"CAST({p[0]} AS DOUBLE)"
    if f.agg in {"days_since_last", "days_since_first"}:
        edge = "max" if f.agg == "days_since_last" else "min"
        return (part(edge, "__t"),), lambda p: f"CAST({as_of_us} - {p[0]} AS DOUBLE) / {DAY_US}.0"
    # slope: y (cents) against x = whole days before the as-of time, from exact sums
    parts = (
        part("count"),
        part("sum", "__age"),
        part("sum", "__c"),
        part("sum", "CAST(__age AS HUGEINT) * __c"),
        part("sum", "__age * __age"),  # < 2^63 for any timestamp: no 128-bit product
    )

    def slope(p: Sequence[str]) -> str:
        n, sx, sy, sxy, sxx = (f"CAST({x} AS HUGEINT)" for x in p)
        num, den = f"({n} * {sxy} - {sx} * {sy})", f"({n} * {sxx} - {sx} * {sx})"
        # a rising balance falls with the days before the as-of time: hence the minus
        return (
            f"CASE WHEN coalesce({den}, 0) = 0 THEN NULL "
            f"ELSE -(CAST({num} AS DOUBLE) / CAST({den} AS DOUBLE)) / 100.0 END"
        )

    return parts, slope


def aggregate(
    f: FeatureDef, catalog: FeatureCatalog, as_of_us: int, offset_us: int, d: Dialect
) -> str:
    """The SQL of one base feature over the staged rows, a DOUBLE (NULL where the definition
    says empty)."""
    parts, value = _recipe(f, catalog, as_of_us, offset_us, d)
    return value([_over_rows(p, d, [sql for _, sql in p.where]) for p in parts])


def _mergeable(p: _Part, key: str) -> bool:
    """Whether the part's result over all rows follows from its results per (customer, key)."""
    return p.fn in {"count", "sum", "max", "min", "last", "bitmap"} or (
        p.fn == "distinct" and p.arg == f"__{key}"
    )


def _keyed_pass(
    key: str,
    feats: Sequence[FeatureDef],
    staged: str,
    catalog: FeatureCatalog,
    as_of_us: int,
    offset_us: int,
    d: Dialect,
) -> str:
    """The features that filter on (or count) ``key`` (category, channel, product), computed
    from partial aggregates per customer and raw value, merged per customer by code: a filtered
    aggregate over every row costs more than one extra grouping (measured, docs/profile.md).
    Also counts the rows whose value is ``other`` (``__unknown_<key>``) and lists those values
    with their rows (``__values_<key>``)."""
    partials: dict[str, str] = {}  # SQL -> column: features share partials

    def partial(sql: str) -> str:
        return partials.setdefault(sql, f"__p{len(partials)}")

    merged = []
    for f in feats:
        parts, value = _recipe(f, catalog, as_of_us, offset_us, d)
        results = []
        for p in parts:
            rest = [sql for column, sql in p.where if column != key]
            keyed = [sql for column, sql in p.where if column == key]
            if p.fn == "last":  # the latest value and its key, merged by the key
                v = partial(_over_rows(p, d, rest))
                k = partial(f"max({_LAST_KEY}){_flt(rest)}")
                results.append(d.arg_max(v, k) + _flt(keyed))
            elif p.fn == "distinct":  # distinct codes among the values with a row
                n = partial(_over_rows(_Part("count"), d, rest))
                results.append(f"count(DISTINCT __{key}){_flt([*keyed, f'{n} > 0'])}")
            else:
                x = partial(_over_rows(p, d, rest))
                fn = "sum" if p.fn == "count" else p.fn  # counts add up
                merge = d.bitmap_union(x) if p.fn == "bitmap" else f"{fn}({x})"
                results.append(merge + _flt(keyed))
        merged.append(f"{value(results)} AS {quote(f.name)}")
    rows = partial("count(*)")
    other = f" FILTER (WHERE __{key} = 0)"
    merged.append(f"sum({rows}){other} AS {quote(f'__unknown_{key}')}")
    # the raw values taken as other, for the report (no second pass over the rows)
    values = d.collect_pairs(f"__{key}_value", rows)
    merged.append(f"{values}{other} AS {quote(f'__values_{key}')}")
    first = ", ".join(f"{sql} AS {name}" for sql, name in partials.items())
    level1 = f"SELECT __cid, __{key}_value, {first} FROM ({staged}) GROUP BY __cid, __{key}_value"
    code = d.position(catalog.levels(key), f"__{key}_value")
    coded = f"SELECT *, {code} AS __{key} FROM ({level1})"
    return f"SELECT __cid, {', '.join(merged)} FROM ({coded}) GROUP BY __cid"


# features on one key before it gets a pass of its own; 1.75 M transactions, CPU: category and
# channel keyed 0.48-0.54 s, channel in the main pass 0.51-0.58 s, neither 0.70-0.80 s
_OWN_PASS = 3


def _by_key(
    feats: Sequence[FeatureDef],
    present: frozenset[str],
    catalog: FeatureCatalog,
    as_of_us: int,
    offset_us: int,
    d: Dialect,
) -> dict[str, list[FeatureDef]]:
    """Key (category, channel, product) -> the features computed in its keyed pass."""
    chosen: dict[str, list[FeatureDef]] = {}
    for f in feats:
        parts, _ = _recipe(f, catalog, as_of_us, offset_us, d)
        uses = {c.column for c in f.where} | {f.column if f.agg == "count_distinct" else None}
        for key in LEVELS:
            if key in uses and key in present and all(_mergeable(p, key) for p in parts):
                chosen.setdefault(key, []).append(f)
                break
    return {k: v for k, v in chosen.items() if len(v) >= _OWN_PASS}


def _ratio(f: FeatureDef) -> str:
    top = " + ".join(quote(n) for n in f.numerator)
    den = quote(str(f.denominator))
    return f"CASE WHEN {den} IS NULL OR {den} = 0 THEN NULL ELSE ({top}) / {den} END"


def _audit(source: str, columns: frozenset[str]) -> dict[str, str]:
    """What the build reports, counted in the same pass: rows used, values taken as ``other``
    (here for a column without a keyed pass), negative balances (columns named ``__...``,
    dropped from the features)."""
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
    (``__rows_<source>``, ``__unknown_<column>``, ``__negative_balances``) and, for a column
    with a keyed pass, the values taken as other (``__values_<column>``: a list of (value,
    rows)), sorted by customer.
    Features of a source not in ``columns`` must not be in ``catalog``.

    Each source is read by a main pass (one ``GROUP BY`` customer, no text column) and, for a
    category, channel or product that several features filter on, a keyed pass (see
    :func:`_keyed_pass`); the passes are joined by customer."""
    d = dialect or Dialect()
    ctes, names, audits, mains, lists = [], [], [], [], []
    for source in ("transactions", "balances", "accounts"):
        if source not in columns:
            continue
        feats = [f for f in catalog.features if f.source == source]
        staged = _staged(source, catalog, columns[source], as_of_us, offset_us, d)
        keyed = _by_key(feats, columns[source], catalog, as_of_us, offset_us, d)
        done = {f.name for fs in keyed.values() for f in fs}
        body = [
            f"{aggregate(f, catalog, as_of_us, offset_us, d)} AS {quote(f.name)}"
            for f in feats
            if f.name not in done
        ]
        audit = _audit(source, columns[source] - set(keyed))
        body += [f"{sql} AS {quote(name)}" for name, sql in audit.items()]
        audits += list(audit)
        ctes.append(
            f"__a_{source} AS (SELECT __cid, {', '.join(body)} FROM ({staged}) GROUP BY __cid)"
        )
        mains.append(f"__a_{source}")
        names.append(f"__a_{source}")
        for key, fs in keyed.items():
            sql = _keyed_pass(key, fs, staged, catalog, as_of_us, offset_us, d)
            ctes.append(f"__a_{source}_{key} AS ({sql})")
            names.append(f"__a_{source}_{key}")
            audits.append(f"__unknown_{key}")
            lists.append(f"__values_{key}")
    joins = [f"LEFT JOIN {name} USING (__cid)" for name in names]
    if customers:
        ids = "SELECT DISTINCT customer_id AS __cid FROM __customers"
    else:
        # the aggregates hold one row per customer already: UNION of them, never the raw rows
        ids = " UNION ".join(f"SELECT __cid FROM {name}" for name in mains)
    ctes.append(f"__ids AS ({ids})")
    base = []
    for f in catalog.features:
        if f.source != "derived":
            value = quote(f.name) if f.fill is None else f"coalesce({quote(f.name)}, {f.fill!r})"
            base.append(f"{value} AS {quote(f.name)}")
    base += [f"coalesce({quote(a)}, 0) AS {quote(a)}" for a in audits]
    base += [quote(a) for a in lists]
    inner = f"SELECT __cid, {', '.join(base)} FROM __ids {' '.join(joins)}"
    outer = [
        f"{_ratio(f)} AS {quote(f.name)}" if f.source == "derived" else quote(f.name)
        for f in catalog.features
    ] + [quote(a) for a in (*audits, *lists)]
    return (
        f"WITH {', '.join(ctes)} SELECT __cid AS customer_id, {', '.join(outer)} "
        f"FROM ({inner}) ORDER BY customer_id"
    )
