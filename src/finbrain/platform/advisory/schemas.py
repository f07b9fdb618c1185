"""The advisory API's request and response bodies, beside the service."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from finbrain.core.decision import Decision

ClientId = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")


class OptionOut(BaseModel):
    id: str
    text: dict[str, str]


class QuestionOut(BaseModel):
    id: str
    dimension: Literal["capacity", "willingness"]
    kind: Literal["single", "multiple"]
    text: dict[str, str]
    options: list[OptionOut]


class QuestionnaireOut(BaseModel):
    id: str
    version: str
    digest: str
    title: dict[str, str]
    validity_days: int
    questions: list[QuestionOut]


class AssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_id: str = ClientId
    answers: dict[str, str | list[str]] = Field(
        max_length=100,
        description="Question id -> option id (a list of option ids for a multiple-choice "
        "question), as GET /v1/advisory/questionnaire lists them.",
    )


class ClientOut(BaseModel):
    client_id: str
    category: str = Field(description="C1 (conservative) .. C5 (aggressive): the lower of the two")
    capacity: str
    willingness: str
    lowest: bool = Field(description="A lowest-category investor: R1 products only")
    needs_review: bool = Field(description="Contradicting answers: an adviser confirms first")
    capacity_score: float
    willingness_score: float
    questionnaire_id: str
    questionnaire_version: str
    facts: dict[str, Any]
    decision_id: str
    assessed_at: datetime
    expires_at: datetime


class AssessmentOut(BaseModel):
    client: ClientOut
    decision: Decision
