"""Checksum verification, missing-file hints and the bundled German credit copy."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import finbrain.datasets as ds
from finbrain.core.errors import DatasetChecksumError, DatasetMissingError, ValidationError
from finbrain.datasets import credit, files

GERMAN = "credit/german/germancredit.csv"
SetDataDir = Callable[[Path], None]  # the conftest fixture's type


def _copy_with_sums(real_dir: Path, target: Path, relpaths: list[str]) -> None:
    """Copy some data files and only their SHA256SUMS lines into ``target``."""
    sums = files.checksums(real_dir)
    lines = []
    for relpath in relpaths:
        (target / relpath).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(real_dir / relpath, target / relpath)
        lines.append(f"{sums[relpath]}  ./{relpath}\n")
    (target / "SHA256SUMS").write_text("".join(lines))


def _flip_byte(path: Path, offset: int = 100) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_intact_copy_verifies_and_is_hashed_once(
    real_dir: Path, tmp_path: Path, set_data_dir: SetDataDir, monkeypatch: pytest.MonkeyPatch
) -> None:
    _copy_with_sums(real_dir, tmp_path, [GERMAN])
    set_data_dir(tmp_path)
    calls: list[Path] = []
    real_hash = files.sha256_file

    def counting(path: Path) -> str:
        calls.append(path)
        return real_hash(path)

    monkeypatch.setattr(files, "sha256_file", counting)
    assert files.verified_path(GERMAN) == tmp_path / GERMAN
    assert files.verified_path("./" + GERMAN) == tmp_path / GERMAN
    assert len(calls) == 1  # the second call is answered from the (path, size, mtime) cache
    assert ds.data_dir() == tmp_path


def test_tampered_copy_raises_checksum_error(
    real_dir: Path, tmp_path: Path, set_data_dir: SetDataDir
) -> None:
    _copy_with_sums(real_dir, tmp_path, [GERMAN])
    _flip_byte(tmp_path / GERMAN)
    set_data_dir(tmp_path)
    expected = files.checksums(real_dir)[GERMAN]
    with pytest.raises(DatasetChecksumError) as caught:
        files.verified_path(GERMAN)
    message = str(caught.value)
    assert GERMAN in message
    assert expected in message
    actual = files.sha256_file(tmp_path / GERMAN)
    assert actual in message and actual != expected
    assert caught.value.code == "FB-DATASET-CHECKSUM"


def test_edit_after_verification_is_noticed(
    real_dir: Path, tmp_path: Path, set_data_dir: SetDataDir
) -> None:
    relpath = "assistant/banking77/categories.json"
    _copy_with_sums(real_dir, tmp_path, [relpath])
    set_data_dir(tmp_path)
    files.verified_path(relpath)
    target = tmp_path / relpath
    stat = target.stat()
    _flip_byte(target, offset=10)
    # Even with the same size, a new mtime invalidates the cached digest.
    assert target.stat().st_size == stat.st_size
    with pytest.raises(DatasetChecksumError, match=r"categories\.json"):
        files.verified_path(relpath)


def test_missing_file_names_it_and_hints(tmp_path: Path, set_data_dir: SetDataDir) -> None:
    (tmp_path / "SHA256SUMS").write_text("")
    set_data_dir(tmp_path)
    with pytest.raises(DatasetMissingError) as caught:
        ds.load_taiwan()
    message = str(caught.value)
    assert "credit/taiwan/UCI_Credit_Card.csv" in message
    assert "FINBRAIN_DATA_DIR" in message
    assert caught.value.code == "FB-DATASET-MISSING"


def test_missing_sums_file_is_reported(
    real_dir: Path, tmp_path: Path, set_data_dir: SetDataDir
) -> None:
    _copy_with_sums(real_dir, tmp_path, [GERMAN])
    (tmp_path / "SHA256SUMS").unlink()
    set_data_dir(tmp_path)
    with pytest.raises(DatasetMissingError, match="SHA256SUMS"):
        files.verified_path(GERMAN)


def test_unpinned_file_is_refused(real_dir: Path, tmp_path: Path, set_data_dir: SetDataDir) -> None:
    _copy_with_sums(real_dir, tmp_path, [GERMAN])
    (tmp_path / "extra.csv").write_text("a,b\n1,2\n")
    set_data_dir(tmp_path)
    with pytest.raises(DatasetChecksumError, match=r"extra\.csv"):
        files.verified_path("extra.csv")


def test_malformed_sums_line_is_reported(tmp_path: Path, set_data_dir: SetDataDir) -> None:
    (tmp_path / "SHA256SUMS").write_text("not-a-digest  ./x.csv\n")
    (tmp_path / "x.csv").write_text("a\n")
    set_data_dir(tmp_path)
    with pytest.raises(DatasetChecksumError, match="line 1"):
        files.verified_path("x.csv")


def test_missing_data_folder(tmp_path: Path, set_data_dir: SetDataDir) -> None:
    set_data_dir(tmp_path / "nowhere")
    with pytest.raises(DatasetMissingError, match="FINBRAIN_DATA_DIR"):
        ds.data_dir()
    assert files.optional_data_dir() is None


@pytest.mark.parametrize("relpath", ["../secret.csv", "/etc/passwd", "credit/../../x", ""])
def test_paths_cannot_leave_the_data_folder(relpath: str) -> None:
    with pytest.raises(ValidationError) as caught:
        files.verified_path(relpath)
    assert caught.value.rule == "inside_data_dir"


def test_expand_matches_pinned_files(real_data: Path) -> None:
    folds = files.expand("assistant/nlupp/fold*.json")
    assert len(folds) == 20
    assert all((real_data / path).is_file() for path in folds)
    assert files.expand("./credit/german/germancredit.csv") == [GERMAN]
    with pytest.raises(DatasetMissingError):
        files.expand("nothing/*.csv")


def test_unknown_dataset_name() -> None:
    with pytest.raises(ValidationError) as caught:
        ds.load("german_credit")
    error = caught.value
    assert error.field == "name"
    assert error.rule == "known_dataset"
    assert "german" in str(error) and "taiwan" in str(error)
    assert error.params["valid"] == sorted(ds.catalog())


def test_bundled_german_equals_data_dir_copy(real_data: Path) -> None:
    bundled = ds.load_german(source="bundled")
    from_folder = ds.load_german(source="data_dir")
    pd.testing.assert_frame_equal(bundled, from_folder)
    pd.testing.assert_frame_equal(ds.load_german(), from_folder)


def test_german_falls_back_to_bundle_without_data(tmp_path: Path, set_data_dir: SetDataDir) -> None:
    set_data_dir(tmp_path)  # an empty folder: no German file
    frame = ds.load_german()
    assert len(frame) == 1000
    assert int(frame["creditability"].sum()) == 300
    set_data_dir(tmp_path / "nowhere")  # no folder at all
    assert len(ds.load("german")) == 1000


def test_german_forced_data_dir_without_data(tmp_path: Path, set_data_dir: SetDataDir) -> None:
    set_data_dir(tmp_path)
    with pytest.raises(DatasetMissingError, match=r"german\.data"):
        ds.load_german(source="data_dir")


def test_german_rejects_unknown_source() -> None:
    with pytest.raises(ValidationError):
        ds.load_german(source="web")  # type: ignore[arg-type]


def test_tampered_bundle_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(credit, "GERMAN_SHA256", "0" * 64)
    with pytest.raises(DatasetChecksumError, match=r"germancredit\.csv\.gz"):
        ds.load_german(source="bundled")
