"""The bank's own uplift model over the API, on both backends: consents recorded and read by
selections, outcomes recorded only for customers the campaign contacted or held out, the model
trained from them as a job (refused at once without enough outcomes), registered and used by
every selection that brings no uplift — each decision naming the model version — and a newly
trained version used at once."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import insert

from finbrain.platform.marketing import uplift
from finbrain.platform.profile.tables import CustomerProfileRow
from tests.conftest import Platform

N = 400


def _seed_profiles(platform: Platform, tenant_id: str, n: int = N) -> dict[str, dict[str, float]]:
    """``n`` profiled customers with two features the simulated effects below depend on."""
    rng = np.random.default_rng(5)
    now = datetime.now(UTC)
    features = {
        f"P{i:04d}": {"x1": float(rng.normal()), "x2": float(rng.normal())} for i in range(n)
    }
    rows = [
        {
            "tenant_id": tenant_id,
            "customer_id": cid,
            "as_of": now,
            "built_at": now,
            "segment": None,
            "body": {"customer_id": cid, "features": f, "tags": [], "segment": None},
        }
        for cid, f in features.items()
    ]
    with platform.db.tenant(tenant_id) as session:
        session.execute(insert(CustomerProfileRow), rows)
    return features


def _campaign(cid: str, offers: list[tuple[str, str | None]], share: float) -> dict[str, Any]:
    return {
        "id": cid,
        "name": {"zh": "试点", "en": "Pilot"},
        "offers": [
            {
                "code": code,
                "name": {"zh": code, "en": code},
                "value": "50",
                "cost": "1",
                **({"treatment": t} if t else {}),
            }
            for code, t in offers
        ],
        "budget": "100000",
        "control_share": share,
    }


def _wait(platform: Platform, headers: dict[str, str], job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = platform.client.get(f"/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] in {"succeeded", "failed"}:
            return dict(job)
        time.sleep(0.1)
    raise AssertionError("job did not finish")


def _respond(features: dict[str, float], treated: bool, rng: np.random.Generator) -> bool:
    """Known effects: the offer lifts the response by 40 points where x1 > 0, none elsewhere."""
    chance = 0.15 + (0.40 if treated and features["x1"] > 0 else 0.0)
    return bool(rng.random() < chance)


def test_outcomes_train_the_model_that_selections_then_use(platform: Platform) -> None:
    tenant_id, key = platform.new_tenant()
    _, other_key = platform.new_tenant()
    h, other = {"Authorization": f"Bearer {key}"}, {"Authorization": f"Bearer {other_key}"}
    features = _seed_profiles(platform, tenant_id)
    ids = sorted(features)
    opted_out = set(ids[::10])
    r = platform.client.post(
        "/v1/marketing/consents",
        headers=h,
        json={"customers": [{"customer_id": c, "opted_out": c in opted_out} for c in ids]},
    )
    assert r.status_code == 200 and r.json()["recorded"] == N, r.text
    # no outcome yet: training is refused at once, naming what is missing
    r = platform.client.post("/v1/marketing/models", headers=h)
    assert r.status_code == 422 and r.json()["field"] == "outcomes", r.text
    # a pilot: the same prior uplift for everyone, half held out at random
    assert (
        platform.client.post(
            "/v1/marketing/campaigns", headers=h, json=_campaign("pilot", [("alpha", None)], 0.5)
        ).status_code
        == 201
    )
    customers = [{"customer_id": c, "uplift": {"alpha": 0.05}} for c in ids]  # consent: stored
    r = platform.client.post(
        "/v1/marketing/campaigns/pilot/select", headers=h, json={"customers": customers}
    )
    assert r.status_code == 200, r.text
    made = {d["subject"]["id"]: d for d in r.json()["decisions"]}
    assert all(made[c]["outcome"] == "excluded" for c in opted_out)  # never chosen nor held out
    arms = {c: d["outcome"] for c, d in made.items() if d["outcome"] in ("offer", "control")}
    assert (
        len(arms) == N - len(opted_out)
        and 0.35 < sum(a == "control" for a in arms.values()) / len(arms) < 0.65
    )
    # outcomes: a stranger refuses the whole batch, naming them; nothing is recorded
    first = next(iter(arms))
    r = platform.client.post(
        "/v1/marketing/campaigns/pilot/outcomes",
        headers=h,
        json={
            "outcomes": [
                {"customer_id": first, "responded": True},
                {"customer_id": sorted(opted_out)[0], "responded": True},
            ]
        },
    )
    assert r.status_code == 422 and r.json()["field"] == "outcomes.1.customer_id", r.text
    assert (
        platform.client.post(
            "/v1/marketing/campaigns/pilot/outcomes",
            headers=other,
            json={"outcomes": [{"customer_id": first, "responded": True}]},
        ).status_code
        == 404
    )
    rng = np.random.default_rng(11)
    r = platform.client.post(
        "/v1/marketing/campaigns/pilot/outcomes",
        headers=h,
        json={
            "outcomes": [
                {"customer_id": c, "responded": _respond(features[c], a == "offer", rng)}
                for c, a in arms.items()
            ]
        },
    )
    assert r.status_code == 200, r.text
    lift = r.json()["lift"]["alpha"]
    assert lift["offer"]["outcomes"] + lift["control"]["outcomes"] == len(arms)
    assert 0.1 < lift["lift"] < 0.3  # the true average effect is 20 points
    # train: a job; the model is registered and made champion
    r = platform.client.post("/v1/marketing/models", headers=h)
    assert r.status_code == 202, r.text
    job = _wait(platform, h, r.json()["id"])
    assert job["status"] == "succeeded", job
    listed = platform.client.get("/v1/marketing/models", headers=h).json()["items"]
    assert [m["status"] for m in listed] == ["champion"] and listed[0]["version"] == 1
    assert listed[0]["metrics"]["arms"]["alpha"] == sum(a == "offer" for a in arms.values())
    assert platform.client.get("/v1/marketing/models", headers=other).json()["items"] == []
    # a campaign scored by the model: its uplift follows the true effect (x1 > 0)
    body = _campaign("spring", [("coupon", "alpha")], 0.0)
    assert platform.client.post("/v1/marketing/campaigns", headers=h, json=body).status_code == 201
    r = platform.client.post(
        "/v1/marketing/campaigns/spring/select",
        headers=h,
        json={"customers": [{"customer_id": c} for c in ids]},
    )
    assert r.status_code == 200, r.text
    decisions = r.json()["decisions"]
    assert {d["model"]["id"] for d in decisions} == {"marketing-uplift"}
    assert {d["model"]["version"] for d in decisions} == {"1"}
    assert all(d["outcome"] == "excluded" for d in decisions if d["subject"]["id"] in opted_out)
    offered = [d["subject"]["id"] for d in decisions if d["outcome"] == "offer"]
    share_positive = np.mean([features[c]["x1"] > 0 for c in offered])
    assert share_positive > 0.7, share_positive  # half the customers have x1 > 0
    # the whole profiled base in the background: one job, one decision per profiled customer,
    # consent as recorded; a stranger's key finds no campaign
    body = _campaign("autumn", [("coupon", "alpha")], 0.2)
    assert platform.client.post("/v1/marketing/campaigns", headers=h, json=body).status_code == 201
    url = "/v1/marketing/campaigns/autumn/selections"
    assert platform.client.post(url, headers=other).status_code == 404
    r = platform.client.post(url, headers=h)
    assert r.status_code == 202 and r.headers["location"] == f"/v1/jobs/{r.json()['id']}", r.text
    job = _wait(platform, h, r.json()["id"])
    assert job["status"] == "succeeded" and job["kind"] == "marketing.select", job
    summary = job["result"]
    assert summary["customers"] == N and summary["opted_out"] == len(opted_out), summary
    autumn = platform.client.get("/v1/marketing/campaigns/autumn", headers=h).json()
    assert autumn["last_selection"] == summary and autumn["spent"] == summary["spend"]
    arms_total = sum(summary[k] for k in ("offered", "control", "no_offer", "opted_out", "capped"))
    assert arms_total == N and summary["offered"] > 0 and summary["control"] > 0, summary
    # retrained: a new version, used by the next selection at once (no stale cache)
    r = platform.client.post("/v1/marketing/models", headers=h)
    assert _wait(platform, h, r.json()["id"])["status"] == "succeeded"
    body = _campaign("summer", [("coupon", "alpha")], 0.0)
    platform.client.post("/v1/marketing/campaigns", headers=h, json=body)
    r = platform.client.post(
        "/v1/marketing/campaigns/summer/select",
        headers=h,
        json={"customers": [{"customer_id": ids[1]}]},
    )
    assert r.json()["decisions"][0]["model"]["version"] == "2"


def test_selections_refuse_what_the_model_cannot_score(platform: Platform) -> None:
    tenant_id, key = platform.new_tenant()
    h = {"Authorization": f"Bearer {key}"}
    _seed_profiles(platform, tenant_id, 5)
    body = _campaign("plain", [("alpha", None)], 0.0)
    assert platform.client.post("/v1/marketing/campaigns", headers=h, json=body).status_code == 201
    url = "/v1/marketing/campaigns/plain/select"
    # no model yet: uplift is required
    r = platform.client.post(url, headers=h, json={"customers": [{"customer_id": "P0001"}]})
    assert r.status_code == 422 and r.json()["field"] == "customers.0.uplift", r.text
    # nor over the whole base: refused at once, nothing started
    r = platform.client.post("/v1/marketing/campaigns/plain/selections", headers=h)
    assert r.status_code == 422 and r.json()["field"] == "uplift_model", r.text
    r = platform.client.post("/v1/marketing/campaigns/nowhere/selections", headers=h)
    assert r.status_code == 404, r.text
    assert platform.client.get("/v1/marketing/campaigns/plain", headers=h).json()["spent"] == "0.00"
    # uplift for some customers but not all
    r = platform.client.post(
        url,
        headers=h,
        json={
            "customers": [
                {"customer_id": "P0001", "uplift": {"alpha": 0.1}},
                {"customer_id": "P0002"},
            ]
        },
    )
    assert r.status_code == 422 and r.json()["field"] == "customers.1.uplift", r.text
    # outcomes for a campaign nobody was selected in; consents with a duplicate
    r = platform.client.post(
        "/v1/marketing/campaigns/plain/outcomes",
        headers=h,
        json={"outcomes": [{"customer_id": "P0001", "responded": True}]},
    )
    assert r.status_code == 422 and r.json()["field"] == "outcomes.0.customer_id"
    r = platform.client.post(
        "/v1/marketing/consents",
        headers=h,
        json={
            "customers": [
                {"customer_id": "P1", "opted_out": False},
                {"customer_id": "P1", "opted_out": True},
            ]
        },
    )
    assert r.status_code == 422 and r.json()["field"] == "customers.customer_id"
    r = platform.client.post(
        "/v1/marketing/consents",
        headers=h,
        json={"customers": [{"customer_id": "P1", "opted_out": "maybe"}]},
    )
    assert r.status_code == 422


def test_the_platform_model_finds_known_effects() -> None:
    """On a randomised campaign with known effects (offer a: +30 points where x1 > 0; offer
    b: +30 points where x2 > 0; nothing elsewhere), the cross-fitted Qini of each offer is
    clearly above random and the model's uplift follows the true one."""
    rng = np.random.default_rng(8)
    n = 3000
    x = rng.normal(size=(n, 3))
    labels = rng.choice(["control", "a", "b"], size=n)
    true = np.column_stack([0.3 * (x[:, 0] > 0), 0.3 * (x[:, 1] > 0)])
    effect = np.where(labels == "a", true[:, 0], np.where(labels == "b", true[:, 1], 0.0))
    y = (rng.random(n) < 0.1 + 0.1 * (x[:, 2] > 0) + effect).astype(int)
    data = pd.DataFrame(
        {
            "campaign": "sim",
            "customer_id": [f"c{i}" for i in range(n)],
            "label": labels,
            "responded": y,
            "features": [{"x1": a, "x2": b, "x3": c} for a, b, c in x],
        }
    )
    model, metrics = uplift.fit(data)
    assert model.treatments_ == ["a", "b"] and metrics["arms"]["control"] == sum(
        labels == "control"
    )
    for label, measured in metrics["offers"].items():
        assert measured["qini"] > 0.08 and measured["uplift_at_30"] > 0.15, (label, measured)
    fresh = rng.normal(size=(2000, 3))
    predicted = model.predict(pd.DataFrame(fresh, columns=["x1", "x2", "x3"]))
    for k in range(2):
        assert np.corrcoef(predicted[:, k], fresh[:, k] > 0)[0, 1] > 0.6
