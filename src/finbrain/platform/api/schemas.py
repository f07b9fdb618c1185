"""Request and response bodies of the platform endpoints (unknown fields are refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from finbrain.core.decision import Decision
from finbrain.platform.scopes import DEFAULT_SCOPES

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Scope = Annotated[str, StringConstraints(min_length=1, max_length=64)]


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
