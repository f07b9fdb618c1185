"""Public data that ships inside finbrain, so that a ``pip install`` works without the data folder.

Only shippable files are here (see ``bundled/ATTRIBUTION.md``): the sanctions lists that
screening and the demo's card applications need (OFAC, US public domain; UN, public; UK, Open
Government Licence). Each one is the data folder's file byte for byte, gzip-compressed (the UK
list is an OpenDocument spreadsheet, already a zip archive, and is stored as it is), and is
pinned here by the SHA-256 of those bytes: the same digest as the data folder's ``SHA256SUMS``.

:func:`data_bytes` is what loaders call: the data folder's copy when the folder has the file
(checked against ``SHA256SUMS``; a present but altered copy is refused, never replaced), and
otherwise the bundled copy (checked against the digest pinned here).
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

from finbrain.core.errors import DatasetChecksumError, DatasetMissingError
from finbrain.datasets.files import (
    checksums,
    normalise_relpath,
    optional_data_dir,
    sha256_bytes,
    verified_path,
)

__all__ = ["BUNDLED", "BundledFile", "bundled_bytes", "data_bytes", "source_digest"]


@dataclass(frozen=True, slots=True)
class BundledFile:
    """A data-folder file shipped in ``finbrain/datasets/bundled/``."""

    relpath: str  # the path in the data folder
    name: str  # the file name in the bundle
    sha256: str  # of the data-folder bytes (decompressed)
    licence: str

    @property
    def compressed(self) -> bool:
        return self.name.endswith(".gz")


def _file(relpath: str, sha256: str, licence: str, *, gzipped: bool = True) -> BundledFile:
    name = relpath.removeprefix("identity/").replace("/", "_") + (".gz" if gzipped else "")
    return BundledFile(relpath, name, sha256, licence)


_US = "US public domain"
# fmt: off
_FILES = (
    _file("identity/ofac_sdn_2022/sdn.csv",
          "d5b2fb0564fbefb5df63d647ef6bb077bbbbaf0f6c55cc6281ed7914eb7d5525", _US),
    _file("identity/ofac_sdn_2022/alt.csv",
          "adb2583b4dfe58655967e09d6e790a18df6b1e31f438abedf118dd3e4fe8ab42", _US),
    _file("identity/ofac_sdn_2022/add.csv",
          "1d1afe4957441336c9f72cc21b29208152bb08694bc4fd3489aeeea1dd72b62e", _US),
    _file("identity/ofac_alt_2025/alt.csv",
          "fd476e110713cbee04c84ac60414d3ec57980a34e8b93ba9b2224131ddb6e1b7", _US),
    _file("identity/uk_fcdo_2025/uk_sanctions_list_2025-08-11.ods",
          "0104617a113970a350a5ad0d47b49eac07764a4bb598dababa6365c111cd35b4", "UK OGL",
          gzipped=False),
    _file("identity/un_2018/consolidated.xml",
          "a24c0fe81f934cc246170032a930e20f8af6611201afe81c19d6a15b9d06a57e", "UN public"),
)
# fmt: on

#: Every bundled file by its data-folder path.
BUNDLED: Mapping[str, BundledFile] = MappingProxyType({f.relpath: f for f in _FILES})


def bundled_bytes(relpath: str) -> bytes:
    """The bundled copy of a data-folder file, decompressed and checked against its pin."""
    name = normalise_relpath(relpath)
    entry = BUNDLED.get(name)
    if entry is None:
        raise DatasetMissingError(
            f"Dataset file {name} is not bundled with finbrain: set FINBRAIN_DATA_DIR to the "
            "folder holding it (and the SHA256SUMS that pins it).",
            path=name,
        )
    packed = resources.files("finbrain.datasets").joinpath("bundled", entry.name).read_bytes()
    raw = gzip.decompress(packed) if entry.compressed else packed
    actual = sha256_bytes(raw)
    if actual != entry.sha256:
        raise DatasetChecksumError(
            f"Bundled file {entry.name} does not match its pinned checksum: expected sha256 "
            f"{entry.sha256}, got {actual}. Reinstall finbrain.",
            path=f"bundled/{entry.name}",
            expected=entry.sha256,
            actual=actual,
        )
    return raw


def data_bytes(relpath: str) -> bytes:
    """A data file's bytes: the data folder's copy when it has one, else the bundled copy.

    Both are checksum-verified. A file that is neither in the data folder nor bundled raises
    :class:`DatasetMissingError`; an altered data-folder copy raises
    :class:`DatasetChecksumError` (only absence falls back to the bundle).
    """
    name = normalise_relpath(relpath)
    root = optional_data_dir()
    if name not in BUNDLED or (root is not None and (root / name).is_file()):
        return verified_path(name).read_bytes()
    return bundled_bytes(name)


def source_digest(relpath: str) -> str:
    """The pinned SHA-256 of the copy :func:`data_bytes` would read, without reading it.

    The data folder's ``SHA256SUMS`` entry when the folder has the file, else the bundle's pin:
    what a cache built from the file keys on.
    """
    name = normalise_relpath(relpath)
    root = optional_data_dir()
    if name in BUNDLED and (root is None or not (root / name).is_file()):
        return BUNDLED[name].sha256
    pinned = checksums(root).get(name)
    if pinned is None:
        raise DatasetChecksumError(
            f"Dataset file {name} has no entry in SHA256SUMS: refusing a file whose content is "
            "not pinned.",
            path=name,
        )
    return pinned
