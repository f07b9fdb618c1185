"""Uyghur names in Uyghur Latin spellings and in their Chinese transcription (names._uyghur)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finbrain.identity.lists import ListEntry, SanctionsList
from finbrain.identity.names import _uyghur, match, prepare
from finbrain.identity.screening import SanctionsIndex


@pytest.mark.parametrize(
    ("a", "b", "named"),
    [
        ("MEMETI, Memetiming", "MAIMAITI, Maimaitiming", "one name (买买提"),
        ("Memet Erkin", "Maimaiti Aierken", "Uyghur Latin erkin ↔ transcription aierken"),
        ("TUNIYAZ, Erken", "TUNIYAZI, Aierken", "consonants T-N-Z"),
        ("Abudu Hake", "ABDUL HAQ", "transcription hake ↔ Uyghur Latin haq (consonants H-K)"),
        ("Memet Tursun", "Maimaiti Tuersun", "one name"),
    ],
)
def test_spellings_of_one_uyghur_name_meet_and_are_named(a: str, b: str, named: str) -> None:
    found = match(a, b)
    assert (found.rule, found.system, found.score) == ("romanisation", "uyghur", 0.88)
    assert named in found.explanation["en"]
    assert found.explanation["zh"]


def test_the_chinese_transcription_meets_the_latin_name_across_scripts() -> None:
    found = match("阿不都·哈克", "ABDUL HAQ")
    assert found.cross_script and found.system == "uyghur" and found.score == 0.82
    assert "abdu ↔ abdul" in found.explanation["en"]  # 阿不都 read as the element, not a-bu-dou


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Maria Lopez", "Mario Lopez"),  # nothing marks a Uyghur name: consonants alone are weak
        ("Memet Erkin", "Memet Tursun"),  # another name
        ("Maimaiti Aierken", "Maimaiti"),  # a token missing
        ("MEMETI, Memetiming", "AXIMU, Memetiming"),  # another father's name
        ("Abdul Haq", "Abdul Hakim"),  # another consonant
        ("Memet Erkin", "Memet Arkan"),  # two Latin spellings that differ in two letters of five
        ("Abdul Heq", "ABDUL HAQ"),  # Arabic spellings: no transcription on either side
        # Hits the first version of the rule gave on yente's synthetic negatives:
        ("Tarak Sem", "TERAOKA, Osamu"),  # Osamu is no transcription (mu starts syllables too)
        ("Yamile Cardona", "CORDON, Mario"),
        ("Mohammad Mann", "IMAN, Maimaiti"),  # a transcription keeps the first sound
        ("Katarina Mohamed", "KAWTARANI, Muhammad"),  # an Arabic element alone marks nothing
        ("Kaiali'I Kahele", "KAYIHURA, Kale"),  # a US Congress member; he starts syllables too
    ],
)
def test_other_names_do_not_link(a: str, b: str) -> None:
    assert match(a, b).system != "uyghur"


def test_a_uyghur_name_in_another_spelling_is_found_and_sent_to_review() -> None:
    listed = SanctionsList.of(
        "un", [ListEntry("un", "TEST.UY1", "person", "MAIMAITI, Maimaitiming")]
    )
    result = SanctionsIndex.build([listed]).screen("Memeti Memetiming", kind="person")
    assert result.outcome == "potential_match"
    assert [h.entry_id for h in result.hits] == ["TEST.UY1"]
    assert "SCR-ROMANISATION" in {r.code for r in result.hits[0].reasons}


_TOKEN = st.text(alphabet="aeimnrtkhzsuy", min_size=2, max_size=9)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TOKEN, min_size=2, max_size=3), st.lists(_TOKEN, min_size=2, max_size=3))
def test_linking_is_symmetric_needs_every_token_and_shares_a_key(
    a: list[str], b: list[str]
) -> None:
    forward = _uyghur.link(tuple(a), tuple(b))
    backward = _uyghur.link(tuple(b), tuple(a))
    assert (forward is None) == (backward is None)
    if forward is not None:
        assert len(forward) == len(a) == len(b)
        assert sorted(y for _, y, _ in forward) == sorted(b)
        assert any(how != "same" for _, _, how in forward)
        # Blocking never hides a link: linked names share their key.
        assert _uyghur.blocking_keys(tuple(a)) & _uyghur.blocking_keys(tuple(b))


@pytest.mark.parametrize(
    ("a", "b"),
    [("MEMETI, Memetiming", "MAIMAITI, Maimaitiming"), ("阿不都·哈克", "ABDUL HAQ")],
)
def test_names_that_link_share_a_blocking_key(a: str, b: str) -> None:
    keys_a = {k for k in prepare(a, kind="person").keys if k.startswith("u:")}
    keys_b = {k for k in prepare(b, kind="person").keys if k.startswith("u:")}
    assert keys_a & keys_b


# Spellings of one name part, as the lists write them (dev half); the transcriptions first.
_PARTS = (
    ("maimaiti", "memeti", "memet", "mehmet"),
    ("aierken", "erkin", "erken"),
    ("tuniyazi", "tuniyaz", "tuniaz"),
    ("abudu", "abdul"),
    ("hake", "haq", "heq"),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(range(len(_PARTS))), min_size=2, max_size=3, unique=True),
    st.data(),
)
def test_a_name_respelled_through_its_transcription_always_links(
    parts: list[int], data: st.DataObject
) -> None:
    latin = tuple(data.draw(st.sampled_from(_PARTS[p][1:])) for p in parts)
    # At least one part (not Haq: hake alone is no transcription) in its transcription.
    first = next(p for p in parts if p != len(_PARTS) - 1)
    respelled = [data.draw(st.sampled_from(_PARTS[p])) for p in parts]
    respelled[parts.index(first)] = _PARTS[first][0]
    respelled = data.draw(st.permutations(respelled))
    assert _uyghur.link(latin, tuple(respelled)) is not None
    assert _uyghur.blocking_keys(latin) & _uyghur.blocking_keys(tuple(respelled))
