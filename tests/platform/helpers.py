from __future__ import annotations

from finbrain.core.decision import BilingualText, Decision, Reason, Subject
from finbrain.platform import decisions
from finbrain.platform.store.database import Database


def add_decisions(db: Database, tenant_id: str, n: int, **over: object) -> list[Decision]:
    made = []
    with db.tenant(tenant_id) as session:
        for i in range(n):
            fields: dict[str, object] = {
                "tenant_id": tenant_id,
                "capability": "credit",
                "action": "score",
                "subject": Subject(type="applicant", id=f"A{i}"),
                "outcome": ("approve", "refer", "decline")[i % 3],
                "score": i / max(n, 1),
                "reasons": [
                    Reason(
                        code="CR-TEST",
                        text=BilingualText(zh="测试原因", en="test reason"),
                        feature="f",
                        value=i,
                        contribution=-1.0 * i,
                    )
                ],
            }
            fields.update(over)
            made.append(
                decisions.record(
                    session, Decision.for_input({"i": i}, **fields), settings=db.settings
                )
            )
    return made
