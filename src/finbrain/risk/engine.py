"""The real-time risk engine: window features, rules and a model, in one process, per event.

For each event: the windows are updated (the event included) and read; the model gives a
probability of fraud; the live rules are evaluated over the event and its features; the score
(0-1000) is the model's points plus the rules' points, capped; the action is the most severe of
the rules' actions and the score thresholds. Reasons: the rules that fired (their own zh/en
text), then — for review and block, where an investigator reads them — the features that pushed
the model's score up most.

The engine is a plain library object: no database, no threads. The platform feeds it events in
log order, stores what it decides, and rebuilds it from a snapshot plus the log after a restart.
Events are assessed in small batches (``assess_many``) because one model call over 64 rows costs
little more than over one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Literal, Protocol

import numpy as np

from finbrain.core.decision import BilingualText, Reason
from finbrain.core.errors import ValidationError
from finbrain.risk.events import Event
from finbrain.risk.reasons import reason_catalogue
from finbrain.risk.rules import RuleBook, RuleHit, RuleSet
from finbrain.risk.windows import FeatureSet, OnlineWindows

Action = Literal["allow", "review", "block"]
SEVERITY: dict[str, int] = {"allow": 0, "review": 1, "block": 2}
MAX_SCORE = 1000.0
# Event fields the rules can read besides the features (their rule-language types).
EVENT_SCHEMA: dict[str, Literal["number", "string", "bool"]] = {
    "amount": "number",
    "kind": "string",
    "currency": "string",
    "channel": "string",
    "mcc": "string",
    "country": "string",
    "model_score": "number",
}
# Where a model's features sit in the engine's rows: all of them in order, or an index array.
_Columns = slice | np.ndarray[Any, Any]


class Model(Protocol):
    """What the engine needs of a fraud model (``finbrain.risk.model.RiskModel`` is one)."""

    feature_names: Sequence[str]

    def predict_proba(self, X: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:  # noqa: N803
        """P(legitimate), P(fraud) per row, as a scikit-learn classifier gives them."""
        ...

    def explain(self, row: np.ndarray[Any, Any], top: int = 4) -> list[Reason]: ...


@dataclass(frozen=True)
class Thresholds:
    """Score (0-1000) from which an event is reviewed or blocked, whatever the rules say."""

    review: float = 400.0
    block: float = 800.0

    def __post_init__(self) -> None:
        if not 0 < self.review <= self.block <= MAX_SCORE:
            raise ValidationError(field="thresholds", rule="0_lt_review_le_block_le_1000")


@dataclass(frozen=True)
class Assessment:
    event_id: str
    features: dict[str, float | None]
    model_score: float | None  # probability of fraud, 0-1
    score: float  # 0-1000
    action: Action
    hits: list[RuleHit]
    shadow_hits: list[RuleHit]
    reasons: list[Reason] = field(default_factory=list)
    challenger_score: float | None = None  # the challenger model's probability, in shadow


def rule_schema(features: FeatureSet) -> dict[str, Literal["number", "string", "bool"]]:
    """What a rule may name: the event fields, the model score and every feature."""
    schema: dict[str, Literal["number", "string", "bool"]] = dict(EVENT_SCHEMA)
    for name in features.names:
        schema[name] = "number"
    return schema


class RiskEngine:
    def __init__(
        self,
        features: FeatureSet,
        rules: RuleSet,
        model: Model | None = None,
        *,
        thresholds: Thresholds | None = None,
        challenger: Model | None = None,
        allowed_lateness: timedelta = timedelta(minutes=5),
        max_clock_skew: timedelta = timedelta(minutes=5),
    ) -> None:
        self.features = features
        self.max_clock_skew = max_clock_skew
        self.windows = OnlineWindows(
            features, allowed_lateness=allowed_lateness, max_clock_skew=max_clock_skew
        )
        self.schema = rule_schema(features)
        self.rulebook = RuleBook(self.schema)
        self.rulebook.publish(rules)
        self.model = model
        self.challenger = challenger
        self.thresholds = thresholds or Thresholds()
        self._columns = self._columns_of(model, "model")
        self._challenger_columns = self._columns_of(challenger, "challenger")

    def _columns_of(self, model: Model | None, field: str) -> _Columns | None:
        """Where the model's features sit in the engine's rows (every one computed online)."""
        if model is None:
            return None
        missing = [n for n in model.feature_names if n not in self.features.names]
        if missing:
            raise ValidationError(
                field=f"{field}.feature_names", rule="computed_online", missing=", ".join(missing)
            )
        index = {name: i for i, name in enumerate(self.features.names)}
        positions = [index[name] for name in model.feature_names]
        if positions == list(range(len(self.features.names))):
            return slice(None)  # all of them, in order: a view, no copy
        return np.array(positions, dtype=np.intp)

    # -- scoring ---------------------------------------------------------------------------------
    def assess(self, event: Event) -> Assessment:
        return self.assess_many([event])[0]

    def assess_many(
        self,
        events: Sequence[Event],
        *,
        refused: dict[str, ValidationError] | None = None,
        now: datetime | None = None,
    ) -> list[Assessment]:
        """Assess events in order; each one's windows include the events before it.

        ``now`` is the server's clock: lateness is judged against it, so a client whose clock
        runs fast cannot make other clients' events late, and an event stamped beyond the
        allowed skew ahead of it is refused (see :mod:`finbrain.risk.windows`). Without it the
        events' own times set the pace (a backtest).

        An event the windows refuse (too late, or too far ahead) changes nothing. Without
        ``refused`` the refusal is raised (naming the event); with it the refusal is recorded
        there by event id, the event is left out of the answer and the others are assessed.
        """
        update = self.windows.update_row
        rows = []
        admitted: list[Event] = []
        for event in events:
            try:
                rows.append(update(event, now))
            except ValidationError as exc:  # a late event: say which one
                exc.event_id = event.event_id  # type: ignore[attr-defined]
                if refused is None:
                    raise
                refused[event.event_id] = exc
                continue
            admitted.append(event)
        events = admitted
        if not events:
            return []
        n = len(events)
        model, columns = self.model, self._columns
        matrix: np.ndarray[Any, Any] | None = None
        probabilities: list[float | None] = [None] * n
        if model is not None and columns is not None:
            matrix = np.asarray(rows, dtype=np.float64)
            probabilities = model.predict_proba(matrix[:, columns])[:, 1].tolist()
        shadow: list[float | None] = [None] * n
        if self.challenger is not None and self._challenger_columns is not None:
            # The challenger scores the same events in shadow: kept, never decides.
            if matrix is None:
                matrix = np.asarray(rows, dtype=np.float64)
            shadow = self.challenger.predict_proba(matrix[:, self._challenger_columns])[
                :, 1
            ].tolist()
        # Rows holding a NaN (no value): only their features need cleaning to None.
        with_nan: list[bool] = [True] * n if matrix is None else np.isnan(matrix).any(1).tolist()
        rules = self.rulebook.current  # one version for the whole batch
        names = self.features.names
        review, block = self.thresholds.review, self.thresholds.block
        out: list[Assessment] = []
        for i, event in enumerate(events):
            row = rows[i]
            p = probabilities[i]
            model_points = None if p is None else p * MAX_SCORE
            # NaN (no value) is None; NaN is the only value not equal to itself. The rules
            # read None and NaN alike (missing), so the cleaned features are their context too.
            features: dict[str, float | None] = (
                dict(zip(names, [None if v != v else v for v in row], strict=True))
                if with_nan[i]
                else dict(zip(names, row, strict=True))
            )
            context: dict[str, Any] = features.copy()
            context["amount"] = float(event.amount)
            context["kind"] = event.kind
            context["currency"] = event.currency
            context["channel"] = event.channel
            context["mcc"] = event.mcc
            context["country"] = event.country
            context["model_score"] = model_points
            outcome = rules.evaluate(context)
            points = (0.0 if model_points is None else model_points) + outcome.score
            score = min(MAX_SCORE, max(0.0, points))
            action: Action = outcome.action
            if score >= block:
                action = "block"
            elif score >= review and action == "allow":
                action = "review"
            reasons = outcome.reasons() if outcome.hits else []
            if action != "allow" and model is not None and columns is not None:
                assert matrix is not None
                reasons.extend(model.explain(matrix[i, columns], top=3))
            if not reasons:
                reasons = [_low_risk(score)]
            out.append(
                Assessment(
                    event_id=event.event_id,
                    features=features,
                    model_score=p,
                    score=score,
                    action=action,
                    hits=outcome.hits,
                    shadow_hits=outcome.shadow_hits,
                    reasons=reasons,
                    challenger_score=shadow[i],
                )
            )
        return out

    # -- state -----------------------------------------------------------------------------------
    def replay(self, events: Sequence[Event]) -> None:
        """Count events already decided (restart): windows only, no rules, no model, and no
        lateness check (they were admitted, against whatever clock then)."""
        update = self.windows.update_row
        for event in events:
            update(event, admitted=True)

    def label(self, event_id: str, is_fraud: bool) -> bool:
        return self.windows.label(event_id, is_fraud)

    def publish(self, rules: RuleSet) -> int:
        """New live rules, compiled and checked first; the old ones stay if this one is bad."""
        return self.rulebook.publish(rules)

    def snapshot(self) -> bytes:
        return self.windows.snapshot()

    def restore(self, blob: bytes) -> None:
        self.windows = OnlineWindows.restore(
            self.features, blob, max_clock_skew=self.max_clock_skew
        )

    def context_schema(self) -> Mapping[str, str]:
        return dict(self.schema)


def _low_risk(score: float) -> Reason:
    return _low_risk_reason(f"{score:.0f}")


@lru_cache(maxsize=2048)
def _low_risk_reason(shown: str) -> Reason:
    """One shared (frozen) reason per shown score: most events are allowed with one of these."""
    template = reason_catalogue()["templates"]["low_risk"]
    return Reason(
        code="RISK-LOW",
        text=BilingualText(
            zh=template["zh"].format(score=shown), en=template["en"].format(score=shown)
        ),
        contribution=0.0,
    )
