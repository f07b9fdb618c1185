"""The match API's request and response bodies, beside the service."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from finbrain.core.decision import Decision

Customer = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")


class InteractionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer: str = Customer
    product: str = Field(pattern=r"^[A-Za-z0-9._\-]{1,32}$")
    kind: Literal["purchase", "holding", "view"]
    weight: float | None = Field(
        default=None,
        gt=0,
        le=1000,
        description="Confidence; default purchase 1, holding 1, view 0.2",
    )
    occurred_at: datetime | None = Field(default=None, description="Default: now")


class InteractionsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    interactions: list[InteractionIn] = Field(min_length=1, max_length=5000)


class InteractionsOut(BaseModel):
    written: int


class RecommendedOut(BaseModel):
    rank: int
    code: str
    name: dict[str, str]
    kind: str
    risk: str
    source: Literal["collaborative", "features", "popularity"]


class RecommendationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer: str = Customer
    k: int = Field(default=10, ge=1, le=100, description="How many products to list")


class RecommendationsOut(BaseModel):
    decision: Decision = Field(
        description="The recommendation as a decision (capability match): reasons, best "
        "first, then how many products the client's suitability left out. POST records it "
        "on the ledger (with its receipt); the GET preview records nothing."
    )
    items: list[RecommendedOut]
    eligible: int = Field(description="Products on the shelf the client may be recommended")
    shelf: int = Field(description="Products on the shelf")
    feedback: int = Field(description="Interactions the recommender learnt from")
