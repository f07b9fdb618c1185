"""The OpenAPI document is a contract: it changes only on purpose.

A change to routes, schemas or problems that alters the document fails here until the stored
copy is refreshed, so a refactoring that claims "behaviour unchanged" is held to it and an
intended change shows up in review as a diff of ``openapi.json``. Refresh it by running this
file with ``FINBRAIN_TEST_UPDATE_OPENAPI=1`` in the environment.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from finbrain.core.settings import Settings
from finbrain.platform.api.app import create_app
from finbrain.platform.store.database import Database

STORED = Path(__file__).with_name("openapi.json")


def _document(tmp_path: Path) -> str:
    settings = Settings(home=tmp_path / "home")
    db = Database(settings)
    try:
        spec = create_app(settings, db).openapi()
    finally:
        db.dispose()
    spec["info"].pop("version", None)  # the package version moves with every release
    return json.dumps(spec, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def test_openapi_document_equals_the_stored_copy(tmp_path: Path) -> None:
    current = _document(tmp_path)
    if os.environ.get("FINBRAIN_TEST_UPDATE_OPENAPI") == "1":
        STORED.write_text(current, encoding="utf-8")
    stored = STORED.read_text(encoding="utf-8")
    if current != stored:
        changed = _diff(json.loads(stored), json.loads(current))  # one line per changed path
        raise AssertionError(
            "the OpenAPI document changed; if on purpose, refresh the stored copy "
            "(FINBRAIN_TEST_UPDATE_OPENAPI=1). Changed: " + "; ".join(changed[:20])
        )


def _diff(old: object, new: object, path: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for key in sorted(set(old) | set(new)):
            here = f"{path}/{key}"
            if key not in old:
                out.append(f"added {here}")
            elif key not in new:
                out.append(f"removed {here}")
            else:
                out += _diff(old[key], new[key], here)
        return out
    return [] if old == new else [f"changed {path or '/'}"]


def test_the_diff_names_what_changed() -> None:
    assert _diff({"a": 1, "b": {"c": 2}}, {"a": 1, "b": {"c": 3}, "d": 0}) == [
        "changed /b/c",
        "added /d",
    ]
