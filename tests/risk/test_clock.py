"""One client's clock cannot make another client's events late.

Lateness is judged against a watermark no client can push forward: the newest event on the key,
but never later than the server's clock (``now``). An event further ahead of the server than the
allowed clock skew is refused itself (rule ``not_in_the_future``) and changes nothing. The
windows keep the skew in their horizon, so an event let in this way still gets exact values (the
SQL's over the final table), and a replay of the log (``admitted=True``) rebuilds the same state
without any clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from finbrain.core.errors import ValidationError
from finbrain.risk.engine import RiskEngine
from finbrain.risk.events import Event
from finbrain.risk.rules import RuleSet
from finbrain.risk.windows import LateEventError, OnlineWindows
from tests.risk.test_windows import SMALL, _assert_same, _sql

T0 = datetime(2024, 1, 6, 5, 0, tzinfo=UTC)
NOW = T0 + timedelta(seconds=124)  # the server's clock
LATENESS = timedelta(seconds=60)
SKEW = timedelta(seconds=60)


def _event(event_id: str, at: datetime, customer: str, cents: int = 1000) -> Event:
    return Event(
        event_id=event_id,
        kind="card",
        occurred_at=at,
        amount=Decimal(cents).scaleb(-2),
        currency="EUR",
        customer_id=customer,
        card_id=customer,
        terminal_id="t1",  # one shared terminal
    )


def _history() -> list[Event]:
    """Customer c1 pays at terminal t1 every 2 s from T0 to NOW: 63 events, so the terminal's
    buffer is trimmed when the skewed event arrives (at 64 entries)."""
    return [_event(f"h{i}", T0 + timedelta(seconds=2 * i), "c1", 100 + i) for i in range(63)]


def _operator() -> OnlineWindows:
    return OnlineWindows(SMALL, allowed_lateness=LATENESS, max_clock_skew=SKEW)


def _table(events: list[Event], frauds: set[str]) -> pd.DataFrame:
    frame = pd.DataFrame(
        [
            {
                **{name: getattr(e, name) for name in Event.__dataclass_fields__},
                "is_fraud": int(e.event_id in frauds),
                "seq": i,
            }
            for i, e in enumerate(events)
        ]
    )
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
    return frame


def test_a_skewed_client_does_not_make_others_late() -> None:
    frauds = {f"h{i}" for i in range(0, 63, 7)}
    op = _operator()
    rows = []
    for event in _history():
        rows.append(op.update_row(event, NOW))
        if event.event_id in frauds:
            op.label(event.event_id, True)
    # Customer c2's clock runs 55 s fast (within the skew): accepted, and it moves the
    # terminal's newest event to NOW + 55 s.
    ahead = _event("ahead", NOW + timedelta(seconds=55), "c2")
    rows.append(op.update_row(ahead, NOW))
    # Customer c3's payment 58 s ago is 113 s behind the terminal's newest event: late against
    # that event's (wrong) clock, but within the allowed lateness of the server's.
    behind = _event("behind", NOW - timedelta(seconds=58), "c3", 777)
    stream_time = _operator()
    for event in [*_history(), ahead]:
        stream_time.update_row(event)
    with pytest.raises(LateEventError):
        stream_time.update_row(behind)  # without a clock, the skewed event sets the pace
    rows.append(op.update_row(behind, NOW))
    after = _event("after", NOW + timedelta(seconds=1), "c1")
    rows.append(op.update_row(after, NOW + timedelta(seconds=1)))
    # Its values are exact: the SQL's over the final table (the skew is in the windows'
    # horizon, so nothing it needed was trimmed when the skewed event arrived).
    arrival = [*_history(), ahead, behind, after]
    offline = _sql(SMALL, _table(arrival, frauds))
    online = pd.DataFrame(rows, columns=list(SMALL.names))
    _assert_same(SMALL.names, online.iloc[-2:], offline.iloc[-2:])
    assert online["t_n"].iloc[-2] == offline["t_n"].iloc[-2] > 20
    assert online["t_fraud"].iloc[-2] == offline["t_fraud"].iloc[-2] > 0

    # Later than the allowed lateness behind the server's clock: still refused, nothing changed.
    before = op.snapshot()
    with pytest.raises(LateEventError) as late:
        op.update_row(_event("stale", NOW - timedelta(seconds=62), "c4"), NOW)
    assert late.value.rule == "within_allowed_lateness"
    # Further ahead of the server than the skew: refused itself, nothing changed.
    with pytest.raises(ValidationError) as future:
        op.update_row(_event("far", NOW + timedelta(seconds=61), "c5"), NOW)
    assert (future.value.field, future.value.rule) == ("occurred_at", "not_in_the_future")
    assert op.snapshot() == before

    # The log replayed without any clock rebuilds the same windows, byte for byte.
    replayed = _operator()
    for event in arrival:
        replayed.update_row(event, admitted=True)
        if event.event_id in frauds:
            replayed.label(event.event_id, True)
    assert replayed.snapshot() == op.snapshot()
    restored = OnlineWindows.restore(SMALL, op.snapshot())
    assert restored.max_clock_skew_us == op.max_clock_skew_us
    assert restored.snapshot() == op.snapshot()


def test_the_engine_judges_lateness_by_the_clock_it_is_given() -> None:
    rules = RuleSet.from_dict({"version": 1, "rules": []})
    engine = RiskEngine(SMALL, rules, allowed_lateness=LATENESS, max_clock_skew=SKEW)
    engine.assess_many(_history(), now=NOW)
    ahead = _event("ahead", NOW + timedelta(seconds=55), "c2")
    behind = _event("behind", NOW - timedelta(seconds=58), "c3")
    far = _event("far", NOW + timedelta(hours=1), "c4")
    refused: dict[str, Any] = {}
    done = engine.assess_many([ahead, far, behind], refused=refused, now=NOW)
    assert [a.event_id for a in done] == ["ahead", "behind"]
    assert refused["far"].rule == "not_in_the_future"
    # A replay of what was admitted needs no clock.
    again = RiskEngine(SMALL, rules, allowed_lateness=LATENESS, max_clock_skew=SKEW)
    again.replay([*_history(), ahead, behind])
    assert again.snapshot() == engine.snapshot()
