"""Customer-service language data: intents (English) and question matching (Chinese).

Texts are pandas ``str`` columns and are never treated as missing values: an utterance such as
"NA" or "null" stays text. Intent labels are categoricals; match labels are int64 (1 = the two
questions mean the same thing).
"""

from __future__ import annotations

import csv
import json
import re
from typing import Any

import pandas as pd

from finbrain.core.errors import DatasetError
from finbrain.datasets._frames import (
    TEXT,
    binary,
    categorical,
    read_verified_csv,
    read_verified_json,
)
from finbrain.datasets.files import expand, verified_path

__all__ = [
    "load_afqmc",
    "load_atec",
    "load_banking77",
    "load_bq",
    "load_clinc150",
    "load_nlupp",
]

_OOS = "oos"
_BOM = "\ufeff"


def _texts(relpath: str, **kwargs: Any) -> pd.DataFrame:
    return read_verified_csv(relpath, keep_default_na=False, na_filter=False, **kwargs)


def load_banking77() -> pd.DataFrame:
    """BANKING77: 13,083 English banking queries in 77 intents (10,003 train, 3,080 test).

    Columns: ``text`` (str), ``label`` (categorical over the 77 intents, in the order of the
    dataset's ``categories.json``) and ``split`` (categorical ``train`` / ``test``; use the
    published split to compare with published accuracies).
    """
    categories = read_verified_json("assistant/banking77/categories.json")
    parts = []
    for split in ("train", "test"):
        relpath = f"assistant/banking77/{split}.csv"
        part = _texts(relpath, dtype={"text": TEXT, "category": "str"})
        part["label"] = categorical(part.pop("category"), categories, relpath=relpath)
        part["split"] = split
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    frame["split"] = categorical(frame["split"], ("train", "test"))
    return frame


def load_clinc150() -> dict[str, pd.DataFrame]:
    """CLINC150 ("full" variant): 150 in-scope intents plus out-of-scope queries.

    Returns ``train`` (15,100 rows), ``val`` (3,100) and ``test`` (5,500), each with ``text``
    (str), ``label`` (categorical: the 150 intents sorted, then ``"oos"``) and ``oos`` (bool, True
    for queries no intent covers: the ones a bot should hand to a person). In-scope rows come
    first, then the out-of-scope ones.
    """
    relpath = "assistant/clinc150/data_full.json"
    raw: dict[str, list[list[str]]] = read_verified_json(relpath)
    intents = sorted({label for _, label in raw["train"]} - {_OOS})
    labels = [*intents, _OOS]
    result: dict[str, pd.DataFrame] = {}
    for split in ("train", "val", "test"):
        rows = raw[split] + raw[f"oos_{split}"]
        frame = pd.DataFrame(
            {
                "text": pd.Series([text for text, _ in rows], dtype=TEXT),
                "label": pd.Series([label for _, label in rows], dtype="str"),
            }
        )
        frame["label"] = categorical(frame["label"], labels, relpath=relpath)
        frame["oos"] = frame["label"] == _OOS
        result[split] = frame
    return result


def load_nlupp() -> pd.DataFrame:
    """NLU++ banking: 2,071 utterances with several intents each and labelled slots, 20 folds.

    Columns: ``fold`` (int64, 0..19, the published cross-validation folds), ``text`` (str),
    ``intents`` (a list of intent names; 48 distinct, some utterances have none) and ``slots``
    (a dict slot name -> ``{"text", "span", "value"...}``; empty when none). The ontology (intent
    and slot descriptions) is in ``frame.attrs["ontology"]``.
    """
    rows: list[dict[str, Any]] = []
    for relpath in expand("assistant/nlupp/fold*.json"):
        match = re.search(r"fold(\d+)\.json$", relpath)
        if match is None:  # the pattern only matches fold files; guard against a stray name
            raise DatasetError(f"unexpected NLU++ file {relpath}", path=relpath)
        for example in read_verified_json(relpath):
            rows.append(
                {
                    "fold": int(match.group(1)),
                    "text": example["text"],
                    "intents": list(example.get("intents", [])),
                    "slots": dict(example.get("slots", {})),
                }
            )
    rows.sort(key=lambda row: row["fold"])  # numeric fold order (names sort fold10 < fold2)
    frame = pd.DataFrame(rows, columns=["fold", "text", "intents", "slots"])
    frame["fold"] = frame["fold"].astype("int64")
    frame["text"] = frame["text"].astype(TEXT)
    frame.attrs["ontology"] = read_verified_json("assistant/nlupp/ontology.json")
    return frame


def load_atec() -> pd.DataFrame:
    """ATEC: 39,346 Ant Financial (Huabei / Jiebei) customer-service question pairs, Chinese.

    Columns ``id`` (int64), ``sentence1``, ``sentence2`` (str), ``label`` (int64, 1 = same
    meaning; 8,549 positives). Stray byte-order marks in the source text are removed.
    """
    relpath = "assistant/atec/atec_nlp_sim_train.csv"
    frame = _texts(
        relpath,
        sep="\t",
        header=None,
        names=["id", "sentence1", "sentence2", "label"],
        dtype={"id": "int64", "sentence1": TEXT, "sentence2": TEXT, "label": "int64"},
        quoting=csv.QUOTE_NONE,  # questions contain quote marks that are not CSV quoting
        encoding="utf-8-sig",
    )
    for column in ("sentence1", "sentence2"):
        frame[column] = frame[column].str.replace(_BOM, "", regex=False)
    frame["label"] = binary(frame["label"], 1, 0, relpath=relpath)
    return frame


def load_afqmc() -> pd.DataFrame:
    """AFQMC (CLUE) development set: 4,316 Ant Financial question pairs, Chinese, 69% negative.

    Columns ``sentence1``, ``sentence2`` (str) and ``label`` (int64, 1 = same meaning).
    """
    relpath = "assistant/afqmc/dev.json"
    with verified_path(relpath).open(encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    frame = pd.DataFrame(records, columns=["sentence1", "sentence2", "label"])
    frame[["sentence1", "sentence2"]] = frame[["sentence1", "sentence2"]].astype(TEXT)
    frame["label"] = binary(frame["label"].astype("str"), "1", "0", relpath=relpath)
    return frame


def load_bq() -> pd.DataFrame:
    """BQ corpus development set: 10,000 WeBank customer question pairs, Chinese, balanced.

    Columns ``sentence1``, ``sentence2`` (str) and ``label`` (int64, 1 = same meaning).
    """
    relpath = "assistant/bq/dev.csv"
    frame = _texts(
        relpath,
        dtype={"sentence1": TEXT, "sentence2": TEXT, "label": "int64"},
        encoding="utf-8-sig",
    )
    frame["label"] = binary(frame["label"], 1, 0, relpath=relpath)
    return frame
