"""The catalog is complete, consistent with SHA256SUMS, and never bundles no-ship data."""

from __future__ import annotations

import importlib
from fnmatch import fnmatchcase
from importlib import resources
from pathlib import Path

import finbrain.datasets as ds
from finbrain.datasets import bundle, files

# The README's no-ship marks.
NO_SHIP = {
    "hmeq",
    "lendingclub",
    "fraud_handbook",
    "hillstrom",
    "churn",
    "cc_general",
    "atec",
    "afqmc",
    "bq",
    "sba_case",
    "sba_national",
    "cumcm2020c",
    "eastmoney_funds",
    "fund_cum_nav",
    "us_mutualfunds",
}


def test_no_ship_flags_follow_the_readme() -> None:
    assert {name for name, info in ds.catalog().items() if not info.shippable} == NO_SHIP


def test_rows_are_complete() -> None:
    for name, info in ds.catalog().items():
        assert info.name == name
        assert info.files and info.licence and info.source and info.description
        assert "\n" not in info.description


def test_every_loader_resolves_and_is_exported() -> None:
    for info in ds.catalog().values():
        module_name, _, function_name = info.loader.partition(":")
        module = importlib.import_module(f"finbrain.datasets.{module_name}")
        function = getattr(module, function_name)
        assert callable(function)
        assert function_name in ds.__all__
        assert getattr(ds, function_name) is function


def test_catalog_files_are_pinned_and_cover_the_data(real_dir: Path) -> None:
    pinned = set(files.checksums(real_dir))
    claimed: set[str] = set()
    for info in ds.catalog().values():
        for pattern in info.files:
            matches = {path for path in pinned if fnmatchcase(path, pattern)}
            assert matches, f"{info.name}: {pattern} matches nothing in SHA256SUMS"
            claimed |= matches
    # Everything pinned belongs to a dataset, except licences and documentation.
    leftovers = {p for p in pinned - claimed if not p.endswith(("LICENSE", ".txt", ".md"))}
    assert leftovers == set()


def test_bundle_holds_only_shippable_data() -> None:
    bundled = resources.files("finbrain.datasets").joinpath("bundled")
    names = sorted(entry.name for entry in bundled.iterdir() if entry.name != "__pycache__")
    lists = sorted(entry.name for entry in bundle.BUNDLED.values())
    assert names == sorted(["ATTRIBUTION.md", "germancredit.csv.gz", *lists])
    assert ds.catalog()["german"].shippable
    # Each bundled list belongs to a shippable catalog row, under that row's licence.
    for relpath, entry in bundle.BUNDLED.items():
        owners = [
            info
            for info in ds.catalog().values()
            if any(fnmatchcase(relpath, pattern) for pattern in info.files)
        ]
        assert len(owners) == 1 and owners[0].shippable, relpath
        assert owners[0].licence == entry.licence, relpath
    attribution = bundled.joinpath("ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in attribution and "UCI" in attribution
    for needed in ("OFAC", "public domain", "Open Government Licence", "United Nations"):
        assert needed in attribution, needed
    for entry in bundle.BUNDLED.values():
        assert entry.name in attribution and entry.sha256 in attribution, entry.name
