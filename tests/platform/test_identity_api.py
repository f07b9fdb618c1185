"""Identity over HTTP: validation that names the rule, screening decisions on the ledger, the
list versions, and re-screening of remembered customers when a list changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from finbrain.identity.lists import ListEntry, SanctionsList
from finbrain.identity.screening import SanctionsIndex
from finbrain.platform.identity import service as identity
from tests.conftest import Platform


def _headers(platform: Platform) -> dict[str, str]:
    _, key = platform.new_tenant()
    return {"Authorization": f"Bearer {key}"}


def test_validation_names_the_rule_and_never_echoes_the_number(platform: Platform) -> None:
    headers = _headers(platform)
    ok = platform.client.post(
        "/v1/identity/validate",
        json={"kind": "id", "value": "11010519491231002X"},
        headers=headers,
    ).json()
    assert ok["valid"] and ok["details"]["birth_date"] == "1949-12-31"
    bad = platform.client.post(
        "/v1/identity/validate",
        json={"kind": "uscc", "value": "91110000100003962X"},
        headers=headers,
    )
    assert bad.status_code == 200 and bad.json()["valid"] is False
    assert bad.json()["rule"] and bad.json()["messages"]["zh"]
    card = platform.client.post(
        "/v1/identity/validate",
        json={"kind": "card", "value": "6222020200112345678"},
        headers=headers,
    )
    assert "6222020200112345678" not in card.text


def test_screening_is_a_decision_naming_the_list_version(platform: Platform) -> None:
    headers = _headers(platform)
    r = platform.client.post(
        "/v1/identity/screen",
        json={"name": "Kim Jong Un", "kind": "person", "birth_date": "1984-01-08"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["outcome"] in ("potential_match", "match") and out["hits"]
    assert out["hits"][0]["explanation"]["zh"] and out["hits"][0]["corroboration"]
    decision = out["decision"]
    assert decision["capability"] == "identity" and decision["action"] == "screen"
    assert decision["receipt"] is not None
    assert out["candidates_considered"] < 1000  # candidate generation, not a full scan
    lists = platform.client.get("/v1/identity/lists", headers=headers).json()
    assert {item["list_id"] for item in lists["lists"]} == {"ofac_sdn", "uk_fcdo", "un"}
    assert lists["version"] == out["list_version"]
    for body, field in (
        ({"name": "!!!"}, "name"),
        ({"name": "😀😀😀"}, "name"),
        ({"name": "Kim", "birth_date": "1984-02-30"}, "birth_date"),
        ({"name": "x" * 600}, "name"),
    ):
        bad = platform.client.post("/v1/identity/screen", json=body, headers=headers)
        assert bad.status_code == 422, body
        problem = bad.json()
        fields = [problem.get("field")] + [e.get("field") for e in problem.get("errors", [])]
        assert any(f and f.endswith(field) for f in fields), problem


def _entry(entry_id: str, name: str, born: str) -> ListEntry:
    return ListEntry(list_id="un", entry_id=entry_id, kind="person", name=name, birth_dates=(born,))


def test_a_new_list_version_rescreens_remembered_customers(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = _headers(platform)
    key = str(Path(platform.settings.data_dir).resolve()) if platform.settings.data_dir else ""
    old = SanctionsIndex.build(
        [SanctionsList.of("un", [_entry("QDi.001", "Ivan Petrovich Sidorov", "1970-01-01")])]
    )
    monkeypatch.setitem(identity._indexes, key, old)
    for customer_id, name, born in (
        ("CUST-1", "张伟明", "1981-03-04"),
        ("CUST-2", "Maria Gonzalez", "1990-05-06"),
    ):
        r = platform.client.post(
            "/v1/identity/screen",
            json={"name": name, "birth_date": born, "customer_id": customer_id, "kind": "person"},
            headers=headers,
        )
        assert r.json()["outcome"] == "clear"
    nothing = platform.client.post("/v1/identity/rescreen", headers=headers).json()
    assert nothing["rescreened"] == 0 and nothing["changes"] == []
    # The list adds a designated person with the first customer's name and birth date.
    new = SanctionsIndex.build(
        [
            SanctionsList.of(
                "un",
                [
                    _entry("QDi.001", "Ivan Petrovich Sidorov", "1970-01-01"),
                    _entry("QDi.002", "张伟明", "1981-03-04"),
                ],
            )
        ]
    )
    assert new.version != old.version
    monkeypatch.setitem(identity._indexes, key, new)
    out = platform.client.post("/v1/identity/rescreen", headers=headers).json()
    assert out["list_version"] == new.version and out["rescreened"] == 2
    assert [(c["customer_id"], c["before"]) for c in out["changes"]] == [("CUST-1", "clear")]
    assert out["changes"][0]["after"] in ("potential_match", "match")
    decision = platform.client.get(
        f"/v1/decisions/{out['changes'][0]['decision_id']}", headers=headers
    ).json()
    assert decision["subject"] == {"type": "customer", "id": "CUST-1"}
    again = platform.client.post("/v1/identity/rescreen", headers=headers).json()
    assert again["rescreened"] == 0
