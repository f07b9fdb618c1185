"""Marketing's API shapes. A campaign's body is the library's own model
(``finbrain.marketing.Campaign``): one definition of what a campaign is."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from finbrain.core.decision import Decision
from finbrain.marketing.campaign import Campaign

CUSTOMER_ID = r"^[A-Za-z0-9._:\-]{1,128}$"
Scalar = str | int | float | bool | None


class CampaignOut(BaseModel):
    campaign: Campaign
    created_by: str
    created_at: datetime
    spent: str = Field(description="what the campaign's contacts so far have cost")
    last_selection: dict[str, Any] | None = Field(
        default=None, description="the summary of the latest selection"
    )
    selected_at: datetime | None = None


class CampaignList(BaseModel):
    items: list[CampaignOut]


class CustomerIn(BaseModel):
    """One customer of the selection: the bank's own reference (never a name), whether they
    opted out of marketing (PIPL art. 24: missing counts as opted out), the attributes the
    campaign's rules read, and the uplift of each offer (from the bank's uplift model or
    ``finbrain marketing uplift``)."""

    model_config = ConfigDict(extra="forbid")
    customer_id: str = Field(pattern=CUSTOMER_ID)
    opted_out: bool | None = None
    attributes: dict[str, Scalar] = Field(default_factory=dict, max_length=200)
    uplift: dict[str, float] = Field(description="offer code -> uplift", max_length=50)


class SelectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customers: list[CustomerIn] = Field(min_length=1, max_length=10_000)
    as_of: datetime | None = Field(
        default=None, description="when the contacts are made (default now; caps count back)"
    )


class SelectOut(BaseModel):
    summary: dict[str, Any]
    decisions: list[Decision] = Field(description="one per customer, in the request's order")
