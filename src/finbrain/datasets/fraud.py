"""Card-fraud data: the Fraud Detection Handbook's simulated transaction stream."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from finbrain.core.errors import ValidationError
from finbrain.datasets.files import verified_path

__all__ = ["FRAUD_COLUMNS", "load_fraud_handbook"]

_RELPATH = "fraud/handbook/transactions.parquet"
FRAUD_COLUMNS = (
    "TRANSACTION_ID",
    "TX_DATETIME",
    "CUSTOMER_ID",
    "TERMINAL_ID",
    "TX_AMOUNT",
    "TX_TIME_SECONDS",
    "TX_TIME_DAYS",
    "TX_FRAUD",
    "TX_FRAUD_SCENARIO",
)


def load_fraud_handbook(columns: Sequence[str] | None = None) -> pd.DataFrame:
    """1,754,155 simulated card payments (2018-04-01..2018-09-30), 14,681 of them fraud.

    Columns: ``TRANSACTION_ID``, ``CUSTOMER_ID``, ``TERMINAL_ID``, ``TX_TIME_SECONDS``,
    ``TX_TIME_DAYS`` (int64); ``TX_DATETIME`` (UTC timestamp, the simulator's clock);
    ``TX_AMOUNT`` (float64); target ``TX_FRAUD`` (int64, 1 = fraud); ``TX_FRAUD_SCENARIO``
    (int64: 0 genuine, 1 amount over 220, 2 compromised terminal, 3 leaked card details).
    Rows are in time order. ``columns`` reads only those columns, which is faster and lighter.

    Evaluate with the handbook's time-ordered protocol (train a week, skip a 7-day label delay,
    test the next week): random splits overstate precision.
    """
    if columns is not None:
        unknown = sorted(set(columns) - set(FRAUD_COLUMNS))
        if unknown:
            raise ValidationError(
                f"Unknown fraud columns {unknown}; valid: {list(FRAUD_COLUMNS)}",
                field="columns",
                rule="known_column",
            )
    table = pq.read_table(verified_path(_RELPATH), columns=list(columns) if columns else None)
    if "TX_DATETIME" in table.column_names:
        # The file stores naive timestamps; label them UTC in Arrow (no data copy) before pandas.
        idx = table.column_names.index("TX_DATETIME")
        stamp = table.column(idx).cast(pa.timestamp("ns", tz="UTC"))
        table = table.set_column(idx, "TX_DATETIME", stamp)
    frame: pd.DataFrame = table.to_pandas()
    return frame
