"""What the screening dashboard reads, counted in SQL: screenings per day by outcome, hits per
list, the review queue's size by age, and which list version each screened customer was last
checked against."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import case, func, select, true
from sqlalchemy.orm import Session

from finbrain.core.decision import utcnow
from finbrain.platform.decisions.service import daily_outcomes
from finbrain.platform.identity.tables import ScreenedCustomer
from finbrain.platform.store import jsonsql
from finbrain.platform.store.models import DecisionRow

RECENT_DAYS = 30
HIT_CODES = {"SCR-POTENTIAL": "potential_match", "SCR-MATCH": "match"}
TO_REVIEW = ("potential_match", "match")
# The review queue by how long a hit has waited: (bucket, waited less than this many days);
# what waited longer than the last falls in OLDEST.
AGES = (("lt1d", 1), ("1to7d", 7), ("7to30d", 30))
OLDEST = "gt30d"


def screens_per_day(session: Session, *, days: int = RECENT_DAYS) -> dict[str, Counter[str]]:
    return daily_outcomes(session, days=days, capability="identity", action="screen")


def hits_by_list(session: Session, *, days: int = RECENT_DAYS) -> dict[str, Counter[str]]:
    """List id -> hit kind (``potential_match`` / ``match``) -> hits in screenings of the last
    ``days`` days. A hit reason names its entry as ``list_id:entry_id``."""
    rows = jsonsql.elements(session, DecisionRow.reasons)
    code = jsonsql.field(session, rows, "code")
    feature = jsonsql.field(session, rows, "feature")
    if session.get_bind().dialect.name == "postgresql":
        list_id = func.split_part(feature, ":", 1)
    else:
        list_id = func.substr(feature, 1, func.instr(feature, ":") - 1)
    query = (
        select(list_id, code, func.count())
        .select_from(DecisionRow)
        .join(rows, true())
        .where(
            DecisionRow.capability == "identity",
            DecisionRow.action == "screen",
            DecisionRow.created_at >= utcnow() - timedelta(days=days),
            code.in_(tuple(HIT_CODES)),
        )
        .group_by(list_id, code)
    )
    out: dict[str, Counter[str]] = {}
    for listed, hit_code, count in session.execute(query):
        out.setdefault(str(listed), Counter())[HIT_CODES[str(hit_code)]] += int(count)
    return out


def queue_by_age(session: Session) -> dict[str, int]:
    """Screened customers whose last screening left a hit to review, by how long ago."""
    now = utcnow()
    bucket = case(
        *[(ScreenedCustomer.updated_at >= now - timedelta(days=d), name) for name, d in AGES],
        else_=OLDEST,
    )
    rows = session.execute(
        select(bucket, func.count()).where(ScreenedCustomer.outcome.in_(TO_REVIEW)).group_by(bucket)
    )
    counts = dict.fromkeys([*(name for name, _ in AGES), OLDEST], 0)
    counts.update({str(name): int(n) for name, n in rows})
    return counts


def customers_by_list_version(session: Session) -> dict[str, int]:
    """How many screened customers were last screened against each list version."""
    rows = session.execute(
        select(ScreenedCustomer.list_version, func.count()).group_by(ScreenedCustomer.list_version)
    )
    return {str(version): int(n) for version, n in rows}
