"""Customer-360 features (客户画像特征), defined once as data.

A :class:`FeatureDef` says *what* a feature is, never how an engine computes it: which source
it aggregates (``transactions``, ``balances`` or ``accounts``), the aggregation, the column, an
optional window before the as-of time and an optional filter; ``derived`` features are ratios of
others. :mod:`finbrain.profile.sql` compiles a catalogue to one SQL query (DuckDB today);
the definitions name no engine function, so a Spark backend is another compiler over the same
objects (see that module). The default catalogue is ``data/features.json`` (55 features: RFM,
spend by category, channel, time of day and weekday, balance level and trend, product holdings,
tenure); a bank loads its own with :func:`load_catalog` and gets each mistake named by field
and rule.

The columns a definition may use, per source (what :mod:`finbrain.profile.build` prepares):

=============  ==================================================================================
transactions   ``amount`` (money), ``category``, ``channel`` (the catalogue's names, unknown ->
               ``other``), ``hour`` (0-23) and ``weekday`` (0 = Monday) in the bank's local time,
               ``day`` (a local calendar day, for ``count_distinct``)
balances       ``balance`` (money, may be negative), ``day``
accounts       ``product`` (catalogue names, unknown -> ``other``), ``open`` (bool: not closed
               at the as-of time), ``closed_days_ago`` (number; empty when not closed)
=============  ==================================================================================

Aggregations: ``count``; ``sum``, ``mean``, ``max``, ``min``, ``last`` (latest by time),
``slope`` (least-squares change per day) of a money column; ``count_distinct``;
``days_since_last`` / ``days_since_first`` (to the as-of time; for accounts, since opening);
``ratio`` (derived). A customer with no rows gets 0 for ``count``, ``sum`` and
``count_distinct`` and an empty value (NaN) for every other aggregation; a ratio whose
denominator is 0 or empty is empty.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

from finbrain.core.decision import BilingualText
from finbrain.profile.errors import ProfileInputError

__all__ = [
    "AGGREGATIONS",
    "COLUMNS",
    "KINDS",
    "SOURCES",
    "Condition",
    "FeatureCatalog",
    "FeatureDef",
    "default_catalog",
    "load_catalog",
]

SOURCES: Final = ("transactions", "balances", "accounts", "derived")
KINDS: Final = ("amount", "count", "days", "share", "slope")
# column -> its type, per source
COLUMNS: Final[Mapping[str, Mapping[str, str]]] = {
    "transactions": {
        "amount": "money",
        "category": "category",
        "channel": "channel",
        "hour": "hour",
        "weekday": "weekday",
        "day": "day",
    },
    "balances": {"balance": "money", "day": "day"},
    "accounts": {"product": "product", "open": "bool", "closed_days_ago": "number"},
}
# aggregation -> the column types it takes (empty: no column)
AGGREGATIONS: Final[Mapping[str, frozenset[str]]] = {
    "count": frozenset(),
    "days_since_last": frozenset(),
    "days_since_first": frozenset(),
    "sum": frozenset({"money"}),
    "mean": frozenset({"money"}),
    "max": frozenset({"money"}),
    "min": frozenset({"money"}),
    "last": frozenset({"money"}),
    "slope": frozenset({"money"}),
    "count_distinct": frozenset({"day", "category", "channel", "product"}),
    "ratio": frozenset(),
}
ZERO_FILLED: Final = frozenset({"count", "sum", "count_distinct"})
LEVELS: Final = ("category", "channel", "product")  # columns whose values the catalogue names
OTHER: Final = "other"
NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_RANGES = {"hour": (0, 24), "weekday": (0, 7)}


@dataclass(frozen=True)
class Condition:
    """One filter: ``column IN values`` or ``gte <= column < lt`` (either bound optional)."""

    column: str
    values: tuple[str | int | bool, ...] | None = None
    gte: float | None = None
    lt: float | None = None


@dataclass(frozen=True)
class FeatureDef:
    """One feature: what it aggregates, where, over which window (days before the as-of time)."""

    name: str
    label: BilingualText
    source: str
    agg: str
    kind: str
    column: str | None = None
    window_days: int | None = None
    where: tuple[Condition, ...] = ()
    numerator: tuple[str, ...] = ()
    denominator: str | None = None
    given_description: BilingualText | None = None

    @property
    def fill(self) -> float | None:
        """The value of a customer with no rows in the source (None: empty, NaN in a frame)."""
        return 0.0 if self.agg in ZERO_FILLED else None

    @property
    def description(self) -> BilingualText:
        """The definition's own description, else one written from the definition."""
        return self.given_description or _describe(self)


@dataclass(frozen=True)
class FeatureCatalog:
    """The features, in order, with the category, channel and product names they refer to."""

    version: str
    features: tuple[FeatureDef, ...]
    categories: tuple[str, ...]
    channels: tuple[str, ...]
    products: tuple[str, ...]
    level_names: Mapping[str, Mapping[str, BilingualText]]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {f.name: f for f in self.features})

    def __getitem__(self, name: str) -> FeatureDef:
        found: FeatureDef | None = self.__dict__["_by_name"].get(name)
        if found is None:
            raise ProfileInputError(
                f"unknown feature {name!r}", field="features", rule="known_feature"
            )
        return found

    def __contains__(self, name: object) -> bool:
        return name in self.__dict__["_by_name"]

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    def levels(self, column: str) -> tuple[str, ...]:
        """The known values of ``category``, ``channel`` or ``product`` (``other`` not included)."""
        return {"category": self.categories, "channel": self.channels, "product": self.products}[
            column
        ]

    def label(self, name: str) -> BilingualText:
        """A feature's label; a column the catalogue does not define is its own label."""
        if name in self:
            return self[name].label
        return BilingualText(zh=name, en=name)

    def select(self, names: Sequence[str]) -> FeatureCatalog:
        """The catalogue cut to ``names`` and the features their ratios need, in catalogue order."""
        wanted = {self[n].name for n in names}
        for n in list(wanted):
            wanted.update(self[n].numerator)
            if self[n].denominator:
                wanted.add(str(self[n].denominator))
        kept = tuple(f for f in self.features if f.name in wanted)
        return FeatureCatalog(
            self.version, kept, self.categories, self.channels, self.products, self.level_names
        )


def _fail(field: str, rule: str, detail: str) -> ProfileInputError:
    return ProfileInputError(detail, field=field, rule=rule)


def _text(value: Any, field: str) -> BilingualText:
    if not isinstance(value, Mapping) or not all(
        isinstance(value.get(k), str) and value[k].strip() for k in ("zh", "en")
    ):
        raise _fail(field, "bilingual_text", f"{field} needs non-empty zh and en texts")
    return BilingualText(zh=value["zh"], en=value["en"])


def _condition(column: str, value: Any, col_type: str, levels: Sequence[str], at: str) -> Condition:
    if col_type in LEVELS:
        if not isinstance(value, list) or not value:
            raise _fail(at, "non_empty_list", f"{at}: a non-empty list of {col_type} names")
        unknown = [v for v in value if v not in (*levels, OTHER)]
        if unknown:
            raise _fail(at, f"known_{col_type}", f"{at}: unknown {col_type} {unknown[0]!r}")
        return Condition(column, values=tuple(value))
    if col_type == "bool":
        if not isinstance(value, bool):
            raise _fail(at, "boolean", f"{at}: true or false")
        return Condition(column, values=(value,))
    if col_type in _RANGES and isinstance(value, list):
        low, high = _RANGES[col_type]
        if not value or not all(type(v) is int and low <= v < high for v in value):
            raise _fail(at, f"{col_type}_{low}_to_{high - 1}", f"{at}: integers {low}-{high - 1}")
        return Condition(column, values=tuple(value))
    if col_type == "day":
        raise _fail(at, "not_filterable", f"{at}: day cannot be filtered (use window_days)")
    bounds = value if isinstance(value, Mapping) else {}
    if not bounds or set(bounds) - {"gte", "lt"}:
        raise _fail(at, "range", f'{at}: a range {{"gte": x, "lt": y}} (either bound optional)')
    if not all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds.values()):
        raise _fail(at, "range", f"{at}: range bounds are numbers")
    gte, lt = bounds.get("gte"), bounds.get("lt")
    if gte is not None and lt is not None and gte >= lt:
        raise _fail(at, "gte_below_lt", f"{at}: gte must be below lt")
    return Condition(
        column, gte=None if gte is None else float(gte), lt=None if lt is None else float(lt)
    )


def _base_parts(raw: Mapping[str, Any], at: str, levels: Mapping[str, Sequence[str]]) -> Any:
    source, agg = raw.get("source"), raw.get("agg")
    columns = COLUMNS[str(source)]
    takes = AGGREGATIONS.get(str(agg))
    if takes is None or agg == "ratio":
        raise _fail(f"{at}.agg", "known_aggregation", f"{at}.agg: unknown {agg!r}")
    column = raw.get("column")
    if takes and not (isinstance(column, str) and columns.get(column) in takes):
        raise _fail(
            f"{at}.column",
            "column_for_aggregation",
            f"{at}.column: {agg} of {column!r} on {source}",
        )
    if not takes and column is not None:
        raise _fail(f"{at}.column", "no_column", f"{at}.column: {agg} takes no column")
    window = raw.get("window_days")
    if window is not None and (type(window) is not int or not 1 <= window <= 36_600):
        raise _fail(f"{at}.window_days", "days_1_to_36600", f"{at}.window_days: 1-36600 or null")
    where = raw.get("where", {})
    if not isinstance(where, Mapping):
        raise _fail(f"{at}.where", "object", f"{at}.where: an object of column -> condition")
    conditions = []
    for col, value in where.items():
        if col not in columns:
            raise _fail(f"{at}.where.{col}", "known_column", f"{source} has no column {col!r}")
        col_type = columns[col]
        conditions.append(
            _condition(col, value, col_type, levels.get(col_type, ()), f"{at}.where.{col}")
        )
    return column, window, tuple(conditions)


def _feature(raw: Any, i: int, seen: Mapping[str, FeatureDef], levels: Any) -> FeatureDef:
    at = f"features[{i}]"
    if not isinstance(raw, Mapping):
        raise _fail(at, "object", f"{at}: a feature is an object")
    name = raw.get("name")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise _fail(f"{at}.name", "snake_case_1_to_64", f"{at}.name: {name!r}")
    if name in seen:
        raise _fail(f"{at}.name", "unique_name", f"{at}.name: {name!r} is defined twice")
    at = f"features[{i}] ({name})"
    label = _text(raw.get("label"), f"{at}.label")
    given = raw.get("description")
    description = None if given is None else _text(given, f"{at}.description")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise _fail(f"{at}.kind", "known_kind", f"{at}.kind: one of {list(KINDS)}, not {kind!r}")
    source = raw.get("source")
    if source not in SOURCES:
        raise _fail(f"{at}.source", "known_source", f"{at}.source: one of {list(SOURCES)}")
    common = {"name": name, "label": label, "kind": kind, "given_description": description}
    if source != "derived":
        column, window, where = _base_parts(raw, at, levels)
        return FeatureDef(
            source=source, agg=raw["agg"], column=column, window_days=window, where=where, **common
        )
    if raw.get("agg") != "ratio" or set(raw) & {"column", "where", "window_days"}:
        raise _fail(f"{at}.agg", "derived_is_ratio", f"{at}: a derived feature is a ratio only")
    numerator, denominator = raw.get("numerator"), raw.get("denominator")
    if not isinstance(numerator, list) or not numerator or not isinstance(denominator, str):
        raise _fail(f"{at}.numerator", "ratio_parts", f"{at}: numerator list and denominator")
    for part in [*numerator, denominator]:
        if part not in seen or seen[part].source == "derived":
            raise _fail(
                f"{at}.numerator",
                "earlier_base_feature",
                f"{at}: {part!r} must be a non-derived feature defined above",
            )
    return FeatureDef(
        source="derived",
        agg="ratio",
        numerator=tuple(numerator),
        denominator=denominator,
        **common,
    )


def _names(raw: Any, field: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(v, str) and NAME.fullmatch(v) for v in raw):
        raise _fail(field, "list_of_snake_case_names", f"{field}: a list of snake_case names")
    if OTHER in raw or len(set(raw)) != len(raw):
        raise _fail(field, "unique_and_not_other", f"{field}: unique names; 'other' is implicit")
    return tuple(raw)


def load_catalog(source: Mapping[str, Any] | str | Path) -> FeatureCatalog:
    """A catalogue from a dict or a JSON file, validated: every mistake is a
    :class:`~finbrain.profile.errors.ProfileInputError` naming the field and the rule."""
    data: Any = source
    if isinstance(source, str | Path):
        data = json.loads(Path(source).read_text("utf-8"))
    if not isinstance(data, Mapping):
        raise _fail("catalog", "object", "a feature catalogue is a JSON object")
    levels = {
        "category": _names(data.get("categories"), "categories"),
        "channel": _names(data.get("channels", []), "channels"),
        "product": _names(data.get("products", []), "products"),
    }
    raw_names = data.get("names", {})
    level_names = {
        col: {
            v: _text(raw_names.get(col, {}).get(v, {"zh": v, "en": v}), f"names.{col}.{v}")
            for v in (*levels[col], OTHER)
        }
        for col in LEVELS
    }
    raw_features = data.get("features")
    if not isinstance(raw_features, list) or not raw_features:
        raise _fail("features", "non_empty_list", "a catalogue needs a non-empty features list")
    seen: dict[str, FeatureDef] = {}
    for i, raw in enumerate(raw_features):
        feature = _feature(raw, i, seen, levels)
        seen[feature.name] = feature
    return FeatureCatalog(
        str(data.get("version", "")),
        tuple(seen.values()),
        levels["category"],
        levels["channel"],
        levels["product"],
        level_names,
    )


@cache
def default_catalog() -> FeatureCatalog:
    """The 55 features of ``data/features.json``."""
    text = resources.files("finbrain.profile").joinpath("data/features.json").read_text("utf-8")
    return load_catalog(json.loads(text))


_AGG_TEXT = {
    "count": ("笔数", "Number of rows"),
    "sum": ("合计", "Sum"),
    "mean": ("平均", "Mean"),
    "max": ("最大值", "Largest"),
    "min": ("最小值", "Smallest"),
    "last": ("最新值", "Latest"),
    "slope": ("每日趋势", "Trend per day"),
    "count_distinct": ("不同取值数", "Distinct values"),
    "days_since_last": ("距最近一条的天数", "Days since the latest row"),
    "days_since_first": ("距最早一条的天数", "Days since the earliest row"),
}
_SOURCE_TEXT = {"transactions": "交易", "balances": "余额快照", "accounts": "账户"}


def _condition_text(c: Condition) -> tuple[str, str]:
    if c.values is not None:
        shown = ", ".join(str(v) for v in c.values)
        return f"{c.column} ∈ {{{shown}}}", f"{c.column} in {{{shown}}}"
    parts = [f"≥ {c.gte:g}" if c.gte is not None else "", f"< {c.lt:g}" if c.lt is not None else ""]
    rng = " 且 ".join(p for p in parts if p), " and ".join(p for p in parts if p)
    return f"{c.column} {rng[0]}", f"{c.column} {rng[1]}"


def _describe(f: FeatureDef) -> BilingualText:
    if f.agg == "ratio":
        top = " + ".join(f.numerator)
        return BilingualText(zh=f"({top}) ÷ {f.denominator}", en=f"({top}) / {f.denominator}")
    zh_agg, en_agg = _AGG_TEXT[f.agg]
    of = f" {f.column}" if f.column else ""
    zh = f"{_SOURCE_TEXT[f.source]}{of} 的{zh_agg}"
    en = f"{en_agg}{' of' + of if of else ''} over {f.source}"
    if f.window_days:
        zh = f"近 {f.window_days} 天" + zh
        en += f" in the last {f.window_days} days"
    if f.where:
        texts = [_condition_text(c) for c in f.where]
        zh += "（" + "，".join(t[0] for t in texts) + "）"
        en += " where " + " and ".join(t[1] for t in texts)
    return BilingualText(zh=zh, en=en)
