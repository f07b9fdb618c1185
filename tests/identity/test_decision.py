"""Identity owns its screening decision: tenant-less from the library, stamped by the platform."""

from __future__ import annotations

from datetime import date
from functools import cache

from finbrain.identity import SanctionsIndex, ScreeningQuery, decide
from finbrain.platform.identity.service import screening_decision


@cache
def _index() -> SanctionsIndex:
    from finbrain.identity.lists import load_list

    return SanctionsIndex.build([load_list("un")])


def test_a_hit_is_a_decision_whose_reasons_name_the_list_entry() -> None:
    index = _index()
    query = ScreeningQuery(name="Ri Won Ho", kind="person", birth_date=date(1964, 7, 17))
    result = index.screen(query.name, kind=query.kind, birth_date=query.birth_date)
    decision = decide(query, result)
    assert decision.tenant_id == "" and decision.capability == "identity"
    assert decision.outcome == result.outcome != "clear"
    assert decision.reasons[0].feature.startswith("un:")
    assert decision.reasons[0].text.zh and decision.reasons[0].text.en
    assert decision.subject.type == "customer" and decision.subject.id.startswith("screening-")


def test_a_clear_screening_names_the_list_version() -> None:
    index = _index()
    result = index.screen("Nobody Special Zzyzx")
    decision = decide(ScreeningQuery(name="Nobody Special Zzyzx", customer_id="C-1"), result)
    assert decision.outcome == "clear" and decision.subject.id == "C-1"
    assert [r.code for r in decision.reasons] == ["SCR-CLEAR"]
    assert result.list_version[:12] in decision.reasons[0].text.en


def test_the_platform_only_stamps_the_tenant() -> None:
    index = _index()
    query = ScreeningQuery(name="Nobody Special Zzyzx", customer_id="C-1")
    result = index.screen(query.name)
    library, platform = decide(query, result), screening_decision("T1", query, result)
    assert platform.tenant_id == "T1"
    keep = {"capability", "action", "subject", "outcome", "score", "reasons", "input_digest"}
    assert platform.model_dump(include=keep) == library.model_dump(include=keep)
