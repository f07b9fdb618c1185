"""The sanctions index is built once per list version and code, saved in FINBRAIN_HOME, and
loaded by every later process (``finbrain screen`` took 9-11 s a call rebuilding it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from finbrain.core.settings import get_settings
from finbrain.identity import lists
from finbrain.identity.screening import SanctionsIndex
from finbrain.platform.identity import service as identity


def _saved(home: Path) -> list[Path]:
    return sorted((home / "cache").glob("sanctions-index-*.json.gz"))


@pytest.fixture
def un_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The UN list alone keeps the test quick; the mechanism is the same for all three."""
    monkeypatch.setattr(identity, "LIST_IDS", ("un",))
    monkeypatch.setattr(identity, "_indexes", {})


def _refuse_to_build(monkeypatch: pytest.MonkeyPatch) -> None:
    def rebuilt(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the saved index should have been loaded, not rebuilt")

    monkeypatch.setattr(lists, "load_lists", rebuilt)
    monkeypatch.setattr(SanctionsIndex, "build", classmethod(rebuilt))


def test_a_later_process_loads_the_saved_index(
    un_only: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = get_settings()
    first = identity.screening_index(settings)
    saved = _saved(settings.home)
    assert len(saved) == 1
    expected = first.screen("Kim Jong Un", kind="person")

    monkeypatch.setattr(identity, "_indexes", {})  # a new process
    with monkeypatch.context() as patched:
        _refuse_to_build(patched)
        second = identity.screening_index(settings)
    assert second.version == first.version and second.size == first.size
    assert second.screen("Kim Jong Un", kind="person") == expected


def test_a_damaged_saved_index_is_rebuilt_and_replaced(
    un_only: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = get_settings()
    version = identity.screening_index(settings).version
    (path,) = _saved(settings.home)
    path.write_bytes(b"not an index")
    monkeypatch.setattr(identity, "_indexes", {})
    assert identity.screening_index(settings).version == version
    assert _saved(settings.home) == [path] and path.read_bytes()[:2] == b"\x1f\x8b"


def test_the_saved_index_follows_the_source_files(
    un_only: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another list file (another pinned digest) or other matching code gives another file."""
    settings = get_settings()
    key = identity.index_cache_path(settings)
    monkeypatch.setattr(lists, "LIST_FILES", {"un": ("identity/un_2018/other.xml",)})
    monkeypatch.setattr(identity, "source_digest", lambda relpath: "0" * 64)
    assert identity.index_cache_path(settings) != key
