"""The console's screening form applies the one birth-date rule, as the API does (issue 14,
item 6): an impossible date is refused with its rule named and nothing is recorded."""

from __future__ import annotations

import pytest

from tests.conftest import Platform
from tests.platform.test_console_csrf import SAME, sign_in


@pytest.mark.parametrize(
    ("birth_date", "rule"), [("9999-12-31", "not_in_future"), ("1800-01-01", "not_before_1900")]
)
def test_an_impossible_birth_date_is_refused_and_nothing_recorded(
    sqlite_platform: Platform, birth_date: str, rule: str
) -> None:
    p = sqlite_platform
    _, key = p.new_tenant(scopes=["admin"])
    token = sign_in(p.client, key)
    r = p.client.post(
        "/console/screening",
        data={
            "name": "Li Fangwei",
            "birth_date": birth_date,
            "kind": "person",
            "csrf_token": token,
        },
        headers={**SAME, "Accept-Language": "en"},
    )
    assert r.status_code == 422, r.text[:500]
    assert "birth_date" in r.text and rule in r.text
    listed = p.client.get("/v1/decisions", headers={"Authorization": f"Bearer {key}"})
    assert listed.status_code == 200 and listed.json()["items"] == []
