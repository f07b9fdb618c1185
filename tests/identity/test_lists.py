"""Sanctions lists: the real OFAC / UK / UN files mapped onto one model, versioned and diffed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finbrain.core.errors import ValidationError
from finbrain.core.settings import reset_settings
from finbrain.identity.lists import (
    LIST_IDS,
    ListEntry,
    SanctionsList,
    country_code,
    diff_lists,
    load_list,
    load_lists,
    parse_list_date,
    parse_ofac_remarks,
)


@cache
def real_lists() -> tuple[SanctionsList, ...]:
    """All three lists, loaded once per test session (the UK .ods alone takes seconds)."""
    return load_lists()


def by_list(list_id: str) -> SanctionsList:
    return next(lst for lst in real_lists() if lst.list_id == list_id)


# --- parsing ------------------------------------------------------------------------------------


def test_ofac_remarks_give_dates_nationalities_documents_and_weak_aliases() -> None:
    # Real remarks of OFAC SDN entry 9340 (WONG, Moon Chi), shortened.
    parsed = parse_ofac_remarks(
        "DOB 18 Mar 1961; alt. DOB 1945; alt. DOB Aug 1958; POB China; nationality China; "
        "alt. citizen Cambodia; Passport 611657479 (China); National ID No. D489833(9) "
        "(Hong Kong); Gender Male; a.k.a. 'AL-HAQ, 'Abd'; a.k.a. 'CHI BANG'."
    )
    assert parsed.birth_dates == ["1961-03-18", "1945", "1958-08"]
    assert parsed.nationalities == ["CN", "KH"]
    assert ("passport", "611657479") in parsed.identifiers
    assert ("national_id", "D4898339") in parsed.identifiers
    assert parsed.gender == "male"
    assert parsed.weak_aliases == ["AL-HAQ, 'Abd", "CHI BANG"]


def test_prose_after_passport_is_not_an_identifier() -> None:
    parsed = parse_ofac_remarks("Passport issued by the Government of Iran; DOB circa 1950")
    assert parsed.identifiers == []
    assert parsed.birth_dates == ["1950"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03 Feb 1980", ("1980-02-03",)),
        ("Feb 1980", ("1980-02",)),
        ("circa 1950", ("1950",)),
        ("1960 to 1962", ("1960", "1961", "1962")),
        ("1964-07-17", ("1964-07-17",)),
        ("unknown", ()),
    ],
)
def test_list_dates(text: str, expected: tuple[str, ...]) -> None:
    assert parse_list_date(text) == expected


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)))
def test_ofac_date_format_round_trips(day: date) -> None:
    assert parse_list_date(day.strftime("%d %b %Y")) == (day.isoformat(),)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Korea, North", "KP"),
        ("Democratic People's Republic of Korea", "KP"),
        ("Iran (Islamic Republic of)", "IR"),
        ("Russian Federation", "RU"),
        ("cn", "CN"),
        ("中国", "CN"),
        ("Côte d'Ivoire", "CI"),
        ("Atlantis", None),
    ],
)
def test_country_codes(text: str, code: str | None) -> None:
    assert country_code(text) == code


# --- the real lists -----------------------------------------------------------------------------


@pytest.mark.slow  # over a second on this machine: make test runs it
def test_ofac_entries_carry_parsed_remarks_and_aliases() -> None:
    ofac = by_list("ofac_sdn")
    assert len(ofac) == 9044  # every SDN row, including the one reusing entry number 2677
    entries = ofac.by_id()
    assert entries["2677"].kind == "person" and entries["2677#2"].kind == "entity"
    zhang = entries["16318"]
    assert zhang.name == "ZHANG, Lei"
    assert zhang.birth_dates == ("1976-01-03",)
    assert zhang.nationalities == ("CN",)
    assert ("passport", "G23851362") in zhang.identifiers
    assert ("national_id", "320202197601030513") in zhang.identifiers
    assert "LEI, Zhang" in zhang.aliases
    assert zhang.programs == ("SDNTK",)
    kinds = {e.kind for e in ofac.entries}
    assert kinds == {"person", "entity", "vessel", "aircraft"}


def test_un_entries_have_documents_original_script_and_weak_aliases() -> None:
    un = by_list("un")
    assert sum(e.kind == "person" for e in un.entries) == 703
    assert sum(e.kind == "entity" for e in un.entries) == 390
    haq = un.by_id()["QDi.268"]
    assert haq.name == "ABDUL HAQ"
    assert "阿不都·哈克" in haq.aliases and "Abudu Hake" in haq.aliases
    assert "Saifuding" in haq.weak_aliases  # UN quality "Low"
    assert haq.birth_dates == ("1971-10-10",)
    assert haq.nationalities == ("CN",)
    assert ("national_id", "653225197110100533") in haq.identifiers
    assert un.published == "2018-10-29"


def test_uk_rows_of_one_designation_are_one_entry() -> None:
    uk = by_list("uk_fcdo")
    entries = uk.by_id()
    jafari = entries["INU0011"]  # listed under three regimes with one OFSI Group ID
    assert set(jafari.programs) == {"Iran (Nuclear)", "Iran", "Syria"}
    assert "IRN0058" not in entries and "IRN0058" in jafari.remarks
    # 5,302 rows, 18 of them extra regimes of a designation already counted, 2 with no name.
    assert len(uk) == 5284
    assert all(e.name for e in uk.entries)


def test_versions_are_stable_and_change_with_any_field() -> None:
    un = by_list("un")
    again = load_list("un")
    assert again.version == un.version
    entry = un.entries[0]
    edited = [replace(entry, birth_dates=("1900",)), *un.entries[1:]]
    assert SanctionsList.of("un", edited, un.published).version != un.version
    assert len({lst.version for lst in real_lists()}) == 3


@settings(max_examples=25, deadline=None)
@given(st.permutations(range(40)))
def test_version_does_not_depend_on_entry_order(order: list[int]) -> None:
    entries = by_list("un").entries[:40]
    shuffled = [entries[i] for i in order]
    assert SanctionsList.of("un", shuffled).version == SanctionsList.of("un", entries).version


def test_entry_round_trips_through_json_form() -> None:
    for lst in real_lists():
        for entry in lst.entries[:200]:
            assert ListEntry.from_dict(entry.as_dict()) == entry


def test_newer_ofac_aliases_only_add_aliases_to_known_parties() -> None:
    old = by_list("ofac_sdn")
    new = load_list("ofac_sdn", newer_aliases=True)
    diff = diff_lists(old, new)
    assert not diff.added and not diff.removed
    assert 50 < len(diff.changed) < 500
    for before, after in diff.changed:
        assert set(before.aliases) < set(after.aliases)
        assert replace(after, aliases=before.aliases) == before


def test_diff_finds_added_removed_and_changed() -> None:
    base = by_list("un").entries[:10]
    old = SanctionsList.of("un", base)
    added = ListEntry("un", "TEST.1", "person", "WANG Jianguo")
    changed = replace(base[1], nationalities=("FR",))
    new = SanctionsList.of("un", [base[0], changed, *base[3:], added])
    diff = diff_lists(old, new)
    assert [e.entry_id for e in diff.added] == ["TEST.1"]
    assert {e.entry_id for e in diff.removed} == {base[2].entry_id}
    assert [(a.entry_id, b.nationalities) for a, b in diff.changed] == [(base[1].entry_id, ("FR",))]
    assert diff_lists(old, old).empty


def test_bad_list_ids_name_the_field_and_rule() -> None:
    with pytest.raises(ValidationError) as caught:
        load_list("eu_fsf")
    assert (caught.value.field, caught.value.rule) == ("list", "unknown_list")
    with pytest.raises(ValidationError):
        load_lists(("un", "interpol"))
    with pytest.raises(ValidationError) as caught:
        diff_lists(by_list("un"), by_list("uk_fcdo"))
    assert caught.value.rule == "same_list"
    assert set(LIST_IDS) == {lst.list_id for lst in real_lists()}


@pytest.mark.slow  # over a second on this machine: make test runs it
def test_without_the_data_folder_the_bundled_lists_give_the_same_versions(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A pip-installed finbrain has no data folder: it screens against the lists it ships."""
    expected = {lst.list_id: lst.version for lst in real_lists()}
    monkeypatch.setenv("FINBRAIN_DATA_DIR", str(tmp_path / "no-data-here"))
    reset_settings()
    try:
        assert {lst.list_id: lst.version for lst in load_lists()} == expected
    finally:
        reset_settings()


@pytest.mark.slow  # over a second on this machine: make test runs it
def test_list_files_name_every_file_each_list_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """The saved screening index is keyed on these files' digests: none may be missing."""
    from finbrain.datasets import identity as sources
    from finbrain.identity import lists

    for list_id in LIST_IDS:
        read: list[str] = []

        def recording(relpath: str, real: Any = lists.data_bytes, read: list[str] = read) -> bytes:
            read.append(relpath)
            return bytes(real(relpath))

        with monkeypatch.context() as patched:
            patched.setattr(lists, "data_bytes", recording)
            patched.setattr(sources, "data_bytes", recording)
            load_list(list_id)
        assert sorted(read) == sorted(lists.LIST_FILES[list_id]), list_id
