from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from finbrain.core.settings import Settings, get_settings, reset_settings


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FINBRAIN_HOME", str(tmp_path))
    monkeypatch.setenv("FINBRAIN_DATABASE_URL", "postgresql+psycopg://u@h:5432/db")
    reset_settings()
    s = get_settings()
    assert s.is_postgres and s.home == tmp_path


def test_default_is_sqlite_in_home(tmp_path: Path) -> None:
    s = Settings(home=tmp_path)
    assert s.effective_database_url == f"sqlite:///{(tmp_path / 'finbrain.db').resolve()}"


def test_bad_values_name_the_field() -> None:
    with pytest.raises(ValidationError) as info:
        Settings(sqlite_synchronous="sometimes")
    assert "sqlite_synchronous" in str(info.value)
    with pytest.raises(ValidationError) as info:
        Settings(max_body_bytes=10)
    assert "max_body_bytes" in str(info.value)


def test_secret_key_is_generated_once_private(tmp_path: Path) -> None:
    s = Settings(home=tmp_path)
    first = s.effective_secret_key()
    assert first == Settings(home=tmp_path).effective_secret_key()
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_the_display_time_zone_must_be_a_known_zone() -> None:
    import pydantic

    from finbrain.core.settings import Settings

    assert Settings(display_time_zone="Europe/Berlin").display_time_zone == "Europe/Berlin"
    with pytest.raises(pydantic.ValidationError, match="display_time_zone"):
        Settings(display_time_zone="Mars/Olympus")
