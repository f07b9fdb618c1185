from __future__ import annotations

import pytest

from finbrain.core.i18n import both, catalogue, message, negotiate, placeholders


def test_every_message_exists_in_both_languages_with_same_placeholders() -> None:
    zh, en = catalogue("zh"), catalogue("en")
    assert set(zh) == set(en)
    for key in en:
        assert placeholders(zh[key]) == placeholders(en[key]), key
        assert zh[key].strip() and en[key].strip(), key


def test_every_capability_catalogue_pairs_its_languages() -> None:
    """Each ``messages/`` folder (core, the platform's, every capability's) on its own: the
    same keys in zh and en, the same placeholders, and no key defined in two folders."""
    import json
    from importlib import resources

    import finbrain.platform  # noqa: F401 - adds the platform's folders
    from finbrain.core import i18n

    seen: dict[str, str] = {}
    assert len(i18n._FOLDERS) >= 8  # core, the platform's, and six capabilities
    for folder in i18n._FOLDERS:
        zh = json.loads(folder.joinpath("zh.json").read_text("utf-8"))
        en = json.loads(folder.joinpath("en.json").read_text("utf-8"))
        assert set(zh) == set(en), folder
        for key in en:
            assert placeholders(zh[key]) == placeholders(en[key]), (folder, key)
            assert key not in seen, (key, seen.get(key), folder)
            seen[key] = str(folder)
    core = json.loads((resources.files("finbrain.core") / "messages" / "en.json").read_text())
    assert all(key.startswith("FB-") for key in core)  # core keeps its own texts: error codes


def test_a_key_defined_twice_is_refused(tmp_path: pytest.TempPathFactory) -> None:
    import json
    from pathlib import Path

    from finbrain.core import i18n

    folder = Path(str(tmp_path))
    for lang in ("zh", "en"):
        (folder / f"{lang}.json").write_text(json.dumps({"FB-INTERNAL": "x"}))
    before = list(i18n._FOLDERS)
    try:
        i18n.add_catalogues(folder)
        with pytest.raises(ValueError, match="FB-INTERNAL"):
            catalogue("en")
    finally:
        i18n._FOLDERS[:] = before
        catalogue.cache_clear()


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
