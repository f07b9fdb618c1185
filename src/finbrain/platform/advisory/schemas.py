"""The advisory API's request and response bodies, beside the service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from finbrain.core.decision import Decision, Reason
from finbrain.platform.api.schemas import MoneyIn, ascii_amount

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


class AssessmentReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_id: str = ClientId
    outcome: Literal["confirm", "reassess"] = Field(
        description="confirm: the answers stand after talking to the client; reassess: they do "
        "not, the assessment lapses and the client answers again"
    )
    note: str = Field(
        min_length=1,
        max_length=2000,
        pattern=r"\S",  # not blank
        description="What the adviser checked with the client (kept on the ledger)",
    )


class AssessmentReviewOut(BaseModel):
    client: ClientOut
    decision: Decision


# -- the shelf ---------------------------------------------------------------------------------

ProductCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9._\-]{1,32}$")]
DecimalText = Annotated[
    str,
    BeforeValidator(ascii_amount),
    Field(pattern=r"^-?[0-9]{1,12}(\.[0-9]{1,8})?$", description="decimal string"),
]
Kind = Literal["deposit", "wmp", "money_fund", "bond_fund", "mixed_fund", "equity_fund", "etf"]
Level = Literal["R1", "R2", "R3", "R4", "R5"]


class TextIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    zh: str = Field(min_length=1, max_length=200)
    en: str = Field(min_length=1, max_length=200)


class ProductIn(BaseModel):
    """A product as ``finbrain.advisory.Product`` reads it: rates as decimal strings
    ("0.015" is 1.5%), amounts in the product's currency."""

    model_config = ConfigDict(extra="forbid")
    code: ProductCode
    name: TextIn
    kind: Kind
    risk: Level
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    min_purchase: DecimalText = "0"
    lot: DecimalText = Field(default="0.01", description="Purchase increment (ETF: shares).")
    buy_fee: DecimalText = "0"
    min_fee: DecimalText = "0"
    sell_fees: list[tuple[Annotated[int, Field(ge=0, le=36500)], DecimalText]] = Field(
        default_factory=list,
        max_length=20,
        description="[[days held, rate], …]: the rate applies from that many days held.",
    )
    management_fee: DecimalText = "0"
    lock_up_days: int = Field(default=0, ge=0, le=36500)
    sale_windows: list[tuple[date, date]] = Field(
        default_factory=list, max_length=50, description="[[opens, closes], …]; empty: always"
    )
    expected_return: DecimalText | None = Field(
        default=None, description="A stated yearly rate or benchmark; never a promise."
    )
    complex: bool = False
    high_risk: bool = False
    issuer: str | None = Field(default=None, min_length=1, max_length=200)


class ProductsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    products: list[ProductIn] = Field(min_length=1, max_length=500)


class ShelfOut(BaseModel):
    version: int = Field(description="Bumped by every change to the shelf's products or prices.")
    currency: str | None
    products: int
    prices: int
    first_day: date | None
    last_day: date | None


class ProductOut(ProductIn):
    prices: int = Field(description="Days of price history held")
    first_day: date | None
    last_day: date | None
    updated_at: datetime
    withdrawn_at: datetime | None = Field(
        description="When the bank took it off sale (final): never bought or recommended after"
    )


class WithdrawalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    codes: list[ProductCode] = Field(
        min_length=1, max_length=200, description="Products to take off sale (下架)"
    )


class ProductsOut(BaseModel):
    shelf: ShelfOut
    items: list[ProductOut]
    next: str | None = Field(description="Pass as `after` for the next page; null on the last.")


class PriceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: ProductCode
    day: date
    price: DecimalText = Field(description="The day's NAV or closing price (positive)")


class PricesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prices: list[PriceIn] = Field(min_length=1, max_length=10_000)


class PricesOut(BaseModel):
    written: int
    shelf: ShelfOut


# -- proposals ---------------------------------------------------------------------------------

Method = Literal["target_risk", "min_variance", "max_sharpe", "min_cvar", "risk_parity", "hrp"]


class HoldingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: ProductCode
    value: DecimalText = Field(description="Market value now, in the shelf's currency")
    held_days: int | None = Field(
        default=None, ge=0, le=36500, description="Since the latest purchase; null: long held"
    )
    units: DecimalText | None = Field(default=None, description="Shares, for an ETF")


class ProposalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_id: str = ClientId
    cash: MoneyIn = Field(description="New money to invest, in the shelf's currency")
    holdings: list[HoldingIn] = Field(default_factory=list, max_length=200)
    method: Method = "target_risk"


class HoldingOut(BaseModel):
    code: str
    value: str
    held_days: int | None
    units: str | None


class OrderOut(BaseModel):
    code: str
    side: Literal["buy", "sell"]
    amount: str = Field(description="Buy: cash paid, fee included. Sell: value redeemed.")
    fee: str
    units: str | None


class FiguresOut(BaseModel):
    expected_return: float = Field(description="Yearly, estimated from history: not a promise")
    volatility: float
    max_drawdown: float
    vol_budget: float | None
    fallback: str | None
    fees: str
    cash_after: str
    used: list[str] = Field(description="The products the optimiser could choose from")
    proxied: dict[str, str] = Field(description="Products whose short history was spliced")


class ProposalOut(BaseModel):
    id: str = Field(description="The proposal's id, which is its decision's id")
    client_id: str
    category: str
    method: str
    currency: str
    cash: str
    holdings: list[HoldingOut]
    weights: dict[str, float] = Field(description="Target weights (the rest is cash)")
    orders: list[OrderOut]
    figures: FiguresOut
    shelf_version: int
    created_at: datetime
    withdrawn: list[str] = Field(
        description="Products in this proposal (held, bought or weighted) withdrawn from sale "
        "since: its buy orders of them can no longer be placed; the record stays as made"
    )
    decision: Decision


# -- the client insists ------------------------------------------------------------------------


class InsistenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_id: str = ClientId
    product: ProductCode
    acknowledged: bool = Field(
        description="The client read and confirmed the special risk warning (needed when the "
        "product is above the client's category)"
    )


class InsistenceOut(BaseModel):
    client_id: str
    product: str
    outcome: Literal["allow", "allow_with_warning", "block"]
    warning: Reason | None = Field(
        description="The special written warning recorded with the decision, when one applies"
    )
    decision: Decision


# -- what a proposal may do: a walk-forward backtest and the goal's Monte Carlo -----------------


class SeriesOut(BaseModel):
    days: list[date]
    proposal: list[float] = Field(description="Value of 1 invested, the method refitted")
    equal_weight: list[float] = Field(description="Value of 1 in equal weights, same products")


class BacktestOut(BaseModel):
    train_days: int
    every_days: int
    costs: str = Field(description="How trading costs were charged")
    proposal: dict[str, float]
    equal_weight: dict[str, float]
    series: SeriesOut


class GoalOut(BaseModel):
    probability: float
    target: str
    years: int
    invested: str
    paths: int
    fan: dict[str, list[float]] = Field(description="Percentile -> value at each year's end")
    reason: Reason


class OutlookOut(BaseModel):
    proposal_id: str
    backtest: BacktestOut | None = Field(description="Null when it could not be run")
    backtest_note: str | None = Field(
        default=None,
        description="Why there is no backtest: history_too_short, no_products_with_history, "
        "refit_failed",
    )
    goal: GoalOut | None
    goal_note: str | None = Field(
        default=None,
        description="Why there is no goal: history_too_short, no_products_with_history",
    )
