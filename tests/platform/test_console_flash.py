"""Flash messages ("approved, limit 50,000 CNY") stay on the server: the console session cookie
is signed, not encrypted, so anyone holding it could read them; it carries only a random id."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from finbrain.platform.console.flash import FlashStore
from tests.conftest import Platform
from tests.platform.test_console_csrf import (
    COOKIE,
    SAME,
    approve,
    referred,
    session_cookie,
    sign_in,
)


@pytest.fixture
def console(sqlite_platform: Platform) -> Platform:
    """A platform on SQLite: the console keeps nothing backend-specific."""
    return sqlite_platform


EN = {"Accept-Language": "en"}


def approve_one(console: Platform, reference: str, sequence: int) -> None:
    _, key = console.new_tenant()
    app_id = referred(console, key, reference, sequence)
    token = sign_in(console.client, key)
    r = console.client.post(
        f"/console/referrals/{app_id}",
        data=approve(token),
        headers={**SAME, **EN},
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_the_session_cookie_carries_no_flash_text(console: Platform) -> None:
    approve_one(console, "REF-FLASH", 109)
    decoded, session = session_cookie(console.client)
    for text in ("REF-FLASH", "50,000", "approved", "limit"):
        assert text not in decoded, decoded
    assert set(session) <= {"key_id", "csrf", "flash"}
    assert isinstance(session["flash"], str)  # a random id, not the message
    shown = console.client.get("/console/referrals", headers=EN)
    assert "Application REF-FLASH approved with a limit of 50,000.00 CNY." in shown.text
    again = console.client.get("/console/referrals", headers=EN)
    assert "REF-FLASH approved" not in again.text  # one-shot
    _, session = session_cookie(console.client)
    assert "flash" not in session


def test_a_replayed_cookie_finds_the_flash_gone(console: Platform) -> None:
    approve_one(console, "REF-ONCE", 110)
    copied = console.client.cookies.get(COOKIE)
    assert "REF-ONCE approved" in console.client.get("/console/referrals", headers=EN).text
    with TestClient(console.client.app) as replay:
        replay.cookies.set(COOKIE, copied or "")
        assert "REF-ONCE approved" not in replay.get("/console/referrals", headers=EN).text


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_store_gives_each_message_once_and_forgets_it_after_its_time() -> None:
    clock = Clock()
    store = FlashStore(ttl_seconds=60, capacity=100, clock=clock)
    first, second = store.put("ok", "one"), store.put("error", "two")
    assert first != second and len(first) >= 22  # 128 random bits at least
    assert store.take(first) == {"kind": "ok", "text": "one"}
    assert store.take(first) is None
    assert store.take("made-up") is None
    clock.now += 61
    assert store.take(second) is None  # expired
    assert len(store) == 0


def test_the_store_is_bounded() -> None:
    clock = Clock()
    store = FlashStore(ttl_seconds=60, capacity=3, clock=clock)
    ids = [store.put("ok", str(n)) for n in range(5)]
    assert len(store) == 3
    assert [store.take(i) for i in ids[:2]] == [None, None]  # the oldest gave way
    assert store.take(ids[4]) == {"kind": "ok", "text": "4"}
    clock.now += 61
    store.put("ok", "new")  # expired ones are swept as new ones come
    assert len(store) == 1
