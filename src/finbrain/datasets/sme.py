"""Small-business credit data: SBA 7(a) loans, Polish company bankruptcies, CUMCM 2020 problem C.

Targets are int64 with **1 = the bad event** (the loan was charged off, the company went
bankrupt, the firm defaulted). Amounts are float64 (dollars or yuan); dates are UTC midnight.

Honest-number caveats (measured in the data README): SBA's ``Term`` leaks the outcome (a term
that is not a multiple of 12 months almost always means the loan was charged off early) and
should be dropped before modelling; CUMCM's ``信誉评级`` is the bank's own rating of the firm,
which already encodes the default (every D-rated firm defaulted): never a feature.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import pandas as pd

from finbrain.core.errors import DatasetError
from finbrain.datasets._frames import (
    as_text,
    binary,
    categorical,
    categoricals,
    flag,
    read_verified_csv,
    utc,
)
from finbrain.datasets.files import expand, verified_path

__all__ = [
    "load_cumcm2020c",
    "load_polish_bankruptcy",
    "load_sba_case",
    "load_sba_national",
]

# --- SBA 7(a) loans -------------------------------------------------------------------------

_SBA_TEXT = ("Name", "City", "Bank")
_SBA_CATEGORICAL = ("State", "BankState", "RevLineCr", "LowDoc")
_SBA_INT = (
    "LoanNr_ChkDgt",
    "Zip",
    "NAICS",
    "ApprovalFY",
    "Term",
    "NoEmp",
    "CreateJob",
    "RetainedJob",
    "FranchiseCode",
)
_SBA_MONEY = ("DisbursementGross", "ChgOffPrinGr", "GrAppv", "SBA_Appv")
_SBA_STATUS = ("CHGOFF", "P I F")
#: The case file stores dates as SAS day numbers (days since 1960-01-01).
_SAS_EPOCH = "1960-01-01"


def _sba_common(frame: pd.DataFrame, relpath: str) -> None:
    """The columns both SBA files share, typed the same way (in place)."""
    for column in _SBA_TEXT:
        frame[column] = as_text(frame[column])
    categoricals(frame, _SBA_CATEGORICAL)
    # 1 = existing business, 2 = new; 0 is undocumented.
    frame["NewExist"] = categorical(frame["NewExist"].astype("Int64"))
    # 1 = urban, 2 = rural, 0 = undefined.
    frame["UrbanRural"] = categorical(frame["UrbanRural"].astype("int64"))
    frame[list(_SBA_INT)] = frame[list(_SBA_INT)].astype("int64")
    frame[list(_SBA_MONEY)] = frame[list(_SBA_MONEY)].astype("float64")
    frame["MIS_Status"] = categorical(frame["MIS_Status"], _SBA_STATUS, relpath=relpath)


def _sas_dates(series: pd.Series) -> pd.Series:
    days = pd.to_timedelta(series, unit="D")
    return pd.Timestamp(_SAS_EPOCH, tz="UTC") + days


def load_sba_case() -> pd.DataFrame:
    """SBA 7(a) case subset: 2,101 loans to small businesses, 686 charged off (33%).

    The teaching subset of Li, Mickel & Taylor (2018), "Should This Loan be Approved or Denied?"
    (Journal of Statistics Education): real estate and rental/leasing firms in California,
    fiscal years 1989-2012. Target ``Default``: int64, 1 = charged off (``MIS_Status`` CHGOFF).
    ``Selected`` (bool) is the paper's own split: True = training, False = validation.

    Dates (``ApprovalDate``, ``DisbursementDate``, ``ChgOffDate`` and ``xx``, the planned
    maturity = disbursement + ``daysterm``) are stored in the file as SAS day numbers and come
    back as UTC dates (NaT where blank). ``New``, ``RealEstate`` (term >= 240 months) and
    ``Recession`` (active during the 2007-09 recession) are bool; ``Portion`` (SBA-guaranteed
    share) and the dollar amounts are float64; ``NAICS`` and ``Zip`` are int64 codes, not
    quantities; ``State``, ``BankState``, ``RevLineCr``, ``LowDoc``, ``NewExist`` and
    ``UrbanRural`` are categoricals with the source's values (including its stray codes).

    ``Term`` (months) leaks the outcome — a charged-off loan's recorded term is often cut short —
    so drop it for an honest model; it is kept because the paper and the README discuss it.
    """
    relpath = "sme/sba/SBAcase.11.13.17.csv"
    text = dict.fromkeys((*_SBA_TEXT, *_SBA_CATEGORICAL, "MIS_Status"), "str")
    frame = read_verified_csv(relpath, encoding="utf-8-sig", dtype=text)
    _sba_common(frame, relpath)
    for column in ("ApprovalDate", "DisbursementDate", "ChgOffDate", "xx"):
        frame[column] = _sas_dates(frame[column])
    for column in ("Selected", "New", "RealEstate", "Recession"):
        frame[column] = flag(frame[column], relpath=relpath)
    frame["daysterm"] = frame["daysterm"].astype("int64")
    frame[["BalanceGross", "Portion"]] = frame[["BalanceGross", "Portion"]].astype("float64")
    frame["Default"] = binary(frame["Default"], 1, 0, relpath=relpath)
    if not ((frame["MIS_Status"] == "CHGOFF") == (frame["Default"] == 1)).all():
        raise DatasetError(f"{relpath}: Default disagrees with MIS_Status", path=relpath)
    return frame


def load_sba_national() -> pd.DataFrame:
    """A part of the SBA national file: 22,308 labelled 7(a) loans, 4,693 charged off (21%).

    The file holds 22,427 of the paper's 899,164 loans (mostly fiscal years 1997 and 2004-06);
    the 119 whose ``MIS_Status`` is blank have no known outcome and are left out. ``Default`` is
    added as in the paper (int64, 1 = ``MIS_Status`` CHGOFF, 0 = P I F, paid in full).

    ``ApprovalDate``, ``DisbursementDate`` (m/d/yyyy) and ``ChgOffDate`` (d-Mon-yy) are UTC
    dates; money columns are float64 dollars; the other columns are typed as in
    :func:`load_sba_case`. Drop ``Term`` before modelling: it leaks the outcome.
    """
    relpath = "sme/sba/SBAnational_partial.csv"
    text = dict.fromkeys((*_SBA_TEXT, *_SBA_CATEGORICAL, "MIS_Status"), "str")
    text.update(ApprovalDate="str", DisbursementDate="str", ChgOffDate="str")
    frame = read_verified_csv(relpath, encoding="utf-8-sig", dtype=text)
    frame = frame[frame["MIS_Status"].notna()].reset_index(drop=True)
    _sba_common(frame, relpath)
    frame["ApprovalDate"] = utc(frame["ApprovalDate"], fmt="%m/%d/%Y")
    frame["DisbursementDate"] = utc(frame["DisbursementDate"], fmt="%m/%d/%Y")
    # Two-digit years: Python reads 69-99 as 19xx and 00-68 as 20xx, right for 1989-2014.
    frame["ChgOffDate"] = utc(frame["ChgOffDate"], fmt="%d-%b-%y")
    frame["Default"] = binary(frame["MIS_Status"].astype("str"), "CHGOFF", "P I F")
    return frame


# --- Polish companies bankruptcy (UCI 365) --------------------------------------------------

_ARFF_ATTRIBUTE = re.compile(r"@attribute\s+('(?:[^']*)'|\S+)\s+(.+)", re.IGNORECASE)
_POLISH_RATIOS = 64


def _read_arff(relpath: str) -> tuple[list[tuple[str, str]], pd.DataFrame]:
    """A dense ARFF file: its (name, type) attributes and its data ('?' = missing)."""
    path = verified_path(relpath)
    attributes: list[tuple[str, str]] = []
    with path.open(encoding="utf-8") as handle:
        for lineno, raw in enumerate(handle, start=1):
            line = raw.strip()
            if not line or line.startswith("%") or line.lower().startswith("@relation"):
                continue
            if line.lower() == "@data":
                data_start = lineno
                break
            match = _ARFF_ATTRIBUTE.fullmatch(line)
            if match is None:
                raise DatasetError(f"{relpath} line {lineno} is not ARFF: {line!r}", path=relpath)
            attributes.append((match.group(1).strip("'"), match.group(2).strip()))
        else:
            raise DatasetError(f"{relpath} has no @data section", path=relpath)
    frame = pd.read_csv(
        path,
        skiprows=data_start,
        header=None,
        names=[f"c{i}" for i in range(len(attributes))],
        na_values=["?"],
        keep_default_na=False,
        comment="%",
    )
    return attributes, frame


def _polish(relpath: str) -> pd.DataFrame:
    attributes, frame = _read_arff(relpath)
    kinds = [kind.lower() for _, kind in attributes]
    if len(attributes) != _POLISH_RATIOS + 1 or kinds[:-1] != ["numeric"] * _POLISH_RATIOS:
        raise DatasetError(f"{relpath}: expected 64 numeric ratios and a class", path=relpath)
    if kinds[-1].replace(" ", "") != "{0,1}":
        raise DatasetError(f"{relpath}: the class must be {{0,1}}, not {kinds[-1]}", path=relpath)
    names = [f"Attr{i}" for i in range(1, _POLISH_RATIOS + 1)]
    frame.columns = [*names, "class"]
    frame[names] = frame[names].astype("float64")
    frame["class"] = binary(frame["class"], 1, 0, relpath=relpath)
    frame.attrs["descriptions"] = {
        name: description for name, (description, _) in zip(names, attributes, strict=False)
    }
    return frame


def load_polish_bankruptcy() -> dict[str, pd.DataFrame]:
    """Polish companies' bankruptcy (Zięba, Tomczak & Tomczak 2016; UCI 365, CC BY 4.0).

    Returns ``1year`` (7,027 companies, 271 bankrupt) and ``5year`` (5,910, 410): financial
    statements and whether the company went bankrupt within one year / five years of them.
    Columns ``Attr1`` .. ``Attr64`` are UCI's names for the 64 financial ratios (float64, NaN
    where the file has '?'); each ratio's formula ("net profit / total assets", ...) is in
    ``frame.attrs["descriptions"]``. Target ``class``: int64, 1 = went bankrupt (this copy's
    ARFF calls it ``bankruptcy``).
    """
    return {horizon: _polish(f"sme/polish/{horizon}.arff") for horizon in ("1year", "5year")}


# --- CUMCM 2020 problem C: Chinese SMEs' invoices -------------------------------------------

_CUMCM = "sme/cumcm2020c"
_FIRM_ID = "企业代号"
_RATINGS = ("A", "B", "C", "D")
_DIRECTIONS = {"input": "进项", "output": "销项"}
_COUNTERPARTY = {"input": "销方单位代号", "output": "购方单位代号"}
_INVOICE_STATUS = ("有效发票", "作废发票")
_FIRM_INT_PREFIXES = ("有效", "作废")  # invoice counts
_FIRM_INT = ("总发票数",)


def _firm_number(relpath_or_id: str) -> int:
    return int(PurePosixPath(relpath_or_id).stem.removeprefix("E"))


def _firms(relpath: str) -> pd.DataFrame:
    frame = read_verified_csv(relpath, encoding="utf-8-sig", dtype={_FIRM_ID: "str"})
    frame[_FIRM_ID] = as_text(frame[_FIRM_ID])
    frame["企业名称"] = as_text(frame["企业名称"].str.strip())
    for column in frame.columns:
        if column in (_FIRM_ID, "企业名称", "信誉评级", "是否违约"):
            continue
        is_count = column in _FIRM_INT or (
            column.startswith(_FIRM_INT_PREFIXES) and column.endswith("发票数")
        )
        frame[column] = frame[column].astype("int64" if is_count else "float64")
    return frame


def _invoices(direction: str, firm_ids: list[str]) -> pd.DataFrame:
    folder = f"{_CUMCM}/credit_history_enterprise_{direction}_invoice"
    relpaths = sorted(expand(f"{folder}/E*.csv"), key=_firm_number)
    if [PurePosixPath(p).stem for p in relpaths] != firm_ids:
        raise DatasetError(f"{folder}: the invoice files do not match the 123 firms", path=folder)
    counterparty = _COUNTERPARTY[direction]
    parts = []
    for relpath in relpaths:
        part = read_verified_csv(
            relpath,
            encoding="utf-8-sig",
            index_col=0,
            dtype={_FIRM_ID: "str", counterparty: "str", "开票日期": "str", "发票状态": "str"},
        )
        if not (part[_FIRM_ID] == PurePosixPath(relpath).stem).all():
            raise DatasetError(f"{relpath} holds another firm's invoices", path=relpath)
        parts.append(part.rename(columns={counterparty: "对方单位代号"}))
    frame = pd.concat(parts, ignore_index=True)
    frame.insert(1, "方向", _DIRECTIONS[direction])
    return frame


def load_cumcm2020c() -> dict[str, pd.DataFrame]:
    """Chinese small firms' credit decisions (2020 national mathematical contest, problem C).

    Returns three tables, column names as in the source (Chinese):

    - ``firms``: the 123 firms with a credit history, one row each: ``企业代号`` (E1..E123),
      ``企业名称`` (masked name), ``信誉评级`` (the bank's rating, ordered categorical A < B < C
      < D), ``是否违约`` (int64, 1 = defaulted; 27 did) and 24 invoice aggregates the copier
      computed (amounts and ratios float64, invoice counts int64). Never use ``信誉评级`` as a
      feature: it encodes the outcome (all 24 D-rated firms defaulted).
    - ``invoices``: every purchase (进项) and sales (销项) invoice of those firms, 2016-10 to
      2020-02, one long table (373,431 rows): ``企业代号``, ``方向`` (categorical 进项 / 销项),
      ``发票号码`` (int64), ``开票日期`` (UTC date), ``对方单位代号`` (the seller for a purchase,
      the buyer for a sale), ``金额``, ``税额``, ``价税合计`` (float64 yuan; negative for credit
      notes) and ``发票状态`` (categorical 有效发票 valid / 作废发票 void).
    - ``firms_without_history``: the 302 firms the contest asks to rate (E124..E425), the same
      aggregates without rating or outcome.
    """
    firms = _firms(f"{_CUMCM}/credit_history_enterprise_information.csv")
    firms["信誉评级"] = categorical(firms["信誉评级"], _RATINGS, ordered=True, relpath=_CUMCM)
    firms["是否违约"] = binary(firms["是否违约"], "是", "否", relpath=_CUMCM)
    firm_ids = firms[_FIRM_ID].tolist()
    invoices = pd.concat(
        [_invoices(direction, firm_ids) for direction in _DIRECTIONS], ignore_index=True
    )
    invoices[_FIRM_ID] = categorical(invoices[_FIRM_ID], firm_ids, relpath=_CUMCM)
    invoices["方向"] = categorical(invoices["方向"], tuple(_DIRECTIONS.values()))
    invoices["发票号码"] = invoices["发票号码"].astype("int64")
    invoices["开票日期"] = utc(invoices["开票日期"], fmt="%Y/%m/%d")
    invoices["对方单位代号"] = as_text(invoices["对方单位代号"])
    money = ["金额", "税额", "价税合计"]
    invoices[money] = invoices[money].astype("float64")
    # One file writes ' 作废发票' with a leading space.
    status = invoices["发票状态"].str.strip()
    invoices["发票状态"] = categorical(status, _INVOICE_STATUS, relpath=_CUMCM)
    others = _firms(f"{_CUMCM}/no_credit_history_enterprise_information.csv")
    return {"firms": firms, "invoices": invoices, "firms_without_history": others}
