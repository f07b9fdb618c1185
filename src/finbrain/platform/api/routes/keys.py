"""A tenant's own keys (scope ``admin``), and ``/v1/me`` for any key."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, status

from finbrain.platform import tenancy
from finbrain.platform.api.deps import (
    IdempotencyKey,
    Session,
    Ulid,
    api_router,
    current_principal,
    require,
)
from finbrain.platform.api.routes.tenants import issued
from finbrain.platform.api.schemas import IssuedKeyOut, KeyCreate, KeyOut, KeyPage, Me
from finbrain.platform.tenancy import Caller, Principal

router = api_router("/v1", "keys")
Admin = Annotated[Caller, Depends(require("admin"))]


@router.get("/me", response_model=Me)
def me(session: Session, principal: Annotated[Principal, Depends(current_principal)]) -> Me:
    """Who this key is: its tenant and scopes (useful when wiring a bank system)."""
    name = None
    if principal.tenant_id:
        name = tenancy.get_tenant(session, principal.tenant_id).name
    return Me(
        kind=principal.kind,
        key_id=principal.key_id,
        tenant_id=principal.tenant_id,
        tenant_name=name,
        scopes=list(principal.scopes),
    )


@router.get("/keys", response_model=KeyPage)
def list_keys(session: Session, caller: Admin) -> KeyPage:
    return KeyPage(
        items=[
            KeyOut.model_validate(k, from_attributes=True)
            for k in tenancy.list_keys(session, caller.tenant_id)
        ]
    )


@router.post("/keys", status_code=status.HTTP_201_CREATED, response_model=IssuedKeyOut)
def create_key(
    body: KeyCreate, session: Session, caller: Admin, _key: IdempotencyKey
) -> IssuedKeyOut:
    return issued(
        tenancy.create_key(
            session,
            caller.tenant_id,
            label=body.label,
            scopes=body.scopes,
            created_by=f"key:{caller.key_id}",
        )
    )


@router.delete("/keys/{key_id}", response_model=KeyOut)
def revoke_key(key_id: Ulid, session: Session, caller: Admin) -> KeyOut:
    key = tenancy.revoke_key(session, key_id, tenant_id=caller.tenant_id)
    return KeyOut.model_validate(key, from_attributes=True)
