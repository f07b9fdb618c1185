"""Executemany inserts for the rows every decision writes (ledger leaves and nodes, decisions,
risk events), compiled once per dialect.

A Core ``connection.execute(insert(table), rows)`` compiles (from its cache), then walks every
row through SQLAlchemy's generic parameter machinery before the driver sees it: about 10 µs a
row on a slow machine (measured, 8-row batches: a risk-event row 103 -> 93 µs, a decision row
56 -> 47 µs; the rest is the JSON and the database). Here the statement is compiled once per
dialect, each column's own bind processor (the same ``TypeDecorator`` and dialect conversions
Core applies: aware datetimes, JSON) is looked up once, and the rows go to the driver as
tuples through ``exec_driver_sql``, which keeps the connection's transaction, its events and
(on PostgreSQL) its row-level-security scope.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from types import ModuleType
from typing import Any

from sqlalchemy import JSON, Connection, Table, insert
from sqlalchemy.engine import Dialect

_orjson: ModuleType | None
try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - json.dumps (Core's own processor) takes over
    _orjson = None

_Processor = Callable[[Any], Any] | None


class BulkInsert:
    """``INSERT INTO table (columns) VALUES (...)`` for many rows of plain values.

    ``canonical_json_columns``: the JSON values of these rows were canonicalised already (for a
    digest or the ledger), so they hold finite numbers only; they are then written by orjson
    (about 6x json.dumps for 45 features). orjson writes NaN as null where json.dumps writes
    NaN, so this is only for values that passed ``canonical_json`` (which refuses NaN).
    """

    def __init__(
        self, table: Table, columns: Sequence[str], *, canonical_json_columns: bool = False
    ) -> None:
        unknown = [name for name in columns if name not in table.c]
        if unknown:
            raise ValueError(f"{table.name} has no column {unknown[0]!r}")
        self.table = table
        self.columns = tuple(columns)
        self.canonical_json_columns = canonical_json_columns
        self._by_dialect: dict[str, tuple[str, tuple[str, ...], tuple[_Processor, ...], bool]] = {}

    def _compiled(
        self, dialect: Dialect
    ) -> tuple[str, tuple[str, ...], tuple[_Processor, ...], bool]:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            compiled = insert(self.table).compile(dialect=dialect, column_keys=list(self.columns))
            # A plain insert's bind parameters are named after its columns.
            order = tuple(compiled.positiontup or ()) if compiled.positional else self.columns
            if set(order) != set(self.columns):
                raise ValueError(f"{self.table.name}: the statement binds {order}")
            processors = tuple(self._processor(name, dialect) for name in order)
            found = (compiled.string, order, processors, compiled.positional)
            self._by_dialect[dialect.name] = found
        return found

    def _processor(self, name: str, dialect: Dialect) -> _Processor:
        kind = self.table.c[name].type
        slow = kind.dialect_impl(dialect).bind_processor(dialect)
        if not (self.canonical_json_columns and isinstance(kind, JSON) and slow is not None):
            return slow
        return lambda value: _json_text(value, slow)

    def execute(self, connection: Connection, rows: Iterable[Mapping[str, Any]]) -> None:
        """Insert ``rows`` (each maps every column of this insert to its value)."""
        sql, order, processors, positional = self._compiled(connection.dialect)
        pairs = tuple(zip(order, processors, strict=True))
        params: list[Any] = []
        for row in rows:
            values = tuple(
                # None goes through its processor as in Core (a JSON column stores 'null').
                row[name] if convert is None else convert(row[name])
                for name, convert in pairs
            )
            params.append(values if positional else dict(zip(order, values, strict=True)))
        if params:
            connection.exec_driver_sql(sql, params)


def _json_text(value: Any, fallback: Callable[[Any], Any]) -> Any:
    """JSON text of ``value`` by orjson when it is here and can write it, else ``fallback``
    (the column's own processor: a Decimal, an int beyond 64 bits)."""
    if _orjson is not None:
        try:
            return _orjson.dumps(value).decode()
        except _orjson.JSONEncodeError:
            pass
    return fallback(value)
