"""The credit dashboard's monitoring on both backends: the score's PSI per day, counted per
development decile in SQL, equals PSI computed from the same scores in Python; the champion
and its challenger are found, with calibration tables on their model cards."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from finbrain.credit.monitoring import psi_from_counts
from finbrain.platform import bootstrap
from finbrain.platform.credit import queries
from finbrain.platform.store.models import DecisionRow
from tests.conftest import Platform


def test_psi_per_day_and_champion_beside_challenger(platform: Platform) -> None:
    tenant_id, _ = platform.new_tenant()
    bootstrap.ensure_demo_credit(platform.db, tenant_id)
    with platform.db.tenant(tenant_id, write=False) as session:
        champion, challenger = queries.champion_and_challenger(session)
        assert champion is not None and champion.kind == "scorecard"
        assert challenger is not None and challenger.kind == "gbm"
        for model in (champion, challenger):
            table = model.metrics["calibration"]
            assert len(table) == 10 and sum(row["n"] for row in table) == model.metrics["n_test"]
            predicted = [row["predicted"] for row in table]
            assert predicted == sorted(predicted)  # deciles of predicted PD, in order
        psi = queries.score_psi_per_day(session, champion)
        rows = session.execute(
            select(DecisionRow.created_at, DecisionRow.score).where(
                DecisionRow.capability == "credit"
            )
        ).all()
    reference = champion.metrics["score_reference"]
    edges = np.asarray(reference["edges"])
    by_day: dict[str, list[float]] = defaultdict(list)
    for created, score in rows:
        by_day[created.strftime("%Y-%m-%d")].append(score)
    expected = []
    for day, scores in sorted(by_day.items()):
        counts = np.bincount(
            np.searchsorted(edges, np.asarray(scores), side="right"), minlength=len(edges) + 1
        )
        if counts.sum() >= 10:
            value = psi_from_counts(np.asarray(reference["counts"], float), counts.astype(float))
            expected.append((day, round(value, 4), int(counts.sum())))
    assert psi == expected and len(psi) == bootstrap.DEMO_DAYS
    assert sum(n for _, _, n in psi) == bootstrap.DEMO_DECISIONS


def test_feature_stability_counts_every_scoring_path_and_equals_python(platform: Platform) -> None:
    """The demo's applicants, one scored through the API, a batch and a refused batch: the bins
    counted at scoring time give the same CSI as binning the applicants again in Python, and a
    refused request counts nothing."""
    from datetime import timedelta

    from sklearn.model_selection import train_test_split

    from finbrain.core.decision import utcnow
    from finbrain.credit.monitoring import feature_bin_counts
    from finbrain.datasets import load_german
    from finbrain.platform.credit.tables import CreditFeatureDay

    tenant_id, key = platform.new_tenant()
    bootstrap.ensure_demo_credit(platform.db, tenant_id)
    german = load_german()
    features = german.drop(columns=["creditability"])
    _, held_out = train_test_split(
        features, test_size=0.3, stratify=german["creditability"], random_state=bootstrap.SEED
    )
    records = held_out.head(bootstrap.DEMO_DECISIONS)
    h = {"Authorization": f"Bearer {key}"}
    extra = features.head(3).to_dict(orient="records")
    answer = platform.client.post(
        "/v1/credit/score", json={"applicant_id": "API-1", "features": extra[0]}, headers=h
    )
    assert answer.status_code == 201, answer.text
    batch = [{"applicant_id": f"B-{i}", "features": r} for i, r in enumerate(extra[1:])]
    answer = platform.client.post("/v1/credit/score/batch", json={"applicants": batch}, headers=h)
    assert answer.status_code == 201, answer.text
    bad = [*batch, {"applicant_id": "B-X", "features": {**extra[0], "duration_in_month": "long"}}]
    answer = platform.client.post("/v1/credit/score/batch", json={"applicants": bad}, headers=h)
    assert answer.status_code == 422
    with platform.db.tenant(tenant_id, write=False) as session:
        champion, _ = queries.champion_and_challenger(session)
        assert champion is not None
        reference = champion.metrics["feature_reference"]
        assert [e["name"] for e in reference] == champion.metrics["features"]
        total = session.scalar(
            select(func.sum(CreditFeatureDay.applicants)).where(
                CreditFeatureDay.feature == reference[0]["name"]
            )
        )
        days, csi = queries.feature_csi_per_day(session, champion)
    assert total == bootstrap.DEMO_DECISIONS + 3  # the refused batch added nothing
    tracked = reference[: queries.TOP_FEATURES]
    assert list(csi) == [e["name"] for e in tracked]
    # The last day's window is the whole week: all demo applicants and the three scored today.
    everyone = pd.concat([records, pd.DataFrame(extra)])
    for entry, counts in zip(tracked, feature_bin_counts(tracked, everyone), strict=True):
        expected = psi_from_counts(np.asarray(entry["counts"], float), counts.astype(float))
        assert csi[entry["name"]][-1] == round(expected, 4)
        assert 0 <= csi[entry["name"]][-1] < 0.25  # held-out applicants: no shift
    today = utcnow().date()
    assert days[-1] == today.isoformat()
    assert days[0] == (today - timedelta(days=bootstrap.DEMO_DAYS - 1)).isoformat()
