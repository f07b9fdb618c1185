"""Fund products for the wealth storefront (财富号): Chinese public funds and US mutual funds.

None of these files states a licence (no-ship): they are read from the data folder only. Fund
codes are text (``"000001"`` keeps its leading zeros); NAVs and ratios are float64; dates are UTC.
Product risk levels R1-R5 are in none of them: derive them from the fund type by a convention
kept as data (see the data README).
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from finbrain.core.errors import DatasetError
from finbrain.datasets._frames import as_text, categorical, read_verified_csv, utc
from finbrain.datasets.files import verified_path

__all__ = ["load_eastmoney_funds", "load_fund_cum_nav", "load_us_mutualfunds"]

_FUND_FIELDS = ("code", "abbr", "name", "type", "pinyin")
_JS_PREFIX = "var r = "
#: Excel's day zero: the US sample stores its dates as Excel serial days.
_EXCEL_EPOCH = "1899-12-30"


def _js_array(relpath: str) -> list[Any]:
    """The array literal assigned by ``var r = [...];`` in a JavaScript file (parsed as JSON)."""
    text = verified_path(relpath).read_text(encoding="utf-8-sig")
    start = text.find(_JS_PREFIX)
    end = text.find("];", start)
    if start < 0 or end < 0:
        raise DatasetError(f"{relpath} has no 'var r = [...];' array", path=relpath)
    try:
        rows: list[Any] = json.loads(text[start + len(_JS_PREFIX) : end + 1])
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{relpath}: the array is not valid JSON ({exc})", path=relpath) from exc
    return rows


def load_eastmoney_funds() -> pd.DataFrame:
    """The Eastmoney (天天基金) fund search list, 2021: 11,007 Chinese public funds.

    The source is a JavaScript file (``var r = [["000001","HXCZHH","华夏成长混合","混合型",
    "HUAXIACHENGZHANGHUNHE"], ...];``); each entry becomes a row with ``code`` (6-digit fund
    code, str), ``abbr`` (pinyin initials, str), ``name`` (str), ``type`` (categorical:
    混合型 4,153, 债券型 2,341, 定开债券, 货币型 692, 股票指数, ...) and ``pinyin`` (full pinyin
    of the name, str). Share classes of one fund (A/C, 后端) are separate rows.
    """
    relpath = "wealth/fundcode_search_2021.js"
    rows = _js_array(relpath)
    bad = next((row for row in rows if not isinstance(row, list) or len(row) != 5), None)
    if bad is not None:
        raise DatasetError(f"{relpath}: an entry is not 5 fields: {bad!r}", path=relpath)
    frame = pd.DataFrame(rows, columns=list(_FUND_FIELDS))
    for column in ("code", "abbr", "name", "pinyin"):
        frame[column] = as_text(frame[column])
    frame["type"] = categorical(frame["type"])
    if not frame["code"].str.fullmatch(r"\d{6}").all() or not frame["code"].is_unique:
        raise DatasetError(f"{relpath}: fund codes must be unique 6-digit strings", path=relpath)
    return frame


def load_fund_cum_nav() -> pd.DataFrame:
    """Daily cumulative NAV (累计净值) of 7 Chinese funds, 2004-01-02 .. 2018-06-27: 3,535 days.

    Wide, like the price tables of :mod:`finbrain.datasets.advisory`: a UTC ``date`` index in
    ascending order (the file runs newest first, and one 2018-06-27 row sits among its 2012
    rows) and one float64 column per fund, named by fund code (``"002001"``; the file's
    ``002001_Nav``). A fund's days before its launch are NaN. For a long table use
    ``frame.stack().rename("cum_nav").reset_index()``.
    """
    relpath = "wealth/fund_cum_nav.csv"
    frame = read_verified_csv(relpath, dtype={"quote_date": "str"})
    index = pd.DatetimeIndex(utc(frame.pop("quote_date"), fmt="%Y-%m-%d"), name="date")
    if not index.is_unique:
        raise DatasetError(f"{relpath} repeats a date", path=relpath)
    frame = frame.astype("float64")
    frame.index = index
    frame.columns = pd.Index([str(c).removesuffix("_Nav") for c in frame.columns], name="fund_code")
    return frame.sort_index()


def load_us_mutualfunds() -> pd.DataFrame:
    """349 US mutual funds x 96 columns (a Yahoo Finance scrape, 2021).

    ``fund_symbol`` and ``fund_short_name`` are str; ``morningstar_overall_rating`` and
    ``morningstar_risk_rating`` (1 = lowest risk .. 5), ``initial_investment``,
    ``total_net_assets`` and the expense projections are int64; ``inception_date`` (Excel
    serial days in the file) is a UTC date; returns, ratios, sector weights and ESG scores are
    float64 (returns as fractions: 0.214 = 21.4%).
    """
    relpath = "wealth/us_mutualfunds_sample.csv"
    frame = read_verified_csv(relpath, dtype={"fund_symbol": "str", "fund_short_name": "str"})
    for column in ("fund_symbol", "fund_short_name"):
        frame[column] = as_text(frame[column])
    days = pd.to_timedelta(frame["inception_date"].astype("int64"), unit="D")
    frame["inception_date"] = pd.Timestamp(_EXCEL_EPOCH, tz="UTC") + days
    for column in ("morningstar_overall_rating", "morningstar_risk_rating"):
        frame[column] = frame[column].astype("int64")
    return frame
