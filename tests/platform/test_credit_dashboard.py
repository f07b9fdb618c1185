"""The credit dashboard's monitoring on both backends: the score's PSI per day, counted per
development decile in SQL, equals PSI computed from the same scores in Python; the champion
and its challenger are found, with calibration tables on their model cards."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from sqlalchemy import select

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
