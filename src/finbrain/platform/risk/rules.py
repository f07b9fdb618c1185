"""Rule sets: versions in the store (compiled against the engine's features before they are
kept), live in the engine, and backtested on the tenant's own scored events."""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from finbrain.core.decision import utcnow
from finbrain.core.errors import ValidationError
from finbrain.platform.risk.tables import RiskEvent, RiskLabel, RiskRuleSet
from finbrain.risk.features import extended_feature_set
from finbrain.risk.rules import RuleSet


def default_rules() -> RuleSet:
    text = resources.files("finbrain.risk").joinpath("data/default_rules.json").read_text("utf-8")
    return RuleSet.from_dict(json.loads(text))


def current_rules(session: Session) -> tuple[int, str, datetime | None, dict[str, Any]]:
    row = session.scalar(select(RiskRuleSet).order_by(RiskRuleSet.version.desc()).limit(1))
    if row is None:
        rules = default_rules()
        return rules.version, rules.digest, None, rules.to_dict()
    return row.version, row.digest, row.created_at, row.body


def _ruleset(rules: list[dict[str, Any]], version: int) -> RuleSet:
    from finbrain.risk.engine import rule_schema
    from finbrain.risk.rules import compile_rules

    ruleset = RuleSet.from_dict({"version": version, "rules": rules})
    compile_rules(ruleset, rule_schema(extended_feature_set()))  # names the bad rule, or passes
    return ruleset


def publish_rules(
    session: Session, tenant_id: str, rules: list[dict[str, Any]], author: str
) -> RiskRuleSet:
    """Store a new version after compiling it against the engine's features (422 if bad)."""
    latest, *_ = current_rules(session)
    ruleset = _ruleset(rules, latest + 1)
    row = RiskRuleSet(
        tenant_id=tenant_id,
        version=ruleset.version,
        body=ruleset.to_dict(),
        digest=ruleset.digest,
        created_by=author,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def history_frame(session: Session, limit: int) -> Any:
    """The newest scored events as a frame: features as they were at decision time, the event
    fields the rules read, and the label (known fraud = 1, else 0)."""
    import pandas as pd

    rows = session.scalars(select(RiskEvent).order_by(RiskEvent.seq.desc()).limit(limit)).all()
    labels = dict(session.execute(select(RiskLabel.event_id, RiskLabel.is_fraud)).all())
    records = []
    for row in reversed(rows):
        event = row.body.get("event", {})
        record: dict[str, Any] = {
            name: (float("nan") if value is None else value)
            for name, value in row.body.get("features", {}).items()
        }
        record.update(
            amount=float(event.get("amount", "nan")),
            kind=event.get("kind"),
            currency=event.get("currency"),
            channel=event.get("channel"),
            mcc=event.get("mcc"),
            country=event.get("country"),
            model_score=(row.body.get("model_score") or 0.0) * 1000.0,
            fraud=bool(labels.get(row.event_id, False)),
            timestamp=row.occurred_at,
        )
        records.append(record)
    return pd.DataFrame.from_records(records)


def backtest(session: Session, rules: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    from finbrain.risk import backtest as bt
    from finbrain.risk.engine import rule_schema

    ruleset = _ruleset(rules, 1)
    frame = history_frame(session, limit)
    if frame.empty:
        raise ValidationError(field="history", rule="scored_events_needed")
    report = bt.backtest(ruleset, frame, rule_schema(extended_feature_set()))
    result: dict[str, Any] = report.to_dict()
    result["events"] = len(frame)
    return result
