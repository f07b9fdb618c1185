"""The per-event kernel of :class:`finbrain.risk.windows.OnlineWindows`.

State layout. One :class:`Buffer` per (key fields, key value) holds that key's events in time order
as parallel lists: the *raw columns* (``ts``, ``amt``, the distinct-counted ``vals``, the fraud
labels ``lab`` and event ids ``eid``) and *derived* structures that make every window an O(log n)
read: prefix sums of amounts (``cum``) and of labels (``lcum``), and per *track* (the windows of a
key with one delay that need max/min/distinct) a monotonic stack of indices for max and one for
min (the max of ``[lo, hi)`` is the first stack entry at or after ``lo``, found by bisection) and,
per distinct-counted field, the index of each value's last occurrence (``dp``) with those indices
sorted (``dl``): the distinct values in ``[lo, hi)`` are the last occurrences at or after ``lo``.
A window is two bisections on ``ts`` (no per-window pointers to keep), so the derived structures
are a function of the raw columns and the newest time alone: :func:`rebuild` recomputes them after
an out-of-order insertion or a restore, and :func:`evaluate` computes any window from the raw
columns (the reference the fast path must equal; used for late events and ``peek``).

The fast path. For events in time order on all their keys (all but the rare late ones),
:func:`generate` writes one straight-line Python function per feature set: every key looked up once,
every window read with constants inlined, the output built as one list literal, no per-event
objects but the buffers' list entries. Why generating source here is safe: the text is composed
only from fixed templates, integers (spans, delays, output positions, indexes; checked to be
``int``) and event field names checked against :data:`finbrain.risk.windows.KEY_FIELDS`-style
identifiers (``str.isidentifier`` and membership in the allowed set given by the caller). No window
or feature *name*, fill value or other user text enters the source (fills are bound as globals), so
a feature set cannot inject code; it is compiled with an empty ``__builtins__`` and an explicit
namespace. The source is kept on the operator (``OnlineWindows.kernel_source``) for inspection.
"""

from __future__ import annotations

import linecache
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Any

from finbrain.risk.events import AMOUNT_SCALE

__all__ = [
    "AVG",
    "COUNT",
    "DISTINCT",
    "LAVG",
    "LCOUNT",
    "MAX",
    "MIN",
    "SUM",
    "Buffer",
    "FramePlan",
    "GroupPlan",
    "OutPlan",
    "TrackPlan",
    "cut",
    "evaluate",
    "forget",
    "generate",
    "locations",
    "rebuild",
    "register",
]

# Reader codes: how a window's value is read from its frame.
COUNT, SUM, AVG, MAX, MIN, DISTINCT, LCOUNT, LAVG = range(8)
_NAN = float("nan")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
_UNUSED: Any = ()  # the shared value of the buffer parts a plan does not use


@dataclass(frozen=True)
class OutPlan:
    code: int  # reader code
    pos: int  # output position
    fill: float  # value of avg/max/min on an empty window
    slot: int = -1  # distinct: index into the track's fields


@dataclass(frozen=True)
class TrackPlan:
    """The incremental structures of one delay on one key (only when max/min/distinct need)."""

    delay_us: int
    need_max: bool
    need_min: bool
    fields: tuple[int, ...]  # indexes into the group's value fields counted distinct


@dataclass(frozen=True)
class FramePlan:
    """Windows of one key sharing (span, delay): they read one ``[lo, hi)``."""

    span_us: int
    delay_us: int
    track: int  # index of the track of this delay, -1 if none
    outs: tuple[OutPlan, ...]


@dataclass(frozen=True)
class GroupPlan:
    key: tuple[str, ...]
    value_fields: tuple[str, ...]
    frames: tuple[FramePlan, ...]
    tracks: tuple[TrackPlan, ...]
    need_cum: bool
    need_label: bool
    horizon_us: int  # entries older than newest - horizon are never read again
    pointers: int = field(init=False)  # frames, then positive delays (Buffer.ptr)
    # The positive frame delays, in frame order: each keeps a ``hi`` pointer (worked out once
    # per plan: ``rebuild`` needs them for every buffer a restore makes).
    positive_delays: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        found: list[int] = []
        for fr in self.frames:
            if fr.delay_us and fr.delay_us not in found:
                found.append(fr.delay_us)
        object.__setattr__(self, "positive_delays", tuple(found))
        object.__setattr__(self, "pointers", len(self.frames) + len(found))


class Buffer:
    __slots__ = (
        "amt",
        "cum",
        "dl",
        "dp",
        "eid",
        "hi",
        "lab",
        "lcum",
        "limit",
        "mn",
        "mx",
        "prev_ts",
        "ptr",
        "ts",
        "vals",
    )

    def __init__(self, plan: GroupPlan) -> None:
        # A buffer is created per new key on the hot path (most events open a new key pair), so
        # the parts a plan does not use are one shared empty tuple: no allocation, fewer objects
        # for the garbage collector to traverse, and any attempt to fill them fails loudly.
        self.ts: list[int] = []
        self.amt: list[int] = []
        self.prev_ts: int | None = None  # time of the newest entry cut off
        self.limit = 16  # length at which the next cut is tried
        # Per frame the start of its window, then per positive delay the end: windows only move
        # forward, so one comparison usually confirms a pointer (no bisection on the hot path).
        self.ptr: list[int] = [0] * plan.pointers if plan.pointers else _UNUSED
        # cum[i] = sum of amt[:i] (up to a constant after cuts)
        self.cum: list[int] = [0] if plan.need_cum else _UNUSED
        self.vals: list[list[Any]] = (
            [[] for _ in plan.value_fields] if plan.value_fields else _UNUSED
        )
        if plan.need_label:
            self.lab: list[int] = []
            self.lcum: list[int] = [0]  # lcum[i] = sum of lab[:i] (up to a constant)
            self.eid: list[Any] = []
        else:
            self.lab = self.lcum = self.eid = _UNUSED
        tracks = plan.tracks
        if tracks:
            self.hi: list[int] = [0] * len(tracks)  # delayed tracks: entries [0, hi) are pushed
            self.mx: list[list[int]] = [[] for _ in tracks]
            self.mn: list[list[int]] = [[] for _ in tracks]
            self.dl: list[list[list[int]]] = [[[] for _ in tr.fields] for tr in tracks]
            self.dp: list[list[dict[Any, int]]] = [[{} for _ in tr.fields] for tr in tracks]
        else:
            self.hi = self.mx = self.mn = self.dl = self.dp = _UNUSED


def _push(buf: Buffer, k: int, tr: TrackPlan, r: int) -> None:
    """Add entry ``r`` to track ``k``'s structures (entries arrive in index order)."""
    amt = buf.amt
    a = amt[r]
    if tr.need_max:
        s = buf.mx[k]
        while s and amt[s[-1]] <= a:
            s.pop()
        s.append(r)
    if tr.need_min:
        s = buf.mn[k]
        while s and amt[s[-1]] >= a:
            s.pop()
        s.append(r)
    for slot, fi in enumerate(tr.fields):
        v = buf.vals[fi][r]
        if v is not None:
            last = buf.dp[k][slot]
            lasts = buf.dl[k][slot]
            old = last.get(v)
            if old is not None:
                del lasts[bisect_left(lasts, old)]
            lasts.append(r)
            last[v] = r


def rebuild(buf: Buffer, plan: GroupPlan, start: int) -> None:
    """Recompute the derived structures after the raw columns changed from ``start`` on."""
    if plan.need_cum:
        buf.cum[start:] = accumulate(buf.amt[start:], initial=buf.cum[start])
    if plan.need_label:
        buf.lcum[start:] = accumulate(buf.lab[start:], initial=buf.lcum[start])
    ts = buf.ts
    newest = ts[-1]
    for k, tr in enumerate(plan.tracks):
        buf.mx[k].clear()
        buf.mn[k].clear()
        for slot in range(len(tr.fields)):
            buf.dl[k][slot].clear()
            buf.dp[k][slot].clear()
        hi = len(ts) if tr.delay_us == 0 else bisect_left(ts, newest - tr.delay_us)
        for r in range(hi):
            _push(buf, k, tr, r)
        buf.hi[k] = hi
    nf = len(plan.frames)
    ends = {0: len(ts)}
    for j, delay in enumerate(plan.positive_delays):
        ends[delay] = buf.ptr[nf + j] = bisect_left(ts, newest - delay)
    for f, fr in enumerate(plan.frames):
        buf.ptr[f] = bisect_left(ts, newest - fr.delay_us - fr.span_us, 0, ends[fr.delay_us])


def evaluate(
    plan: GroupPlan,
    ts: list[int],
    amt: list[int],
    vals: list[list[Any]],
    lab: list[int],
    t: int,
    out: list[float],
) -> None:
    """The group's window values at time ``t`` from the raw columns alone (O(window))."""
    for fr in plan.frames:
        delay = fr.delay_us
        lo = bisect_left(ts, t - delay - fr.span_us)
        hi = bisect_right(ts, t) if delay == 0 else bisect_left(ts, t - delay)
        n = hi - lo
        for o in fr.outs:
            code = o.code
            value: float
            if code == COUNT:
                value = n
            elif code == SUM:
                value = sum(amt[lo:hi]) / AMOUNT_SCALE
            elif code == AVG:
                value = sum(amt[lo:hi]) / n / AMOUNT_SCALE if n else o.fill
            elif code == MAX:
                value = max(amt[lo:hi]) / AMOUNT_SCALE if n else o.fill
            elif code == MIN:
                value = min(amt[lo:hi]) / AMOUNT_SCALE if n else o.fill
            elif code == DISTINCT:
                column = vals[plan.tracks[fr.track].fields[o.slot]]
                value = len({v for v in column[lo:hi] if v is not None})
            elif code == LCOUNT:
                value = sum(lab[lo:hi])
            else:  # LAVG
                value = sum(lab[lo:hi]) / n if n else o.fill
            out[o.pos] = value


# Label locations: event id -> (occurred_at, buffer), or a list of them when the id is in several
# buffers (several label keys, or a repeated id). One tuple per event on the hot path; the entry
# is found again by bisecting the buffer's times (no index to keep up to date on insertions).
Location = tuple[int, Buffer]
Where = dict[Any, Any]


def locations(where: Where, eid: Any) -> list[Location]:
    value = where.get(eid)
    if value is None:
        return []
    return [value] if type(value) is tuple else list(value)


def register(where: Where, eid: Any, loc: Location) -> None:
    value = where.setdefault(eid, loc)
    if value is not loc:
        add_location(where, eid, value, loc)


def add_location(where: Where, eid: Any, value: Any, loc: Location) -> None:
    """``eid`` already had ``value``: keep both."""
    if type(value) is tuple:
        where[eid] = [value, loc]
    else:
        value.append(loc)


def forget(where: Where, buf: Buffer, before: int | None) -> None:
    """Drop ``buf``'s label locations of entries older than ``before`` (all when ``None``)."""
    for eid in set(buf.eid if before is None else buf.eid[: bisect_left(buf.ts, before)]):
        old = locations(where, eid)
        if not old:
            continue
        keep = [loc for loc in old if loc[1] is not buf]
        if before is not None:
            keep += [loc for loc in old if loc[1] is buf and loc[0] >= before]
        if not keep:
            del where[eid]
        elif len(keep) == 1:
            where[eid] = keep[0]
        else:
            where[eid] = keep


def cut(buf: Buffer, plan: GroupPlan, t: int, where: Where) -> None:
    """Drop entries no window (nor a late insertion) can read again; amortised O(1)."""
    ts = buf.ts
    n = bisect_left(ts, t - plan.horizon_us)
    if n >= len(ts):
        n = len(ts) - 1
    if n > 0 and n * 4 >= len(ts):
        buf.prev_ts = ts[n - 1]
        if plan.need_label:
            forget(where, buf, ts[n])  # every cut entry is older than ts[n]
            del buf.lab[:n]
            del buf.eid[:n]
            del buf.lcum[:n]
        for k, tr in enumerate(plan.tracks):
            if tr.delay_us:
                buf.hi[k] -= n
            for stack in (buf.mx[k], buf.mn[k]):
                if stack:
                    stack[:] = [i - n for i in stack[bisect_left(stack, n) :]]
            for slot, fi in enumerate(tr.fields):
                lasts = buf.dl[k][slot]
                last = buf.dp[k][slot]
                column = buf.vals[fi]
                j = bisect_left(lasts, n)
                for i in lasts[:j]:
                    del last[column[i]]
                lasts[:] = [i - n for i in lasts[j:]]
                for v in last:
                    last[v] -= n
        if plan.frames:
            buf.ptr[:] = [p - n for p in buf.ptr]
        del ts[:n]
        del buf.amt[:n]
        if plan.need_cum:
            del buf.cum[:n]
        for column in buf.vals:
            del column[:n]
    buf.limit = max(16, 2 * len(ts))


# -- the generated fast path ------------------------------------------------------------------


def _int(value: int) -> str:
    if type(value) is not int:  # defence in depth: only integers are written into the source
        raise TypeError(f"not an int: {value!r}")
    return str(value)


def generate(
    groups: tuple[GroupPlan, ...],
    derived: Iterable[tuple[int, str, int, int]],
    fills: dict[int, float],
    width: int,
    allowed_fields: frozenset[str],
    namespace: dict[str, Any],
) -> tuple[str, Callable[..., list[float] | None], Callable[[Any], list[float] | None]]:
    """Source and functions ``ingest(t, amt, eid, *fields)`` and ``ingest_event(event)``.

    ``derived``: ``(position, op, a, b)`` with ``op`` one of ratio/diff/since_prev/hour/night/
    weekend; ``a``/``b`` output positions (-1 the amount) or, for since_prev, the group index.
    ``fills``: the fill of each output position that has one (bound as globals, never in source).
    ``namespace`` supplies ``S<g>`` (the group's key -> buffer dict), ``W`` (label locations),
    ``CUT`` (``cut`` bound to ``where``) and is extended here. Both functions return ``None``,
    having changed nothing, when the event is out of order on one of its keys.
    """
    fields: list[str] = []
    for g in groups:
        for name in (*g.key, *g.value_fields):
            if not name.isidentifier() or name not in allowed_fields:
                raise ValueError(f"not an event field: {name!r}")
            if name not in fields:
                fields.append(name)
    arg = {name: f"f{i}" for i, name in enumerate(fields)}
    scale = _int(AMOUNT_SCALE)
    body: list[str] = []
    emit = body.append
    # Phase 1: keys and buffers; refuse (None) before touching anything if out of order.
    for gi, g in enumerate(groups):
        if len(g.key) == 1:
            emit(f"k{gi} = {arg[g.key[0]]}")
        else:
            parts = ", ".join(arg[k] for k in g.key)
            cond = " and ".join(f"{arg[k]} is not None" for k in g.key)
            emit(f"k{gi} = ({parts}) if {cond} else None")
        emit(f"b{gi} = None if k{gi} is None else S{gi}.get(k{gi})")
        emit(f"if b{gi} is not None and t < b{gi}.ts[-1]:")
        emit("    return None")
    # Phase 2: each group appends the event and reads its windows.
    need_prev = {a for _, op, a, _ in derived if op == "since_prev"}
    for gi, g in enumerate(groups):
        outs = [o.pos for fr in g.frames for o in fr.outs]
        emit(f"if k{gi} is None:")
        if outs:
            emit("    " + " = ".join(f"o{_int(p)}" for p in outs) + " = NAN")
        emit(f"    p{gi} = None")
        emit("else:")
        emit(f"    if b{gi} is None:")
        emit(f"        b{gi} = S{gi}[k{gi}] = Buffer(G{gi})")
        emit(f"        p{gi} = None")
        emit("    else:")
        emit(f"        p{gi} = b{gi}.ts[-1]" if gi in need_prev else f"        p{gi} = None")
        for line in _group_lines(gi, g, arg, scale):
            emit("    " + line)
    # Derived features, in declaration order (they read earlier outputs).
    if any(op in ("ratio", "diff") and -1 in (a, b) for _, op, a, b in derived):
        emit(f"A = amt / {scale}")
    for pos, op, a, b in derived:
        p = _int(pos)
        if op in ("ratio", "diff"):
            x = "A" if a < 0 else f"o{_int(a)}"
            y = "A" if b < 0 else f"o{_int(b)}"
            if op == "ratio":
                emit(f"o{p} = F{p} if {x} != {x} or {y} != {y} or {y} == 0 else {x} / {y}")
            else:
                emit(f"o{p} = F{p} if {x} != {x} or {y} != {y} else {x} - {y}")
        elif op == "since_prev":
            q = _int(a)
            emit(f"o{p} = (t - p{q}) / 1000000 if p{q} is not None else NAN")
        elif op == "hour":
            emit(f"o{p} = (t // 3600000000) % 24")
        elif op == "night":
            emit(f"o{p} = 1.0 if (t // 3600000000) % 24 <= 6 else 0.0")
        elif op == "weekend":  # 1970-01-01 was a Thursday (weekday 3, Monday = 0)
            emit(f"o{p} = 1.0 if (t // 86400000000 + 3) % 7 >= 5 else 0.0")
        else:
            raise ValueError(f"unknown derived op {op!r}")
    emit("return [" + ", ".join(f"o{i}" for i in range(width)) + "]")
    params = ", ".join(arg[name] for name in fields)
    lines = [f"def ingest(t, amt, eid, {params}):" if params else "def ingest(t, amt, eid):"]
    lines += ["    " + line for line in body]
    lines.append("")
    lines.append("def ingest_event(ev):")
    lines.append("    t = (ev.occurred_at - EPOCH) // MICRO")
    lines.append("    amt = ev.amount_units")
    lines.append("    eid = ev.event_id")
    lines += [f"    {arg[name]} = ev.{name}" for name in fields]
    lines += ["    " + line for line in body]
    source = "\n".join(lines) + "\n"
    ns: dict[str, Any] = {
        "__builtins__": {},
        "len": len,
        "range": range,
        "bisect_left": bisect_left,
        "Buffer": Buffer,
        "MORE": add_location,
        "NAN": _NAN,
        "EPOCH": _EPOCH,
        "MICRO": _MICRO,
    }
    ns.update(namespace)
    for gi, g in enumerate(groups):
        ns[f"G{gi}"] = g
    for pos, fill in fills.items():
        ns[f"F{_int(pos)}"] = fill
    filename = f"<finbrain.risk.windows kernel {id(ns):x}>"
    # Safe: the source is composed from the fixed templates above, integers and checked event
    # field identifiers only (see the module docstring); no user text is executed.
    code = compile(source, filename, "exec")
    exec(code, ns)  # noqa: S102
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    return source, ns["ingest"], ns["ingest_event"]


def _group_lines(gi: int, g: GroupPlan, arg: dict[str, str], scale: str) -> list[str]:
    """Append the event to group ``gi``'s buffer ``b<gi>`` and read its windows into ``o<pos>``."""
    b = f"b{gi}"
    out = [f"ts = {b}.ts", "ts.append(t)", f"am = {b}.amt", "am.append(amt)", "e = len(ts)"]
    if g.need_cum:
        out += [f"cu = {b}.cum", "cu.append(cu[-1] + amt)"]
    if g.value_fields:
        out.append(f"vs = {b}.vals")
        for j, name in enumerate(g.value_fields):
            out.append(f"vs[{_int(j)}].append({arg[name]})")
    if g.need_label:
        out += [f"{b}.lab.append(0)", f"lc = {b}.lcum", "lc.append(lc[-1])", f"{b}.eid.append(eid)"]
        out += [f"loc = (t, {b})", "w = W.setdefault(eid, loc)", "if w is not loc:"]
        out += ["    MORE(W, eid, w, loc)"]
    # Tracks: push the new entry (delay 0) or the entries that became old enough (delayed).
    hi_of: dict[int, str] = {0: "e"}
    nf = len(g.frames)
    if g.pointers:
        out.append(f"P = {b}.ptr")
    for j, delay in enumerate(g.positive_delays):
        var = f"h{j + 1}"
        hi_of[delay] = var
        # The new entry is at t >= t - delay, so ts[h] exists.
        at = _int(nf + j)
        out += [f"{var} = P[{at}]", f"if ts[{var}] < t - {_int(delay)}:"]
        out.append(f"    {var} = P[{at}] = bisect_left(ts, t - {_int(delay)}, {var})")
    for k, tr in enumerate(g.tracks):
        kk = _int(k)
        if tr.need_max:
            out.append(f"x{kk} = {b}.mx[{kk}]")
        if tr.need_min:
            out.append(f"n{kk} = {b}.mn[{kk}]")
        for slot in range(len(tr.fields)):
            out.append(f"l{kk}_{slot} = {b}.dl[{kk}][{slot}]")
            out.append(f"d{kk}_{slot} = {b}.dp[{kk}][{slot}]")
        push: list[str] = []
        if tr.delay_us == 0:
            idx, val = "i", "amt"
            push.append("i = e - 1")
        else:
            idx, val = "r", "a"
        if tr.need_max:
            push += [f"while x{kk} and am[x{kk}[-1]] <= {val}:", f"    x{kk}.pop()"]
            push.append(f"x{kk}.append({idx})")
        if tr.need_min:
            push += [f"while n{kk} and am[n{kk}[-1]] >= {val}:", f"    n{kk}.pop()"]
            push.append(f"n{kk}.append({idx})")
        for slot, fi in enumerate(tr.fields):
            if tr.delay_us == 0:
                v = arg[g.value_fields[fi]]
            else:
                v = "v"
                push.append(f"v = vs[{_int(fi)}][r]")
            ls, ds = f"l{kk}_{slot}", f"d{kk}_{slot}"
            push += [f"if {v} is not None:", f"    q = {ds}.get({v})", "    if q is not None:"]
            push += [f"        del {ls}[bisect_left({ls}, q)]", f"    {ls}.append({idx})"]
            push.append(f"    {ds}[{v}] = {idx}")
        if tr.delay_us == 0:
            out += push
        else:
            h = hi_of[tr.delay_us]
            out += [f"r0 = {b}.hi[{kk}]", f"if r0 < {h}:", f"    for r in range(r0, {h}):"]
            out += ["        a = am[r]"] + ["        " + line for line in push]
            out.append(f"    {b}.hi[{kk}] = {h}")
    # Frames: [lo, hi) by bisection, then each window's value.
    for f, fr in enumerate(g.frames):
        hi = hi_of[fr.delay_us]
        low = _int(fr.span_us + fr.delay_us)
        out.append(f"lo = P[{_int(f)}]")
        if fr.delay_us == 0:  # the event itself is in the window, so ts[lo] exists
            out.append(f"if ts[lo] < t - {low}:")
            out.append(f"    lo = P[{_int(f)}] = bisect_left(ts, t - {low}, lo)")
        else:
            out.append(f"if lo < {hi} and ts[lo] < t - {low}:")
            out.append(f"    lo = P[{_int(f)}] = bisect_left(ts, t - {low}, lo, {hi})")
        out.append(f"n = {hi} - lo")
        empty_ok = fr.delay_us == 0  # a window without delay holds at least the event itself
        codes = {o.code for o in fr.outs}
        if codes & {SUM, AVG}:
            out.append(f"s = cu[{hi}] - cu[lo]")
        if codes & {LCOUNT, LAVG}:
            out.append(f"z = lc[{hi}] - lc[lo]")
        kk = _int(fr.track) if fr.track >= 0 else ""
        for o in fr.outs:
            p = _int(o.pos)
            fill = "" if empty_ok else f" if n else F{p}"
            if o.code == COUNT:
                out.append(f"o{p} = n")
            elif o.code == SUM:
                out.append(f"o{p} = s / {scale}")
            elif o.code == AVG:
                out.append(f"o{p} = s / n / {scale}{fill}")
            elif o.code == MAX:
                out.append(f"o{p} = am[x{kk}[bisect_left(x{kk}, lo)]] / {scale}{fill}")
            elif o.code == MIN:
                out.append(f"o{p} = am[n{kk}[bisect_left(n{kk}, lo)]] / {scale}{fill}")
            elif o.code == DISTINCT:
                ls = f"l{kk}_{_int(o.slot)}"
                out.append(f"o{p} = len({ls}) - bisect_left({ls}, lo)")
            elif o.code == LCOUNT:
                out.append(f"o{p} = z")
            elif o.code == LAVG:
                out.append(f"o{p} = z / n if n else F{p}")
            else:
                raise ValueError(f"unknown reader code {o.code!r}")
    out += [f"if e >= {b}.limit:", f"    CUT({b}, G{gi}, t)"]
    return out
