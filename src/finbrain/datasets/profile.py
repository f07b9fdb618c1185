"""Customer-profiling data: bank churn and credit-card behaviour segments."""

from __future__ import annotations

import pandas as pd

from finbrain.datasets._frames import TEXT, binary, categoricals, flag, read_verified_csv

__all__ = ["load_cc_general", "load_churn"]


def load_churn() -> pd.DataFrame:
    """Bank churn: 10,000 customers of a European bank, 20.37% of whom left.

    Target ``Exited``: int64, 1 = closed their account. ``Geography`` and ``Gender`` are
    categoricals; ``HasCrCard`` and ``IsActiveMember`` are bool; ``CreditScore``, ``Age``,
    ``Tenure`` (years), ``NumOfProducts`` are int64; ``Balance`` and ``EstimatedSalary`` are
    float64. ``RowNumber``, ``CustomerId`` and ``Surname`` identify the row and carry no signal.
    """
    relpath = "profile/churn/Churn_Modelling.csv"
    dtypes = {
        "RowNumber": "int64",
        "CustomerId": "int64",
        "Surname": TEXT,
        "CreditScore": "int64",
        "Geography": "str",
        "Gender": "str",
        "Age": "int64",
        "Tenure": "int64",
        "Balance": "float64",
        "NumOfProducts": "int64",
        "EstimatedSalary": "float64",
    }
    # A surname such as "Null" or "Nan" is a name, not a missing value.
    frame = read_verified_csv(
        relpath,
        dtype=dtypes,
        keep_default_na=False,
        na_values=[""],
    )
    categoricals(frame, ("Geography", "Gender"))
    for column in ("HasCrCard", "IsActiveMember"):
        frame[column] = flag(frame[column], relpath=relpath)
    frame["Exited"] = binary(frame["Exited"], 1, 0, relpath=relpath)
    return frame


def load_cc_general() -> pd.DataFrame:
    """Credit-card behaviour (CC GENERAL): 8,950 card holders, 6 months, no target (clustering).

    ``CUST_ID`` is text; ``Recnum`` (row number added by the copier), ``CASH_ADVANCE_TRX``,
    ``PURCHASES_TRX`` and ``TENURE`` (months) are int64; every balance, amount and frequency is
    float64 (``CREDIT_LIMIT`` has 1 and ``MINIMUM_PAYMENTS`` 313 missing values, as NaN).
    """
    relpath = "profile/cc_general/cc_general.csv"
    ints = ("Recnum", "CASH_ADVANCE_TRX", "PURCHASES_TRX", "TENURE")
    frame = read_verified_csv(relpath, dtype={"CUST_ID": TEXT})
    frame[list(ints)] = frame[list(ints)].astype("int64")
    floats = [c for c in frame.columns if c not in ints and c != "CUST_ID"]
    frame[floats] = frame[floats].astype("float64")
    return frame
