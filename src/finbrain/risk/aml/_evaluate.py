"""Run every detector, and score alerts against labelled laundering (SAR) transfers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from finbrain.core.errors import ValidationError
from finbrain.risk.aml._base import AmlAlert, Detector, prepare
from finbrain.risk.aml._cycles import Cycles
from finbrain.risk.aml._fan import FanIn, FanOut
from finbrain.risk.aml._rapid_movement import RapidMovement
from finbrain.risk.aml._structuring import Structuring

SAR_COLUMNS = ("tx_id", "from_account", "to_account", "typology")


def default_detectors() -> list[Detector]:
    return [Structuring(), RapidMovement(), FanIn(), FanOut(), Cycles()]


def detect_all(
    transfers: pd.DataFrame, detectors: Sequence[Detector] | None = None
) -> list[AmlAlert]:
    """Alerts of every detector (the defaults when ``detectors`` is None), in time order."""
    chosen = default_detectors() if detectors is None else list(detectors)
    frame = prepare(transfers)
    if frame.empty:
        return []
    alerts = [alert for detector in chosen for alert in detector._detect(frame)]
    return sorted(alerts, key=lambda a: (a.start, a.typology, a.accounts, a.tx_ids))


def from_amlsim(tables: Mapping[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """AMLSim's tables (``load_amlsim()``) as (transfers, SAR labels) in this module's shape."""
    tx = tables["transactions"]
    transfers = pd.DataFrame(
        {
            "tx_id": tx["tran_id"].astype(str),
            "timestamp": tx["tran_timestamp"],
            "from_account": tx["orig_acct"].astype(str),
            "to_account": tx["bene_acct"].astype(str),
            "amount": tx["base_amt"].astype("float64"),
            "type": tx["tx_type"].astype(str),
        }
    )
    sar = tables["alert_transactions"]
    sar = sar[sar["is_sar"].astype(bool)]
    labels = pd.DataFrame(
        {
            "tx_id": sar["tran_id"].astype(str),
            "from_account": sar["orig_acct"].astype(str),
            "to_account": sar["bene_acct"].astype(str),
            "typology": sar["alert_type"].astype(str),
            "alert_id": sar["alert_id"].astype(str),
        }
    ).reset_index(drop=True)
    return transfers, labels


def _rates(flagged: set[str], truth: set[str]) -> dict[str, float | int]:
    hit = len(flagged & truth)
    precision = hit / len(flagged) if flagged else 0.0
    recall = hit / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "flagged": len(flagged),
        "labelled": len(truth),
        "true_positive": hit,
        "precision": round(precision, 6),
        "recall": round(recall, 6),
        "f1": round(f1, 6),
    }


def evaluate(alerts: Sequence[AmlAlert], sar_labels: pd.DataFrame) -> dict[str, Any]:
    """Alerts against SAR transfers: precision/recall of alerted transfers and accounts.

    ``sar_labels`` has one row per laundering transfer: ``tx_id``, ``from_account``,
    ``to_account``, ``typology`` (the generator's pattern name, e.g. AMLSim's ``fan_in``) and
    optionally ``alert_id`` (one planted scheme). SAR accounts are the parties of SAR transfers.
    Returns ``transactions`` and ``accounts`` (all alerts together), ``by_alert_typology`` (each
    detector's alerts on their own) and ``by_sar_typology``: for each labelled pattern, the share
    of its transfers, accounts and schemes that any alert covers (``recall``) and that an alert of
    the same typology covers (``recall_same_typology``).
    """
    missing = [c for c in SAR_COLUMNS if c not in sar_labels.columns]
    if missing:
        raise ValidationError(
            f"sar_labels lack columns {missing}; required: {list(SAR_COLUMNS)}",
            field="sar_labels",
            rule="required_columns",
        )
    labels = sar_labels.astype(dict.fromkeys(SAR_COLUMNS, str))
    sar_tx = set(labels["tx_id"])
    sar_accounts = set(labels["from_account"]) | set(labels["to_account"])
    alerted_tx = {t for a in alerts for t in a.tx_ids}
    alerted_accounts = {acc for a in alerts for acc in a.accounts}

    by_alert: dict[str, Any] = {}
    for typology in sorted({a.typology for a in alerts}):
        mine = [a for a in alerts if a.typology == typology]
        by_alert[typology] = {
            "alerts": len(mine),
            "transactions": _rates({t for a in mine for t in a.tx_ids}, sar_tx),
            "accounts": _rates({acc for a in mine for acc in a.accounts}, sar_accounts),
        }

    by_sar: dict[str, Any] = {}
    schemes = labels["alert_id"] if "alert_id" in labels.columns else labels["typology"]
    for name, part in labels.groupby("typology", sort=True):
        typology = str(name)
        same = [a for a in alerts if a.typology == typology]
        same_tx = {t for a in same for t in a.tx_ids}
        same_accounts = {acc for a in same for acc in a.accounts}
        tx = set(part["tx_id"])
        accounts = set(part["from_account"]) | set(part["to_account"])
        ids = schemes.loc[part.index]
        covered = {s for s, t in zip(ids, part["tx_id"], strict=True) if t in alerted_tx}
        covered_same = {s for s, t in zip(ids, part["tx_id"], strict=True) if t in same_tx}
        n_schemes = ids.nunique()
        by_sar[typology] = {
            "transactions": len(tx),
            "accounts": len(accounts),
            "schemes": int(n_schemes),
            "recall": round(len(tx & alerted_tx) / len(tx), 6),
            "recall_same_typology": round(len(tx & same_tx) / len(tx), 6),
            "account_recall": round(len(accounts & alerted_accounts) / len(accounts), 6),
            "account_recall_same_typology": round(len(accounts & same_accounts) / len(accounts), 6),
            "scheme_recall": round(len(covered) / n_schemes, 6),
            "scheme_recall_same_typology": round(len(covered_same) / n_schemes, 6),
        }
    return {
        "alerts": len(alerts),
        "transactions": _rates(alerted_tx, sar_tx),
        "accounts": _rates(alerted_accounts, sar_accounts),
        "by_alert_typology": by_alert,
        "by_sar_typology": by_sar,
    }
