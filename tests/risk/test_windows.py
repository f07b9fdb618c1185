"""Window features: the online operator and the DuckDB SQL give identical values."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finbrain.core.errors import DatasetMissingError, ValidationError
from finbrain.risk.events import Event, events_from_frame, frame_from_handbook
from finbrain.risk.features import default_feature_set, default_feature_spec
from finbrain.risk.windows import (
    Derived,
    FeatureSet,
    LateEventError,
    OnlineWindows,
    Window,
    parse_duration,
)
from finbrain.risk.windows_sql import to_sql
from tests.conftest import service_missing

T0 = datetime(2024, 1, 6, 5, 0, tzinfo=UTC)  # a Saturday, before 07:00: weekend and night


def _sql(features: FeatureSet, frame: pd.DataFrame) -> pd.DataFrame:
    con = duckdb.connect()
    con.register("events", frame)
    return con.sql(to_sql(features, "events")).df()


def _assert_same(names: tuple[str, ...], online: pd.DataFrame, offline: pd.DataFrame) -> None:
    """Every value identical, NaN matching NULL; counts compare exactly as floats do."""
    assert len(online) == len(offline)
    for name in names:
        left = online[name].to_numpy(dtype=np.float64)
        right = offline[name].to_numpy(dtype=np.float64)
        both_nan = np.isnan(left) & np.isnan(right)
        bad = np.flatnonzero(~((left == right) | both_nan))
        assert bad.size == 0, (name, bad[:5], left[bad[:5]], right[bad[:5]])


# -- the replay on real data ------------------------------------------------------------------


@pytest.fixture(scope="module")
def handbook_slice() -> pd.DataFrame:
    from finbrain.datasets.fraud import load_fraud_handbook

    try:
        raw = load_fraud_handbook()
    except DatasetMissingError as exc:
        service_missing("The real data folder", str(exc))
    # 500 customers over two months: ~58k payments; terminals are shared by these customers
    # only, but the stream is still real (ties in time, fraud scenarios, 7-day label delay).
    keep = (raw["CUSTOMER_ID"] < 500) & (raw["TX_DATETIME"] < pd.Timestamp("2018-06-01", tz="UTC"))
    return frame_from_handbook(raw[keep])


@pytest.mark.slow
def test_replay_on_the_handbook_online_equals_sql(handbook_slice: pd.DataFrame) -> None:
    features = default_feature_set()
    online = OnlineWindows(features).compute_frame(handbook_slice)
    offline = _sql(features, handbook_slice)
    assert offline["seq"].tolist() == handbook_slice["seq"].tolist()
    _assert_same(features.names, online, offline)
    # The data exercises what matters: fraud seen through the delay, ties, gaps, empties.
    assert online["term_frauds_30d"].max() >= 1
    assert 0 < online["term_risk_7d"].max() <= 1
    assert online["cust_terminals_7d"].max() >= 5
    assert handbook_slice["occurred_at"].duplicated().any()
    assert online["secs_since_cust_prev"].isna().sum() == handbook_slice["customer_id"].nunique()


def test_event_objects_and_the_columnar_replay_agree(handbook_slice: pd.DataFrame) -> None:
    features = default_feature_set()
    head = handbook_slice.iloc[:3000]
    columnar = OnlineWindows(features).compute_frame(head)
    op = OnlineWindows(features)
    rows = []
    for event, fraud in zip(events_from_frame(head), head["is_fraud"].tolist(), strict=True):
        rows.append(op.update_row(event))
        if fraud:
            assert op.label(event.event_id, True)
    by_object = pd.DataFrame(rows, columns=list(features.names))
    _assert_same(features.names, columnar, by_object)


# -- random streams: online == SQL --------------------------------------------------------------

SMALL = FeatureSet(
    (
        Window("c_n", ("customer_id",), "count", None, timedelta(seconds=30)),
        Window("c_sum", ("customer_id",), "sum", "amount", timedelta(seconds=30)),
        Window("c_avg", ("customer_id",), "avg", "amount", timedelta(seconds=90)),
        Window("c_max", ("customer_id",), "max", "amount", timedelta(seconds=90)),
        Window("c_min", ("customer_id",), "min", "amount", timedelta(seconds=60), fill=-1.0),
        Window("c_terms", ("customer_id",), "distinct", "terminal_id", timedelta(seconds=60)),
        Window("c_devs", ("customer_id",), "distinct", "device_id", timedelta(seconds=60)),
        Window(
            "c_old_max",
            ("customer_id",),
            "max",
            "amount",
            timedelta(seconds=40),
            delay=timedelta(seconds=20),
        ),
        Window("t_n", ("terminal_id",), "count", None, timedelta(seconds=45)),
        Window(
            "t_fraud",
            ("terminal_id",),
            "count",
            None,
            timedelta(seconds=50),
            delay=timedelta(seconds=15),
            label=True,
        ),
        Window(
            "t_risk",
            ("terminal_id",),
            "avg",
            None,
            timedelta(seconds=50),
            delay=timedelta(seconds=15),
            label=True,
            fill=0.0,
        ),
        Window("ct_n", ("customer_id", "terminal_id"), "count", None, timedelta(seconds=60)),
        Window("d_sum", ("device_id",), "sum", "amount", timedelta(seconds=20)),
    ),
    (
        Derived("amt_to_avg", "ratio", ("amount", "c_avg")),
        Derived("amt_minus_old", "diff", ("amount", "c_old_max"), fill=0.0),
        Derived("risk_per_n", "ratio", ("t_risk", "t_n")),
        Derived("gap_dev", "since_prev", ("device_id",)),
        Derived("gap_pair", "since_prev", ("customer_id", "terminal_id")),
        Derived("hour", "hour"),
        Derived("night", "night"),
        Derived("weekend", "weekend"),
    ),
)

_row = st.tuples(
    st.integers(0, 40),  # time step in seconds (0 = a tie with the previous event)
    st.sampled_from(["c1", "c2", "c3"]),
    st.sampled_from(["t1", "t2", None]),
    st.sampled_from(["d1", "d2", None]),
    st.integers(1, 500_000),  # cents
    st.booleans(),  # fraud
)


def _stream(rows: list[tuple[int, str, str | None, str | None, int, bool]]) -> pd.DataFrame:
    clock = T0
    records = []
    for i, (step, customer, terminal, device, cents, fraud) in enumerate(rows):
        clock += timedelta(seconds=step)
        records.append(
            {
                "event_id": f"e{i}",
                "kind": "card",
                "occurred_at": clock,
                "amount": Decimal(cents).scaleb(-2),
                "currency": "EUR",
                "customer_id": customer,
                "card_id": customer,
                "terminal_id": terminal,
                "device_id": device,
                "is_fraud": int(fraud),
                "seq": i,
            }
        )
    frame = pd.DataFrame(records)
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
    return frame


def _replay_objects(
    features: FeatureSet, frame: pd.DataFrame, op: OnlineWindows | None = None
) -> pd.DataFrame:
    op = op or OnlineWindows(features)
    rows = []
    for event, fraud in zip(events_from_frame(frame), frame["is_fraud"].tolist(), strict=True):
        rows.append(op.update_row(event))
        if fraud:
            op.label(event.event_id, True)
    return pd.DataFrame(rows, columns=list(features.names))


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_row, min_size=1, max_size=40))
def test_random_streams_online_equals_sql(rows: list[Any]) -> None:
    frame = _stream(rows)
    offline = _sql(SMALL, frame)
    _assert_same(SMALL.names, _replay_objects(SMALL, frame), offline)
    # The columnar replay reads Decimal amounts and None keys the same way.
    _assert_same(SMALL.names, OnlineWindows(SMALL).compute_frame(frame), offline)


def test_window_bounds_ties_and_delay_by_hand() -> None:
    # Lower bound inclusive; same-instant events count only when they arrived earlier.
    rows = [(0, "c1", "t1", "d1", 100, True), (0, "c1", "t1", "d1", 200, False)]
    rows += [(30, "c1", "t1", "d1", 300, False), (5, "c1", "t1", "d1", 400, False)]
    frame = _stream(rows)
    out = _replay_objects(SMALL, frame)
    assert out["c_n"].tolist() == [1, 2, 3, 2]  # at +30 s both +0 s events are still in
    assert out["c_sum"].tolist() == [1.0, 3.0, 6.0, 7.0]
    # t_fraud: [t - 65 s, t - 15 s): the fraud at +0 s is visible from +15 s on.
    assert out["t_fraud"].tolist() == [0, 0, 1, 1]
    assert out["t_risk"].tolist() == [0.0, 0.0, 0.5, 0.5]
    assert out["gap_dev"].isna().tolist() == [True, False, False, False]
    assert out["gap_dev"].tolist()[1:] == [0.0, 30.0, 5.0]
    assert out["weekend"].tolist() == [1.0] * 4 and out["night"].tolist() == [1.0] * 4
    _assert_same(SMALL.names, out, _sql(SMALL, frame))


# -- peek, labels, snapshots, lateness -----------------------------------------------------------


def _events(frame: pd.DataFrame) -> list[Event]:
    return list(events_from_frame(frame))


@settings(max_examples=15, deadline=None)
@given(st.lists(_row, min_size=2, max_size=30))
def test_peek_equals_update_and_changes_nothing(rows: list[Any]) -> None:
    events = _events(_stream(rows))
    op = OnlineWindows(SMALL)
    for event in events:
        before = op.snapshot()
        peeked = op.peek(event)
        assert op.snapshot() == before
        updated = op.update(event)
        assert peeked.keys() == updated.keys()
        for name in SMALL.names:
            assert peeked[name] == updated[name] or (
                np.isnan(peeked[name]) and np.isnan(updated[name])
            ), name


def test_a_late_label_counts_from_then_on() -> None:
    frame = _stream([(0, "c1", "t1", None, 100, False)] + [(10, "c2", "t1", None, 100, False)] * 4)
    events = _events(frame)
    op = OnlineWindows(SMALL)
    for event in events:
        op.update(event)
    # The first event (t = +0 s) is inside t_fraud's window [t - 65 s, t - 15 s) at t = +40 s.
    probe = events[-1]
    assert op.peek(probe)["t_fraud"] == 0
    assert op.label("e0", True)
    assert op.peek(probe)["t_fraud"] == 1
    assert op.label("e0", False)  # a correction takes it back
    assert op.peek(probe)["t_fraud"] == 0
    assert not op.label("never-seen", True)


@settings(max_examples=15, deadline=None)
@given(st.lists(_row, min_size=2, max_size=40), st.data())
def test_snapshot_restore_continues_exactly(rows: list[Any], data: st.DataObject) -> None:
    frame = _stream(rows)
    cut = data.draw(st.integers(1, len(frame) - 1))
    whole = _replay_objects(SMALL, frame)
    op = OnlineWindows(SMALL)
    first = _replay_objects(SMALL, frame.iloc[:cut], op)
    restored = OnlineWindows.restore(SMALL, op.snapshot())
    second = _replay_objects(SMALL, frame.iloc[cut:], restored)
    _assert_same(SMALL.names, whole, pd.concat([first, second], ignore_index=True))
    assert restored.snapshot() == _snapshot_after(frame)


def _snapshot_after(frame: pd.DataFrame) -> bytes:
    op = OnlineWindows(SMALL)
    _replay_objects(SMALL, frame, op)
    return op.snapshot()


def test_restore_refuses_other_feature_sets_and_garbage() -> None:
    op = OnlineWindows(SMALL)
    blob = op.snapshot()
    with pytest.raises(ValidationError) as info:
        OnlineWindows.restore(default_feature_set(), blob)
    assert info.value.rule == "same_feature_set_digest"
    with pytest.raises(ValidationError) as info:
        OnlineWindows.restore(SMALL, b"\x80\x04not a pickle")
    assert (info.value.field, info.value.rule) == ("snapshot", "zlib_json")


def test_late_events_within_lateness_are_inserted_in_time_order() -> None:
    rows = [(0, "c1", "t1", "d1", 100, True), (20, "c1", "t2", "d1", 200, False)]
    rows += [(20, "c1", "t1", "d2", 300, False), (20, "c2", "t1", "d1", 400, True)]
    frame = _stream(rows)
    # A fifth event arrives last but happened 50 s before the newest one (lateness 60 s).
    late = frame.iloc[[1]].copy()
    late["event_id"] = "late"
    late["occurred_at"] = frame["occurred_at"].iloc[3] - timedelta(seconds=50)
    late["amount"] = Decimal("7.77")
    late["seq"] = len(frame)
    arrival = pd.concat([frame, late], ignore_index=True)
    op = OnlineWindows(SMALL, allowed_lateness=timedelta(seconds=60))
    values = _replay_objects(SMALL, arrival, op)
    after = _events(_stream([(1, "c1", "t1", "d1", 500, False)]))[0]
    after = Event(**{**_fields(after), "event_id": "after", "occurred_at": _last(arrival)})
    values.loc[len(values)] = op.update_row(after)
    table = pd.concat(
        [arrival, pd.DataFrame([{**_fields(after), "is_fraud": 0, "seq": len(arrival)}])],
        ignore_index=True,
    )
    table["occurred_at"] = pd.to_datetime(table["occurred_at"], utc=True)
    offline = _sql(SMALL, table)
    # The late event itself and everything after it match the SQL over the final table.
    _assert_same(SMALL.names, values.iloc[4:], offline.iloc[4:])
    # It happened at +10 s: its 30 s window holds the +0 s event and itself, not +20 s.
    assert values["c_sum"].iloc[4] == 1.0 + 7.77
    # An event scored before the late one arrived did not see it (it was decided then).
    assert values["c_n"].iloc[2] == offline["c_n"].iloc[2] - 1


def _fields(event: Event) -> dict[str, Any]:
    return {name: getattr(event, name) for name in Event.__dataclass_fields__}


def _last(frame: pd.DataFrame) -> datetime:
    stamp: pd.Timestamp = frame["occurred_at"].max()
    return stamp.to_pydatetime() + timedelta(seconds=1)


def test_events_later_than_the_lateness_are_refused_and_change_nothing() -> None:
    events = _events(
        _stream([(0, "c1", "t1", "d1", 100, False), (400, "c1", "t1", "d1", 1, False)])
    )
    op = OnlineWindows(SMALL)  # default lateness: 5 minutes
    for event in events:
        op.update(event)
    before = op.snapshot()
    stale = Event(**{**_fields(events[0]), "event_id": "stale"})
    with pytest.raises(LateEventError) as info:
        op.update(stale)
    assert (info.value.field, info.value.rule) == ("occurred_at", "within_allowed_lateness")
    assert op.snapshot() == before
    # A late event on keys never seen before is not late for them.
    fresh = Event(**{**_fields(stale), "customer_id": "c9", "card_id": "c9", "terminal_id": None})
    fresh = Event(**{**_fields(fresh), "device_id": None})
    assert op.update(fresh)["c_n"] == 1


def test_expire_drops_quiet_keys() -> None:
    events = _events(_stream([(0, "c1", "t1", "d1", 100, False), (1, "c2", "t2", "d2", 1, False)]))
    op = OnlineWindows(SMALL, allowed_lateness=timedelta(0))
    for event in events:
        op.update(event)
    assert op.expire(T0 + timedelta(seconds=5)) == 0
    assert op.expire(T0 + timedelta(seconds=30)) == 2  # the devices: only a 20 s window
    dropped = op.expire(T0 + timedelta(days=1))
    assert dropped == 2 + 2 + 2  # customers, terminals, pairs
    assert op.update(events[0])["c_n"] == 1


# -- declarations ---------------------------------------------------------------------------------


def test_feature_sets_round_trip_as_data_with_a_stable_digest() -> None:
    spec = default_feature_spec()
    features = FeatureSet.from_dict(spec)
    again = FeatureSet.from_dict(features.to_dict())
    assert again == features and again.digest == features.digest
    assert len(features.windows) == 29 and len(features) == 35
    changed = default_feature_spec()
    changed["windows"][0]["span"] = "2h"
    assert FeatureSet.from_dict(changed).digest != features.digest
    assert parse_duration("90s") == timedelta(seconds=90)
    assert parse_duration("2w") == timedelta(days=14)


@pytest.mark.parametrize(
    ("window", "field", "rule"),
    [
        (
            {"name": "x", "key": "terminal_id", "agg": "avg", "span": "1d", "label": True},
            "windows.x.delay",
            "positive_for_label_windows",
        ),
        (
            {"name": "x", "key": "customer_id", "agg": "sum", "span": "1d"},
            "windows.x.field",
            "amount_for_numeric_aggregates",
        ),
        (
            {"name": "x", "key": "customer_id", "agg": "median", "span": "1d"},
            "windows.x.agg",
            "one_of_avg_count_distinct_max_min_sum",
        ),
        (
            {"name": "x", "key": ["customer_id", "pin"], "agg": "count", "span": "1d"},
            "windows.x.key",
            "distinct_event_fields",
        ),
        (
            {"name": "x", "key": "customer_id", "agg": "count", "span": "soon"},
            "windows.span",
            "duration_like_10m_1h_7d",
        ),
        (
            {"name": "X-1", "key": "customer_id", "agg": "count", "span": "1d"},
            "name",
            "lower_snake_case_identifier",
        ),
    ],
)
def test_bad_windows_name_the_field_and_rule(window: dict[str, Any], field: str, rule: str) -> None:
    with pytest.raises(ValidationError) as info:
        FeatureSet.from_dict({"windows": [window]})
    assert (info.value.field, info.value.rule) == (field, rule)


def test_derived_features_read_only_earlier_features() -> None:
    spec = {
        "windows": [{"name": "n", "key": "customer_id", "agg": "count", "span": "1h"}],
        "derived": [{"name": "r", "op": "ratio", "args": ["amount", "later"]}],
    }
    with pytest.raises(ValidationError) as info:
        FeatureSet.from_dict(spec)
    assert (info.value.field, info.value.rule) == ("derived.r.args", "earlier_feature_or_amount")
    spec["windows"].append({"name": "n", "key": "card_id", "agg": "count", "span": "1h"})
    spec["derived"] = []
    with pytest.raises(ValidationError) as info:
        FeatureSet.from_dict(spec)
    assert info.value.rule == "unique"


# -- the generated fast path: every aggregate, delay and key shape; late arrivals ---------------

# Beyond SMALL: min without delay, delayed min/max/sum/avg/distinct on one key (two delays share
# it), a second key holding labels (an event id then has two label locations), distinct on a
# pair key, and a key read only for since_prev.
EXTRA = FeatureSet(
    (
        Window("c_min0", ("customer_id",), "min", "amount", timedelta(seconds=45)),
        Window(
            "c_dmin",
            ("customer_id",),
            "min",
            "amount",
            timedelta(seconds=40),
            delay=timedelta(seconds=10),
            fill=-2.0,
        ),
        Window(
            "c_dmax",
            ("customer_id",),
            "max",
            "amount",
            timedelta(seconds=40),
            delay=timedelta(seconds=10),
        ),
        Window(
            "c_dsum",
            ("customer_id",),
            "sum",
            "amount",
            timedelta(seconds=40),
            delay=timedelta(seconds=25),
        ),
        Window(
            "c_dterms",
            ("customer_id",),
            "distinct",
            "terminal_id",
            timedelta(seconds=50),
            delay=timedelta(seconds=10),
        ),
        Window(
            "c_ddevs",
            ("customer_id",),
            "distinct",
            "device_id",
            timedelta(seconds=30),
            delay=timedelta(seconds=10),
        ),
        Window("c_devs0", ("customer_id",), "distinct", "device_id", timedelta(seconds=35)),
        Window(
            "t_davg",
            ("terminal_id",),
            "avg",
            "amount",
            timedelta(seconds=30),
            delay=timedelta(seconds=5),
        ),
        Window(
            "t_frauds",
            ("terminal_id",),
            "sum",
            None,
            timedelta(seconds=20),
            delay=timedelta(seconds=5),
            label=True,
        ),
        Window(
            "d_risk",
            ("device_id",),
            "avg",
            None,
            timedelta(seconds=40),
            delay=timedelta(seconds=20),
            label=True,
        ),
        Window(
            "ct_devs",
            ("customer_id", "terminal_id"),
            "distinct",
            "device_id",
            timedelta(seconds=60),
        ),
    ),
    (
        Derived("gap_card", "since_prev", ("card_id",)),
        Derived("max_to_min", "ratio", ("c_dmax", "c_min0"), fill=-1.0),
        Derived("amt_minus_dsum", "diff", ("amount", "c_dsum")),
    ),
)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_row, min_size=1, max_size=40))
def test_random_streams_every_aggregate_online_equals_sql(rows: list[Any]) -> None:
    frame = _stream(rows)
    offline = _sql(EXTRA, frame)
    _assert_same(EXTRA.names, _replay_objects(EXTRA, frame), offline)
    _assert_same(EXTRA.names, OnlineWindows(EXTRA).compute_frame(frame), offline)


_late_row = st.tuples(
    st.integers(-30, 40),  # time step in seconds; negative: the event happened earlier
    st.sampled_from(["c1", "c2", "c3"]),
    st.sampled_from(["t1", "t2", None]),
    st.sampled_from(["d1", "d2", None]),
    st.integers(1, 500_000),
    st.booleans(),
)


@pytest.mark.slow
@pytest.mark.parametrize("features", [SMALL, EXTRA], ids=["small", "extra"])
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(_late_row, min_size=1, max_size=20))
def test_out_of_order_streams_equal_sql_over_what_had_arrived(
    features: FeatureSet, rows: list[Any]
) -> None:
    # Every event's values, at arrival, equal the SQL's over the table of the events that had
    # arrived by then (ordered by time, then arrival): late ones are inserted in time order and
    # the fast path continues exactly after them.
    frame = _stream(rows)
    op = OnlineWindows(features, allowed_lateness=timedelta(days=1))
    online = _replay_objects(features, frame, op)
    for i in range(len(frame)):
        offline = _sql(features, frame.iloc[: i + 1])
        _assert_same(features.names, online.iloc[[i]], offline.iloc[[i]].reset_index(drop=True))
    restored = OnlineWindows.restore(features, op.snapshot())
    assert restored.snapshot() == op.snapshot()


@settings(max_examples=15, deadline=None)
@given(st.lists(_late_row, min_size=2, max_size=30))
def test_peek_equals_update_with_every_aggregate(rows: list[Any]) -> None:
    # peek evaluates from the raw columns; update runs the generated fast path.
    op = OnlineWindows(EXTRA, allowed_lateness=timedelta(days=1))
    for event in _events(_stream(rows)):
        peeked = op.peek(event)
        updated = op.update(event)
        for name in EXTRA.names:
            assert peeked[name] == updated[name] or (
                np.isnan(peeked[name]) and np.isnan(updated[name])
            ), name


@settings(max_examples=15, deadline=None)
@given(st.lists(_row, min_size=2, max_size=40), st.data())
def test_snapshot_restore_continues_exactly_with_every_aggregate(
    rows: list[Any], data: st.DataObject
) -> None:
    frame = _stream(rows)
    cut = data.draw(st.integers(1, len(frame) - 1))
    whole_op = OnlineWindows(EXTRA)
    whole = _replay_objects(EXTRA, frame, whole_op)
    op = OnlineWindows(EXTRA)
    first = _replay_objects(EXTRA, frame.iloc[:cut], op)
    restored = OnlineWindows.restore(EXTRA, op.snapshot())
    second = _replay_objects(EXTRA, frame.iloc[cut:], restored)
    _assert_same(EXTRA.names, whole, pd.concat([first, second], ignore_index=True))
    assert restored.snapshot() == whole_op.snapshot()


def test_long_streams_trim_buffers_and_still_equal_sql() -> None:
    # Hundreds of events per key over many horizons: buffers are trimmed many times (pointers,
    # stacks, distinct indexes and label locations shift) and labels keep landing.
    rng = np.random.default_rng(7)
    rows = [
        (
            int(rng.integers(0, 12)),
            str(rng.choice(["c1", "c2"])),
            str(rng.choice(["t1", "t2", "t3"])),
            str(rng.choice(["d1", "d2", "d3", "d4"])),
            int(rng.integers(1, 100_000)),
            bool(rng.random() < 0.2),
        )
        for _ in range(1500)
    ]
    frame = _stream(rows)
    for features in (SMALL, EXTRA):
        op = OnlineWindows(features, allowed_lateness=timedelta(seconds=30))
        online = _replay_objects(features, frame, op)
        _assert_same(features.names, online, _sql(features, frame))
        longest = max(len(b.ts) for buffers in op._state for b in buffers.values())
        assert longest < 200  # trimmed: 1500 events, a few minutes of horizon
        # Label locations are forgotten with the entries trimmed away.
        assert len(op._where) < 400


def test_label_locations_cover_every_label_key_and_expire() -> None:
    frame = _stream([(0, "c1", "t1", "d1", 100, False), (1, "c1", "t1", "d1", 100, False)])
    op = OnlineWindows(EXTRA)
    events = _events(frame)
    for event in events:
        op.update(event)
    assert op.label("e0", True)  # held by the terminal and the device buffers
    probe = Event(
        **{**_fields(events[0]), "event_id": "p", "occurred_at": T0 + timedelta(seconds=22)}
    )
    values = op.peek(probe)
    assert values["t_frauds"] == 1 and values["d_risk"] == 0.5  # e0 of e0, e1
    assert op.expire(T0 + timedelta(days=1)) > 0
    assert not op.label("e0", True)


def test_restore_refuses_a_snapshot_of_the_previous_format() -> None:
    import json
    import zlib

    op = OnlineWindows(SMALL)
    doc = json.loads(zlib.decompress(op.snapshot()))
    doc["format"] = "finbrain.risk.windows/1"
    with pytest.raises(ValidationError) as info:
        OnlineWindows.restore(SMALL, zlib.compress(json.dumps(doc).encode()))
    assert (info.value.field, info.value.rule) == ("snapshot", "known_format")
    assert info.value.params["expected"] == "finbrain.risk.windows/2"


def test_the_generated_kernel_holds_no_user_text() -> None:
    from finbrain.risk.windows_kernel import generate

    op = OnlineWindows(EXTRA)
    source = op.kernel_source
    for name in EXTRA.names:
        assert name not in source.replace("def ingest", "")  # names are never interpolated
    compile(source, "<kernel>", "exec")
    # A field outside the allowed set is refused before any source is compiled.
    bad = op._groups[0].__class__(("customer_id); import os; (",), (), (), (), False, False, 0)
    with pytest.raises(ValueError, match="not an event field"):
        generate((bad,), [], {}, 0, frozenset({"customer_id"}), {})


@pytest.mark.parametrize(
    "tamper",
    [
        lambda b: b.update(ts=list(reversed(b["ts"]))) if len(b["ts"]) > 1 else b.update(ts=[]),
        lambda b: b.update(amt=[str(x) for x in b["amt"]]),
        lambda b: b.update(ts=[x + 0.5 for x in b["ts"]]),
        lambda b: b.update(amt=b["amt"][:-1]),
        lambda b: b.update(vals=b["vals"][:-1] if b["vals"] else [[1]]),
        lambda b: b.update(lab=[True for _ in b["lab"]]) if "lab" in b else b.update(ts=[]),
        lambda b: b.update(eid=b["eid"][:-1]) if "eid" in b else b.update(ts=[]),
    ],
    ids=[
        "unsorted",
        "text_amounts",
        "float_times",
        "short_amounts",
        "value_columns",
        "bool_labels",
        "short_ids",
    ],
)
def test_restore_refuses_inconsistent_buffers(tamper: Callable[[dict[str, Any]], None]) -> None:
    """A snapshot whose columns disagree is refused whole, never half restored."""
    import json
    import zlib

    rows = [(5, "c1", "t1", "d1", 100, i == 0) for i in range(6)]
    doc = json.loads(zlib.decompress(_snapshot_after(_stream(rows))))
    for items in doc["groups"]:  # every buffer: the labelled ones, those with values, the rest
        for item in items:
            tamper(item)
    with pytest.raises(ValidationError) as info:
        OnlineWindows.restore(SMALL, zlib.compress(json.dumps(doc).encode()))
    assert (info.value.field, info.value.rule) == ("snapshot", "consistent_buffers")
