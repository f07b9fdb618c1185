"""Anti-money-laundering data: IBM AMLSim's simulated bank."""

from __future__ import annotations

import pandas as pd

from finbrain.datasets._frames import TEXT, categoricals, read_verified_csv, utc

__all__ = ["load_amlsim"]

_DIR = "aml/amlsim"
# Customer details AMLSim can generate; this export left them all blank.
_PERSON_FIELDS = (
    "first_name",
    "last_name",
    "street_addr",
    "city",
    "state",
    "zip",
    "gender",
    "birth_date",
    "ssn",
)


def _accounts() -> pd.DataFrame:
    dtypes: dict[str, str] = dict.fromkeys(_PERSON_FIELDS, TEXT)
    dtypes.update(
        {
            "acct_id": "int64",
            "dsply_nm": TEXT,
            "prior_sar_count": "bool",
            "branch_id": "int64",
            "initial_deposit": "float64",
            "tx_behavior_id": "int64",
            "lon": "float64",
            "lat": "float64",
        }
    )
    frame = read_verified_csv(f"{_DIR}/accounts.csv", dtype=dtypes)
    categoricals(frame, ("type", "acct_stat", "acct_rptng_crncy", "bank_id", "country"))
    frame["open_dt"] = utc(frame["open_dt"])
    frame["close_dt"] = utc(frame["close_dt"])
    return frame


def _transactions(name: str) -> pd.DataFrame:
    dtypes = {
        "tran_id": "int64",
        "orig_acct": "int64",
        "bene_acct": "int64",
        "base_amt": "float64",
        "is_sar": "bool",
        "alert_id": "int64",
    }
    frame = read_verified_csv(f"{_DIR}/{name}", dtype=dtypes)
    categoricals(frame, [c for c in ("tx_type", "alert_type") if c in frame.columns])
    frame["tran_timestamp"] = utc(frame["tran_timestamp"])
    return frame


def _alert_accounts() -> pd.DataFrame:
    dtypes = {
        "alert_id": "int64",
        "acct_id": "int64",
        "acct_name": "int64",
        "is_sar": "bool",
        "model_id": "int64",
        "start": "int64",
        "end": "int64",
        "schedule_id": "int64",
    }
    frame = read_verified_csv(f"{_DIR}/alert_accounts.csv", dtype=dtypes)
    categoricals(frame, ("alert_type", "bank_id"))
    return frame


def load_amlsim() -> dict[str, pd.DataFrame]:
    """AMLSim: 100 simulated accounts, 10,333 transfers, 51 of them suspicious (SAR).

    Returns four tables, keyed ``accounts``, ``transactions``, ``alert_accounts`` and
    ``alert_transactions``. Targets are bool: ``transactions.is_sar`` (the transfer belongs to a
    laundering pattern the simulator planted) and ``alert_accounts.is_sar``. ``alert_id`` is -1
    for transfers outside any alert. Timestamps (``tran_timestamp``, ``open_dt``, ``close_dt``)
    are UTC; ``close_dt`` 4748-11-28 is AMLSim's "never closed". ``accounts.prior_sar_count`` is
    really a bool (earlier SAR filed or not), as the simulator writes it. The customer-detail
    columns (names, address, SSN, ...) are text, all missing in this export. Only the ``fan_in``
    typology occurs in this run.
    """
    return {
        "accounts": _accounts(),
        "transactions": _transactions("transactions.csv"),
        "alert_accounts": _alert_accounts(),
        "alert_transactions": _transactions("alert_transactions.csv"),
    }
