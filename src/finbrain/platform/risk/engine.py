"""A tenant's live risk engine, loaded from the newest snapshot and a replay of the log after
it, with the registry's champion (and the newest candidate as the challenger, in shadow)."""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from finbrain.core.decision import ModelRef
from finbrain.core.errors import NotFoundError
from finbrain.core.settings import Settings
from finbrain.platform import registry
from finbrain.platform.risk import snapshots
from finbrain.platform.risk.rules import default_rules
from finbrain.platform.risk.tables import RiskRuleSet
from finbrain.platform.store.database import Database
from finbrain.risk.engine import Model, RiskEngine
from finbrain.risk.features import extended_feature_set
from finbrain.risk.rules import RuleSet

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Loaded:
    engine: RiskEngine
    model_ref: ModelRef | None
    challenger_ref: ModelRef | None
    replayed: int  # events replayed from the log after the snapshot


def load(db: Database, settings: Settings, tenant_id: str) -> Loaded:
    features = extended_feature_set()
    with db.tenant(tenant_id, write=False) as session:
        rules_row = session.scalar(
            select(RiskRuleSet).order_by(RiskRuleSet.version.desc()).limit(1)
        )
        rules = RuleSet.from_dict(rules_row.body) if rules_row else default_rules()
        model, model_ref = champion(session)
        challenger_model, challenger_ref = challenger(session)
        skew = timedelta(seconds=settings.risk_max_clock_skew_seconds)
        engine = RiskEngine(
            features, rules, model, challenger=challenger_model, max_clock_skew=skew
        )
        snap = snapshots.latest(session, features.digest)
        seq = 0
        if snap is not None:
            engine.restore(snap.state)
            seq = snap.seq
        replayed = snapshots.replay_log(session, seq, engine.replay, engine.label)
    log.info("risk engine of %s ready: replayed %d events", tenant_id, replayed)
    # The loaded windows are long-lived: move them out of the collector's view so full
    # collections stay short (they were 160-250 ms pauses at a few 100k objects).
    gc.collect()
    gc.freeze()
    return Loaded(engine, model_ref, challenger_ref, replayed)


def champion(session: Session) -> tuple[Model | None, ModelRef | None]:
    try:
        row = registry.champion(session, "risk")
    except NotFoundError:
        return None, None
    from finbrain.risk.model import RiskModel

    return RiskModel.from_json(row.artifact), ModelRef(
        id=row.name, version=str(row.version), digest=row.digest
    )


def challenger(session: Session) -> tuple[Model | None, ModelRef | None]:
    """The newest risk model that is neither champion nor retired scores in shadow."""
    from finbrain.platform.store.models import ModelVersion
    from finbrain.risk.model import RiskModel

    row = session.scalar(
        select(ModelVersion)
        .where(ModelVersion.capability == "risk", ModelVersion.status == "candidate")
        .order_by(ModelVersion.created_at.desc(), ModelVersion.id.desc())
        .limit(1)
    )
    if row is None:
        return None, None
    return RiskModel.from_json(row.artifact), ModelRef(
        id=row.name, version=str(row.version), digest=row.digest
    )
