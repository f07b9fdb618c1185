from __future__ import annotations

import pytest

from finbrain.core.i18n import both, catalogue, message, negotiate, placeholders


def test_every_message_exists_in_both_languages_with_same_placeholders() -> None:
    zh, en = catalogue("zh"), catalogue("en")
    assert set(zh) == set(en)
    for key in en:
        assert placeholders(zh[key]) == placeholders(en[key]), key
        assert zh[key].strip() and en[key].strip(), key


def test_error_codes_of_the_hierarchy_are_catalogued() -> None:
    import finbrain.core.errors as errors

    codes = {
        cls.code
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.FinbrainError)
    }
    assert codes <= set(catalogue("en"))


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "zh"),
        ("", "zh"),
        ("en-US,en;q=0.9", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("zh-Hant-TW", "zh"),
        ("fr-FR, en;q=0.5, zh;q=0.4", "en"),
        ("en;q=0.2, zh;q=0.8", "zh"),
        ("de, fr", "zh"),
        ("*", "zh"),
        ("en;q=0, zh", "zh"),
        ("en;q=abc, zh;q=0.1", "zh"),
        ("EN", "en"),
    ],
)
def test_accept_language_negotiation(header: str | None, expected: str) -> None:
    assert negotiate(header, "zh") == expected


def test_message_formats_and_tolerates_missing_params() -> None:
    assert message("FB-VALIDATION", "en", field="name", rule="unique") == (
        "Field 'name' breaks the rule 'unique'."
    )
    assert "{rule}" in message("FB-VALIDATION", "en", field="x")
    assert message("no-such-key", "zh") == "no-such-key"
    assert set(both("FB-NOT-FOUND", kind="x")) == {"zh", "en"}
