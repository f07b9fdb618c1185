"""The identity API's request and response bodies, beside the service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from finbrain.core.decision import Decision


class ValidateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["id", "uscc", "card", "mobile"]
    value: str = Field(min_length=1, max_length=64)


class ValidateOut(BaseModel):
    kind: str
    valid: bool
    field: str
    rule: str | None
    messages: dict[str, str]
    details: dict[str, Any]


class ScreenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=500)
    kind: Literal["person", "entity", "any"] = "any"
    birth_date: date | None = None
    nationality: str | None = Field(default=None, min_length=2, max_length=64)
    id_number: str | None = Field(default=None, min_length=1, max_length=64)
    customer_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9._:\-]+$",
        description="The bank's customer reference: given, the customer is re-screened when a "
        "list changes.",
    )
    threshold: float = Field(default=0.80, ge=0.5, le=1.0)


class HitOut(BaseModel):
    list_id: str
    entry_id: str
    entry_name: str
    matched_name: str
    kind: str
    score: float
    rule: str
    system: str | None
    cross_script: bool
    corroboration: dict[str, str]
    explanation: dict[str, str]
    allowed: bool = Field(
        default=False,
        description="Cleared by a person's recorded allow decision (POST "
        "/v1/identity/allow-decisions): shown, but it no longer makes the outcome.",
    )


class ScreenOut(BaseModel):
    decision: Decision
    outcome: str
    list_version: str
    candidates_considered: int
    hits: list[HitOut]


class ListsOut(BaseModel):
    version: str
    lists: list[dict[str, Any]]


class AllowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=500, description="The screened name, as screened.")
    list_id: Literal["ofac_sdn", "uk_fcdo", "un"]
    entry_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$")
    note: str = Field(
        min_length=1,
        max_length=2000,
        description="Why the screened party is not the listed one (the evidence looked at).",
    )
    customer_id: str | None = Field(
        default=None, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$"
    )


class AllowOut(BaseModel):
    id: str
    name: str
    list_id: str
    entry_id: str
    entry_digest: str
    customer_id: str | None
    decided_by: str
    note: str
    decision_id: str
    created_at: datetime


class AllowCreated(BaseModel):
    allow: AllowOut
    decision: Decision


class AllowPage(BaseModel):
    items: list[AllowOut]
    next_cursor: str | None = None


class RescreenChangeOut(BaseModel):
    customer_id: str
    before: str
    after: str
    decision_id: str


class RescreenOut(BaseModel):
    list_version: str
    rescreened: int
    changes: list[RescreenChangeOut]
