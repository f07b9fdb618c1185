"""Impossible birth dates are refused wherever one enters: the screening API, a card
application's resident ID, the console's screening form and the CLI, all by the one rule of
``finbrain.identity.validators.check_birth_date`` (not in the future, not before 1900-01-01)."""

from __future__ import annotations

from datetime import date

import pytest
from typer.testing import CliRunner

from finbrain.cli.main import app as cli
from tests.conftest import Platform
from tests.platform.test_card_application import application, resident_id


@pytest.mark.parametrize(
    ("born", "rule"), [("9999-12-31", "not_in_future"), ("1800-01-01", "not_before_1900")]
)
def test_screening_refuses_them(platform: Platform, born: str, rule: str) -> None:
    _, key = platform.new_tenant()
    h = {"Authorization": f"Bearer {key}", "Accept-Language": "en"}
    body = {"name": "Kim Jong Un", "kind": "person", "birth_date": born}
    r = platform.client.post("/v1/identity/screen", json=body, headers=h)
    assert r.status_code == 422, r.text
    assert (r.json()["field"], r.json()["rule"]) == ("birth_date", rule)
    assert platform.client.get("/v1/decisions", headers=h).json()["items"] == []
    ok = platform.client.post(
        "/v1/identity/screen", json={**body, "birth_date": "1984-01-08"}, headers=h
    )
    assert ok.status_code == 201, ok.text


@pytest.mark.parametrize("born", [date(9999, 12, 31), date(1800, 1, 1), date(1899, 12, 31)])
def test_card_applications_refuse_them(platform: Platform, born: date) -> None:
    _, key = platform.new_tenant()
    h = {"Authorization": f"Bearer {key}", "Accept-Language": "en"}
    body = application("APP-DOB", id_number=resident_id(born))
    r = platform.client.post("/v1/applications/credit-card", json=body, headers=h)
    assert r.status_code == 422, r.text
    assert (r.json()["field"], r.json()["rule"]) == ("applicant.id_number", "birth_date")


def test_the_cli_refuses_them() -> None:
    result = CliRunner().invoke(cli, ["screen", "Kim Jong Un", "--dob", "1800-01-01"])
    assert result.exit_code != 0
    assert "dob" in result.output and "not_before_1900" in result.output
