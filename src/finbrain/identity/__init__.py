"""Identity (身份识别): Chinese identity numbers checked field by field, sanctions lists (OFAC SDN,
UK FCDO, UN) parsed and versioned, a Han/pinyin-aware name matcher, screening with an outcome
policy and allow decisions, and the screening's decision.

The public names below are imported on first use, so ``import finbrain.identity`` stays light::

    from finbrain.identity import SanctionsIndex, check, decide
"""

from __future__ import annotations

from finbrain.core.lazy import lazy_exports

TYPE_CHECKING = False  # not typing's: importing typing would cost more than this package
if TYPE_CHECKING:
    from finbrain.identity.decision import ScreeningQuery, decide, hit_json, screening_reasons
    from finbrain.identity.lists import (
        ListEntry,
        SanctionsList,
        diff_lists,
        load_list,
        load_lists,
    )
    from finbrain.identity.names import NameMatch, compare, match, prepare
    from finbrain.identity.screening import (
        AllowDecision,
        Hit,
        SanctionsIndex,
        ScreeningPolicy,
        ScreeningResult,
        rescreen,
    )
    from finbrain.identity.validators import CheckResult, check, check_birth_date

_EXPORTS = {
    "ScreeningQuery": ".decision",
    "decide": ".decision",
    "hit_json": ".decision",
    "screening_reasons": ".decision",
    "ListEntry": ".lists",
    "SanctionsList": ".lists",
    "diff_lists": ".lists",
    "load_list": ".lists",
    "load_lists": ".lists",
    "NameMatch": "finbrain.identity.names",
    "compare": "finbrain.identity.names",
    "match": "finbrain.identity.names",
    "prepare": "finbrain.identity.names",
    "AllowDecision": ".screening",
    "Hit": ".screening",
    "SanctionsIndex": ".screening",
    "ScreeningPolicy": ".screening",
    "ScreeningResult": ".screening",
    "rescreen": ".screening",
    "CheckResult": ".validators",
    "check": ".validators",
    "check_birth_date": ".validators",
}
__all__ = [
    "AllowDecision",
    "CheckResult",
    "Hit",
    "ListEntry",
    "NameMatch",
    "SanctionsIndex",
    "SanctionsList",
    "ScreeningPolicy",
    "ScreeningQuery",
    "ScreeningResult",
    "check",
    "check_birth_date",
    "compare",
    "decide",
    "diff_lists",
    "hit_json",
    "load_list",
    "load_lists",
    "match",
    "prepare",
    "rescreen",
    "screening_reasons",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
