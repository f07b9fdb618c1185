"""A JSON endpoint sent a body that is not declared JSON answers 415 problem+json naming the
header and the rule (the README's witness curl lacked its Content-Type and got a puzzling 422)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Platform

BODY = json.dumps({"name": "Kim Jong Un", "birth_date": "1984-01-08"}).encode()


def _headers(p: Platform, **extra: str) -> dict[str, str]:
    _, key = p.tenants[0] if p.tenants else p.new_tenant()
    return {"Authorization": f"Bearer {key}", "Accept-Language": "en", **extra}


@pytest.mark.parametrize(
    ("path", "content_type", "body"),
    [
        ("/v1/ledger/witnesses", "application/x-www-form-urlencoded", b'{"vkey": "w+0+A"}'),
        ("/v1/identity/screen", "text/plain", BODY),
        ("/v1/identity/screen", None, BODY),  # no Content-Type at all
        ("/v1/identity/screen", "application/xml", b"<name>Kim</name>"),
        ("/v1/credit/score", "multipart/form-data; boundary=x", b"--x--"),
        ("/v1/risk/events", "text/plain", b'{"event_id": "e1"}'),  # the scoring lane too
    ],
)
def test_a_body_that_is_not_json_is_refused_with_415(
    sqlite_platform: Platform, path: str, content_type: str | None, body: bytes
) -> None:
    p = sqlite_platform
    headers = _headers(p) if content_type is None else _headers(p, **{"Content-Type": content_type})
    r = p.client.post(path, content=body, headers=headers)
    assert r.status_code == 415, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["code"] == "FB-UNSUPPORTED-MEDIA-TYPE" and problem["status"] == 415
    assert problem["field"] == "Content-Type" and problem["rule"] == "application_json"
    assert "application/json" in problem["title"] and problem["instance"] == path
    assert problem["request_id"] == r.headers["x-request-id"]


def test_json_in_any_spelling_passes_and_the_title_follows_the_language(
    sqlite_platform: Platform,
) -> None:
    p = sqlite_platform
    for content_type in ("application/json", "application/json; charset=utf-8", "Application/JSON"):
        r = p.client.post(
            "/v1/identity/screen",
            content=BODY,
            headers=_headers(p, **{"Content-Type": content_type}),
        )
        assert r.status_code == 201, (content_type, r.text)
    zh = p.client.post(
        "/v1/identity/screen",
        content=BODY,
        headers={**_headers(p, **{"Content-Type": "text/plain"}), "Accept-Language": "zh"},
    )
    assert zh.status_code == 415 and "application/json" in zh.json()["title"]
    assert zh.headers["content-language"] == "zh"


def test_requests_without_a_body_or_outside_the_json_api_are_not_refused(
    sqlite_platform: Platform,
) -> None:
    p = sqlite_platform
    # A POST that takes no body, sent without a Content-Type.
    r = p.client.post("/v1/identity/rescreen", headers=_headers(p))
    assert r.status_code != 415, r.text
    # A JSON endpoint sent no body at all: the body is missing (422), not of the wrong type.
    r = p.client.post("/v1/identity/screen", headers=_headers(p))
    assert r.status_code == 422 and r.json()["field"] == "body", r.text
    # The console's forms are form-encoded by design.
    r = p.client.post(
        "/console/login",
        content=b"key=nope",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code != 415
    # An unknown path stays a 404 whatever its Content-Type.
    r = p.client.post(
        "/v1/nothing-here", content=b"x", headers=_headers(p, **{"Content-Type": "text/plain"})
    )
    assert r.status_code == 404
