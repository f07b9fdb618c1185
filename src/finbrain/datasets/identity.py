"""KYC and sanctions-screening data: OFAC, UK and UN lists and OpenSanctions name benchmarks.

These are **old snapshots**, for building and testing name matching, never for live screening.
The four lists ship inside finbrain (``bundled/``, see its ATTRIBUTION.md): without the data folder
their loaders read the bundled copies, checked against the same SHA-256 digests.
Names are kept exactly as published (no case folding, no transliteration); a name such as "NA"
is text, never a missing value. Dates are tz-aware UTC at midnight.
"""

from __future__ import annotations

import importlib.util
import io
import xml.etree.ElementTree as ET
from pathlib import PurePosixPath
from typing import Any

import pandas as pd

from finbrain.core.errors import ConfigurationError
from finbrain.datasets._frames import (
    TEXT,
    as_text,
    categorical,
    categoricals,
    read_verified_csv,
    utc,
)
from finbrain.datasets.bundle import data_bytes
from finbrain.datasets.files import expand

__all__ = [
    "OFAC_ADD_COLUMNS",
    "OFAC_ALT_COLUMNS",
    "OFAC_SDN_COLUMNS",
    "load_name_bench",
    "load_ofac_alt_2025",
    "load_ofac_sdn_2022",
    "load_uk_fcdo",
    "load_un_2018",
    "load_yente_candidates",
]

# The legacy OFAC CSV files have no header; these are the field names of OFAC's specification.
OFAC_SDN_COLUMNS = (
    "ent_num",
    "sdn_name",
    "sdn_type",
    "program",
    "title",
    "call_sign",
    "vess_type",
    "tonnage",
    "grt",
    "vess_flag",
    "vess_owner",
    "remarks",
)
OFAC_ALT_COLUMNS = ("ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks")
OFAC_ADD_COLUMNS = ("ent_num", "add_num", "address", "city_state_zip", "country", "add_remarks")
_OFAC_NULL = ["-0-", "-0- "]  # OFAC's "no value" marker
_DOS_EOF = b"\x1a"  # some OFAC files end with a Ctrl-Z end-of-file byte: not a record


def _read_ofac(
    relpath: str, columns: tuple[str, ...], int_columns: tuple[str, ...]
) -> pd.DataFrame:
    raw = data_bytes(relpath).rstrip(b"\r\n" + _DOS_EOF)
    dtypes: dict[str, str] = dict.fromkeys(columns, TEXT)
    dtypes.update(dict.fromkeys(int_columns, "int64"))
    return pd.read_csv(
        io.BytesIO(raw),
        header=None,
        names=list(columns),
        dtype=dtypes,
        na_values=_OFAC_NULL,
        keep_default_na=False,
        encoding="utf-8",
    )


def _ofac_alt(relpath: str) -> pd.DataFrame:
    frame = _read_ofac(relpath, OFAC_ALT_COLUMNS, ("ent_num", "alt_num"))
    frame["alt_type"] = categorical(frame["alt_type"], ("aka", "fka", "nka"), relpath=relpath)
    return frame


def load_ofac_sdn_2022() -> dict[str, pd.DataFrame]:
    """US Treasury OFAC SDN list, legacy CSV of about January 2022.

    Returns ``sdn`` (9,044 listed parties), ``alt`` (12,409 aliases) and ``add`` (13,625
    addresses), joined on ``ent_num`` (int64). ``sdn.sdn_type`` is a categorical: individual,
    entity, vessel or aircraft (OFAC leaves it blank for entities; it is filled in here).
    ``alt.alt_type`` is a categorical aka / fka / nka (also / formerly / now known as). All other
    fields are text with OFAC's ``-0-`` placeholder turned into NaN; ``program`` may hold several
    programmes such as ``SDGT] [IRGC``. This copy was re-saved by a third party: some quoting was
    lost (every row still parses to the right number of fields) and its last ``sdn`` row reuses
    entry number 2677, so ``ent_num`` is not quite unique; join with care.
    """
    sdn = _read_ofac("identity/ofac_sdn_2022/sdn.csv", OFAC_SDN_COLUMNS, ("ent_num",))
    sdn["sdn_type"] = categorical(
        sdn["sdn_type"].fillna("entity"),
        ("individual", "entity", "vessel", "aircraft"),
        relpath="identity/ofac_sdn_2022/sdn.csv",
    )
    add = _read_ofac("identity/ofac_sdn_2022/add.csv", OFAC_ADD_COLUMNS, ("ent_num", "add_num"))
    return {"sdn": sdn, "alt": _ofac_alt("identity/ofac_sdn_2022/alt.csv"), "add": add}


def load_ofac_alt_2025() -> pd.DataFrame:
    """OFAC SDN aliases (``alt.csv``), August 2025: 19,776 aliases, columns as the 2022 ``alt``."""
    return _ofac_alt("identity/ofac_alt_2025/alt.csv")


_UK_COLUMNS = {
    "Unique ID": "unique_id",
    "OFSI Group ID": "ofsi_group_id",
    "Name": "name",
    "Regime Name": "regime_name",
    "Type": "type",
    "Designation source": "designation_source",
    "Date Designated": "date_designated",
    "Sanctions Imposed": "sanctions_imposed",
}


def load_uk_fcdo() -> pd.DataFrame:
    """UK Sanctions List (FCDO), 11 August 2025: 5,302 designations, one row each.

    Columns: ``unique_id`` (e.g. ``AFG0001``), ``ofsi_group_id``, ``name`` (str);
    ``regime_name``, ``type`` (Individual / Entity / Ship), ``designation_source`` (UK, UN or
    both) and ``sanctions_imposed`` as categoricals; ``date_designated`` as a UTC date.

    The list is an OpenDocument spreadsheet: reading it needs the optional ``odfpy`` package
    (``pip install odfpy``) and takes a few seconds.
    """
    if importlib.util.find_spec("odf") is None:
        raise ConfigurationError(
            "Loading the UK sanctions list (.ods) needs the optional package odfpy: "
            "install it with `pip install odfpy`.",
            package="odfpy",
        )
    relpath = "identity/uk_fcdo_2025/uk_sanctions_list_2025-08-11.ods"
    frame = pd.read_excel(io.BytesIO(data_bytes(relpath)), engine="odf", dtype=str)
    frame.columns = [str(column).strip() for column in frame.columns]
    frame = frame.rename(columns=_UK_COLUMNS)[list(_UK_COLUMNS.values())]
    # The spreadsheet's cells carry layout whitespace around each value.
    for column in frame.columns:
        frame[column] = as_text(frame[column]).str.strip()
    categoricals(frame, ("regime_name", "type", "designation_source", "sanctions_imposed"))
    frame["date_designated"] = utc(frame["date_designated"], fmt="%d-%m-%Y")
    return frame


def _clean(text: str | None) -> str | None:
    """Collapse the stray spaces and line breaks of the UN file; empty means missing."""
    if text is None:
        return None
    collapsed = " ".join(text.split())
    return collapsed or None


def _values(element: ET.Element, path: str) -> list[str]:
    found = (_clean(node.text) for node in element.iterfind(path))
    return [value for value in found if value]


def _un_row(element: ET.Element, kind: str) -> dict[str, Any]:
    parts = [
        _clean(element.findtext(tag))
        for tag in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
    ]
    prefix = "INDIVIDUAL" if kind == "individual" else "ENTITY"
    births = [
        _clean(node.findtext("DATE")) or _clean(node.findtext("YEAR"))
        for node in element.iterfind("INDIVIDUAL_DATE_OF_BIRTH")
    ]
    return {
        "dataid": int(element.findtext("DATAID") or 0),
        "kind": kind,
        "name": " ".join(part for part in parts if part),
        "first_name": parts[0],
        "second_name": parts[1],
        "third_name": parts[2],
        "fourth_name": parts[3],
        "name_original_script": _clean(element.findtext("NAME_ORIGINAL_SCRIPT")),
        "un_list_type": _clean(element.findtext("UN_LIST_TYPE")),
        "reference_number": _clean(element.findtext("REFERENCE_NUMBER")),
        # xsd:date may carry a zone ("2005-09-21-04:00"): the calendar date is what matters.
        "listed_on": (_clean(element.findtext("LISTED_ON")) or "")[:10] or None,
        "aliases": _values(element, f"{prefix}_ALIAS/ALIAS_NAME"),
        "nationality": _values(element, "NATIONALITY/VALUE"),
        "dates_of_birth": [b for b in births if b],
        "comments": _clean(element.findtext("COMMENTS1")),
    }


def load_un_2018() -> pd.DataFrame:
    """UN Security Council consolidated sanctions list of 29 October 2018: 1,093 rows.

    One row per listed party (703 individuals then 390 entities): ``dataid`` (int64), ``kind``
    (categorical individual / entity), ``name`` (the name parts joined), ``first_name`` ..
    ``fourth_name``, ``name_original_script``, ``reference_number``, ``comments`` (str),
    ``un_list_type`` (categorical: Al-Qaida, Taliban, DPRK, ...), ``listed_on`` (UTC date), and
    list columns ``aliases``, ``nationality`` and ``dates_of_birth`` (as written: a full date or
    a year). Runs of spaces in the source are collapsed to one.
    """
    # The file is checksum-pinned, and ElementTree neither fetches external entities nor, with
    # expat 2.4.1 or newer, expands entity bombs.
    raw = data_bytes("identity/un_2018/consolidated.xml")
    root = ET.fromstring(raw)  # noqa: S314
    rows = [_un_row(node, "individual") for node in root.iterfind("INDIVIDUALS/INDIVIDUAL")]
    rows += [_un_row(node, "entity") for node in root.iterfind("ENTITIES/ENTITY")]
    frame = pd.DataFrame(rows)
    frame["dataid"] = frame["dataid"].astype("int64")
    text_columns = [
        "name",
        "first_name",
        "second_name",
        "third_name",
        "fourth_name",
        "name_original_script",
        "reference_number",
        "comments",
    ]
    for column in text_columns:
        frame[column] = as_text(frame[column])
    frame["kind"] = categorical(frame["kind"], ("individual", "entity"))
    frame["un_list_type"] = categorical(frame["un_list_type"])
    frame["listed_on"] = utc(frame["listed_on"], fmt="%Y-%m-%d")
    return frame


def _name_table(relpath: str, extra: dict[str, str]) -> pd.DataFrame:
    dtypes = {
        "case_group": "str",
        "schema": "str",
        "name1": TEXT,
        "name2": TEXT,
        "is_match": "bool",
        "quality": "str",
        "category": "str",
        "notes": TEXT,
        **extra,
    }
    frame = read_verified_csv(
        relpath,
        dtype=dtypes,
        keep_default_na=False,
        na_values=[""],
    )
    categoricals(frame, ("case_group", "schema", "category"))
    frame["quality"] = categorical(
        frame["quality"], ("WEAK", "MEDIUM", "STRONG"), ordered=True, relpath=relpath
    )
    return frame


def load_name_bench() -> dict[str, pd.DataFrame]:
    """OpenSanctions name-matching benchmark: labelled name pairs and a reference matcher's run.

    ``cases``: 826 pairs (425 true matches) with ``case_group``, ``schema`` (Person, Company...),
    ``category`` (the kind of variation, e.g. "Fat Finger Typo") as categoricals, ``quality`` as
    an ordered categorical WEAK < MEDIUM < STRONG, ``name1`` / ``name2`` / ``notes`` as text and
    target ``is_match`` (bool). ``logicv2``: OpenSanctions' own logic-v2 matcher frozen on 812 of
    those pairs, adding ``case_id`` (str), ``score`` (float64, 0..1), ``predicted_match`` (bool,
    score >= 0.7) and ``outcome`` (categorical TP / FP / TN / FN).
    """
    base = "identity/opensanctions/name_bench"
    cases = _name_table(f"{base}/cases.csv", {})
    frozen = _name_table(
        f"{base}/logicv2-frozen.csv",
        {"case_id": TEXT, "score": "float64", "predicted_match": "bool", "outcome": "str"},
    )
    frozen["outcome"] = categorical(frozen["outcome"], ("TP", "FP", "TN", "FN"))
    return {"cases": cases, "logicv2": frozen}


def load_yente_candidates() -> dict[str, pd.DataFrame]:
    """OpenSanctions yente candidate-generation fixtures, keyed by file name without ``.csv``.

    ``negatives_global`` and ``negatives_us`` (50,000 synthetic people each, nobody listed) and
    the positives ``positives_un_untreated`` / ``positives_un_treated`` (683 UN-listed people,
    the treated copy with small typos and reshuffles) and ``positives_us_congress_untreated``
    (1,254 US Congress members, many with common names). Columns ``full_name``, ``first_name``,
    ``middle_name``, ``last_name``, ``place_of_birth``, ``nationality`` (str), ``gender``
    (categorical), ``date_of_birth`` (str: a full date or only a year).
    """
    result: dict[str, pd.DataFrame] = {}
    for relpath in expand("identity/opensanctions/yente_candidates/*.csv"):
        frame = read_verified_csv(relpath, dtype=TEXT, keep_default_na=False, na_values=[""])
        frame["gender"] = categorical(frame["gender"], ("female", "male", "other"), relpath=relpath)
        result[PurePosixPath(relpath).stem] = frame
    return result
