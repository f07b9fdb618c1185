"""Sanctions screening against the real OFAC / UK / UN lists, corroboration and re-screening."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finbrain.core.errors import ValidationError
from finbrain.identity.lists import ListEntry, SanctionsList
from finbrain.identity.names import InvalidNameError
from finbrain.identity.screening import (
    DEFAULT_POLICY,
    AllowDecision,
    Customer,
    SanctionsIndex,
    ScreeningPolicy,
    ScreeningResult,
    passes,
    rescreen,
)
from tests.identity.test_lists import by_list, real_lists


@pytest.fixture(scope="module")
def index() -> SanctionsIndex:
    """The full OFAC + UK + UN index, built once for this module."""
    return SanctionsIndex.build(real_lists())


@pytest.fixture(scope="module")
def un_index() -> SanctionsIndex:
    return SanctionsIndex.build([by_list("un")])


def hit_for(result: ScreeningResult, list_id: str, entry_id: str) -> float | None:
    for hit in result.hits:
        if (hit.list_id, hit.entry_id) == (list_id, entry_id):
            return hit.score
    return None


# --- real designated parties --------------------------------------------------------------------


def test_ofac_person_found_by_name_and_by_alias_with_birth_date(index: SanctionsIndex) -> None:
    # OFAC SDN 2677: AL-ZOMOR, Abboud Abdul Latif Hassan, DOB 19 Apr 1947, a.k.a. AL-ZUMAR, Abbud.
    by_name = index.screen("Abboud Abdul Latif Hassan Al-Zomor", birth_date="1947-04-19")
    by_alias = index.screen("Abbud al-Zumar", kind="person", birth_date=date(1947, 4, 19))
    for result in (by_name, by_alias):
        top = result.hits[0]
        assert (top.list_id, top.entry_id) == ("ofac_sdn", "2677")
        assert top.corroboration["dob"] == "match"
        assert result.outcome == "match"
    assert by_alias.hits[0].matched_name == "AL-ZUMAR, Abbud"
    assert by_alias.hits[0].entry_name == "AL-ZOMOR, Abboud Abdul Latif Hassan"


def test_un_individual_with_passport(index: SanctionsIndex) -> None:
    result = index.screen("Ri Won Ho", birth_date="1964-07-17", id_number="381310014")
    un_hit = next(h for h in result.hits if h.list_id == "un")
    assert un_hit.entry_id == "KPi.033"
    assert un_hit.corroboration == {"dob": "match", "nationality": "unknown", "identifier": "match"}
    assert result.outcome == "match"


def test_uk_entity(index: SanctionsIndex) -> None:
    result = index.screen("Rosneft Marine UK Limited", kind="entity")
    assert (result.hits[0].list_id, result.hits[0].entry_id) == ("uk_fcdo", "RUS2748")
    # An entity query never returns people.
    assert all(h.kind != "person" for h in result.hits)


def test_chinese_named_designee_by_han_and_by_pinyin(index: SanctionsIndex) -> None:
    # UN QDi.268 ABDUL HAQ: original script 阿不都·哈克, alias "Abudu Hake".
    han = index.screen("阿不都哈克", birth_date="1971-10-10")
    assert (han.hits[0].list_id, han.hits[0].entry_id) == ("un", "QDi.268")
    assert han.hits[0].name_match.rule in han.hits[0].explanation["en"]
    pinyin = index.screen("Abudu Hake")
    assert ("un", "QDi.268") in {(h.list_id, h.entry_id) for h in pinyin.hits}


def test_han_to_pinyin_match_without_corroboration_is_a_potential_match(
    index: SanctionsIndex,
) -> None:
    # OFAC SDN 16318 ZHANG, Lei (DOB 03 Jan 1976) is listed only in pinyin.
    alone = index.screen("张磊")
    hit = next(h for h in alone.hits if (h.list_id, h.entry_id) == ("ofac_sdn", "16318"))
    assert alone.outcome == "potential_match"
    assert hit.name_match.cross_script and hit.reasons[0].code == "SCR-CROSS-SCRIPT"
    assert {r.code for r in hit.reasons} >= {"SCR-CROSS-SCRIPT", "SCR-DOB-NOT-GIVEN"}
    corroborated = index.screen("张磊", birth_date="1976-01-03")
    hit = corroborated.hits[0]
    assert (hit.list_id, hit.entry_id) == ("ofac_sdn", "16318")
    assert hit.name_match.cross_script
    for text in (hit.explanation["en"], hit.explanation["zh"]):
        assert hit.name_match.rule in text and "1976-01-03" in text
    assert "zhang" in hit.explanation["en"].lower()
    # Traditional characters are the same name.
    assert hit_for(index.screen("張磊", birth_date="1976-01-03"), "ofac_sdn", "16318")


@pytest.mark.parametrize(
    ("name", "entry_id"),
    [("李方伟", "11447"), ("李方偉", "11447"), ("马晓红", "20565"), ("周建书", "20566")],
)
def test_han_names_of_pinyin_listed_people_are_never_clear(
    index: SanctionsIndex, name: str, entry_id: str
) -> None:
    # Issue 15: these came back "clear" without a birth date (cross-script cap).
    for birth_date in (None, "1990-01-01"):
        result = index.screen(name, birth_date=birth_date)
        assert result.outcome == "potential_match"
        assert hit_for(result, "ofac_sdn", entry_id) is not None


def test_contradicting_birth_date_lowers_priority_but_never_clears(index: SanctionsIndex) -> None:
    plain = index.screen("Abboud Abdul Latif Hassan Al-Zomor")
    wrong = index.screen("Abboud Abdul Latif Hassan Al-Zomor", birth_date="1960-05-05")
    assert (plain.hits[0].entry_id, plain.hits[0].list_id) == ("2677", "ofac_sdn")
    hit = next(h for h in wrong.hits if h.entry_id == "2677")
    assert wrong.outcome == "potential_match"
    assert hit.name_score == plain.hits[0].name_score and hit.score < plain.hits[0].score
    conflict = next(r for r in hit.reasons if r.code == "SCR-DOB-CONFLICT")
    assert "1960-05-05" in conflict.en and "1947-04-19" in conflict.en
    assert "1960-05-05" in conflict.zh
    # Issue 15: an exact listed name with a misstated birth date.
    assert index.screen("Li Fangwei", birth_date="1990-01-01").outcome == "potential_match"


def test_attribute_weighted_policy_is_an_explicit_opt_in(index: SanctionsIndex) -> None:
    weighted = ScreeningPolicy(mode="attribute_weighted")
    wrong = index.screen(
        "Abboud Abdul Latif Hassan Al-Zomor", birth_date="1960-05-05", policy=weighted
    )
    assert hit_for(wrong, "ofac_sdn", "2677") is None and wrong.outcome == "clear"
    assert wrong.policy == "attribute_weighted"
    assert index.screen("张磊", policy=weighted).outcome == "clear"
    assert index.policy == DEFAULT_POLICY and DEFAULT_POLICY.mode == "name_decides"
    with pytest.raises(ValidationError) as caught:
        ScreeningPolicy(mode="lenient")  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.rule) == ("policy.mode", "one_of")


def test_only_a_recorded_allow_decision_clears_a_hit(index: SanctionsIndex) -> None:
    entry = next(e for e in index.entries if (e.list_id, e.entry_id) == ("ofac_sdn", "11447"))
    decision = AllowDecision(
        name="李方伟",
        list_id="ofac_sdn",
        entry_id="11447",
        decided_by="officer-7",
        record="decision 01J0000000000000000000000",
        entry_digest=entry.digest,
    )
    result = index.screen("李方偉", allow=[decision])  # traditional: the same name
    hit = next(h for h in result.hits if h.entry_id == "11447")
    assert hit.allowed and hit.reasons[0].code == "SCR-ALLOWLISTED"
    assert "officer-7" in hit.reasons[0].en
    assert result.outcome == ("clear" if all(h.allowed for h in result.hits) else "potential_match")
    # Another name, or a changed entry, is not covered.
    assert not index.screen("马晓红", allow=[decision]).hits[0].allowed
    stale = replace(decision, entry_digest="0" * 64)
    assert index.screen("李方伟", allow=[stale]).outcome == "potential_match"
    with pytest.raises(ValidationError) as caught:
        replace(decision, record=" ")
    assert caught.value.field == "allow.record"


def test_scores_are_compared_rounded() -> None:
    assert passes(0.7999999, 0.80) and passes(0.80, 0.80) and not passes(0.79994, 0.80)


def test_document_number_lifts_a_weak_name(index: SanctionsIndex) -> None:
    weak = index.screen("Lei Z")
    assert hit_for(weak, "ofac_sdn", "16318") is None
    strong = index.screen("Lei Z", id_number="G 2385 1362")  # spacing does not matter
    score = hit_for(strong, "ofac_sdn", "16318")
    assert score is not None and score >= 0.96
    assert strong.outcome == "match"
    # The number alone finds the entry even when no name key is shared.
    unrelated = index.screen("Nobody Special", id_number="G23851362")
    assert hit_for(unrelated, "ofac_sdn", "16318") is not None


def test_candidate_generation_does_not_scan_the_lists(index: SanctionsIndex) -> None:
    for name in ("Mohammed Ali", "Abdul Haq", "John Smith", "王小明", "Bank Melli Iran"):
        result = index.screen(name)
        assert result.candidates_considered < len(index.entries) // 50
    assert index.screen("Wang Xiaoming").outcome == "clear"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_listed_person_is_found_by_their_exact_name(
    index: SanctionsIndex, data: st.DataObject
) -> None:
    lst = data.draw(st.sampled_from(real_lists()))
    entry = data.draw(st.sampled_from([e for e in lst.entries if e.kind == "person"]))
    result = index.screen(entry.name, kind="person", limit=50)
    assert hit_for(result, entry.list_id, entry.entry_id) is not None
    if entry.birth_dates:
        # Agreeing corroboration never lowers a score; a contradicting one never raises it.
        agreed = index.screen(entry.name, birth_date=entry.birth_dates[0], limit=50)
        agreed_score = hit_for(agreed, entry.list_id, entry.entry_id)
        base_score = hit_for(result, entry.list_id, entry.entry_id)
        assert agreed_score is not None and base_score is not None
        assert agreed_score >= base_score


# --- input errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field", "rule"),
    [
        ({"birth_date": "1980-13-01"}, "birth_date", "date"),
        ({"birth_date": "03/02/1980"}, "birth_date", "date"),
        ({"birth_date": "2999-01-01"}, "birth_date", "not_in_future"),
        ({"nationality": "Atlantis"}, "nationality", "country"),
        ({"id_number": "--"}, "id_number", "format"),
        ({"kind": "robot"}, "kind", "one_of"),
        ({"threshold": 1.5}, "threshold", "range"),
        ({"limit": 0}, "limit", "range"),
    ],
)
def test_bad_input_names_field_and_rule(
    un_index: SanctionsIndex, kwargs: dict[str, object], field: str, rule: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        un_index.screen("Ri Won Ho", **kwargs)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.rule) == (field, rule)


def test_bad_names_raise_the_names_error(un_index: SanctionsIndex) -> None:
    for bad in ("", "   ", "12345"):
        with pytest.raises(InvalidNameError):
            un_index.screen(bad)


# --- versions, cache, re-screening --------------------------------------------------------------


def test_version_combines_the_lists(index: SanctionsIndex, un_index: SanctionsIndex) -> None:
    assert index.version != un_index.version
    assert un_index.screen("Ri Won Ho").list_version == un_index.version
    assert SanctionsIndex.build([by_list("un")]).version == un_index.version


def test_saved_index_screens_the_same(un_index: SanctionsIndex, tmp_path: Path) -> None:
    path = un_index.save(tmp_path / "un.json.gz")
    loaded = SanctionsIndex.load(path)
    assert loaded.version == un_index.version and loaded.size == un_index.size
    for name in ("Ri Won Ho", "阿不都哈克", "Abudu Hake", "Al-Qaida"):
        a, b = un_index.screen(name), loaded.screen(name)
        assert [(h.entry_id, h.score) for h in a.hits] == [(h.entry_id, h.score) for h in b.hits]


def _customers() -> list[Customer]:
    return [
        Customer("c-new", "Wang Jianguo", birth_date="1975-06-01"),
        Customer("c-ri", "Ri Won Ho", birth_date="1964-07-17"),
        Customer("c-haq", "Abdul Haq", birth_date="1971-10-10"),
        Customer("c-plain", "Maria Gonzalez"),
        Customer("c-han", "王建国"),
    ]


def test_rescreen_reports_only_what_the_list_change_did(un_index: SanctionsIndex) -> None:
    un = by_list("un")
    entries = un.by_id()
    added = ListEntry("un", "TEST.001", "person", "WANG JIANGUO", birth_dates=("1975-06-01",))
    # KPi.033 (Ri Won Ho) gets a corrected birth date; QDi.268 (Abdul Haq) is delisted.
    corrected = replace(entries["KPi.033"], birth_dates=("1965-07-17",))
    kept = [e for e in un.entries if e.entry_id not in {"KPi.033", "QDi.268"}]
    new_index = SanctionsIndex.build([SanctionsList.of("un", [*kept, corrected, added])])
    changes = rescreen(_customers(), un_index, new_index)
    found = {(c.customer_id, c.entry_id): c for c in changes}
    assert found[("c-new", "TEST.001")].change == "new_hit"
    assert found[("c-haq", "QDi.268")].change == "hit_gone"
    ri = found[("c-ri", "KPi.033")]
    old_score, new_score = ri.old_score, ri.new_score
    assert ri.change == "score_changed" and old_score is not None
    assert new_score is not None and new_score < old_score  # month/day now contradict
    # 王建国 meets WANG JIANGUO across scripts: a new (potential) hit too. Nobody else is touched.
    assert found[("c-han", "TEST.001")].change == "new_hit"
    assert {c.customer_id for c in changes} == {"c-new", "c-haq", "c-ri", "c-han"}
    # The same answer as screening everyone against both full indexes.
    for customer in _customers():
        before = un_index.screen(customer.name, birth_date=customer.birth_date, limit=50)
        after = new_index.screen(customer.name, birth_date=customer.birth_date, limit=50)
        old_hits = {h.entry_id: h.score for h in before.hits}
        new_hits = {h.entry_id: h.score for h in after.hits}
        expected = {
            k for k in old_hits.keys() | new_hits.keys() if old_hits.get(k) != new_hits.get(k)
        }
        assert expected == {c.entry_id for c in changes if c.customer_id == customer.customer_id}
    assert rescreen(_customers(), un_index, un_index) == []


def test_a_family_name_in_another_romanisation_is_found_and_sent_to_review() -> None:
    # Blocking keys carry the family name behind each spelling (wong, huang: 黄), so the
    # listed name is a candidate although no other key is shared.
    listed = SanctionsList.of("un", [ListEntry("un", "TEST.HK1", "person", "HUANG, Emily")])
    result = SanctionsIndex.build([listed]).screen("WONG, Emily", kind="person")
    assert result.outcome == "potential_match"
    assert [h.entry_id for h in result.hits] == ["TEST.HK1"]
    assert "SCR-ROMANISATION" in {r.code for r in result.hits[0].reasons}


def test_a_name_in_hanja_finds_the_listed_korean_name() -> None:
    listed = SanctionsList.of("un", [ListEntry("un", "TEST.KP1", "person", "KIM, Yong Chol")])
    result = SanctionsIndex.build([listed]).screen("金永哲", kind="person")
    assert result.outcome == "potential_match"
    assert [h.entry_id for h in result.hits] == ["TEST.KP1"]
    assert "SCR-CROSS-SCRIPT" in {r.code for r in result.hits[0].reasons}
