"""Every catalogued dataset loads from the real data with the README's counts and typed columns."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pandas.api.types import (
    is_bool_dtype,
    is_float_dtype,
    is_integer_dtype,
    is_string_dtype,
)

import finbrain.datasets as ds
from finbrain.core.errors import ConfigurationError, ValidationError


def _is_category(series: pd.Series) -> bool:
    return isinstance(series.dtype, pd.CategoricalDtype)


def _is_utc(series: pd.Series | pd.Index) -> bool:
    dtype = series.dtype
    return isinstance(dtype, pd.DatetimeTZDtype) and str(dtype.tz) == "UTC"


def _int_target(series: pd.Series, positives: int) -> None:
    assert series.dtype == "int64"
    assert set(series.unique()) <= {0, 1}
    assert int(series.sum()) == positives


def check_german(frame: pd.DataFrame) -> None:
    assert frame.shape == (1000, 21)
    _int_target(frame["creditability"], 300)  # 1 = bad
    assert _is_category(frame["purpose"]) and _is_category(frame["credit_history"])
    assert frame["credit_amount"].dtype == "int64"


def check_taiwan(frame: pd.DataFrame) -> None:
    assert len(frame) == 30_000
    _int_target(frame["default.payment.next.month"], 6_636)
    assert _is_category(frame["SEX"]) and set(frame["SEX"].cat.categories) == {1, 2}
    assert frame["PAY_0"].dtype == "int64" and frame["BILL_AMT1"].dtype == "float64"
    assert not any(column.startswith("X") for column in frame.columns)


def check_hmeq(frame: pd.DataFrame) -> None:
    assert len(frame) == 5_960
    _int_target(frame["BAD"], 1_189)
    assert _is_category(frame["JOB"]) and frame["JOB"].isna().any()
    assert frame["DEBTINC"].dtype == "float64" and frame["DEBTINC"].isna().any()


def check_lendingclub(frame: pd.DataFrame) -> None:
    assert len(frame) == 9_578
    _int_target(frame["not.fully.paid"], 1_533)
    assert is_bool_dtype(frame["credit.policy"]) and _is_category(frame["purpose"])


def check_fraud(frame: pd.DataFrame) -> None:
    assert len(frame) == 1_754_155
    _int_target(frame["TX_FRAUD"], 14_681)
    assert _is_utc(frame["TX_DATETIME"])
    assert frame["TX_DATETIME"].min() >= pd.Timestamp("2018-04-01", tz="UTC")
    assert frame["TX_DATETIME"].max() < pd.Timestamp("2018-10-01", tz="UTC")
    assert frame["TX_DATETIME"].is_monotonic_increasing
    assert frame["CUSTOMER_ID"].nunique() == 4_990
    assert frame["TERMINAL_ID"].nunique() == 10_000
    assert frame["TX_AMOUNT"].dtype == "float64"
    assert set(frame["TX_FRAUD_SCENARIO"].unique()) == {0, 1, 2, 3}


def check_amlsim(tables: dict[str, pd.DataFrame]) -> None:
    assert set(tables) == {"accounts", "transactions", "alert_accounts", "alert_transactions"}
    assert len(tables["accounts"]) == 100
    tx = tables["transactions"]
    assert len(tx) == 10_333
    assert is_bool_dtype(tx["is_sar"]) and int(tx["is_sar"].sum()) == 51
    assert _is_utc(tx["tran_timestamp"]) and _is_category(tx["tx_type"])
    assert len(tables["alert_transactions"]) == 51
    assert _is_utc(tables["accounts"]["close_dt"])


def check_bank_marketing(frame: pd.DataFrame) -> None:
    assert frame.shape == (41_188, 21)
    _int_target(frame["y"], 4_640)
    assert "duration" in frame.columns  # kept on purpose; the docstring warns about the leak
    assert frame["month"].cat.ordered and list(frame["month"].cat.categories)[:2] == ["mar", "apr"]
    assert frame["day_of_week"].cat.ordered and _is_category(frame["job"])
    assert frame["pdays"].dtype == "int64" and frame["euribor3m"].dtype == "float64"


def check_hillstrom(frame: pd.DataFrame) -> None:
    assert len(frame) == 64_000
    rates = frame.groupby("segment", observed=True)["visit"].mean().round(4)
    assert rates.to_dict() == {"Mens E-Mail": 0.1828, "No E-Mail": 0.1062, "Womens E-Mail": 0.1514}
    assert frame["history_segment"].cat.ordered
    assert frame["history_segment"].cat.categories[0].startswith("1)")
    assert is_bool_dtype(frame["newbie"]) and frame["visit"].dtype == "int64"


def check_churn(frame: pd.DataFrame) -> None:
    assert len(frame) == 10_000
    _int_target(frame["Exited"], 2_037)
    assert _is_category(frame["Geography"]) and is_bool_dtype(frame["HasCrCard"])
    assert frame["Surname"].notna().all()


def check_cc_general(frame: pd.DataFrame) -> None:
    assert frame.shape == (8_950, 19)
    assert frame["MINIMUM_PAYMENTS"].isna().sum() == 313
    assert frame["TENURE"].dtype == "int64" and is_string_dtype(frame["CUST_ID"])


def check_banking77(frame: pd.DataFrame) -> None:
    counts = frame["split"].value_counts()
    assert counts["train"] == 10_003 and counts["test"] == 3_080
    assert _is_category(frame["label"]) and len(frame["label"].cat.categories) == 77
    assert frame["label"].notna().all() and is_string_dtype(frame["text"])


def check_clinc150(splits: dict[str, pd.DataFrame]) -> None:
    assert {name: len(frame) for name, frame in splits.items()} == {
        "train": 15_100,
        "val": 3_100,
        "test": 5_500,
    }
    test = splits["test"]
    assert len(test["label"].cat.categories) == 151
    assert int(test["oos"].sum()) == 1_000
    assert (test["oos"] == (test["label"] == "oos")).all()


def check_nlupp(frame: pd.DataFrame) -> None:
    assert len(frame) == 2_071
    assert sorted(frame["fold"].unique()) == list(range(20))
    intents = {intent for row in frame["intents"] for intent in row}
    slots = {slot for row in frame["slots"] for slot in row}
    assert len(intents) == 48 and len(slots) == 13
    assert set(frame.attrs["ontology"]) == {"intents", "slots"}


def check_atec(frame: pd.DataFrame) -> None:
    assert len(frame) == 39_346
    _int_target(frame["label"], 8_549)
    assert not frame["sentence1"].str.contains("\ufeff").any()


def check_afqmc(frame: pd.DataFrame) -> None:
    assert len(frame) == 4_316
    assert round(1 - frame["label"].mean(), 2) == 0.69
    assert frame["label"].dtype == "int64"


def check_bq(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == ["sentence1", "sentence2", "label"]
    _int_target(frame["label"], 5_000)
    assert len(frame) == 10_000


def check_sba_case(frame: pd.DataFrame) -> None:
    assert frame.shape == (2_101, 35)
    _int_target(frame["Default"], 686)  # 33%
    assert ((frame["MIS_Status"] == "CHGOFF") == (frame["Default"] == 1)).all()
    assert is_bool_dtype(frame["Selected"]) and int(frame["Selected"].sum()) == 1_051
    assert _is_utc(frame["ApprovalDate"]) and _is_utc(frame["DisbursementDate"])
    # SAS day numbers: every approval date falls in its federal fiscal year (October start)
    approved = frame["ApprovalDate"].dt
    assert ((approved.year + (approved.month >= 10)) == frame["ApprovalFY"]).all()
    assert frame["ApprovalFY"].between(1989, 2012).all()
    assert frame["Term"].dtype == "int64"  # kept on purpose; the docstring warns about the leak
    assert frame["GrAppv"].dtype == "float64" and frame["GrAppv"].min() > 0
    assert _is_category(frame["State"]) and _is_category(frame["RevLineCr"])
    assert frame["Name"].notna().all() and is_string_dtype(frame["Name"])


def check_sba_national(frame: pd.DataFrame) -> None:
    # 22,427 loans in the file; the 119 without a recorded outcome are left out
    assert len(frame) == 22_427 - 119
    _int_target(frame["Default"], 4_693)  # CHGOFF, 21%
    assert set(frame["MIS_Status"].cat.categories) == {"CHGOFF", "P I F"}
    assert _is_utc(frame["ApprovalDate"]) and _is_utc(frame["ChgOffDate"])
    charged_off = frame["ChgOffDate"].dropna()
    assert charged_off.min() >= pd.Timestamp("1985-01-01", tz="UTC")
    assert charged_off.max() <= pd.Timestamp("2015-01-01", tz="UTC")
    assert (frame["ApprovalFY"].value_counts().head(3).index.tolist()) == [2005, 1997, 2004]
    assert frame["DisbursementGross"].dtype == "float64" and frame["SBA_Appv"].min() > 0
    assert _is_category(frame["UrbanRural"]) and frame["Term"].dtype == "int64"


def check_polish_bankruptcy(tables: dict[str, pd.DataFrame]) -> None:
    assert set(tables) == {"1year", "5year"}
    for horizon, rows, bankrupt in (("1year", 7_027, 271), ("5year", 5_910, 410)):
        frame = tables[horizon]
        assert frame.shape == (rows, 65)
        assert list(frame.columns) == [*(f"Attr{i}" for i in range(1, 65)), "class"]
        _int_target(frame["class"], bankrupt)
        assert all(is_float_dtype(frame[f"Attr{i}"]) for i in range(1, 65))
        assert frame["Attr24"].isna().any()  # '?' in the file
        assert frame.attrs["descriptions"]["Attr1"] == "net profit / total assets"


def check_cumcm2020c(tables: dict[str, pd.DataFrame]) -> None:
    assert set(tables) == {"firms", "invoices", "firms_without_history"}
    firms = tables["firms"]
    assert len(firms) == 123 and firms["企业代号"].is_unique
    _int_target(firms["是否违约"], 27)
    rating = firms["信誉评级"]
    assert rating.cat.ordered and list(rating.cat.categories) == ["A", "B", "C", "D"]
    assert firms.loc[rating == "D", "是否违约"].all()  # all 24 D-rated firms defaulted
    invoices = tables["invoices"]
    assert len(invoices) == 373_431
    assert set(invoices["企业代号"].unique()) == set(firms["企业代号"])
    assert list(invoices["方向"].cat.categories) == ["进项", "销项"]
    assert set(invoices["发票状态"].cat.categories) == {"有效发票", "作废发票"}
    assert _is_utc(invoices["开票日期"])
    assert invoices["开票日期"].min() >= pd.Timestamp("2016-10-01", tz="UTC")
    assert invoices["开票日期"].max() < pd.Timestamp("2020-03-01", tz="UTC")
    assert invoices["价税合计"].dtype == "float64"
    others = tables["firms_without_history"]
    assert len(others) == 302 and not set(others["企业代号"]) & set(firms["企业代号"])
    assert "是否违约" not in others.columns and not others["企业名称"].str.endswith(" ").any()


def check_eastmoney_funds(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == ["code", "abbr", "name", "type", "pinyin"]
    assert len(frame) == 11_007 and frame["code"].is_unique
    assert frame["code"].str.fullmatch(r"\d{6}").all()  # leading zeros kept
    assert frame.loc[0, "name"] == "华夏成长混合"
    counts = frame["type"].value_counts()
    assert (counts["混合型"], counts["债券型"], counts["货币型"]) == (4_153, 2_341, 692)


def check_fund_cum_nav(frame: pd.DataFrame) -> None:
    assert frame.shape == (3_535, 7) and frame.columns.name == "fund_code"
    assert "002001" in frame.columns and "240020" in frame.columns
    assert _is_utc(frame.index) and frame.index.is_monotonic_increasing and frame.index.is_unique
    assert frame.index[0] == pd.Timestamp("2004-01-02", tz="UTC")
    # the README says "to 2018-06-26": the file's one later day sits among its 2012 rows
    assert frame.index[-1] == pd.Timestamp("2018-06-27", tz="UTC")
    assert all(is_float_dtype(dtype) for dtype in frame.dtypes)
    assert frame["002001"].notna().all() and frame["240020"].isna().any()


def check_us_mutualfunds(frame: pd.DataFrame) -> None:
    assert frame.shape == (349, 96) and frame["fund_symbol"].is_unique
    assert frame["morningstar_risk_rating"].dtype == "int64"
    assert frame["morningstar_risk_rating"].between(1, 5).all()
    assert _is_utc(frame["inception_date"])
    first = frame.set_index("fund_symbol").loc["AAAAX", "inception_date"]
    assert first == pd.Timestamp("2007-07-30", tz="UTC")  # an Excel serial day in the file


def _prices(columns: int, first: str, last: str) -> Callable[[pd.DataFrame], None]:
    def check(frame: pd.DataFrame) -> None:
        assert frame.shape[1] == columns
        assert _is_utc(frame.index) and frame.index.name == "date"
        assert frame.index.is_monotonic_increasing
        assert frame.index[0] == pd.Timestamp(first, tz="UTC")
        assert frame.index[-1] == pd.Timestamp(last, tz="UTC")
        assert all(is_float_dtype(dtype) for dtype in frame.dtypes)

    return check


def check_ofac_sdn_2022(tables: dict[str, pd.DataFrame]) -> None:
    assert {name: len(frame) for name, frame in tables.items()} == {
        "sdn": 9_044,
        "alt": 12_409,
        "add": 13_625,  # the README's 13,626 counted the file's trailing end-of-file marker
    }
    sdn = tables["sdn"]
    assert sdn["sdn_type"].value_counts()["entity"] == 3_701
    assert is_integer_dtype(sdn["ent_num"])
    # The copier appended a row that reuses entry 2677; everything else is unique.
    assert sdn["ent_num"].duplicated().sum() == 1
    assert not sdn["remarks"].eq("-0-").any()
    assert set(tables["alt"]["alt_type"].cat.categories) == {"aka", "fka", "nka"}


def check_ofac_alt_2025(frame: pd.DataFrame) -> None:
    assert len(frame) == 19_776  # README's 19,777 included the end-of-file marker line
    assert _is_category(frame["alt_type"]) and frame["alt_name"].notna().all()


def check_uk_fcdo(frame: pd.DataFrame) -> None:
    assert len(frame) == 5_302
    assert frame["unique_id"].is_unique
    assert _is_utc(frame["date_designated"])
    assert set(frame["type"].cat.categories) == {"Individual", "Entity", "Ship"}


def check_un_2018(frame: pd.DataFrame) -> None:
    assert frame["kind"].value_counts().to_dict() == {"individual": 703, "entity": 390}
    assert _is_utc(frame["listed_on"]) and frame["listed_on"].notna().all()
    assert frame["name"].notna().all() and not frame["name"].str.contains("  ").any()
    assert isinstance(frame["aliases"].iloc[0], list)


def check_name_bench(tables: dict[str, pd.DataFrame]) -> None:
    cases = tables["cases"]
    assert len(cases) == 826 and int(cases["is_match"].sum()) == 425
    assert cases["quality"].cat.ordered
    logic = tables["logicv2"]
    assert len(logic) == 812 and logic["score"].between(0, 1).all()
    assert (logic["predicted_match"] == (logic["score"] >= 0.7)).all()


def check_yente_candidates(tables: dict[str, pd.DataFrame]) -> None:
    sizes = {name: len(frame) for name, frame in tables.items()}
    assert sizes == {
        "negatives_global": 50_000,
        "negatives_us": 50_000,
        "positives_un_treated": 683,
        "positives_un_untreated": 683,
        "positives_us_congress_untreated": 1_254,
    }
    assert _is_category(tables["negatives_us"]["gender"])


def check_merkle_vectors(vectors: list[dict[str, Any]]) -> None:
    assert len(vectors) == 518
    kinds = pd.Series([vector["kind"] for vector in vectors]).value_counts().to_dict()
    assert kinds == {
        "subtreeinclusion": 204,
        "subtreeconsistency": 118,
        "consistency": 98,
        "inclusion": 98,
    }
    happy = next(v for v in vectors if v["file"] == "inclusion/0/happy-path.json")
    assert happy["wantErr"] is False and happy["treeSize"] == 1
    assert sum(bool(vector["wantErr"]) for vector in vectors) == 482


CHECKS: dict[str, Callable[[Any], None]] = {
    "german": check_german,
    "taiwan": check_taiwan,
    "hmeq": check_hmeq,
    "lendingclub": check_lendingclub,
    "fraud_handbook": check_fraud,
    "amlsim": check_amlsim,
    "bank_marketing": check_bank_marketing,
    "hillstrom": check_hillstrom,
    "churn": check_churn,
    "cc_general": check_cc_general,
    "banking77": check_banking77,
    "clinc150": check_clinc150,
    "nlupp": check_nlupp,
    "atec": check_atec,
    "afqmc": check_afqmc,
    "bq": check_bq,
    "skfolio_sp500": _prices(20, "1990-01-02", "2022-12-28"),
    "skfolio_ftse100": _prices(64, "2000-01-04", "2023-05-31"),
    "skfolio_factors": _prices(5, "2014-01-02", "2022-12-28"),
    "skfolio_sp500_index": _prices(1, "1990-01-02", "2022-12-28"),
    "skfolio_sp500_implied_vol": _prices(20, "2010-01-04", "2022-12-28"),
    "pyportfolioopt_prices": _prices(19, "1990-01-02", "2024-11-29"),
    "ofac_sdn_2022": check_ofac_sdn_2022,
    "ofac_alt_2025": check_ofac_alt_2025,
    "uk_fcdo": check_uk_fcdo,
    "un_2018": check_un_2018,
    "name_bench": check_name_bench,
    "yente_candidates": check_yente_candidates,
    "merkle_vectors": check_merkle_vectors,
    "sba_case": check_sba_case,
    "sba_national": check_sba_national,
    "polish_bankruptcy": check_polish_bankruptcy,
    "cumcm2020c": check_cumcm2020c,
    "eastmoney_funds": check_eastmoney_funds,
    "fund_cum_nav": check_fund_cum_nav,
    "us_mutualfunds": check_us_mutualfunds,
}

HAVE_ODFPY = importlib.util.find_spec("odf") is not None


def test_every_catalogued_dataset_has_a_check() -> None:
    assert set(CHECKS) == set(ds.catalog())


@pytest.mark.parametrize("name", list(CHECKS))
def test_dataset_loads_with_readme_counts(name: str, real_data: Path) -> None:
    if name == "uk_fcdo" and not HAVE_ODFPY:
        with pytest.raises(ConfigurationError, match="odfpy"):
            ds.load(name)
        return
    CHECKS[name](ds.load(name))


def test_fraud_column_subset(real_data: Path) -> None:
    frame = ds.load_fraud_handbook(columns=["TX_DATETIME", "TX_FRAUD"])
    assert list(frame.columns) == ["TX_DATETIME", "TX_FRAUD"]
    assert _is_utc(frame["TX_DATETIME"])
    with pytest.raises(ValidationError, match="NOPE"):
        ds.load_fraud_handbook(columns=["NOPE"])
