"""One rule for every birth date that enters finbrain (screening, resident IDs and so card
applications, the console, the CLI): not in the future (China's calendar) and not before
1900-01-01 (at most about 126 years old today). ``check_birth_date`` is the one validator."""

from __future__ import annotations

from datetime import date

import pytest

from finbrain.core.errors import ValidationError
from finbrain.identity.validators import (
    MIN_BIRTH_DATE,
    birth_date_rule,
    check_birth_date,
    mod11_2_check_digit,
    parse_resident_id,
)

TODAY = date(2026, 3, 15)


def _resident(born: date) -> str:
    body = f"110105{born:%Y%m%d}123"
    return body + mod11_2_check_digit(body)


@pytest.mark.parametrize(
    ("born", "rule"),
    [
        (date(9999, 12, 31), "not_in_future"),
        (date(2026, 3, 16), "not_in_future"),
        (date(1800, 1, 1), "not_before_1900"),
        (date(1899, 12, 31), "not_before_1900"),
        (date(1900, 1, 1), None),
        (TODAY, None),
        (date(1990, 5, 17), None),
    ],
)
def test_the_rule(born: date, rule: str | None) -> None:
    assert date(1900, 1, 1) == MIN_BIRTH_DATE
    assert birth_date_rule(born, TODAY) == rule
    if rule is None:
        assert check_birth_date(born, today=TODAY) == born
    else:
        with pytest.raises(ValidationError) as refused:
            check_birth_date(born, field="applicant.dob", today=TODAY)
        assert (refused.value.field, refused.value.rule) == ("applicant.dob", rule)


def test_resident_ids_keep_their_own_rule_with_the_same_bounds() -> None:
    for born in (date(1899, 12, 31), date(2026, 3, 16), date(9999, 12, 31)):
        with pytest.raises(ValidationError) as refused:
            parse_resident_id(_resident(born), today=TODAY)
        assert (refused.value.field, refused.value.rule) == ("id_number", "birth_date")
    for born in (date(1900, 1, 1), TODAY):
        assert parse_resident_id(_resident(born), today=TODAY).birth_date == born


@pytest.fixture(scope="module")
def index():  # type: ignore[no-untyped-def]
    from finbrain.identity.lists import ListEntry, SanctionsList
    from finbrain.identity.screening import SanctionsIndex

    entry = ListEntry(
        list_id="un", entry_id="T.1", kind="person", name="Ivan Petrov", birth_dates=("1960",)
    )
    return SanctionsIndex.build([SanctionsList.of("un", [entry])])


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (date(9999, 12, 31), "not_in_future"),
        ("9999-12-31", "not_in_future"),
        ("9999", "not_in_future"),
        (date(1800, 1, 1), "not_before_1900"),
        ("1800-01-01", "not_before_1900"),
        ("1899-12", "not_before_1900"),
    ],
)
def test_screening_refuses_impossible_birth_dates(index, value: object, rule: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        index.screen("Ivan Petrov", birth_date=value)
    assert (refused.value.field, refused.value.rule) == ("birth_date", rule)


def test_screening_takes_partial_and_full_dates_in_range(index) -> None:  # type: ignore[no-untyped-def]
    for value in ("1960", "1960-04", "1960-04-02", date(1900, 1, 1), "1900"):
        assert index.screen("Ivan Petrov", birth_date=value).hits


def test_a_stored_impossible_birth_date_does_not_stop_a_rescreen(index) -> None:  # type: ignore[no-untyped-def]
    """Customers remembered before the rule (a date object was taken unchecked) are
    re-screened without that birth date; the others as usual."""
    from finbrain.identity.lists import ListEntry, SanctionsList
    from finbrain.identity.screening import Customer, SanctionsIndex, rescreen

    added = ListEntry("un", "T.2", "person", "Maria Gonzalez")
    old = index.entries
    new_index = SanctionsIndex.build([SanctionsList.of("un", [*old, added])])
    customers = [
        Customer("c-bad", "Maria Gonzalez", birth_date=date(9999, 12, 31)),
        Customer("c-old", "Maria Gonzalez", birth_date="1800-01-01"),
        Customer("c-ok", "Maria Gonzalez", birth_date="1970-01-01"),
    ]
    changes = rescreen(customers, index, new_index)
    assert {c.customer_id for c in changes} == {"c-bad", "c-old", "c-ok"}
