"""Operator endpoints: tenants and their keys. Only an operator key (fbo_…) may call them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, status

from finbrain.platform import tenancy
from finbrain.platform.api.deps import IdempotencyKey, Operator, Session, Ulid, api_router
from finbrain.platform.api.schemas import (
    IssuedKeyOut,
    KeyCreate,
    KeyOut,
    KeyPage,
    TenantCreate,
    TenantCreated,
    TenantOut,
    TenantPage,
)
from finbrain.platform.pagination import CURSOR_PATTERN

router = api_router("/v1/tenants", "operator")


def issued(key: tenancy.IssuedKey) -> IssuedKeyOut:
    return IssuedKeyOut(
        id=key.id,
        tenant_id=key.tenant_id,
        label=key.label,
        scopes=list(key.scopes),
        secret=key.secret,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TenantCreated)
def create_tenant(
    body: TenantCreate, session: Session, principal: Operator, _key: IdempotencyKey
) -> TenantCreated:
    """Create a bank tenant and its first admin key (shown once)."""
    tenant = tenancy.create_tenant(session, body.name)
    key = tenancy.create_key(
        session,
        tenant.id,
        label=body.admin_key_label,
        scopes=["admin"],
        created_by=f"operator:{principal.key_id}",
    )
    return TenantCreated(
        tenant=TenantOut.model_validate(tenant, from_attributes=True), admin_key=issued(key)
    )


@router.get("", response_model=TenantPage)
def list_tenants(
    session: Session,
    _principal: Operator,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[
        str | None,
        Query(pattern=CURSOR_PATTERN, description="next_cursor of the previous page"),
    ] = None,
) -> TenantPage:
    rows, next_cursor = tenancy.list_tenants(session, limit=limit, cursor=cursor)
    return TenantPage(
        items=[TenantOut.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=next_cursor,
    )


@router.get("/{tenant_id}", response_model=TenantOut)
def get_tenant(tenant_id: Ulid, session: Session, _principal: Operator) -> TenantOut:
    return TenantOut.model_validate(tenancy.get_tenant(session, tenant_id), from_attributes=True)


@router.post("/{tenant_id}/keys", status_code=status.HTTP_201_CREATED, response_model=IssuedKeyOut)
def create_key(
    tenant_id: Ulid, body: KeyCreate, session: Session, principal: Operator, _key: IdempotencyKey
) -> IssuedKeyOut:
    return issued(
        tenancy.create_key(
            session,
            tenant_id,
            label=body.label,
            scopes=body.scopes,
            created_by=f"operator:{principal.key_id}",
        )
    )


@router.get("/{tenant_id}/keys", response_model=KeyPage)
def list_keys(tenant_id: Ulid, session: Session, _principal: Operator) -> KeyPage:
    return KeyPage(
        items=[
            KeyOut.model_validate(k, from_attributes=True)
            for k in tenancy.list_keys(session, tenant_id)
        ]
    )


@router.delete("/{tenant_id}/keys/{key_id}", response_model=KeyOut)
def revoke_key(tenant_id: Ulid, key_id: Ulid, session: Session, _principal: Operator) -> KeyOut:
    key = tenancy.revoke_key(session, key_id, tenant_id=tenant_id)
    return KeyOut.model_validate(key, from_attributes=True)
