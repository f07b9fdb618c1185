"""The steps of the online card application (card_application.py runs them): identity,
sanctions screening, application fraud, credit and the limit, each one a ``Decision`` with
reasons from the journey's catalogue (card_application_reasons.json)."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finbrain.core.decision import BilingualText, Decision, ModelRef, Reason, Subject
from finbrain.core.errors import ValidationError
from finbrain.core.money import Money
from finbrain.core.settings import Settings
from finbrain.identity import names, validators
from finbrain.identity.decision import screening_reasons
from finbrain.identity.screening import ScreeningResult
from finbrain.platform import registry
from finbrain.platform.credit import service as credit
from finbrain.platform.journeys.tables import CardApplication

Outcome = Literal["approve", "refer", "decline"]
SEVERITY = {"approve": 0, "refer": 1, "decline": 2}
SCREEN_OUTCOME: dict[str, Outcome] = {
    "clear": "approve",
    "potential_match": "refer",
    "match": "decline",
}
MIN_AGE, MAX_AGE = 18, 70
FRAUD_WINDOW_DAYS = 30
VELOCITY_DAYS, VELOCITY_LIMIT = 7, 3  # a fourth application within a week is referred
# Monthly-income multiple by grade of the rating master scale; F gets no card.
LIMIT_MULTIPLE = {"A": 6, "B": 5, "C": 4, "D": 3, "E": 2, "F": 0}
LIMIT_CAP = Decimal("200000")
LIMIT_STEP = Decimal("1000")
STARTER_LIMIT = Decimal("2000")
EMPLOYMENT = ("employed", "self_employed", "retired", "student", "unemployed")
EMPLOYMENT_TEXT = {
    "employed": ("受雇", "employed"),
    "self_employed": ("自雇", "self-employed"),
    "retired": ("退休", "retired"),
    "student": ("学生", "student"),
    "unemployed": ("无业", "unemployed"),
}


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, dict[str, str]]:
    text = resources.files(__package__).joinpath("card_application_reasons.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return {code: value for code, value in data.items() if not code.startswith("_")}


def reason(
    code: str, *, feature: str | None = None, value: Any = None, weight: float = 0.0, **params: Any
) -> Reason:
    entry = _catalogue()[code]
    zh = {k: v[0] if isinstance(v, tuple) else v for k, v in params.items()}
    en = {k: v[1] if isinstance(v, tuple) else v for k, v in params.items()}
    return Reason(
        code=code,
        text=BilingualText(zh=entry["zh"].format(**zh), en=entry["en"].format(**en)),
        feature=feature,
        value=value,
        contribution=weight,
    )


# -- the request -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Applicant:
    name: str
    id_number: str
    mobile: str
    nationality: str = "CN"
    device_id: str | None = None


@dataclass(frozen=True)
class Application:
    reference: str
    applicant: Applicant
    monthly_income: Money
    employment: str
    bureau: dict[str, Any] | None  # the champion model's features; None = thin file
    mobile_tenure_months: int | None = None
    utility_on_time_ratio: float | None = None


@dataclass(frozen=True)
class Checked:
    """The identity facts the later steps use (never the raw numbers)."""

    resident: validators.ResidentId
    mobile: validators.MobileNumber
    name: names.PreparedName
    age: int


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def check_identity(app: Application, today: date) -> Checked:
    """Step 0: refuse malformed identity fields with the field and the rule (422)."""
    if app.employment not in EMPLOYMENT:
        raise ValidationError(field="employment", rule="one_of", allowed=", ".join(EMPLOYMENT))
    if app.monthly_income.amount < 0:
        raise ValidationError(field="monthly_income.amount", rule="not_negative")
    resident = validators.parse_resident_id(
        app.applicant.id_number, field="applicant.id_number", today=today
    )
    mobile = validators.parse_mobile(app.applicant.mobile, field="applicant.mobile")
    name = names.prepare(app.applicant.name, kind="person", field="applicant.name")
    if name.script == "mixed":
        # A name on an identity document is written in one script; screening still accepts
        # mixed names (refusing them there would let a listed name slip through).
        raise ValidationError(field="applicant.name", rule="one_script")
    return Checked(resident, mobile, name, _age(resident.birth_date, today))


def keyed_hash(settings: Settings, tenant_id: str, kind: str, value: str) -> str:
    """HMAC of a personal identifier under a per-tenant key: comparable, not reversible."""
    key = hmac.new(
        settings.effective_secret_key().encode(),
        b"finbrain-pii-v1:" + tenant_id.encode(),
        hashlib.sha256,
    ).digest()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


# -- the steps: each returns its decision (not yet recorded) -----------------------------------
def step_decision(
    tenant_id: str,
    subject: Subject,
    capability: str,
    action: str,
    outcome: str,
    reasons: list[Reason],
    inputs: Any,
    *,
    score: float | None = None,
    grade: str | None = None,
    model: ModelRef | None = None,
) -> Decision:
    return Decision.for_input(
        inputs,
        tenant_id=tenant_id,
        capability=capability,
        action=action,
        subject=subject,
        outcome=outcome,
        reasons=reasons,
        score=score,
        grade=grade,
        model=model,
    )


def identity_step(tenant_id: str, subject: Subject, checked: Checked) -> tuple[Decision, Outcome]:
    resident, age = checked.resident, checked.age
    facts = {"kind": resident.kind, "age": age, "region": resident.region_code[:2]}
    kind_text = (resident.kind, resident.kind.replace("_", " "))
    reasons: list[Reason] = []
    outcome: Outcome = "approve"
    if age < MIN_AGE:
        outcome = "decline"
        reasons.append(reason("ID-UNDER-AGE", feature="age", value=age, age=age, minimum=MIN_AGE))
    elif age > MAX_AGE:
        outcome = "refer"
        reasons.append(reason("ID-OVER-AGE", feature="age", value=age, age=age, maximum=MAX_AGE))
    if resident.region_name is None and resident.kind in ("resident", "legacy15"):
        outcome = "refer" if outcome == "approve" else outcome
        reasons.append(reason("ID-REGION-UNKNOWN", feature="region_code"))
    if not reasons:
        reasons.append(reason("ID-VERIFIED", feature="age", value=age, kind=kind_text, age=age))
    verdict = {"approve": "pass", "refer": "refer", "decline": "fail"}[outcome]
    return step_decision(tenant_id, subject, "identity", "verify", verdict, reasons, facts), outcome


def screening_step(
    tenant_id: str, subject: Subject, result: ScreeningResult
) -> tuple[Decision, Outcome]:
    outcome = SCREEN_OUTCOME[result.outcome]
    reasons = screening_reasons(result)
    best = max((hit.score for hit in result.hits), default=0.0)
    inputs = {
        "list_version": result.list_version,
        "hits": [[h.list_id, h.entry_id, round(h.score, 6)] for h in result.hits],
    }
    decision = step_decision(
        tenant_id, subject, "identity", "screen", result.outcome, reasons, inputs, score=best
    )
    return decision, outcome


def fraud_step(
    session: Session,
    settings: Settings,
    tenant_id: str,
    subject: Subject,
    hashes: dict[str, str | None],
    now: Any,
) -> tuple[Decision, Outcome]:
    since = now - timedelta(days=FRAUD_WINDOW_DAYS)
    week = now - timedelta(days=VELOCITY_DAYS)
    recent = select(CardApplication).where(CardApplication.created_at >= since)
    same_id = session.scalars(recent.where(CardApplication.id_hash == hashes["id"])).all()
    reasons: list[Reason] = []
    in_week = sum(1 for row in same_id if row.created_at >= week)
    if in_week >= VELOCITY_LIMIT:
        reasons.append(
            reason(
                "AF-ID-VELOCITY",
                feature="id_applications_7d",
                value=in_week + 1,
                count=in_week + 1,
                days=VELOCITY_DAYS,
            )
        )
    if any(row.status == "approved" for row in same_id):
        reasons.append(
            reason("AF-DUPLICATE", feature="id_approved_30d", value=True, days=FRAUD_WINDOW_DAYS)
        )
    for kind, column, code in (
        ("phone", CardApplication.phone_hash, "AF-PHONE-SHARED"),
        ("device", CardApplication.device_hash, "AF-DEVICE-SHARED"),
    ):
        if hashes[kind] is None:
            continue
        others = session.scalar(
            select(func.count(func.distinct(CardApplication.id_hash))).where(
                CardApplication.created_at >= since,
                column == hashes[kind],
                CardApplication.id_hash != hashes["id"],
            )
        )
        if others:
            reasons.append(
                reason(
                    code,
                    feature=f"{kind}_other_ids_30d",
                    value=int(others),
                    count=int(others),
                    days=FRAUD_WINDOW_DAYS,
                )
            )
    outcome: Outcome = "refer" if reasons else "approve"
    if not reasons:
        reasons.append(reason("AF-CLEAR"))
    inputs = {"hashes": hashes, "since": since.isoformat()}
    verdict = "review" if outcome == "refer" else "pass"
    decision = step_decision(
        tenant_id, subject, "risk", "application_check", verdict, reasons, inputs
    )
    return decision, outcome


def money_text(value: Money) -> str:
    return f"{value.currency} {value.amount:,.2f}"


def credit_step(
    session: Session, tenant_id: str, subject: Subject, app: Application, checked: Checked
) -> tuple[Decision, Outcome, str]:
    """The champion model on the bureau file, or the alternative-data path for a thin file."""
    if app.bureau is not None:
        model = registry.champion(session, "credit")
        scored = credit.decide(model, tenant_id, app.reference, app.bureau, "bureau.")
        decision = scored.model_copy(update={"subject": subject})
        outcome: Outcome = scored.outcome  # type: ignore[assignment]
        return decision, outcome, scored.grade or "F"
    # Thin file: a transparent points policy over alternative data; the worst it can do is refer.
    points = 0
    reasons = [reason("ALT-THIN-FILE")]
    tenure = app.mobile_tenure_months or 0
    points += 2 if tenure >= 36 else 1 if tenure >= 12 else 0
    reasons.append(
        reason("ALT-MOBILE-TENURE", feature="mobile_tenure_months", value=tenure, months=tenure)
    )
    income = app.monthly_income
    points += 2 if income.amount >= 8000 else 1 if income.amount >= 3000 else 0
    reasons.append(
        reason(
            "ALT-INCOME",
            feature="monthly_income",
            value=str(income.amount),
            income=money_text(income),
        )
    )
    points += 1 if app.employment in ("employed", "self_employed", "retired") else 0
    reasons.append(
        reason(
            "ALT-EMPLOYMENT",
            feature="employment",
            value=app.employment,
            employment=EMPLOYMENT_TEXT[app.employment],
        )
    )
    if app.utility_on_time_ratio is not None:
        points += 1 if app.utility_on_time_ratio >= 0.9 else 0
        reasons.append(
            reason(
                "ALT-PAYMENTS",
                feature="utility_on_time_ratio",
                value=app.utility_on_time_ratio,
                ratio=f"{app.utility_on_time_ratio:.0%}",
            )
        )
    outcome = "approve" if points >= 4 else "refer"
    inputs = {
        "tenure": tenure,
        "income": str(income.amount),
        "currency": income.currency,
        "employment": app.employment,
        "utility": app.utility_on_time_ratio,
    }
    decision = step_decision(
        tenant_id,
        subject,
        "credit",
        "alt_assess",
        outcome,
        reasons,
        inputs,
        score=float(points),
        grade="T",
        model=ModelRef(id="thin-file-policy", version="1"),
    )
    return decision, outcome, "T"


def limit_step(
    tenant_id: str, subject: Subject, app: Application, grade: str
) -> tuple[Decision, Money]:
    income = app.monthly_income
    currency = income.currency
    if grade == "T":
        amount = min(STARTER_LIMIT, income.amount).quantize(LIMIT_STEP, rounding=ROUND_DOWN)
        limit = Money(amount, currency)
        reasons = [
            reason("LIMIT-STARTER", feature="limit", value=str(amount), limit=money_text(limit))
        ]
    else:
        multiple = LIMIT_MULTIPLE.get(grade, 0)
        raw = min(income.amount * multiple, LIMIT_CAP)
        amount = (raw / LIMIT_STEP).to_integral_value(rounding=ROUND_DOWN) * LIMIT_STEP
        limit = Money(amount, currency)
        if amount <= 0:
            reasons = [reason("LIMIT-NONE")]
        else:
            reasons = [
                reason(
                    "LIMIT-ASSIGNED",
                    feature="limit",
                    value=str(amount),
                    limit=money_text(limit),
                    income=money_text(income),
                    multiple=multiple,
                    grade=grade,
                    cap=money_text(Money(LIMIT_CAP, currency)),
                )
            ]
    inputs = {"grade": grade, "income": str(income.amount), "currency": currency}
    decision = step_decision(
        tenant_id,
        subject,
        "credit",
        "limit",
        "assigned" if limit.amount > 0 else "none",
        reasons,
        inputs,
        score=float(limit.amount),
    )
    return decision, limit
