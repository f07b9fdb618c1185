"""The card application API's request and response bodies, beside the service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from finbrain.core.decision import Decision
from finbrain.platform.api.schemas import MoneyIn as MoneyIn  # shared with advisory

Reference = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")]
Value = float | int | str | bool | None


class ApplicantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=500)
    id_number: str = Field(min_length=1, max_length=32)
    mobile: str = Field(min_length=1, max_length=32)
    nationality: str = Field(default="CN", min_length=2, max_length=64)
    device_id: str | None = Field(default=None, min_length=1, max_length=128)


class BureauIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    features: dict[Annotated[str, Field(max_length=100)], Value] = Field(max_length=500)


class ApplicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reference: Reference = Field(description="The bank's own application reference (unique).")
    applicant: ApplicantIn
    monthly_income: MoneyIn
    employment: Literal["employed", "self_employed", "retired", "student", "unemployed"]
    bureau: BureauIn | None = Field(
        default=None,
        description="Credit-bureau features for the champion model; omit for a "
        "thin-file applicant (assessed on alternative data, never declined automatically).",
    )
    mobile_tenure_months: int | None = Field(default=None, ge=0, le=600)
    utility_on_time_ratio: float | None = Field(default=None, ge=0, le=1)


class ApplicationOut(BaseModel):
    id: str
    reference: str
    status: str
    outcome: str
    limit: dict[str, str] | None
    thin_file: bool
    applicant: dict[str, Any]
    review_status: str | None
    reviewer: str | None
    review_note: str | None
    created_at: datetime
    reviewed_at: datetime | None
    decision: Decision
    steps: list[Decision]
    review_decision: Decision | None = None


class ApplicationPage(BaseModel):
    items: list[ApplicationOut]
    next_cursor: str | None


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["approve", "decline"]
    limit: MoneyIn | None = None
    note: str = Field(min_length=1, max_length=2000)
