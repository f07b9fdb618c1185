"""Anti-money-laundering typologies over account transfers (反洗钱可疑交易模式).

Each detector is a rule with its parameters in ``__init__``; ``detect(transfers)`` returns
``AmlAlert`` objects with the accounts, transfers, amounts, a score in [0, 1] and a zh/en reason
that quotes the numbers. ``detect_all`` runs several; ``evaluate`` compares alerts with labelled
laundering transfers (``from_amlsim`` turns IBM AMLSim's tables into both inputs).

Transfers: one row per transfer with ``tx_id``, ``timestamp`` (timezone-aware), ``from_account``,
``to_account``, ``amount`` (float or Decimal, not negative), optionally ``currency`` and ``type``.
Detectors assume one currency per frame: split a multi-currency book first.
"""

from finbrain.risk.aml._base import AmlAlert, Detector, prepare
from finbrain.risk.aml._cycles import Cycles
from finbrain.risk.aml._evaluate import default_detectors, detect_all, evaluate, from_amlsim
from finbrain.risk.aml._fan import FanIn, FanOut
from finbrain.risk.aml._rapid_movement import RapidMovement
from finbrain.risk.aml._structuring import Structuring

__all__ = [
    "AmlAlert",
    "Cycles",
    "Detector",
    "FanIn",
    "FanOut",
    "RapidMovement",
    "Structuring",
    "default_detectors",
    "detect_all",
    "evaluate",
    "from_amlsim",
    "prepare",
]
