"""Setting up a platform from nothing: schema, operator key, the demo bank."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from finbrain.core.settings import Settings
from finbrain.platform import tenancy
from finbrain.platform.store.database import Database
from finbrain.platform.store.migrate import upgrade
from finbrain.platform.store.models import ApiKey, Tenant

DEMO_TENANT = "Demo Bank 演示银行"
DEMO_KEY_LABEL = "demo console"


@dataclass(frozen=True)
class DemoSetup:
    tenant_id: str
    tenant_name: str
    demo_key: tenancy.IssuedKey
    operator_key: tenancy.IssuedKey | None


def prepare(settings: Settings) -> Database:
    upgrade(settings)
    return Database(settings)


def ensure_demo(db: Database) -> DemoSetup:
    """The demo bank with a fresh console key; earlier demo keys are revoked (shown once each)."""
    with db.platform() as session:
        operator = (
            None
            if tenancy.has_operator_key(session)
            else tenancy.create_operator_key(session, label="bootstrap operator")
        )
        tenant = session.scalar(select(Tenant).where(Tenant.name == DEMO_TENANT))
        if tenant is None:
            tenant = tenancy.create_tenant(session, DEMO_TENANT)
        old = session.scalars(
            select(ApiKey).where(
                ApiKey.tenant_id == tenant.id,
                ApiKey.label == DEMO_KEY_LABEL,
                ApiKey.revoked_at.is_(None),
            )
        )
        for key in old:
            tenancy.revoke_key(session, key.id, tenant_id=tenant.id)
        demo_key = tenancy.create_key(
            session, tenant.id, label=DEMO_KEY_LABEL, scopes=["admin"], created_by="demo"
        )
        return DemoSetup(tenant.id, tenant.name, demo_key, operator)
