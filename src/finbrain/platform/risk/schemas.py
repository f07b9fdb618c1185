"""The risk API's request and response bodies (pydantic), beside the service they carry."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from finbrain.core.decision import Decision
from finbrain.core.errors import ValidationError
from finbrain.risk.events import Event, parse_event

Text = Annotated[str, Field(min_length=1, max_length=128)]


class EventIn(BaseModel):
    """A card payment or an account transfer. Amounts are decimal strings (never floats)."""

    model_config = ConfigDict(extra="forbid")
    event_id: Text
    kind: Literal["card", "transfer"]
    occurred_at: str = Field(
        min_length=1,
        max_length=64,
        description="ISO 8601 with a UTC offset, e.g. 2026-11-28T10:00:00Z",
    )
    amount: str = Field(min_length=1, max_length=32, description='decimal string, e.g. "125.50"')
    currency: str = Field(min_length=3, max_length=3)
    customer_id: Text
    card_id: Text | None = None
    account_id: Text | None = None
    counterparty_account: Text | None = None
    merchant_id: Text | None = None
    terminal_id: Text | None = None
    mcc: str | None = Field(default=None, min_length=1, max_length=8)
    device_id: Text | None = None
    ip: str | None = Field(default=None, min_length=1, max_length=64)
    channel: Literal["pos", "ecom", "atm", "mobile", "branch", "online"] | None = None
    country: str | None = Field(default=None, min_length=2, max_length=2)

    def event(self, prefix: str = "") -> Event:
        try:
            return parse_event(self.model_dump(exclude_none=True))
        except ValidationError as exc:
            raise ValidationError(
                exc.detail,
                field=f"{prefix}{exc.field}",
                rule=exc.rule,
                **{k: v for k, v in exc.params.items() if k not in ("field", "rule")},
            ) from None


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    events: list[EventIn] = Field(min_length=1, max_length=1000)


class AnswerOut(BaseModel):
    event_id: str
    duplicate: bool = Field(
        description="True when this event id was already scored: the "
        "stored decision is returned and nothing is counted again."
    )
    case_id: str | None
    decision: Decision


class BatchOut(BaseModel):
    # The OpenAPI document names clashing schemas (credit has a BatchOut too) by module: keep
    # the name this one has always had, so the document does not change.
    __module__ = "finbrain.platform.api.routes.risk"

    items: list[AnswerOut]


BatchOut.model_rebuild(_types_namespace={"AnswerOut": AnswerOut})  # its module is not this one


class EventRowOut(BaseModel):
    seq: int
    event_id: str
    occurred_at: datetime
    outcome: str
    score: float
    decision_id: str
    body: dict[str, Any]


class EventPage(BaseModel):
    items: list[EventRowOut]
    next_before: int | None


class LabelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    event_id: Text
    is_fraud: bool


class LabelsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    labels: list[LabelIn] = Field(min_length=1, max_length=10_000)


class LabelsOut(BaseModel):
    stored: int


# -- rules ------------------------------------------------------------------------------------
class RuleSetOut(BaseModel):
    version: int
    digest: str
    published_at: datetime | None
    body: dict[str, Any]


class RulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[dict[str, Any]] = Field(min_length=1, max_length=500)


class BacktestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[dict[str, Any]] = Field(min_length=1, max_length=500)
    limit: int = Field(
        default=100_000, ge=1, le=1_000_000, description="the newest scored events to replay"
    )


# -- alerts and cases -------------------------------------------------------------------------
class CaseOut(BaseModel):
    id: str
    entity_type: str
    entity_id: str
    status: str
    assignee: str | None
    disposition: str | None
    alert_count: int
    max_score: float
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class CasePage(BaseModel):
    items: list[CaseOut]
    next_cursor: str | None


class AlertOut(BaseModel):
    id: str
    case_id: str
    event_id: str
    action: str
    score: float
    rules: list[str]
    created_at: datetime
    event: dict[str, Any] | None = None
    features: dict[str, Any] | None = None
    decision: Decision | None = None


class NoteOut(BaseModel):
    id: str
    author: str
    kind: str
    body: str
    created_at: datetime


class CaseDetail(CaseOut):
    alerts: list[AlertOut]
    notes: list[NoteOut]


class AlertPage(BaseModel):
    items: list[AlertOut]
    next_cursor: str | None


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assignee: str = Field(min_length=1, max_length=128)


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str = Field(min_length=1, max_length=4000)


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    disposition: Literal["fraud", "not_fraud"]
    note: str = Field(min_length=1, max_length=4000)


class TrainIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64, description="the version's name")
    events: int = Field(
        default=200_000, ge=1_000, le=2_000_000, description="newest logged events to learn from"
    )
    holdout: float = Field(
        default=0.2, ge=0.05, le=0.5, description="the newest share kept out to measure AP and AUC"
    )
    promote: bool = Field(
        default=False,
        description="make it the champion at once (else it scores in shadow as the challenger)",
    )
