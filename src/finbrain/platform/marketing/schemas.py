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
    """One customer of the selection: the bank's own reference (never a name); whether they
    opted out of marketing (PIPL art. 24; missing: the consent the bank recorded through
    ``POST /v1/marketing/consents``, and with none, opted out); the attributes the campaign's
    rules read (beside the customer's profile features); and the uplift of each offer — for
    every customer of the request or for none, when the bank's trained uplift model scores
    the customers' profiles."""

    model_config = ConfigDict(extra="forbid")
    customer_id: str = Field(pattern=CUSTOMER_ID)
    opted_out: bool | None = None
    attributes: dict[str, Scalar] = Field(default_factory=dict, max_length=200)
    uplift: dict[str, float] | None = Field(
        default=None,
        description="offer code -> uplift (omit to use the bank's model)",
        max_length=50,
    )


class SelectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customers: list[CustomerIn] = Field(min_length=1, max_length=10_000)
    as_of: datetime | None = Field(
        default=None, description="when the contacts are made (default now; caps count back)"
    )


class SelectOut(BaseModel):
    summary: dict[str, Any]
    decisions: list[Decision] = Field(description="one per customer, in the request's order")


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: str = Field(pattern=CUSTOMER_ID)
    opted_out: bool


class ConsentsIn(BaseModel):
    """Customers' marketing consent as the bank holds it (the latest record counts)."""

    model_config = ConfigDict(extra="forbid")
    customers: list[ConsentIn] = Field(min_length=1, max_length=10_000)


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: str = Field(pattern=CUSTOMER_ID)
    responded: bool


class OutcomesIn(BaseModel):
    """Whether each customer the campaign contacted or held out responded."""

    model_config = ConfigDict(extra="forbid")
    outcomes: list[OutcomeIn] = Field(min_length=1, max_length=10_000)


class RecordedOut(BaseModel):
    recorded: int
    lift: dict[str, Any] | None = Field(
        default=None,
        description="per offer: its arms (customers, outcomes, response rate) and the real "
        "lift, the offer arm's response rate minus the control group's",
    )


class UpliftModelOut(BaseModel):
    id: str
    version: int
    status: str
    digest: str
    created_at: datetime
    metrics: dict[str, Any]


class UpliftModelList(BaseModel):
    items: list[UpliftModelOut]
