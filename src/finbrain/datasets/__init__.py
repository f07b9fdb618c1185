"""The real public datasets behind finbrain's models, tests and demo, checked before use.

Every file is read from the data folder (``FINBRAIN_DATA_DIR``; in a checkout, ``../shared/data``)
only after its SHA-256 matches the pinned ``SHA256SUMS``. German credit (CC BY 4.0) also ships
inside the package, so the demo runs without the folder. :func:`catalog` lists every dataset with
its source, licence and whether it may ship; :func:`load` loads one by name.

Conventions, the same in every loader:

- binary targets are int64, 1 = the event a bank watches for (bad loan, default, fraud,
  subscription, churn); flags that are features or labels stored as booleans are bool;
- categorical attributes are pandas categoricals (ordered where the order means something);
- free text is pandas' ``str`` dtype; names and utterances are never mistaken for missing values;
- timestamps are tz-aware UTC, and calendar dates are UTC midnight;
- columns keep the source's names, except where the source had none (Taiwan X1..X23, OFAC).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeAlias

import pandas as pd

from finbrain.core.errors import ValidationError
from finbrain.datasets.advisory import (
    load_pyportfolioopt_prices,
    load_skfolio_factors,
    load_skfolio_ftse100,
    load_skfolio_sp500,
    load_skfolio_sp500_implied_vol,
    load_skfolio_sp500_index,
)
from finbrain.datasets.aml import load_amlsim
from finbrain.datasets.assistant import (
    load_afqmc,
    load_atec,
    load_banking77,
    load_bq,
    load_clinc150,
    load_nlupp,
)
from finbrain.datasets.catalog import DatasetInfo, catalog
from finbrain.datasets.credit import load_german, load_hmeq, load_lendingclub, load_taiwan
from finbrain.datasets.files import data_dir, verified_path
from finbrain.datasets.fraud import load_fraud_handbook
from finbrain.datasets.identity import (
    load_name_bench,
    load_ofac_alt_2025,
    load_ofac_sdn_2022,
    load_uk_fcdo,
    load_un_2018,
    load_yente_candidates,
)
from finbrain.datasets.ledger import load_merkle_vectors
from finbrain.datasets.marketing import load_bank_marketing, load_hillstrom
from finbrain.datasets.profile import load_cc_general, load_churn
from finbrain.datasets.sme import (
    load_cumcm2020c,
    load_polish_bankruptcy,
    load_sba_case,
    load_sba_national,
)
from finbrain.datasets.wealth import load_eastmoney_funds, load_fund_cum_nav, load_us_mutualfunds

__all__ = [
    "DatasetInfo",
    "DatasetValue",
    "catalog",
    "data_dir",
    "load",
    "load_afqmc",
    "load_amlsim",
    "load_atec",
    "load_bank_marketing",
    "load_banking77",
    "load_bq",
    "load_cc_general",
    "load_churn",
    "load_clinc150",
    "load_cumcm2020c",
    "load_eastmoney_funds",
    "load_fraud_handbook",
    "load_fund_cum_nav",
    "load_german",
    "load_hillstrom",
    "load_hmeq",
    "load_lendingclub",
    "load_merkle_vectors",
    "load_name_bench",
    "load_nlupp",
    "load_ofac_alt_2025",
    "load_ofac_sdn_2022",
    "load_polish_bankruptcy",
    "load_pyportfolioopt_prices",
    "load_sba_case",
    "load_sba_national",
    "load_skfolio_factors",
    "load_skfolio_ftse100",
    "load_skfolio_sp500",
    "load_skfolio_sp500_implied_vol",
    "load_skfolio_sp500_index",
    "load_taiwan",
    "load_uk_fcdo",
    "load_un_2018",
    "load_us_mutualfunds",
    "load_yente_candidates",
    "verified_path",
]

#: What a loader returns: one table, named tables, or (Merkle vectors) a list of records.
DatasetValue: TypeAlias = pd.DataFrame | dict[str, pd.DataFrame] | list[dict[str, Any]]


def _loader(info: DatasetInfo) -> Callable[[], DatasetValue]:
    module_name, _, function_name = info.loader.partition(":")
    module = importlib.import_module(f"{__name__}.{module_name}")
    function: Callable[[], DatasetValue] = getattr(module, function_name)
    return function


def load(name: str) -> DatasetValue:
    """Load a catalogued dataset by name (see :func:`catalog`), checksum-verified.

    Raises :class:`ValidationError` (field ``name``, rule ``known_dataset``) for an unknown name.
    """
    info = catalog().get(name)
    if info is None:
        valid = sorted(catalog())
        raise ValidationError(
            f"Unknown dataset {name!r}; valid names: {', '.join(valid)}",
            field="name",
            rule="known_dataset",
            valid=valid,
        )
    return _loader(info)()
