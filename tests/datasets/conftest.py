"""Fixtures for the dataset tests: point finbrain at a data folder, and restore it afterwards."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from finbrain.core.settings import get_settings, reset_settings
from tests.conftest import service_missing

SetDataDir = Callable[[Path], None]


def _configured_data_dir() -> Path | None:
    reset_settings()
    try:
        folder = get_settings().data_dir
    finally:
        reset_settings()
    if folder is None or not (folder / "SHA256SUMS").is_file():
        return None
    return folder


@pytest.fixture(scope="session")
def real_dir() -> Path:
    """The real data folder (FINBRAIN_DATA_DIR or ../shared/data); tests skip without it."""
    folder = _configured_data_dir()
    if folder is None:
        service_missing("The real data folder", "not found: set FINBRAIN_DATA_DIR")
    assert folder is not None
    return folder


@pytest.fixture
def set_data_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[SetDataDir]:
    """Call with a folder to make it the data folder for this test only."""

    def _set(folder: Path) -> None:
        monkeypatch.setenv("FINBRAIN_DATA_DIR", str(folder))
        reset_settings()

    yield _set
    # Runs before monkeypatch restores the environment; settings are re-read lazily after that.
    reset_settings()


@pytest.fixture
def real_data(real_dir: Path, set_data_dir: SetDataDir) -> Path:
    """Make the real data folder the configured one (other tests may have changed it)."""
    set_data_dir(real_dir)
    return real_dir
