"""The Chinese BANKING77 set (中文 BANKING77) written for finbrain, shipped as package data.

BANKING77 (PolyAI, CC BY 4.0) is English only. For the same 77 intents, these are messages as a
Chinese customer would type them — colloquial, short and long, some with typos or homophones
(帐/账, 在/再), some mixing in English words (APP, PIN, visa) — written by hand for this project
(``data/README.md`` says how). ``train`` and ``test`` were written separately, with different
phrasings; the test set is held out: never train on it.
"""

from __future__ import annotations

import csv
import io
from importlib import resources

import pandas as pd

__all__ = ["load_banking77_zh"]

_FILES = {"train": "data/banking77_zh_train.csv", "test": "data/banking77_zh_test.csv"}


def load_banking77_zh() -> pd.DataFrame:
    """Columns ``text`` (str), ``label`` (one of the 77 BANKING77 intent names) and ``split``
    (``train`` / ``test``)."""
    rows: list[tuple[str, str, str]] = []
    package = resources.files("finbrain.assistant")
    for split, relpath in _FILES.items():
        raw = package.joinpath(relpath).read_text("utf-8")
        for record in csv.DictReader(io.StringIO(raw)):
            text = record["text"].strip()
            if text:
                rows.append((text, record["label"].strip(), split))
    frame = pd.DataFrame(rows, columns=["text", "label", "split"])
    frame["text"] = frame["text"].astype("str")
    frame["split"] = pd.Categorical(frame["split"], categories=["train", "test"])
    return frame
