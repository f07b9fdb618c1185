"""Setting up a platform from nothing: schema, operator key, the demo bank."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from finbrain.core.settings import Settings
from finbrain.platform import tenancy
from finbrain.platform.store.database import Database
from finbrain.platform.store.migrate import upgrade
from finbrain.platform.store.models import ApiKey, Tenant
from finbrain.platform.tenancy import Caller

DEMO_TENANT = "Demo Bank 演示银行"
DEMO_KEY_LABEL = "demo console"


DEMO_MODEL = "german-scorecard"
DEMO_CHALLENGER = "german-lightgbm"
DEMO_DECISIONS = 300  # every held-out applicant
DEMO_DAYS = 7  # spread over the last week
SEED = 42


@dataclass(frozen=True)
class DemoSetup:
    tenant_id: str
    tenant_name: str
    demo_key: tenancy.IssuedKey
    operator_key: tenancy.IssuedKey | None
    model: str | None = None
    risk_model: str | None = None
    advisory: str | None = None
    assistant: str | None = None
    marketing: str | None = None


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
    ensure_demo_identity(db, tenant_id)
    risk_model = ensure_demo_risk(db, tenant_id)
    ensure_demo_profiles(db, tenant_id)
    marketing = ensure_demo_marketing(db, tenant_id)
    ensure_demo_witness(db, tenant_id)
    advisory = ensure_demo_advisory(db, tenant_id)
    assistant = ensure_demo_assistant(db, tenant_id)
    return DemoSetup(
        tenant_id,
        tenant_name,
        demo_key,
        operator,
        model,
        risk_model,
        advisory,
        assistant,
        marketing,
    )


def ensure_demo_assistant(db: Database, tenant_id: str) -> str:
    """The demo customer's cards and accounts, the demo FAQ and an intent model trained with
    TF-IDF: see ``platform.assistant.demo``."""
    from finbrain.platform.assistant.demo import ensure_demo_assistant as assistant

    return assistant(db, tenant_id)


def ensure_demo_marketing(db: Database, tenant_id: str) -> str | None:
    """Consents, two pilot campaigns with simulated outcomes, the uplift model trained from
    them and a campaign ready to run: see ``platform.marketing.demo``."""
    from finbrain.platform.marketing.demo import ensure_demo_marketing as marketing

    return marketing(db, tenant_id)


def ensure_demo_advisory(db: Database, tenant_id: str) -> str | None:
    """A shelf of real Chinese funds (from the data folder, when it has them), three assessed
    clients and their proposals: see ``platform.advisory.demo``."""
    from finbrain.platform.advisory.demo import ensure_demo_advisory as advisory

    return advisory(db, tenant_id)


def ensure_demo_credit(db: Database, tenant_id: str) -> str:
    """A scorecard trained on the real German credit data (UCI, CC BY 4.0; bundled), promoted to
    champion, a LightGBM challenger beside it, and the real held-out applicants scored with the
    champion so the console has decisions.

    The scored applicants are spread over the last ``DEMO_DAYS`` days (their decisions carry
    those dates; the ledger records them today), so the dashboards show days, not one bar."""
    from datetime import timedelta

    from sklearn.model_selection import train_test_split

    from finbrain.core.decision import utcnow
    from finbrain.core.errors import NotFoundError
    from finbrain.credit.protected import MONITORED_BY_DATASET, PROTECTED_BY_DATASET
    from finbrain.datasets import load_german
    from finbrain.platform import decisions, registry
    from finbrain.platform.credit import service as credit

    with db.tenant(tenant_id) as session:
        try:
            row = registry.champion(session, "credit")
            return f"{row.name} v{row.version} (AUC {row.metrics.get('auc', 0):.3f})"
        except NotFoundError:
            pass
        data = load_german()
        features, target = data.drop(columns=["creditability"]), data["creditability"]
        # personal_status_and_sex (sex and marital status) is left out of the scorecard and
        # reported in its fairness check, with age and foreign_worker.
        protected, monitored = PROTECTED_BY_DATASET["german"], MONITORED_BY_DATASET["german"]
        card, metrics, report = credit.train(
            features, target, random_state=SEED, protected=protected, monitored=monitored
        )
        row = credit.register_scorecard(session, tenant_id, card, metrics, DEMO_MODEL, report)
        registry.promote(session, row.id)
        label = f"{row.name} v{row.version} (AUC {metrics['auc']:.3f})"
        gbm, gbm_metrics = credit.train_gbm(
            features, target, random_state=SEED, protected=protected, monitored=monitored
        )
        credit.register_gbm(session, tenant_id, gbm, gbm_metrics, DEMO_CHALLENGER)
    # Score the real applicants of the held-out 30% (the same split train() made).
    _, held_out = train_test_split(features, test_size=0.3, stratify=target, random_state=SEED)
    now = utcnow()
    with db.tenant(tenant_id) as session:
        champion = registry.champion(session, "credit")
        made, records = [], []
        for n, (index, row_values) in enumerate(held_out.head(DEMO_DECISIONS).iterrows()):
            record = {
                str(k): (None if isinstance(v, float) and v != v else v)
                for k, v in row_values.to_dict().items()
            }
            decision = credit.decide(champion, tenant_id, f"DE-{index:04d}", record, "")
            when = now - timedelta(days=DEMO_DAYS - 1 - n * DEMO_DAYS // DEMO_DECISIONS)
            made.append(decision.model_copy(update={"created_at": min(when, now)}))
            records.append(record)
        decisions.record_many(session, made, settings=db.settings, caller=Caller(tenant_id))
        credit.count_applicants(session, champion, list(zip(made, records, strict=True)))
    return label


def ensure_demo_identity(db: Database, tenant_id: str) -> int:
    """Online card applications of made-up applicants through the real journey — approved,
    thin-file, referred (a possible sanctions match, a shared device) and declined — so the
    applications and referral pages have work. Real German credit files serve as bureau data."""
    from datetime import date

    from finbrain.core.money import Money
    from finbrain.datasets import load_german
    from finbrain.identity.validators import mod11_2_check_digit
    from finbrain.platform.journeys import card_application as journey
    from finbrain.platform.store.models import CardApplication

    with db.tenant(tenant_id, write=False) as session:
        if session.scalar(select(CardApplication.id).limit(1)) is not None:
            return 0
    german = load_german().drop(columns=["creditability"])
    files = [
        {str(k): (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
        for r in german.head(40).to_dict(orient="records")
    ]

    def resident(born: date, seq: int, region: str = "310104") -> str:
        body = f"{region}{born:%Y%m%d}{seq:03d}"
        return body + mod11_2_check_digit(body)

    people = [
        ("李静怡", date(1990, 5, 17), "13800138000", "dev-a", "18000", files[0], None, None),
        ("王建国", date(1978, 11, 2), "13900139001", "dev-b", "26000", files[1], None, None),
        ("陈晓", date(1995, 3, 9), "13700137002", "dev-c", "9000", files[2], None, None),
        ("赵敏", date(2000, 8, 21), "13600136003", "dev-d", "6500", None, 48, 0.97),
        ("刘洋", date(2003, 1, 15), "13500135004", "dev-e", "2200", None, 6, None),
        ("周杰", date(2010, 6, 1), "13400134005", "dev-f", "0", files[3], None, None),
        ("Kim Jong Un", date(1984, 1, 8), "13300133006", "dev-g", "30000", files[4], None, None),
        ("孙丽", date(1988, 4, 4), "13200132007", "dev-a", "12000", files[5], None, None),
        ("吴磊", date(1992, 12, 12), "13100131008", "dev-h", "15000", files[6], None, None),
        ("郑爽", date(1986, 7, 30), "15800158009", "dev-i", "21000", files[7], None, None),
    ]
    made = 0
    for i, (name, born, mobile, device, income, bureau, tenure, utility) in enumerate(people):
        app = journey.Application(
            reference=f"DEMO-APP-{i + 1:03d}",
            applicant=journey.Applicant(
                name=name, id_number=resident(born, 100 + i * 7), mobile=mobile, device_id=device
            ),
            monthly_income=Money(income, "CNY"),
            employment="student" if income == "0" else "employed",
            bureau=bureau,
            mobile_tenure_months=tenure,
            utility_on_time_ratio=utility,
        )
        with db.tenant(tenant_id) as session:
            journey.apply(session, db.settings, Caller(tenant_id), app)
        made += 1
    return made


DEMO_RISK_MODEL = "simulated-gbm"
DEMO_RISK_CUSTOMERS = 1000
DEMO_RISK_DAYS = 28


def ensure_demo_risk(
    db: Database,
    tenant_id: str,
    *,
    events: int = 3000,
    train_customers: int = DEMO_RISK_CUSTOMERS,
    train_days: int = DEMO_RISK_DAYS,
) -> str | None:
    """A fraud model trained on card payments from finbrain's own simulator (the Fraud Detection
    Handbook's published generative process, written here: nothing is read from the data
    directory, so an installed package shows the same demo), made champion; then a few days of
    simulated payments scored live so the risk pages have a stream, alerts and cases."""
    from datetime import UTC, datetime, timedelta

    from finbrain.core.errors import NotFoundError
    from finbrain.datasets import simulator
    from finbrain.platform import registry
    from finbrain.platform import risk as service
    from finbrain.platform.store.models import RiskEvent
    from finbrain.risk.events import frame_from_handbook, parse_event

    with db.tenant(tenant_id) as session:
        try:
            row = registry.champion(session, "risk")
            label: str | None = f"{row.name} v{row.version} (AP {row.metrics.get('ap', 0):.3f})"
        except NotFoundError:
            label = None
    if label is None:
        raw = simulator.simulate(
            n_customers=train_customers,
            n_terminals=2 * train_customers,
            days=train_days,
            seed=SEED,
        )
        model, metrics = service.train_model(frame_from_handbook(raw))
        metrics["source"] = (
            f"finbrain.datasets.simulator, {train_customers} customers, {train_days} days"
        )
        with db.tenant(tenant_id) as session:
            row = service.register_model(session, tenant_id, model, metrics, DEMO_RISK_MODEL)
            registry.promote(session, row.id)
            label = f"{row.name} v{row.version} (AP {metrics['ap']:.3f}, AUC {metrics['auc']:.3f})"
    with db.tenant(tenant_id, write=False) as session:
        if session.scalar(select(RiskEvent.seq).limit(1)) is not None:
            return label
    # Live traffic: three days ending now, so the stream looks like today's.
    start = (datetime.now(UTC) - timedelta(days=3)).strftime("%Y-%m-%d")
    stream = simulator.stream(n_customers=400, n_terminals=800, start=start, days=3, seed=SEED)
    hub = service.RiskHub(db, db.settings)
    try:
        tenant = hub.tenant(tenant_id)
        batch = []
        for n, record in enumerate(stream):
            if n >= events:
                break
            batch.append(parse_event(record))
            if len(batch) == 250:
                tenant.submit(batch, None, None)
                batch = []
        if batch:
            tenant.submit(batch, None, None)
    finally:
        hub.stop()
    work_demo_cases(db, tenant_id)
    return label


def work_demo_cases(db: Database, tenant_id: str) -> None:
    """An analyst's first morning on the demo's cases, so the queue shows each state: the
    oldest closed as fraud and as not fraud, the next assigned, the rest open."""
    from finbrain.platform import risk as service
    from finbrain.platform.risk.tables import RiskCase

    with db.tenant(tenant_id) as session:
        oldest = session.scalars(
            select(RiskCase.id).where(RiskCase.status == "open").order_by(RiskCase.id).limit(3)
        ).all()
        plan = zip(oldest, ("fraud", "not_fraud", None), strict=False)
        for case_id, disposition in plan:
            if disposition is None:
                service.assign(session, case_id, "analyst-1", "demo")
                continue
            why = "confirmed with the cardholder" if disposition == "fraud" else "cardholder abroad"
            service.close(session, case_id, disposition, why, "demo")


def ensure_demo_profiles(db: Database, tenant_id: str) -> int:
    """Every demo customer's customer-360 profile, built from the payments the demo scored."""
    from finbrain.platform.profile import service as profiles
    from finbrain.platform.profile.tables import CustomerProfileRow

    with db.tenant(tenant_id, write=False) as session:
        if session.scalar(select(CustomerProfileRow.customer_id).limit(1)) is not None:
            return 0
    return int(profiles.build(db, tenant_id)["customers"])


DEMO_WITNESS = "auditor.demo.example/witness"


def ensure_demo_witness(db: Database, tenant_id: str) -> int:
    """An outside auditor that the demo bank trusts as a witness co-signs the newest checkpoint
    at start (so the ledger page shows who has co-signed up to where). Its key is derived from
    the platform's ledger secret, so it is the same witness on every restart; a real witness
    runs elsewhere and posts its cosignatures to ``/v1/ledger/cosignatures``. Returns the size
    co-signed (0: nothing to sign yet)."""
    import hashlib
    import hmac
    import time

    from finbrain.ledger.note import Note, Signer
    from finbrain.platform.ledger.service import TenantLedger

    seed = hmac.new(
        db.settings.effective_ledger_secret().encode(),
        b"finbrain-demo-witness-v1:" + tenant_id.encode(),
        hashlib.sha256,
    ).digest()
    auditor = Signer.from_seed(DEMO_WITNESS, seed)
    with db.tenant(tenant_id) as session:
        ledger = TenantLedger(session, tenant_id, db.settings)
        ledger.add_witness(auditor.verifier().vkey)
        checkpoint = ledger.checkpoint_now()
        if checkpoint is None:
            return 0
        line = auditor.cosign(Note.parse(checkpoint.note).text, int(time.time()))
        ledger.add_cosignature(checkpoint.size, line)
        return checkpoint.size
