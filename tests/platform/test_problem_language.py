"""Problem details speak one language per answer: the API's default (English) when the client
sends no ``Accept-Language``, else the one it asks for, in the title, the detail and each field
message alike. A body nested too deep for the JSON reader is a problem naming ``body`` and the
rule ``max_depth``."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import Platform

CJK = re.compile(r"[\u4e00-\u9fff]")


def _texts(problem: dict[str, Any]) -> list[str]:
    texts = [problem["title"]]
    if problem.get("detail"):
        texts.append(problem["detail"])
    texts += [e["message"] for e in problem.get("errors", [])]
    return texts


def _in(language: str, r: Any) -> None:
    assert r.headers["content-type"].startswith("application/problem+json"), r.text
    assert r.headers["content-language"] == language
    for text in _texts(r.json()):
        if language == "zh":
            assert CJK.search(text), (text, r.text)
        else:
            assert not CJK.search(text), (text, r.text)


def _event(**extra: Any) -> dict[str, Any]:
    return {
        "event_id": "lang-1",
        "kind": "card",
        "occurred_at": datetime.now(UTC).isoformat(),
        "amount": "10.00",
        "currency": "CNY",
        "customer_id": "C1",
        "card_id": "K1",
        **extra,
    }


@pytest.mark.parametrize(("header", "language"), [(None, "en"), ("zh-CN", "zh"), ("en", "en")])
def test_title_and_detail_share_the_language(
    platform: Platform, header: str | None, language: str
) -> None:
    _, key = platform.new_tenant()
    h = {"Authorization": f"Bearer {key}"}
    if header:
        h["Accept-Language"] = header
    post = platform.client.post
    assert post("/v1/risk/events", json=_event(), headers=h).status_code == 201
    answers = [
        # A library refusal whose detail the code wrote (a reused event id: 409).
        post("/v1/risk/events", json=_event(amount="11.00"), headers=h),
        # A library refusal with a detail (the rule names its range).
        post("/v1/identity/screen", json={"name": "Kim", "birth_date": "1800-01-01"}, headers=h),
        # A resident ID's rule, which carries its own zh and en texts.
        post(
            "/v1/identity/screen",
            json={"name": "Kim", "id_number": "x" * 65},
            headers=h,
        ),
        # Schema validation, field by field.
        post("/v1/identity/screen", json={"name": "Kim", "threshold": 3}, headers=h),
        # Not found, and a route that does not exist.
        platform.client.get("/v1/decisions/" + "0" * 26, headers=h),
        platform.client.get("/v1/no-such-route", headers=h),
        # Unauthenticated.
        platform.client.get("/v1/me", headers={k: v for k, v in h.items() if k != "Authorization"}),
        # Malformed JSON and a body too deep for the reader.
        post("/v1/risk/events", content=b"{", headers={**h, "Content-Type": "application/json"}),
        post(
            "/v1/risk/events",
            content=b"[" * 10_000 + b"]" * 10_000,
            headers={**h, "Content-Type": "application/json"},
        ),
    ]
    for r in answers:
        assert r.status_code >= 400, r.text
        _in(language, r)


def test_the_body_limit_speaks_the_default_too(platform: Platform) -> None:
    _, key = platform.new_tenant()
    big = b"{" + b" " * (platform.settings.max_body_bytes + 1) + b"}"
    r = platform.client.post(
        "/v1/risk/events",
        content=big,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    assert r.status_code == 413
    _in("en", r)


@pytest.mark.parametrize("opening", [b"[", b'{"a":'])
def test_a_body_nested_too_deep_names_the_rule(platform: Platform, opening: bytes) -> None:
    _, key = platform.new_tenant()
    closing = b"]" if opening == b"[" else b"}"
    body = opening * 10_000 + (b"1" if opening != b"[" else b"") + closing * 10_000
    for path in ("/v1/risk/events", "/v1/credit/score", "/v1/risk/rules"):
        r = platform.client.post(
            path,
            content=body,
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        assert r.status_code == 400, r.text
        problem = r.json()
        assert (problem["field"], problem["rule"]) == ("body", "max_depth"), problem
        assert problem["errors"] == [] or problem["errors"][0]["rule"] == "max_depth"
    r = platform.client.post(
        "/v1/risk/events",
        content=b"{",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    assert (r.status_code, r.json()["field"], r.json()["rule"]) == (400, "body", "json_syntax")
