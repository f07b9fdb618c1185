"""Credit decisions on the platform: train a scorecard on a tenant's data, register it, and
score applicants with the champion — each score a ``Decision`` with reasons, on the ledger.

The credit policy (master scale, cut-offs stored with the model, points scale, the 70/30
development protocol) and the decision itself are the library's (:mod:`finbrain.credit.policy`):
this module only loads the registered model, stamps the tenant and records the decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from finbrain.core.decision import Decision, ModelRef
from finbrain.core.errors import ValidationError
from finbrain.core.settings import Settings
from finbrain.credit import policy as credit_policy
from finbrain.credit.categories import category_keys
from finbrain.credit.challenger import GBMChallenger
from finbrain.credit.challenger import from_json as gbm_from_json
from finbrain.credit.challenger import to_json as gbm_to_json
from finbrain.credit.export import from_json, to_json
from finbrain.credit.monitoring import feature_reference
from finbrain.credit.policy import DEFAULT_POLICY, holdout, measured, points_of
from finbrain.credit.protected import (
    MONITORED_BY_DATASET,
    PROTECTED_BY_DATASET,
    monitored_columns,
)
from finbrain.credit.reasons import feature_info
from finbrain.credit.report import build_report, fairness_checks
from finbrain.credit.scorecard import Scorecard
from finbrain.platform import decisions, registry
from finbrain.platform.credit.stability import count_applicants as count_applicants
from finbrain.platform.store.models import ModelVersion
from finbrain.platform.tenancy import Caller


def _fairness(
    x_test: pd.DataFrame,
    pd_test: np.ndarray,
    policy: dict[str, float] | None,
    attributes: list[str],
) -> dict[str, float | None]:
    """The model card's fairness line: four-fifths adverse-impact ratio of approval per
    attribute on the hold-out (None where no group has 20 applicants)."""
    approved = pd_test < (policy or DEFAULT_POLICY)["approve_below_pd"]
    return {
        check["attribute"]: None if check["impact"] is None else round(check["impact"], 4)
        for check in fairness_checks(x_test, approved, attributes)
    }


def feature_schema(X: pd.DataFrame, features: Sequence[str]) -> list[dict[str, Any]]:  # noqa: N803
    """What an applicant record must carry for a model trained on ``X``: each feature it reads,
    in its order, with its label (zh, en) and the values it was trained on: a category's levels
    (another value scores as missing), a number's observed range and whether it was whole.
    ``missing_seen`` says the training data had missing values there (a missing value is
    scored, never refused)."""
    schema: list[dict[str, Any]] = []
    for name in features:
        column = X[name]
        info = feature_info(name)
        item: dict[str, Any] = {
            "name": name,
            "label": {"zh": info.zh, "en": info.en},
            "missing_seen": bool(column.isna().any()),
        }
        present = column.dropna()
        if pd.api.types.is_bool_dtype(column.dtype):
            item["type"] = "boolean"
        elif pd.api.types.is_numeric_dtype(column.dtype) and not isinstance(
            column.dtype, pd.CategoricalDtype
        ):
            whole = bool(pd.api.types.is_integer_dtype(column.dtype)) or bool(
                (present == present.round()).all()
            )
            low, high = (present.min(), present.max()) if len(present) else (None, None)
            item.update(
                type="number",
                integer=whole,
                min=None if low is None else (int(low) if whole else float(low)),
                max=None if high is None else (int(high) if whole else float(high)),
            )
        else:
            item.update(type="category", levels=sorted(category_keys(present).unique().tolist()))
        schema.append(item)
    return schema


def schema_of(model: ModelVersion) -> list[dict[str, Any]]:
    """A registered model's feature schema: the one recorded at training, or for a model
    trained before schemas were recorded, what its artifact knows (names, types, the levels of
    its categories; no numeric ranges)."""
    recorded = (model.metrics or {}).get("feature_schema")
    if recorded:
        return list(recorded)
    if model.kind == "gbm":
        gbm = _gbm(model.digest, model.artifact)
        kinds = {f: ("category", gbm.categories_[f]) for f in gbm.categories_}
        names = list(gbm.features_)
    else:
        card = _scorer(model.digest, model.artifact)
        names = list(card.compiled_)
        kinds = {
            f: ("category", sorted(cf.category_points))
            for f, cf in card.compiled_.items()
            if cf.kind == "categorical"
        }
    schema: list[dict[str, Any]] = []
    for name in names:
        info = feature_info(name)
        item: dict[str, Any] = {"name": name, "label": {"zh": info.zh, "en": info.en}}
        if name in kinds:
            item.update(type="category", levels=list(kinds[name][1]))
        else:
            item.update(type="number", integer=None, min=None, max=None)
        schema.append(item)
    return schema


def _watched(columns: Any, protected_: list[str], monitored: Sequence[str] | None) -> list[str]:
    """The attributes a model's fairness is reported for: the excluded ones, then the monitored."""
    return [*protected_, *(c for c in monitored_columns(columns, monitored) if c not in protected_)]


def train(
    X: pd.DataFrame,  # noqa: N803
    y: Any,
    *,
    policy: dict[str, float] | None = None,
    random_state: int = 42,
    protected: Sequence[str] | None = None,
    monitored: Sequence[str] | None = None,
    **params: Any,
) -> tuple[Scorecard, dict[str, Any], str]:
    """Fit on 70%, measure on the held-out 30% (stratified): the card, its metrics and its HTML
    development report.

    ``protected``: columns the scorecard may not use (``None``: sex and marital status, see
    :mod:`finbrain.credit.protected`); ``monitored``: features kept but watched (``None``: age).
    Both get a fairness check in the report, and the model card records ``protected`` and each
    attribute's adverse-impact ratio (``fairness``)."""
    target, x_train, x_test, y_train, y_test = holdout(X, y, random_state)
    card = Scorecard(protected=protected, **params).fit(x_train, y_train)
    watched = _watched(X.columns, card.protected_, monitored)
    report = build_report(
        card,
        x_train,
        y_train,
        x_test,
        y_test,
        title=f"Scorecard ({len(X)} applicants)",
        approve_below_pd=(policy or DEFAULT_POLICY)["approve_below_pd"],
        protected=watched,
    )
    metrics = measured(
        target,
        y_test,
        -card.points(x_test),
        len(x_train),
        policy,
        pd_test=card.predict_proba(x_test)[:, 1],
        points_dev=card.points(x_train),
        features=card.selected_,
        feature_schema=feature_schema(x_train, card.selected_),
        # Selected features come strongest first (information value): that order is kept.
        feature_reference=feature_reference(x_train, card.selected_),
        iv={f: round(card.iv_[f], 4) for f in card.selected_},
        protected=card.protected_,
        fairness=_fairness(x_test, card.predict_proba(x_test)[:, 1], policy, watched),
    )
    return card, metrics, report


def train_gbm(
    X: pd.DataFrame,  # noqa: N803
    y: Any,
    *,
    policy: dict[str, float] | None = None,
    random_state: int = 42,
    protected: Sequence[str] | None = None,
    monitored: Sequence[str] | None = None,
) -> tuple[GBMChallenger, dict[str, Any]]:
    """The LightGBM challenger, fitted and measured on the same 70/30 protocol, with the same
    protected attributes left out and recorded as for :func:`train`."""
    target, x_train, x_test, y_train, y_test = holdout(X, y, random_state)
    model = GBMChallenger(protected=protected).fit(x_train, y_train)
    risk = model.predict_proba(x_test)[:, 1]
    metrics = measured(
        target,
        y_test,
        risk,
        len(x_train),
        policy,
        pd_test=risk,
        points_dev=np.array([points_of(p) for p in model.predict_proba(x_train)[:, 1]]),
        features=model.features_,
        feature_schema=feature_schema(x_train, model.features_),
        feature_reference=feature_reference(x_train, _by_gain(model)),
        monotone_constraints=model.monotone_constraints_,
        protected=model.protected_,
        fairness=_fairness(x_test, risk, policy, _watched(X.columns, model.protected_, monitored)),
    )
    return model, metrics


def _by_gain(model: GBMChallenger) -> list[str]:
    """The GBM's features, most important (total split gain) first."""
    gain = model.booster_.feature_importance(importance_type="gain")
    return [f for _, f in sorted(zip(-gain, model.features_, strict=True))]


def register_gbm(
    session: Session, tenant_id: str, model: GBMChallenger, metrics: dict[str, Any], name: str
) -> ModelVersion:
    return _register(session, tenant_id, "gbm", gbm_to_json(model), metrics, name)


def _register(
    session: Session,
    tenant_id: str,
    kind: str,
    artifact: str,
    metrics: dict[str, Any],
    name: str,
    report: str | None = None,
) -> ModelVersion:
    """A new credit model version (a scorecard or a GBM) in the registry."""
    return registry.register(
        session,
        tenant_id,
        capability="credit",
        name=name,
        kind=kind,
        artifact=artifact,
        metrics=metrics,
        report=report,
    )


def model_report(session: Session, tenant_id: str, model_id: str) -> str | None:
    """The development report stored with one of the tenant's model versions, if it has one."""
    row = session.get(ModelVersion, model_id)
    return row.report if row is not None and row.tenant_id == tenant_id else None


def register_scorecard(
    session: Session,
    tenant_id: str,
    card: Scorecard,
    metrics: dict[str, Any],
    name: str,
    report: str | None = None,
) -> ModelVersion:
    return _register(session, tenant_id, "scorecard", to_json(card), metrics, name, report)


@lru_cache(maxsize=64)
def _scorer(digest: str, artifact: str) -> Scorecard:
    return from_json(artifact)  # keyed by digest: a new version never reuses an old scorer


def scorecard_of(model: ModelVersion) -> Scorecard:
    """The scorecard behind a registered version (SQL export, batch scoring, monitoring)."""
    if model.kind != "scorecard":
        raise ValidationError(
            f"{model.name} v{model.version} is a {model.kind}, not a scorecard",
            field="model",
            rule="scorecard",
        )
    return _scorer(model.digest, model.artifact)


@lru_cache(maxsize=16)
def _gbm(digest: str, artifact: str) -> GBMChallenger:
    return gbm_from_json(artifact)


def fitted_model(model: ModelVersion) -> Scorecard | GBMChallenger:
    """The fitted scorecard or GBM behind a registered version (cached by digest)."""
    if model.kind == "gbm":
        return _gbm(model.digest, model.artifact)
    return _scorer(model.digest, model.artifact)


def decide(
    model: ModelVersion, tenant_id: str, applicant_id: str, features: dict[str, Any], field: str
) -> Decision:
    """One applicant's decision with the given model, stamped with the tenant (not yet
    recorded); a refusal names the field under ``field``."""
    try:
        decision = credit_policy.decide(
            fitted_model(model),
            features,
            applicant_id=applicant_id,
            model_ref=ModelRef(id=model.name, version=str(model.version), digest=model.digest),
            policy=model.metrics.get("policy"),
        )
    except ValidationError as exc:
        if field and exc.field:
            exc.field = f"{field}{exc.field}"
            exc.params["field"] = exc.field
        raise
    return decision.for_tenant(tenant_id)


def score_applicant(
    session: Session,
    settings: Settings,
    caller: Caller,
    applicant_id: str,
    features: dict[str, Any],
) -> Decision:
    """Score one applicant with the champion and record the decision (and its ledger entry)."""
    model = registry.champion(session, "credit")
    decision = decide(model, caller.tenant_id, applicant_id, features, "")
    recorded = decisions.record(session, decision, settings=settings, caller=caller)
    count_applicants(session, model, [(recorded, features)])
    return recorded


def score_batch(
    session: Session,
    settings: Settings,
    caller: Caller,
    applicants: list[tuple[str, dict[str, Any]]],
) -> list[Decision]:
    """Score many applicants: all decided first, then recorded as one ledger batch, so one bad
    record refuses the whole batch (naming it) and nothing is half-written."""
    model = registry.champion(session, "credit")
    made = [
        decide(model, caller.tenant_id, applicant_id, features, f"applicants.{i}.")
        for i, (applicant_id, features) in enumerate(applicants)
    ]
    recorded = decisions.record_many(session, made, settings=settings, caller=caller)
    count_applicants(session, model, list(zip(recorded, (f for _, f in applicants), strict=True)))
    return recorded


BUILTIN_TARGETS = {
    "german": "creditability",
    "taiwan": "default.payment.next.month",
    "hmeq": "BAD",
    "lendingclub": "not.fully.paid",
}


def training_work(db: Any, tenant_id: str) -> Any:
    """The background job that trains, registers (and optionally promotes) a scorecard."""
    from finbrain import datasets

    def work(params: dict[str, Any], progress: Any) -> dict[str, Any]:
        progress(10, "loading data")
        protected, monitored = params.get("protected"), None
        if params.get("dataset"):
            frame = datasets.load(params["dataset"])
            assert isinstance(frame, pd.DataFrame)
            frame = frame.drop(columns=["ID"], errors="ignore")
            target = params.get("target") or BUILTIN_TARGETS[params["dataset"]]
            if protected is None:  # the dataset's own sex and marital-status columns
                protected = PROTECTED_BY_DATASET.get(params["dataset"])
            monitored = MONITORED_BY_DATASET.get(params["dataset"])
        else:
            frame = pd.DataFrame(params["rows"])
            target = params["target"]
        if target not in frame.columns:
            raise ValidationError(field="target", rule="column_present")
        progress(30, "binning and fitting")
        if params.get("kind") == "gbm":
            model, gbm_metrics = train_gbm(
                frame.drop(columns=[target]),
                frame[target],
                protected=protected,
                monitored=monitored,
            )
            progress(85, "registering")
            with db.tenant(tenant_id) as session:
                row = register_gbm(session, tenant_id, model, gbm_metrics, params["name"])
                if params.get("promote"):
                    registry.promote(session, row.id)
                return {
                    "model_id": row.id,
                    "version": row.version,
                    "kind": "gbm",
                    "auc": gbm_metrics["auc"],
                    "ks": gbm_metrics["ks"],
                    "status": row.status,
                }
        card, metrics, report = train(
            frame.drop(columns=[target]),
            frame[target],
            protected=protected,
            monitored=monitored,
            max_n_bins=params.get("max_n_bins", 6),
            min_bin_size=params.get("min_bin_size", 0.05),
        )
        progress(85, "registering")
        with db.tenant(tenant_id) as session:
            row = register_scorecard(session, tenant_id, card, metrics, params["name"], report)
            if params.get("promote"):
                registry.promote(session, row.id)
            return {
                "model_id": row.id,
                "version": row.version,
                "auc": metrics["auc"],
                "ks": metrics["ks"],
                "status": row.status,
            }

    return work
