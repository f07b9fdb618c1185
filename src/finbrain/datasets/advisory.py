"""Robo-advisory price histories (skfolio and PyPortfolioOpt example data).

Each loader returns a wide table: one row per trading day, indexed by ``date`` (a UTC
``DatetimeIndex`` at midnight, ascending), one float64 column per instrument (columns named
``ticker``). Prices are adjusted closes; NaN means the instrument did not trade yet (or that day).
"""

from __future__ import annotations

import pandas as pd

from finbrain.datasets._frames import price_frame

__all__ = [
    "load_pyportfolioopt_prices",
    "load_skfolio_factors",
    "load_skfolio_ftse100",
    "load_skfolio_sp500",
    "load_skfolio_sp500_implied_vol",
    "load_skfolio_sp500_index",
]

_SKFOLIO = "advisory/skfolio"


def load_skfolio_sp500() -> pd.DataFrame:
    """20 S&P 500 stocks (AAPL ... XOM), daily adjusted prices 1990-01-02..2022-12-28."""
    return price_frame(f"{_SKFOLIO}/sp500_dataset.csv.gz", "Date")


def load_skfolio_ftse100() -> pd.DataFrame:
    """64 FTSE 100 stocks (``.L`` tickers, pence), daily prices 2000-01-04..2023-05-31."""
    return price_frame(f"{_SKFOLIO}/ftse100_dataset.csv.gz", "Date")


def load_skfolio_factors() -> pd.DataFrame:
    """5 iShares factor ETFs (MTUM momentum, QUAL quality, SIZE, USMV low vol, VLUE value)."""
    return price_frame(f"{_SKFOLIO}/factors_dataset.csv.gz", "Date")


def load_skfolio_sp500_index() -> pd.DataFrame:
    """The S&P 500 index level (one column, ``SP500``), daily 1990-01-02..2022-12-28."""
    return price_frame(f"{_SKFOLIO}/sp500_index.csv.gz", "Date")


def load_skfolio_sp500_implied_vol() -> pd.DataFrame:
    """Implied volatility (annualised, 0.25 = 25%) of the 20 S&P 500 stocks, 2010..2022."""
    return price_frame(f"{_SKFOLIO}/sp500_implied_vol_dataset.csv.gz", "Date")


def load_pyportfolioopt_prices() -> pd.DataFrame:
    """19 US tickers (AAPL, AMZN, JPM, ...), daily adjusted prices 1990-01-02..2024-11-29."""
    return price_frame("advisory/pyportfolioopt/stock_prices.csv", "date")
