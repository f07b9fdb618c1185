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


DEMO_MODEL = "german-scorecard"
DEMO_DECISIONS = 60
SEED = 42


@dataclass(frozen=True)
class DemoSetup:
    tenant_id: str
    tenant_name: str
    demo_key: tenancy.IssuedKey
    operator_key: tenancy.IssuedKey | None
    model: str | None = None


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
        tenant_id, tenant_name = tenant.id, tenant.name
    model = ensure_demo_credit(db, tenant_id)
    return DemoSetup(tenant_id, tenant_name, demo_key, operator, model)


def ensure_demo_credit(db: Database, tenant_id: str) -> str:
    """A scorecard trained on the real German credit data (UCI, CC BY 4.0; bundled), promoted to
    champion, and real held-out applicants scored with it so the console has decisions."""

    from sklearn.model_selection import train_test_split

    from finbrain.core.errors import NotFoundError
    from finbrain.datasets import load_german
    from finbrain.platform import credit, registry

    with db.tenant(tenant_id) as session:
        try:
            row = registry.champion(session, "credit")
            return f"{row.name} v{row.version} (AUC {row.metrics.get('auc', 0):.3f})"
        except NotFoundError:
            pass
        data = load_german()
        features, target = data.drop(columns=["creditability"]), data["creditability"]
        card, metrics, report = credit.train(
            features, target, random_state=SEED, protected="personal_status_and_sex"
        )
        row = credit.register_scorecard(session, tenant_id, card, metrics, DEMO_MODEL, report)
        registry.promote(session, row.id)
        label = f"{row.name} v{row.version} (AUC {metrics['auc']:.3f})"
    # Score real applicants from the held-out 30% (the same split train() made).
    _, held_out = train_test_split(features, test_size=0.3, stratify=target, random_state=SEED)
    with db.tenant(tenant_id) as session:
        for index, row_values in held_out.head(DEMO_DECISIONS).iterrows():
            record = {
                str(k): (None if isinstance(v, float) and v != v else v)
                for k, v in row_values.to_dict().items()
            }
            credit.score_applicant(session, db.settings, tenant_id, f"DE-{index:04d}", record)
    return label
