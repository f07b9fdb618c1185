"""A tenant's assistant for the tests: the demo customer's cards and accounts, the demo FAQ and
an intent model trained once per test run on the shipped data alone (TF-IDF, about 2 s),
registered as the tenant's champion from its stored artifact (as the message route loads it)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from finbrain.platform.assistant import artifact, customers, knowledge, training
from finbrain.platform.assistant.demo import DEMO_CUSTOMER
from finbrain.platform.tenancy import Caller
from tests.conftest import Platform

CUSTOMER = DEMO_CUSTOMER


@lru_cache(maxsize=1)
def trained() -> tuple[str, dict[str, Any]]:
    """The shipped-data model's artifact and measures (trained once per process)."""
    model, metrics = training.train("none", public=False)
    return artifact.dump(model), metrics


def seed_assistant(platform: Platform, tenant_id: str, *, faq: bool = True,
                   model: bool = True) -> None:  # fmt: skip
    from finbrain.assistant.knowledge import load_demo_faq

    caller = Caller(tenant_id)
    with platform.db.tenant(tenant_id) as session:
        customers.put_customers(session, caller, [customers.demo_customer(CUSTOMER, date.today())])
        if faq:
            knowledge.put_entries(session, caller,
                                  [e.model_dump(mode="json") for e in load_demo_faq()])  # fmt: skip
        if model:
            text, metrics = trained()
            training.register(session, tenant_id, artifact.load(text), metrics)


def say(platform: Platform, headers: dict[str, str], session_id: str, text: str,
        customer: str = CUSTOMER) -> Any:  # fmt: skip
    r = platform.client.post(
        "/v1/assistant/messages",
        json={"session_id": session_id, "customer_id": customer, "text": text},
        headers=headers,
    )
    return r
