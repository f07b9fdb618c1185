"""The sanctions lists shipped inside finbrain: pinned, identical to the data folder's, and read
when there is no data folder."""

from __future__ import annotations

import gzip
from importlib import resources
from pathlib import Path

import pytest

from finbrain.core.errors import DatasetChecksumError, DatasetMissingError
from finbrain.datasets import bundle, files
from tests.datasets.conftest import SetDataDir


def test_every_bundled_file_is_the_data_folders_file(real_dir: Path) -> None:
    pinned = files.checksums(real_dir)
    for relpath, entry in bundle.BUNDLED.items():
        assert entry.sha256 == pinned[relpath], relpath
        assert bundle.bundled_bytes(relpath) == (real_dir / relpath).read_bytes(), relpath


def test_without_a_data_folder_the_bundle_is_read(tmp_path: Path, set_data_dir: SetDataDir) -> None:
    set_data_dir(tmp_path / "nowhere")
    raw = bundle.data_bytes("./identity/un_2018/consolidated.xml")
    assert raw.startswith(b"<?xml") and b"<CONSOLIDATED_LIST" in raw[:2000]
    with pytest.raises(DatasetMissingError):
        bundle.data_bytes("credit/hmeq/hmeq.csv")  # no-ship: never bundled


def test_an_altered_data_folder_copy_is_refused_not_replaced(
    tmp_path: Path, set_data_dir: SetDataDir
) -> None:
    relpath = "identity/un_2018/consolidated.xml"
    folder = tmp_path / "data"
    (folder / "identity/un_2018").mkdir(parents=True)
    (folder / relpath).write_bytes(b"<CONSOLIDATED_LIST/>")
    (folder / "SHA256SUMS").write_text(f"{bundle.BUNDLED[relpath].sha256}  ./{relpath}\n")
    set_data_dir(folder)
    files.clear_caches()
    with pytest.raises(DatasetChecksumError):
        bundle.data_bytes(relpath)


def test_a_damaged_bundle_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    entry = bundle.BUNDLED["identity/un_2018/consolidated.xml"]
    damaged = tmp_path / entry.name
    damaged.write_bytes(gzip.compress(b"<CONSOLIDATED_LIST/>"))

    class Folder:
        def joinpath(self, *parts: str) -> Path:
            return tmp_path / parts[-1]

    monkeypatch.setattr(resources, "files", lambda _package: Folder())
    with pytest.raises(DatasetChecksumError, match="Reinstall"):
        bundle.bundled_bytes(entry.relpath)
