"""Marketing data: term-deposit propensity (Bank Marketing) and e-mail uplift (Hillstrom)."""

from __future__ import annotations

import pandas as pd

from finbrain.datasets._frames import (
    binary,
    categorical,
    categoricals,
    flag,
    read_verified_csv,
)

__all__ = ["load_bank_marketing", "load_hillstrom"]

# Calendar order; the campaign made no calls in January or February.
_MONTHS = ("mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
_BANK_CATEGORICAL = (
    "job",
    "marital",
    "education",
    "default",
    "housing",
    "loan",
    "contact",
    "poutcome",
)


def load_bank_marketing() -> pd.DataFrame:
    """UCI Bank Marketing (Portugal, May 2008 - Nov 2010): 41,188 calls, 4,640 subscriptions.

    Target ``y``: int64, 1 = the client subscribed a term deposit. Client and campaign attributes
    (job, marital, education, default, housing, loan, contact, poutcome) are categoricals with
    ``"unknown"`` kept as its own level; ``month`` and ``day_of_week`` are *ordered*
    categoricals in calendar order. ``age``, ``duration``, ``campaign``, ``pdays`` (999 = never
    contacted before) and ``previous`` are int64; the five macro-economic indicators
    (``emp.var.rate``, ``cons.price.idx``, ``cons.conf.idx``, ``euribor3m``, ``nr.employed``)
    are float64.

    **Leak warning**: ``duration`` (call length, seconds) is only known once the call has ended
    and a zero-length call is always a "no", so it must not be used to decide whom to call.
    It is kept for benchmarking only; drop it before training a propensity model. Rows are in
    date order: a time-ordered split is much harsher (the macro columns shift between periods)
    than a random one.
    """
    relpath = "marketing/bank-additional/bank-additional-full.csv"
    text_columns = (*_BANK_CATEGORICAL, "month", "day_of_week", "y")
    dtypes: dict[str, str] = dict.fromkeys(text_columns, "str")
    dtypes.update(dict.fromkeys(("age", "duration", "campaign", "pdays", "previous"), "int64"))
    dtypes.update(
        dict.fromkeys(
            ("emp.var.rate", "cons.price.idx", "cons.conf.idx", "euribor3m", "nr.employed"),
            "float64",
        )
    )
    frame = read_verified_csv(relpath, sep=";", dtype=dtypes)
    categoricals(frame, _BANK_CATEGORICAL)
    frame["month"] = categorical(frame["month"], _MONTHS, ordered=True, relpath=relpath)
    frame["day_of_week"] = categorical(
        frame["day_of_week"], _WEEKDAYS, ordered=True, relpath=relpath
    )
    frame["y"] = binary(frame["y"], "yes", "no", relpath=relpath)
    return frame


def load_hillstrom() -> pd.DataFrame:
    """MineThatData e-mail test (Hillstrom 2008): 64,000 customers randomly split three ways.

    ``segment`` is the treatment, a categorical: ``Mens E-Mail``, ``Womens E-Mail`` or
    ``No E-Mail`` (control). Outcomes over the next two weeks: ``visit`` and ``conversion``
    (int64, 1 = yes) and ``spend`` (float64, dollars). ``history_segment`` is an *ordered*
    categorical of last year's spend band; ``zip_code`` and ``channel`` are categoricals; ``mens``,
    ``womens`` (bought that line last year) and ``newbie`` (new customer in the last 12 months)
    are bool; ``recency`` (months since last purchase) int64, ``history`` (dollars) float64.
    """
    relpath = "marketing/hillstrom/hillstrom.csv"
    dtypes = {
        "recency": "int64",
        "history_segment": "str",
        "history": "float64",
        "zip_code": "str",
        "channel": "str",
        "segment": "str",
        "spend": "float64",
    }
    frame = read_verified_csv(relpath, dtype=dtypes)
    # The bands are labelled "1) $0 - $100" ... "7) $1,000 +": sorting the labels orders them.
    frame["history_segment"] = categorical(
        frame["history_segment"], sorted(frame["history_segment"].unique()), ordered=True
    )
    categoricals(frame, ("zip_code", "channel", "segment"))
    for column in ("mens", "womens", "newbie"):
        frame[column] = flag(frame[column], relpath=relpath)
    for column in ("visit", "conversion"):
        frame[column] = binary(frame[column], 1, 0, relpath=relpath)
    return frame
