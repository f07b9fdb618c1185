"""Campaigns and offers as data (营销活动与权益): what may be offered to whom, at what cost,
within which budget, contact rules and control group.

Definitions are pydantic models (a JSON body or file validates into them); :func:`campaign`
turns any refusal into a :class:`~finbrain.core.errors.ValidationError` naming the field
(``offers.1.cost``) and the rule (``greater_than_equal``, ``positive_budget`` …).

A :class:`Rule` compares one customer column with a value; an offer's ``eligibility`` rules
(资格: who may get it at all) and ``suitability`` rules (适当性: whom it suits) must all hold.
Money is ``Decimal`` in the campaign's currency (a float is refused).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)
from pydantic import ValidationError as PydanticError

from finbrain.core.decision import BilingualText
from finbrain.core.errors import ValidationError

__all__ = ["Campaign", "ContactCap", "Offer", "Rule", "parse_campaign"]

CODE = r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$"
Operator = Literal["eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "is_true", "is_false"]
Scalar = StrictBool | StrictInt | StrictFloat | StrictStr
OPERATOR_TEXT = {
    "eq": ("等于", "is"), "ne": ("不等于", "is not"), "lt": ("小于", "is below"),
    "le": ("不超过", "is at most"), "gt": ("大于", "is above"), "ge": ("不低于", "is at least"),
    "in": ("属于", "is one of"), "not_in": ("不属于", "is none of"),
    "is_true": ("须为是", "must be yes"), "is_false": ("须为否", "must be no"),
}  # fmt: skip
Money = Annotated[Decimal, Field(max_digits=18, decimal_places=2, allow_inf_nan=False)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Rule(_Frozen):
    """``column`` ``op`` ``value`` must hold for the customer (a missing value fails it)."""

    column: str = Field(min_length=1, max_length=64)
    op: Operator
    value: Scalar | list[Scalar] | None = None
    text: BilingualText | None = None
    """How the rule reads to a customer service agent (default: made from the rule)."""

    @model_validator(mode="after")
    def _value_fits_operator(self) -> Rule:
        if self.op in ("in", "not_in"):
            if not isinstance(self.value, list) or not self.value:
                raise ValueError(f"op {self.op!r} needs a non-empty list as value")
        elif self.op in ("is_true", "is_false"):
            if self.value is not None:
                raise ValueError(f"op {self.op!r} takes no value")
        elif self.value is None or isinstance(self.value, list):
            raise ValueError(f"op {self.op!r} needs one value")
        elif self.op in ("lt", "le", "gt", "ge") and isinstance(self.value, bool | str):
            raise ValueError(f"op {self.op!r} compares numbers")
        return self

    def describe(self) -> BilingualText:
        if self.text is not None:
            return self.text
        zh, en = OPERATOR_TEXT[self.op]
        value = "" if self.value is None else f" {self.value}"
        return BilingualText(zh=f"{self.column}{zh}{value}", en=f"{self.column} {en}{value}")


class Offer(_Frozen):
    """One offer (权益). ``value``: what one incremental response is worth to the bank;
    ``cost``: what one contact costs (a coupon, a call); ``treatment``: the offer's label in
    the uplift model (default: the code)."""

    code: str = Field(pattern=CODE)
    name: BilingualText
    value: Money = Field(ge=0)
    cost: Money = Field(ge=0)
    treatment: str | None = Field(default=None, min_length=1, max_length=128)
    eligibility: tuple[Rule, ...] = ()
    suitability: tuple[Rule, ...] = ()

    @field_validator("value", "cost", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Any:
        if isinstance(value, float):
            raise ValueError("money is a decimal string or an integer, never a float")
        return value

    @property
    def label(self) -> str:
        return self.treatment or self.code


class ContactCap(_Frozen):
    """At most ``max_contacts`` marketing contacts in ``window_days`` (频次控制); a customer
    already at the cap is not contacted."""

    max_contacts: int = Field(ge=0, le=1000)
    window_days: int = Field(ge=1, le=366)


class Campaign(_Frozen):
    """A campaign: its offers (at least one), ``budget`` (> 0) for all contacts together,
    optional contact cap, and the ``control_share`` of the would-be selected customers held
    out at random (seeded by ``seed``) to measure the real lift."""

    id: str = Field(pattern=CODE)
    name: BilingualText
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    offers: tuple[Offer, ...] = Field(min_length=1)
    budget: Money
    contact_cap: ContactCap | None = None
    control_share: float = Field(default=0.1, ge=0.0, le=0.5)
    seed: int = Field(default=0, ge=0, lt=2**63)

    @field_validator("budget", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Any:
        return Offer._no_float(value)

    @field_validator("budget")
    @classmethod
    def _positive(cls, value: Decimal) -> Decimal:
        if value <= 0:
            raise ValueError("positive_budget: a campaign needs a budget above zero")
        return value

    @model_validator(mode="after")
    def _distinct_offers(self) -> Campaign:
        codes = [o.code for o in self.offers]
        labels = [o.label for o in self.offers]
        if len(set(codes)) != len(codes) or len(set(labels)) != len(labels):
            raise ValueError("distinct_offers: an offer code or treatment label is repeated")
        return self

    def offer(self, code: str) -> Offer:
        for offer in self.offers:
            if offer.code == code:
                return offer
        raise ValidationError(field="offer", rule="offer_of_the_campaign", code=code)


_RULE = re.compile(r"^([a-z_]+): ")


def parse_campaign(data: Campaign | dict[str, Any]) -> Campaign:
    """A validated campaign; refused input raises ``ValidationError`` naming the first bad
    field (dotted path) and the rule it broke."""
    if isinstance(data, Campaign):
        return data
    try:
        return Campaign.model_validate(data)
    except PydanticError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "campaign"
        message = str(error.get("msg", ""))
        message = message.removeprefix("Value error, ")
        found = _RULE.match(message)
        rule = found.group(1) if found else str(error["type"])
        raise ValidationError(message, field=field, rule=rule) from None
