"""The demo bank's assistant: one customer with a debit and a credit card, two accounts and three
transfers (the library's ``DemoBank.sample``, loaded into the tenant's tables), the demo FAQ
(22 entries, zh and en, shipped with ``finbrain.assistant``), and an intent model trained with
TF-IDF alone at ``make demo`` time.

The model learns from the shipped data (the Chinese BANKING77 set and the task intents, both
written for finbrain) and, when the data folder has them, BANKING77's English training split and
CLINC150 (CC BY, read from ``../shared/data``, never copied into the package). Without the data
folder the demo still has an assistant, trained on the shipped data only, and says so.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from finbrain.platform.store.database import Database
from finbrain.platform.tenancy import Caller

DEMO_CUSTOMER = "DEMO-CUSTOMER-01"


def _has_public_data() -> bool:
    from finbrain.core.errors import DatasetError
    from finbrain.datasets import load_banking77

    try:
        load_banking77()
    except DatasetError:
        return False
    return True


def ensure_demo_assistant(db: Database, tenant_id: str) -> str:
    """Customer data, FAQ and a trained intent model (each once); a label for the summary."""
    from finbrain.assistant.knowledge import load_demo_faq
    from finbrain.platform.assistant import customers, knowledge, queries, training
    from finbrain.platform.assistant.tables import AssistantCard, AssistantFaq

    caller = Caller(tenant_id)
    with db.tenant(tenant_id) as session:
        if session.scalar(select(AssistantCard.id).limit(1)) is None:
            customers.put_customers(
                session, caller, [customers.demo_customer(DEMO_CUSTOMER, date.today())]
            )
        if session.scalar(select(AssistantFaq.entry_id).limit(1)) is None:
            knowledge.put_entries(
                session, caller, [entry.model_dump(mode="json") for entry in load_demo_faq()]
            )
        champion = queries.champion_model(session)
    if champion is None:
        model, metrics = training.train("none", public=_has_public_data())
        with db.tenant(tenant_id) as session:
            training.register(session, tenant_id, model, metrics)
            champion = queries.champion_model(session)
    assert champion is not None  # registered just above
    metrics = champion.metrics
    data = "shipped + BANKING77/CLINC150" if metrics.get("public_data") else (
        "shipped data only (the data folder has no assistant/ sets)")  # fmt: skip
    return (
        f"intent model v{champion.version}, {metrics.get('intents')} intents, trained on {data} "
        f"in {metrics.get('seconds')} s; Chinese held-out accuracy "
        f"{float(str(metrics.get('accuracy_zh_test', 0))):.1%}; customer {DEMO_CUSTOMER}"
    )
