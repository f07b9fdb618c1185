"""Payment events: the one input shape of real-time risk scoring.

An :class:`Event` is a card payment or an account transfer, validated when it is built: a bad
field raises :class:`~finbrain.core.errors.ValidationError` naming the field and the rule, so no
invalid event ever reaches the windows. ``parse_event`` reads one from JSON; amounts travel as
strings (JSON numbers are floats to most clients, and floats are refused, as in
:mod:`finbrain.core.money`).

Replaying millions of events through objects is slow, so the columnar form exists too: a
pandas frame whose columns are named like the event fields (``frame_from_handbook`` builds one
from the Fraud Detection Handbook data), read directly by
:meth:`finbrain.risk.windows.OnlineWindows.compute_frame` and by the DuckDB SQL of
:func:`finbrain.risk.windows_sql.to_sql`.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from finbrain.core.errors import ValidationError
from finbrain.core.money import MINOR_UNITS, ascii_decimal

__all__ = [
    "AMOUNT_SCALE",
    "CHANNELS",
    "EVENT_FIELDS",
    "HANDBOOK_CURRENCY",
    "KINDS",
    "MAX_AMOUNT",
    "Channel",
    "Event",
    "EventKind",
    "amount_units",
    "epoch_micros",
    "events_from_frame",
    "events_from_handbook",
    "frame_from_handbook",
    "handbook_sql",
    "parse_event",
]

EventKind = Literal["card", "transfer"]
Channel = Literal["pos", "ecom", "atm", "mobile", "branch", "online"]
KINDS: frozenset[str] = frozenset(get_args(EventKind))
CHANNELS: frozenset[str] = frozenset(get_args(Channel))
MAX_AMOUNT = Decimal(10) ** 12
# Windows add amounts as integers in 1/10,000 of the currency unit: exact, and enough for every
# currency finbrain.core.money can register (at most 4 minor digits).
AMOUNT_SCALE = 10_000
# The handbook's simulator states no currency; its amounts read like euros.
HANDBOOK_CURRENCY = "EUR"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ID_MAX = 128
# String-valued optional fields (identifiers and codes), in declaration order.
OPTIONAL_TEXT = (
    "card_id",
    "account_id",
    "counterparty_account",
    "merchant_id",
    "terminal_id",
    "mcc",
    "device_id",
    "ip",
    "channel",
    "country",
)


def _need_id(field: str, value: object, *, required: bool) -> None:
    if value is None:
        if required:
            raise ValidationError(field=field, rule="required")
        return
    if not isinstance(value, str):
        raise ValidationError(field=field, rule="string", value=type(value).__name__)
    if not value or len(value) > _ID_MAX or value != value.strip():
        # The value itself is not echoed: identifiers can be personal data (card numbers).
        raise ValidationError(field=field, rule=f"non_empty_trimmed_at_most_{_ID_MAX}_chars")


@dataclass(frozen=True, slots=True)
class Event:
    """One payment, validated on construction.

    ``occurred_at`` must be timezone-aware and is normalised to UTC; ``amount`` is a positive
    ``Decimal`` with at most the currency's minor digits. Card events need ``card_id``;
    transfers need ``counterparty_account``.
    """

    event_id: str
    kind: EventKind
    occurred_at: datetime
    amount: Decimal
    currency: str
    customer_id: str
    card_id: str | None = None
    account_id: str | None = None
    counterparty_account: str | None = None
    merchant_id: str | None = None
    terminal_id: str | None = None
    mcc: str | None = None
    device_id: str | None = None
    ip: str | None = None
    channel: Channel | None = None
    country: str | None = None

    def __post_init__(self) -> None:
        _need_id("event_id", self.event_id, required=True)
        if self.kind not in KINDS:
            raise ValidationError(field="kind", rule="one_of_card_transfer", value=str(self.kind))
        at = self.occurred_at
        if not isinstance(at, datetime):
            raise ValidationError(field="occurred_at", rule="datetime")
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValidationError(field="occurred_at", rule="timezone_aware")
        if at.tzinfo is not UTC:
            object.__setattr__(self, "occurred_at", at.astimezone(UTC))
        self._check_amount()
        _need_id("customer_id", self.customer_id, required=True)
        for name in OPTIONAL_TEXT:
            _need_id(name, getattr(self, name), required=False)
        if self.kind == "card" and self.card_id is None:
            raise ValidationError(field="card_id", rule="required_for_card")
        if self.kind == "transfer" and self.counterparty_account is None:
            raise ValidationError(field="counterparty_account", rule="required_for_transfer")
        if self.channel is not None and self.channel not in CHANNELS:
            raise ValidationError(field="channel", rule="one_of_" + "_".join(sorted(CHANNELS)))
        if self.mcc is not None and (len(self.mcc) != 4 or not self.mcc.isdigit()):
            raise ValidationError(field="mcc", rule="four_digits", value=self.mcc)
        if self.country is not None and (
            len(self.country) != 2 or not self.country.isascii() or not self.country.isupper()
        ):
            raise ValidationError(field="country", rule="iso3166_alpha2", value=self.country)
        if self.ip is not None:
            try:
                canonical = str(ipaddress.ip_address(self.ip))
            except ValueError:
                raise ValidationError(field="ip", rule="ip_address") from None
            if canonical != self.ip:
                object.__setattr__(self, "ip", canonical)

    def _check_amount(self) -> None:
        if not isinstance(self.currency, str) or self.currency not in MINOR_UNITS:
            raise ValidationError(field="currency", rule="iso4217_code", value=str(self.currency))
        amount = self.amount
        if not isinstance(amount, Decimal):
            raise ValidationError(field="amount", rule="decimal", value=type(amount).__name__)
        if not amount.is_finite():
            raise ValidationError(field="amount", rule="finite", value=str(amount))
        if amount <= 0:
            raise ValidationError(field="amount", rule="positive", value=str(amount))
        if amount > MAX_AMOUNT:
            raise ValidationError(field="amount", rule="at_most_1e12", value=str(amount))
        exponent = amount.normalize().as_tuple().exponent
        assert isinstance(exponent, int)  # finite, checked above
        if -exponent > MINOR_UNITS[self.currency]:
            raise ValidationError(
                field="amount", rule="at_most_currency_minor_digits", value=str(amount)
            )

    @property
    def ts_us(self) -> int:
        """Microseconds since 1970-01-01 UTC (exact integer arithmetic)."""
        return epoch_micros(self.occurred_at)

    @property
    def amount_units(self) -> int:
        """The amount in 1/``AMOUNT_SCALE`` of the currency unit, exactly."""
        return int(self.amount.scaleb(4))


def epoch_micros(at: datetime) -> int:
    return (at - _EPOCH) // _MICRO


_MICRO = datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC) - _EPOCH


def amount_units(values: np.ndarray[Any, Any] | pd.Series[Any]) -> np.ndarray[Any, Any]:
    """Amounts → int64 in 1/``AMOUNT_SCALE`` units; the same rounding as the SQL side.

    Floats round half up via ``floor(x * 10000 + 0.5)``; DuckDB evaluates the same IEEE
    operations, so both sides get the same integers. Decimals convert exactly.
    """
    arr = np.asarray(values)
    if arr.dtype == object:
        return np.fromiter(
            (int(Decimal(v).scaleb(4)) if isinstance(v, Decimal) else _float_units(v) for v in arr),
            dtype=np.int64,
            count=len(arr),
        )
    floats = arr.astype(np.float64)
    return np.floor(floats * AMOUNT_SCALE + 0.5).astype(np.int64)


def _float_units(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(field="amount", rule="number", value=type(value).__name__)
    return math.floor(float(value) * AMOUNT_SCALE + 0.5)


def _text(mapping: Mapping[str, Any], name: str) -> Any:
    value = mapping.get(name)
    # JSON clients send numeric ids; identifiers are text here so keys compare the same way.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def parse_event(mapping: Mapping[str, Any]) -> Event:
    """An :class:`Event` from a JSON object (``occurred_at`` ISO 8601 with offset, amount a string).

    Unknown keys are refused (a typo must not silently drop a field).
    """
    if not isinstance(mapping, Mapping):
        raise ValidationError(field="event", rule="object")
    unknown = sorted(set(mapping) - set(EVENT_FIELDS))
    if unknown:
        raise ValidationError(field=str(unknown[0]), rule="known_field")
    at = mapping.get("occurred_at")
    if isinstance(at, str):
        try:
            at = datetime.fromisoformat(at)
        except ValueError:
            raise ValidationError(field="occurred_at", rule="iso8601") from None
    elif at is None:
        raise ValidationError(field="occurred_at", rule="required")
    raw = mapping.get("amount")
    if raw is None:
        raise ValidationError(field="amount", rule="required")
    if isinstance(raw, bool | float):
        raise ValidationError(field="amount", rule="not_float_send_a_string", value=repr(raw))
    if isinstance(raw, int | str):
        if isinstance(raw, str):
            ascii_decimal(raw)  # "１２３" is not 123 here, as in money
        try:
            amount = Decimal(raw)
        except InvalidOperation:
            raise ValidationError(field="amount", rule="decimal_number") from None
    else:
        amount = raw
    currency = mapping.get("currency")
    if currency is None:
        raise ValidationError(field="currency", rule="required")
    kind = mapping.get("kind")
    if kind is None:
        raise ValidationError(field="kind", rule="required")
    return Event(
        event_id=_text(mapping, "event_id"),
        kind=kind,
        occurred_at=at,
        amount=amount,
        currency=currency,
        customer_id=_text(mapping, "customer_id"),
        **{name: _text(mapping, name) for name in OPTIONAL_TEXT},
    )


EVENT_FIELDS: tuple[str, ...] = (
    "event_id",
    "kind",
    "occurred_at",
    "amount",
    "currency",
    "customer_id",
    *OPTIONAL_TEXT,
)


def frame_from_handbook(df: pd.DataFrame, *, drop_zero_amounts: bool = True) -> pd.DataFrame:
    """The handbook frame in event-field columns, ready for replay and for DuckDB.

    Columns: ``event_id`` (TRANSACTION_ID), ``kind`` ("card"), ``occurred_at`` (UTC),
    ``amount`` (float64, rounded to cents), ``currency`` (``HANDBOOK_CURRENCY``), ``customer_id``,
    ``card_id`` (= customer: the handbook simulates one card per customer), ``terminal_id``,
    ``is_fraud`` (0/1) and ``seq`` (arrival order 0..n-1, the frame's time order). Identifiers
    stay int64 here: it is a columnar replay form, not the API form. The simulator clips a few
    amounts to 0 (42 of 1.75 M rows); events need a positive amount, so those rows are dropped
    by default, keeping this frame and :func:`events_from_handbook` the same stream.
    """
    if drop_zero_amounts:
        df = df[df["TX_AMOUNT"].to_numpy() > 0]
    customer = df["CUSTOMER_ID"].to_numpy()
    out = pd.DataFrame(
        {
            "event_id": df["TRANSACTION_ID"].to_numpy(),
            "kind": "card",
            "occurred_at": df["TX_DATETIME"].to_numpy(),
            # Stored floats carry noise (57.160000000000004); the amounts are whole cents.
            "amount": np.round(df["TX_AMOUNT"].to_numpy(), 2),
            "currency": HANDBOOK_CURRENCY,
            "customer_id": customer,
            "card_id": customer,
            "terminal_id": df["TERMINAL_ID"].to_numpy(),
            "is_fraud": df["TX_FRAUD"].to_numpy() if "TX_FRAUD" in df else 0,
            "seq": np.arange(len(df), dtype=np.int64),
        }
    )
    out["occurred_at"] = pd.to_datetime(out["occurred_at"], utc=True)
    return out


def events_from_frame(frame: pd.DataFrame) -> Iterator[Event]:
    """Events from a frame with event-field columns (e.g. :func:`frame_from_handbook`)."""
    present = [name for name in EVENT_FIELDS if name in frame.columns]
    columns: dict[str, list[Any]] = {}
    for name in present:
        values = frame[name].tolist()
        if frame[name].hasnans:
            # pandas stores a missing string as NaN (pandas 3: its string dtype); events use None.
            missing = frame[name].isna().tolist()
            values = [None if m else v for v, m in zip(values, missing, strict=True)]
        columns[name] = values
    if "occurred_at" in columns:
        columns["occurred_at"] = [
            ts.to_pydatetime() if isinstance(ts, pd.Timestamp) else ts
            for ts in columns["occurred_at"]
        ]
    if "amount" in columns:
        columns["amount"] = [
            v if isinstance(v, Decimal) or v is None else Decimal(repr(float(v)))
            for v in columns["amount"]
        ]
    for row in zip(*(columns[name] for name in present), strict=True):
        record = dict(zip(present, row, strict=True))
        for name in ("event_id", "customer_id", *OPTIONAL_TEXT):
            value = record.get(name)
            if value is not None and not isinstance(value, str):
                record[name] = str(value)
        yield Event(**record)


def events_from_handbook(df: pd.DataFrame) -> Iterator[Event]:
    """Handbook rows as :class:`Event` objects (card payments in ``HANDBOOK_CURRENCY``).

    ``card_id`` is the customer id (one card per customer in the handbook); zero amounts are
    skipped as in :func:`frame_from_handbook`. For millions of rows prefer the frame itself.
    """
    frame = frame_from_handbook(df).drop(columns=["is_fraud", "seq"])
    return events_from_frame(frame)


def handbook_sql(parquet_path: str) -> str:
    """A DuckDB ``SELECT`` of the handbook Parquet file in :func:`frame_from_handbook` columns.

    ``seq`` follows the file's row order, as the frame does (a few same-second rows are not in
    ``TRANSACTION_ID`` order). Use it as the table of :func:`finbrain.risk.windows_sql.to_sql`.
    """
    path = parquet_path.replace("'", "''")
    return (
        "SELECT TRANSACTION_ID AS event_id, 'card' AS kind, "  # noqa: S608 (path quoted)
        "CAST(TX_DATETIME AS TIMESTAMP) AT TIME ZONE 'UTC' AS occurred_at, "
        f"round(TX_AMOUNT, 2) AS amount, '{HANDBOOK_CURRENCY}' AS currency, "
        "CUSTOMER_ID AS customer_id, "
        "CUSTOMER_ID AS card_id, TERMINAL_ID AS terminal_id, TX_FRAUD AS is_fraud, "
        "row_number() OVER (ORDER BY file_row_number) - 1 AS seq "
        f"FROM read_parquet('{path}', file_row_number = true) WHERE TX_AMOUNT > 0"
    )
