"""Protected attributes: columns a credit model never uses as features unless told to.

Fair-lending rules forbid deciding credit on **sex** and **marital status**: ECOA and Regulation B
(12 CFR 1002.2(z), 1002.6(b)), the EU Goods and Services Directive 2004/113/EC (sex), and PIPL
art. 24, under which an automated decision may not treat people unreasonably differently. So
finbrain's scorecard and GBM challenger leave
such columns out of their features by default, record the excluded list on the model (its JSON
and the model card), and the development report checks approval rates across each of them (the
four-fifths adverse-impact ratio) — the attribute is used for the fairness check only.

The default list is per dataset (:data:`PROTECTED_BY_DATASET`); a model given no list excludes
every column named in any of them or with a common name for sex or marital status
(:data:`DEFAULT_PROTECTED`). A bank passes its own ``protected=(...)`` to widen it, or
``protected=()`` to switch the exclusion off knowingly.

**Age** stays a feature by default and is *monitored* instead (:data:`MONITORED_BY_DATASET`:
reported in the fairness check, in bands): Regulation B permits age in an empirically derived,
demonstrably and statistically sound scoring system provided applicants aged 62 or over are not
assigned a negative value for their age (12 CFR 1002.6(b)(2)(ii)), and Chinese banks use age to
bound loan terms. A bank whose policy excludes age adds its column to
``protected``. German's ``foreign_worker`` is monitored for the same reason (national origin is
a prohibited basis; immigration status may be considered, 1002.6(b)(7)).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

from finbrain.core.errors import ValidationError

__all__ = [
    "DEFAULT_MONITORED",
    "DEFAULT_PROTECTED",
    "MONITORED_BY_DATASET",
    "PROTECTED_BY_DATASET",
    "monitored_columns",
    "protected_columns",
]

#: Sex and marital status, by built-in dataset: never features by default.
PROTECTED_BY_DATASET: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "german": ("personal_status_and_sex",),
        "taiwan": ("SEX", "MARRIAGE"),
        "hmeq": (),
        "lendingclub": (),
    }
)
#: Features a bank may use but must watch: reported in the fairness check, not excluded.
MONITORED_BY_DATASET: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "german": ("age_in_years", "foreign_worker"),
        "taiwan": ("AGE",),
        "hmeq": (),
        "lendingclub": (),
    }
)

_GENERIC_PROTECTED = ("sex", "gender", "marital_status", "marriage", "性别", "婚姻状况")
_GENERIC_MONITORED = ("age", "年龄")

#: Column names (compared case-insensitively) excluded when a model is given no list.
DEFAULT_PROTECTED: frozenset[str] = frozenset(
    name.casefold()
    for name in (*_GENERIC_PROTECTED, *(c for cs in PROTECTED_BY_DATASET.values() for c in cs))
)
#: Column names (case-insensitive) reported in the fairness check when no list is given.
DEFAULT_MONITORED: frozenset[str] = frozenset(
    name.casefold()
    for name in (*_GENERIC_MONITORED, *(c for cs in MONITORED_BY_DATASET.values() for c in cs))
)


def _checked(names: Sequence[str], field: str) -> list[str]:
    if isinstance(names, str) or not all(isinstance(name, str) for name in names):
        raise ValidationError(
            f"{field} must be a list of column names, not {names!r}",
            field=field,
            rule="list_of_column_names",
        )
    return list(dict.fromkeys(names))


def protected_columns(columns: Iterable[object], protected: Sequence[str] | None) -> list[str]:
    """The columns to leave out: ``protected`` as given (those present), or the defaults."""
    present = [str(column) for column in columns]
    if protected is None:
        return [column for column in present if column.casefold() in DEFAULT_PROTECTED]
    wanted = set(_checked(protected, "protected"))
    return [column for column in present if column in wanted]


def monitored_columns(columns: Iterable[object], monitored: Sequence[str] | None) -> list[str]:
    """The columns to report fairness for without excluding them (as given, or the defaults)."""
    present = [str(column) for column in columns]
    if monitored is None:
        return [column for column in present if column.casefold() in DEFAULT_MONITORED]
    wanted = set(_checked(monitored, "monitored"))
    return [column for column in present if column in wanted]
