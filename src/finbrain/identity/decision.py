"""The decision of one sanctions screening: who was screened (the query), against which list
version, the outcome and up to four hits as reasons in zh and en, each naming the list entry.

Tenant-less like every capability's decision (the platform stamps the tenant and records it);
the journey's screening step and the platform's screening both build theirs here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from finbrain.core.decision import BilingualText, Decision, Reason, Subject, new_id
from finbrain.identity.screening import Hit, ScreeningResult


@dataclass(frozen=True)
class ScreeningQuery:
    name: str
    kind: Literal["person", "entity", "any"] = "any"
    birth_date: date | None = None
    nationality: str | None = None
    id_number: str | None = None
    customer_id: str | None = None


def hit_reason(hit: Hit, outcome: str) -> Reason:
    code = "SCR-MATCH" if outcome == "match" else "SCR-POTENTIAL"
    return Reason(
        code=code,
        text=BilingualText(zh=hit.explanation["zh"], en=hit.explanation["en"]),
        feature=f"{hit.list_id}:{hit.entry_id}",
        value=hit.entry_name,
        contribution=round(hit.score, 6),
    )


def hit_json(hit: Hit) -> dict[str, Any]:
    return {
        "list_id": hit.list_id,
        "entry_id": hit.entry_id,
        "entry_name": hit.entry_name,
        "matched_name": hit.matched_name,
        "kind": hit.kind,
        "score": round(hit.score, 6),
        "rule": hit.name_match.rule,
        "system": hit.name_match.system,
        "cross_script": hit.name_match.cross_script,
        "corroboration": dict(hit.corroboration),
        "explanation": dict(hit.explanation),
        "allowed": hit.allowed,
    }


def screening_reasons(result: ScreeningResult) -> list[Reason]:
    """The reasons of a screening (the journey's screening step uses the same)."""
    if result.hits:
        return [hit_reason(hit, result.outcome) for hit in result.hits[:4]]
    return [
        Reason(
            code="SCR-CLEAR",
            text=BilingualText(
                zh=f"制裁名单筛查无命中（名单版本 {result.list_version[:12]}）",
                en=f"No sanctions-list hit (list version {result.list_version[:12]})",
            ),
        )
    ]


def decide(query: ScreeningQuery, result: ScreeningResult) -> Decision:
    """The screening of ``query`` as a decision; its subject is the customer, when named."""
    reasons = screening_reasons(result)
    subject = Subject(type="customer", id=query.customer_id or f"screening-{new_id()}")
    return Decision.for_input(
        {
            "name": query.name,
            "kind": query.kind,
            "birth_date": query.birth_date.isoformat() if query.birth_date else None,
            "nationality": query.nationality,
            "id_number": query.id_number,
            "list_version": result.list_version,
        },
        capability="identity",
        action="screen",
        subject=subject,
        outcome=result.outcome,
        score=max((hit.score for hit in result.hits), default=0.0),
        reasons=reasons,
    )
