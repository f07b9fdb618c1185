"""Request and response bodies of the platform endpoints (unknown fields are refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Response
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from finbrain.core.decision import Decision
from finbrain.core.money import Money, ascii_decimal
from finbrain.platform.scopes import DEFAULT_SCOPES, SCOPES

# Printable text only (a control character in a bank's name is always a mistake), and no space
# at either end; stated as a pattern so the OpenAPI spec says exactly what is accepted.
_TEXT = r"^[^\x00-\x20\x7f-\x9f](?:[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\x9f])?$"
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=_TEXT)]
Label = Name


def _known_scope(value: str) -> str:
    if value not in SCOPES:
        raise PydanticCustomError(
            "known_scope", "unknown scope; known: {known}", {"known": ", ".join(sorted(SCOPES))}
        )
    return value


Scope = Annotated[
    str,
    AfterValidator(_known_scope),
    WithJsonSchema({"type": "string", "enum": sorted(SCOPES)}),
]


def ascii_amount(value: object) -> object:
    """The amounts' one rule (``core.money.ascii_decimal``) before the pattern: "１２３" is
    refused as ``ascii_decimal``, as in a risk event."""
    from finbrain.core.errors import ValidationError

    if isinstance(value, str):
        try:
            ascii_decimal(value)
        except ValidationError:
            raise PydanticCustomError(
                "ascii_decimal", "amounts are written in ASCII digits (no full-width digits)"
            ) from None
    return value


class MoneyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Annotated[str, BeforeValidator(ascii_amount)] = Field(
        pattern=r"^-?[0-9]{1,12}(\.[0-9]{1,4})?$", description="decimal string"
    )
    currency: str = Field(pattern=r"^[A-Z]{3}$")

    def money(self, field: str) -> Money:
        from finbrain.core.errors import ValidationError

        try:
            return Money(self.amount, self.currency)
        except ValidationError as exc:
            raise ValidationError(exc.detail, field=f"{field}.{exc.field}", rule=exc.rule) from None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TenantCreate(Strict):
    name: Name = Field(description="The bank's display name, unique on the platform.")
    admin_key_label: Label = "admin"


class TenantOut(BaseModel):
    id: str
    name: str
    status: str
    created_at: datetime


class KeyCreate(Strict):
    label: Label
    scopes: list[Scope] = Field(
        default_factory=lambda: list(DEFAULT_SCOPES), min_length=1, max_length=32
    )


class KeyOut(BaseModel):
    id: str
    tenant_id: str
    label: str
    scopes: list[str]
    created_at: datetime
    created_by: str
    revoked_at: datetime | None


class IssuedKeyOut(BaseModel):
    """Returned once, at creation: ``secret`` is never shown again."""

    id: str
    tenant_id: str | None
    label: str
    scopes: list[str]
    secret: str


class TenantCreated(BaseModel):
    tenant: TenantOut
    admin_key: IssuedKeyOut


class Me(BaseModel):
    kind: str
    key_id: str
    tenant_id: str | None
    tenant_name: str | None
    scopes: list[str]


class TenantPage(BaseModel):
    items: list[TenantOut]
    next_cursor: str | None


class KeyPage(BaseModel):
    items: list[KeyOut]


class DecisionPage(BaseModel):
    items: list[Decision]
    next_cursor: str | None


class Health(BaseModel):
    status: str
    checks: dict[str, str] = Field(default_factory=dict)


class JobOut(BaseModel):
    id: str
    kind: str
    status: str
    progress: int
    message: str
    result: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def accepted(cls, response: Response, job: Any) -> JobOut:
        """The 202 answer to a request that started ``job``: where to poll it, and its state."""
        response.headers["Location"] = f"/v1/jobs/{job.id}"
        return cls.model_validate(job, from_attributes=True)


# A registered model version of any capability (the registry's row). No docstring: it would
# become the published schema's description.
class ModelOut(BaseModel):
    id: str
    name: str
    version: int
    kind: str
    status: str
    digest: str
    metrics: dict[str, Any]
    created_at: datetime
