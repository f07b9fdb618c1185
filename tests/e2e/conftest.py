"""A real server on a free local port and Debian's headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI, LiveServer, service_missing

CHROMIUM = os.environ.get("FINBRAIN_CHROMIUM", "/usr/bin/chromium")
# Screenshots the dashboard tests keep for a person to look at (never committed: .gitignore).
ARTIFACTS = Path(
    os.environ.get("FINBRAIN_TEST_ARTIFACTS", Path(__file__).parents[2] / ".artifacts" / "screens")
)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        service_missing("Chromium", f"{CHROMIUM} not found (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - dev extra missing
        if IN_CI:
            raise
        pytest.skip(f"playwright missing: {exc}")
    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def browser_errors() -> list[str]:
    """Errors the page reported; a test that provokes one on purpose clears it."""
    return []


@pytest.fixture
def page(browser: Any, live: LiveServer, browser_errors: list[str]) -> Iterator[Any]:
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    outside: list[str] = []
    pg.on(
        "request",
        lambda req: (
            None
            if req.url.startswith(live.url) or req.url.startswith("data:")
            else outside.append(req.url)
        ),
    )
    errors = browser_errors
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield pg
    context.close()
    assert not outside, f"the console fetched from outside the platform: {outside}"
    assert not errors, f"browser errors: {errors}"
