"""Screen a name (and birth date, nationality, document number) against sanctions lists.

``SanctionsIndex.build(lists)`` prepares every listed name and alias once and files it under its
blocking keys (``PreparedName.keys``). A screening prepares the query, gathers the variants that
share a key with it, ranks them by how rare the shared keys are, and compares only the best few
hundred: it never scans the list.

The outcome policy (``ScreeningPolicy``; see docs/screening.md) decides what a hit is. Under the
default, ``name_decides``, the *name* decides whether there is a hit: every entry whose name
score reaches the threshold is a hit, whatever the secondary attributes say. Those attributes
set the hit's priority and can confirm it, never clear it:

* date of birth: agreement raises the priority; a contradiction lowers it and is named in the
  reasons (a birth date can be misstated: a sanctioned person must not evade by lying about it);
* nationality: agreement raises it a little, contradiction lowers it a little;
* document number: an exact match makes the hit near-certain whatever the name;
* a Han <-> Latin or cross-romanisation match that no birth date or document confirms is a
  potential match that needs review, with that reason.

The outcome is ``match`` (strong and corroborated), ``potential_match`` (a hit a person must
review) or ``clear`` (no name reached the threshold, or a person's recorded allow-list decision
covers every hit). ``attribute_weighted``, the earlier behaviour, is kept as an explicit opt-in.

Lists change; ``rescreen`` re-screens customers against only the entries that changed.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args

from rapidfuzz import fuzz

from finbrain.core.errors import ValidationError
from finbrain.identity import names as _names
from finbrain.identity.lists import (
    ListEntry,
    SanctionsList,
    country_code,
    diff_lists,
    normalise_identifier,
)
from finbrain.identity.names import InvalidNameError, NameMatch, PreparedName, compare, prepare
from finbrain.identity.validators import check_birth_date

__all__ = [
    "CONFIRMED_THRESHOLD",
    "DEFAULT_POLICY",
    "AllowDecision",
    "Customer",
    "Hit",
    "HitReason",
    "InvalidNameError",
    "RescreenChange",
    "SanctionsIndex",
    "ScreeningPolicy",
    "ScreeningResult",
    "passes",
    "rescreen",
]

Outcome = Literal["clear", "potential_match", "match"]
PolicyMode = Literal["name_decides", "attribute_weighted"]
_POLICY_MODES: tuple[str, ...] = get_args(PolicyMode)
QueryKind = Literal["person", "entity", "any"]
Evidence = Literal["match", "mismatch", "unknown"]
_QUERY_KINDS: tuple[str, ...] = get_args(QueryKind)

DEFAULT_THRESHOLD = 0.80
# A hit is a confirmed match only when it is this strong *and* corroborated by a birth date or a
# document: a name alone, however exact, is shared by many people.
CONFIRMED_THRESHOLD = 0.95
MAX_CANDIDATES = 200  # name variants gathered per screening, rarest shared keys first
MAX_COMPARED = 60  # of those, compared in full after a cheap string-similarity shortlist
PREFILTER_SIMILARITY = 50.0  # rapidfuzz token-set ratio (0-100) below which compare() is skipped
WEAK_ALIAS_FACTOR = 0.90  # lists flag these aliases as too vague to hit on their own

# Corroboration adjustments (added to the name score, then clipped to [0, 1]).
DOB_EXACT = 0.10
DOB_MONTH = 0.06
DOB_YEAR = 0.04
DOB_NEAR = -0.10  # listed year within one year: lists are often approximate ("circa 1960")
DOB_CONTRADICTS = -0.30
NATIONALITY_AGREES = 0.05
ADDRESS_COUNTRY_AGREES = 0.02
NATIONALITY_CONTRADICTS = -0.10
DOCUMENT_CONTRADICTS = -0.05
_PERSONAL_DOCUMENTS = frozenset({"passport", "national_id", "ssn", "residency", "driving_licence"})

_ENTRY_GROUP = {"person": "person", "entity": "entity", "vessel": "entity", "aircraft": "entity"}
_PREPARE_KIND = {"person": "person", "entity": "entity", "vessel": "entity", "aircraft": "entity"}
_LIST_NAMES = {"ofac_sdn": "OFAC SDN", "uk_fcdo": "UK FCDO", "un": "UN SC"}
_LIST_NAMES_ZH = {
    "ofac_sdn": "美国OFAC SDN名单",
    "uk_fcdo": "英国FCDO名单",
    "un": "联合国安理会名单",
}
_EVIDENCE_ZH = {"match": "一致", "mismatch": "不一致", "unknown": "未知"}
_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
SCORE_DIGITS = 4  # every score is compared with its threshold at this many decimals


def passes(score: float, threshold: float) -> bool:
    """``score >= threshold`` on rounded values: 0.79999997 against 0.80 passes, as displayed."""
    return round(score, SCORE_DIGITS) >= round(threshold, SCORE_DIGITS)


@dataclass(frozen=True)
class ScreeningPolicy:
    """What turns name evidence and secondary attributes into an outcome (docs/screening.md).

    ``name_decides`` (the default, and the safe one): a name at or above ``threshold`` is a hit
    whatever the birth date, nationality or script say; those only order the hits, name their
    conflicts in the reasons, and confirm a ``match`` (``confirmed_threshold`` with a full birth
    date or a document). ``attribute_weighted`` is the earlier behaviour: contradicting
    attributes and the cross-script cap can push a strong name below the threshold, so a
    misstated birth date clears a listed name. It exists for comparison and must be chosen.
    """

    mode: PolicyMode = "name_decides"
    confirmed_threshold: float = 0.95

    def __post_init__(self) -> None:
        if self.mode not in _POLICY_MODES:
            raise ValidationError(
                f"policy mode must be one of {', '.join(_POLICY_MODES)}",
                field="policy.mode",
                rule="one_of",
            )
        if not 0.0 < self.confirmed_threshold <= 1.0:
            raise ValidationError(
                "confirmed threshold must be in (0, 1]",
                field="policy.confirmed_threshold",
                rule="range",
            )


DEFAULT_POLICY = ScreeningPolicy()


@dataclass(frozen=True)
class AllowDecision:
    """A person's recorded decision that a screened party is not a listed entry (false positive).

    It clears that one hit for that one name: ``name`` is compared after normalisation, and when
    ``entry_digest`` is given (``ListEntry.digest`` at decision time) the decision lapses as
    soon as the listed entry changes. ``record`` is where the decision was recorded (the ledger
    decision id or receipt); a decision without a person and a record is refused.
    """

    name: str
    list_id: str
    entry_id: str
    decided_by: str
    record: str
    entry_digest: str | None = None
    note: str = ""

    def __post_init__(self) -> None:
        for label in ("name", "list_id", "entry_id", "decided_by", "record"):
            if not str(getattr(self, label)).strip():
                raise ValidationError(
                    f"an allow-list decision needs {label}", field=f"allow.{label}", rule="required"
                )


@dataclass(frozen=True)
class HitReason:
    """One reason of a hit: a stable code and its zh/en text (catalogue: screening_reasons.json)."""

    code: str
    zh: str
    en: str


@cache
def _reason_templates() -> dict[str, dict[str, str]]:
    path = resources.files("finbrain.identity").joinpath("data/screening_reasons.json")
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def _reason(code: str, **params: Any) -> HitReason:
    template = _reason_templates()[code]
    return HitReason(code, template["zh"].format(**params), template["en"].format(**params))


@dataclass(frozen=True)
class Hit:
    list_id: str
    entry_id: str
    entry_name: str
    matched_name: str
    kind: str
    score: float
    name_match: NameMatch
    corroboration: dict[str, str]
    explanation: dict[str, str]
    programs: tuple[str, ...] = ()
    # The listed values behind each corroboration (e.g. dob "1980" vs "1980-02-03").
    evidence: dict[str, str] = field(default_factory=dict)
    # The name evidence alone (after the weak-alias factor); ``score`` adds corroboration and
    # is the hit's priority.
    name_score: float = 0.0
    reasons: tuple[HitReason, ...] = ()
    allowed: bool = False  # covered by a person's recorded allow-list decision


@dataclass(frozen=True)
class ScreeningResult:
    query: str
    list_version: str
    hits: list[Hit]
    candidates_considered: int
    outcome: Outcome
    threshold: float = DEFAULT_THRESHOLD
    policy: PolicyMode = "name_decides"


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str
    birth_date: str | date | None = None
    nationality: str | None = None
    id_number: str | None = None
    kind: QueryKind = "person"


@dataclass(frozen=True)
class RescreenChange:
    customer_id: str
    list_id: str
    entry_id: str
    change: Literal["new_hit", "hit_gone", "score_changed"]
    old_score: float | None
    new_score: float | None
    hit: Hit | None  # the new hit (None when the hit is gone)


@dataclass(frozen=True)
class _Query:
    prepared: PreparedName
    group: str | None  # "person" / "entity" / None for any
    birth_date: str | None
    nationality: str | None
    id_number: str | None


@dataclass(frozen=True)
class _Variant:
    entry: int  # position in SanctionsIndex.entries
    prepared: PreparedName
    weak: bool


# --- input validation ---------------------------------------------------------------------------


def _birth_date(value: str | date | None) -> str | None:
    """ISO date, possibly partial ("1980", "1980-02"); anything else names the field and rule.

    The range is the one of every birth date in finbrain (``validators.birth_date_rule``): not
    in the future, not before 1900-01-01; a partial date is judged by its first day (for the
    future) and its year (for the lower bound)."""
    if value is None:
        return None
    if isinstance(value, date):
        check_birth_date(value)
        return value.isoformat()[:10]
    text = str(value).strip()
    found = _ISO_DATE.fullmatch(text)
    if not found:
        raise ValidationError(
            "birth date must be YYYY, YYYY-MM or YYYY-MM-DD", field="birth_date", rule="date"
        )
    year, month, day = found.groups()
    try:
        first_day = date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise ValidationError("no such calendar date", field="birth_date", rule="date") from None
    check_birth_date(first_day)  # "1899-12" starts before 1900-01-01; "9999" after today
    return text


def _stored_birth_date(value: str | date | None) -> str | None:
    """A remembered customer's birth date, or None where it breaks today's rule: it may have
    been stored under an earlier one (a date object was once taken unchecked), and one such
    record must not stop the re-screening of every other customer."""
    try:
        return _birth_date(value)
    except ValidationError:
        return None


def _nationality(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    code = country_code(value)
    if code is None:
        raise ValidationError(
            "nationality must be a country code or name", field="nationality", rule="country"
        )
    return code


def _id_number(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    normalised = normalise_identifier(value)
    if not any(ch.isdigit() for ch in normalised) or len(normalised) < 4:
        raise ValidationError(
            "a document number has at least four letters or digits, one a digit",
            field="id_number",
            rule="format",
        )
    return normalised


def _query_kind(kind: str) -> QueryKind:
    if kind not in _QUERY_KINDS:
        raise ValidationError(
            f"kind must be one of {', '.join(_QUERY_KINDS)}", field="kind", rule="one_of"
        )
    return kind  # type: ignore[return-value]


# --- corroboration ------------------------------------------------------------------------------


def _date_parts(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("-"))


def _dob_evidence(query: str | None, listed: Sequence[str]) -> tuple[Evidence, float, str]:
    if query is None or not listed:
        return "unknown", 0.0, ""
    q = _date_parts(query)
    best: tuple[float, str] | None = None
    near = False
    for text in listed:
        d = _date_parts(text)
        common = min(len(q), len(d))
        if q[:common] == d[:common]:
            bonus = (DOB_YEAR, DOB_MONTH, DOB_EXACT)[common - 1]
            if best is None or bonus > best[0]:
                # The detail is what both sides agree on: "1980" when either gives only a year.
                best = (bonus, query[: (4, 7, 10)[common - 1]])
        elif abs(q[0] - d[0]) <= 1:
            near = True
    if best is not None:
        return "match", best[0], best[1]
    return "mismatch", DOB_NEAR if near else DOB_CONTRADICTS, ", ".join(listed[:3])


def _nationality_evidence(query: str | None, entry: ListEntry) -> tuple[Evidence, float, str]:
    if query is None:
        return "unknown", 0.0, ""
    if query in entry.nationalities:
        return "match", NATIONALITY_AGREES, query
    if entry.nationalities:
        return "mismatch", NATIONALITY_CONTRADICTS, ", ".join(entry.nationalities[:3])
    if query in entry.countries:
        # An address is weaker evidence than a nationality, and no address contradicts one.
        return "match", ADDRESS_COUNTRY_AGREES, f"{query} (address)"
    return "unknown", 0.0, ""


def _document_evidence(query: str | None, entry: ListEntry) -> tuple[Evidence, str]:
    if query is None or not entry.identifiers:
        return "unknown", ""
    for id_type, value in entry.identifiers:
        if value == query:
            return "match", f"{id_type} {value}"
    if any(id_type in _PERSONAL_DOCUMENTS for id_type, _ in entry.identifiers):
        return "mismatch", ""
    return "unknown", ""


def _score(
    name_score: float,
    match: NameMatch,
    dob: tuple[Evidence, float, str],
    nationality: tuple[Evidence, float, str],
    document: tuple[Evidence, str],
    threshold: float,
    cap_cross_script: bool,
) -> float:
    """The hit's priority: the name score moved by corroboration (clipped, rounded)."""
    score = name_score + dob[1] + nationality[1]
    if document[0] == "mismatch":
        score += DOCUMENT_CONTRADICTS
    if cap_cross_script and match.cross_script and dob[0] != "match" and document[0] != "match":
        # attribute_weighted only: a pinyin spelling fits many Han names, so without a birth
        # date or document it may not reach the threshold (this is what hid 李方伟 / Li Fangwei).
        score = min(score, threshold - 0.01)
    if document[0] == "match":
        # The same passport / national ID number is near-proof even when the name is spelled
        # differently (transliteration, alias not on the list).
        score = max(score, 0.96 + 0.04 * name_score)
    return round(min(1.0, max(0.0, score)), SCORE_DIGITS)


def _explanation(
    query: str,
    entry: ListEntry,
    matched: str,
    match: NameMatch,
    score: float,
    evidence: Mapping[str, tuple[str, str]],
) -> dict[str, str]:
    pairs = ", ".join(f"{a}↔{b}" for a, b in match.matched[:6]) or "-"
    system = f" via {match.system}" if match.system else ""
    system_zh = f"（{match.system}）" if match.system else ""
    facts_en = "; ".join(
        f"{label} {status}" + (f" ({detail})" if detail else "")
        for label, (status, detail) in evidence.items()
    )
    labels_zh = {"dob": "出生日期", "nationality": "国籍", "identifier": "证件号"}
    facts_zh = "；".join(
        f"{labels_zh.get(label, label)}{_EVIDENCE_ZH.get(status, status)}"
        + (f"（{detail}）" if detail else "")
        for label, (status, detail) in evidence.items()
    )
    list_en = _LIST_NAMES.get(entry.list_id, entry.list_id)
    list_zh = _LIST_NAMES_ZH.get(entry.list_id, entry.list_id)
    cross_en = " (cross-script: needs a birth date or document)" if match.cross_script else ""
    cross_zh = "（跨文字匹配：需出生日期或证件佐证）" if match.cross_script else ""
    return {
        "en": (
            f"'{query}' matches '{matched}' of {list_en} entry {entry.entry_id} "
            f"({entry.name}) by rule {match.rule}{system}{cross_en}, name score "
            f"{match.score:.2f}; tokens {pairs}; {facts_en}; final score {score:.2f}. "
            f"{match.explanation.get('en', '')}"
        ).strip(),
        "zh": (
            f"“{query}”与{list_zh}条目{entry.entry_id}（{entry.name}）的名称“{matched}”"
            f"按规则{match.rule}{system_zh}匹配{cross_zh}，姓名得分{match.score:.2f}；"
            f"对应词元{pairs}；{facts_zh}；最终得分{score:.2f}。"
            f"{match.explanation.get('zh', '')}"
        ).strip(),
    }


# --- the index ----------------------------------------------------------------------------------


def _names_digest() -> str:
    """Fingerprint of the name-matching code: a cached index is only reused with the same code."""
    sha = hashlib.sha256()
    package = Path(_names.__file__).parent
    for path in sorted(package.glob("*.py")):
        sha.update(path.name.encode() + b"\0" + path.read_bytes())
    # The romanisation and translation tables are part of what a prepared name is.
    data = package.parent / "data"
    for path in sorted(data.glob("names_*")) + sorted(data.glob("surnames*")):
        sha.update(path.name.encode() + b"\0" + path.read_bytes())
    return sha.hexdigest()


def _encode(value: Any) -> Any:
    """JSON for a PreparedName field: tuples as lists, frozensets tagged (the only containers)."""
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    if isinstance(value, frozenset):
        return {"f": sorted((_encode(v) for v in value), key=json.dumps)}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_decode(v) for v in value)
    if isinstance(value, dict):
        return frozenset(_decode(v) for v in value["f"])
    return value


_PREPARED_FIELDS = tuple(f.name for f in fields(PreparedName))


def _prepared_to_json(prepared: PreparedName) -> list[Any]:
    # Positional, in field order: the field names are stored once, in the file header.
    return [_encode(getattr(prepared, name)) for name in _PREPARED_FIELDS]


def _prepared_from_json(row: Sequence[Any]) -> PreparedName:
    return PreparedName(*(_decode(value) for value in row))


class SanctionsIndex:
    """Every name variant of the given lists, prepared once and filed under its blocking keys."""

    def __init__(
        self,
        lists: Sequence[SanctionsList],
        variants: Sequence[_Variant],
        skipped: int = 0,
        policy: ScreeningPolicy = DEFAULT_POLICY,
    ) -> None:
        self.lists: tuple[SanctionsList, ...] = tuple(lists)
        self.policy = policy  # the outcome policy screen() uses unless given one
        self.entries: tuple[ListEntry, ...] = tuple(e for lst in self.lists for e in lst.entries)
        self._variants: tuple[_Variant, ...] = tuple(variants)
        self.skipped_names = skipped  # list names the name module rejects (e.g. no letters)
        self.version = hashlib.sha256(
            "\n".join(sorted(f"{lst.list_id}:{lst.version}" for lst in self.lists)).encode()
        ).hexdigest()
        postings: dict[str, list[int]] = {}
        for position, variant in enumerate(self._variants):
            for key in variant.prepared.keys:
                postings.setdefault(key, []).append(position)
        self._postings: dict[str, tuple[int, ...]] = {k: tuple(v) for k, v in postings.items()}
        total = max(1, len(self._variants))
        # Rare keys say more about identity than common ones ("mohammed", "trading").
        self._weights = {k: math.log(1 + total / len(v)) for k, v in self._postings.items()}
        documents: dict[str, list[int]] = {}
        for position, entry in enumerate(self.entries):
            for _, value in entry.identifiers:
                documents.setdefault(value, []).append(position)
        self._documents = {k: tuple(v) for k, v in documents.items()}
        self._variants_of: dict[int, list[int]] = {}
        for position, variant in enumerate(self._variants):
            self._variants_of.setdefault(variant.entry, []).append(position)

    # construction ------------------------------------------------------------------------------

    @classmethod
    def build(cls, lists: Iterable[SanctionsList]) -> SanctionsIndex:
        lists = tuple(lists)
        ids = [lst.list_id for lst in lists]
        if len(set(ids)) != len(ids):
            raise ValidationError("each list may be given once", field="lists", rule="unique")
        variants: list[_Variant] = []
        skipped = 0
        position = 0
        for lst in lists:
            for entry in lst.entries:
                kind = _PREPARE_KIND.get(entry.kind, "any")
                seen: set[str] = set()
                named = [(n, False) for n in (entry.name, *entry.aliases)]
                named += [(n, True) for n in entry.weak_aliases]
                for text, weak in named:
                    try:
                        prepared = prepare(text, kind=kind)
                    except InvalidNameError:
                        skipped += 1
                        continue
                    if prepared.normalised in seen:
                        continue
                    seen.add(prepared.normalised)
                    variants.append(_Variant(position, prepared, weak))
                position += 1
        return cls(lists, variants, skipped)

    def __len__(self) -> int:
        return len(self._variants)

    @property
    def size(self) -> int:
        """Number of indexed name variants."""
        return len(self._variants)

    def subset(self, keys: Iterable[tuple[str, str]]) -> SanctionsIndex:
        """A small index of some entries ((list_id, entry_id)), reusing the prepared names."""
        wanted = set(keys)
        lists: list[SanctionsList] = []
        remap: dict[int, int] = {}
        position = 0
        for lst in self.lists:
            chosen = [e for e in lst.entries if (lst.list_id, e.entry_id) in wanted]
            lists.append(SanctionsList(lst.list_id, lst.version, lst.published, tuple(chosen)))
        old_positions = {
            (e.list_id, e.entry_id): i
            for i, e in enumerate(self.entries)
            if (e.list_id, e.entry_id) in wanted
        }
        for lst in lists:
            for entry in lst.entries:
                remap[old_positions[(entry.list_id, entry.entry_id)]] = position
                position += 1
        variants = [
            _Variant(remap[v.entry], v.prepared, v.weak) for v in self._variants if v.entry in remap
        ]
        return SanctionsIndex(lists, variants, policy=self.policy)

    # persistence (JSON, never pickle) -----------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the lists and prepared names as gzipped JSON; ``load`` skips re-preparing."""
        payload = {
            "format": 1,
            "names_digest": _names_digest(),
            "prepared_fields": list(_PREPARED_FIELDS),
            "lists": [
                {
                    "list_id": lst.list_id,
                    "version": lst.version,
                    "published": lst.published,
                    "entries": [e.as_dict() for e in lst.entries],
                }
                for lst in self.lists
            ],
            "variants": [[v.entry, v.weak, _prepared_to_json(v.prepared)] for v in self._variants],
            "skipped": self.skipped_names,
        }
        target = Path(path)
        tmp = target.with_name(target.name + ".tmp")
        # One dumps() call runs the C encoder; json.dump() to a stream would not.
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        with gzip.open(tmp, "wb", compresslevel=5) as handle:
            handle.write(text.encode("utf-8"))
        tmp.replace(target)  # never a half-written cache
        return target

    @classmethod
    def load(cls, path: str | Path) -> SanctionsIndex:
        """Read a saved index; lists are re-verified, names re-prepared if the matcher changed."""
        with gzip.open(Path(path), "rb") as handle:
            payload = json.loads(handle.read())
        if payload.get("format") != 1:
            raise ValidationError("unknown index format", field="index", rule="format")
        lists = []
        for raw in payload["lists"]:
            entries = [ListEntry.from_dict(e) for e in raw["entries"]]
            lst = SanctionsList.of(raw["list_id"], entries, raw.get("published"))
            if lst.version != raw["version"]:
                raise ValidationError(
                    "saved list does not match its version", field="index", rule="version"
                )
            lists.append(lst)
        # Prepared names depend on the matcher's code: a cache written by other code is rebuilt.
        same_code = payload.get("names_digest") == _names_digest()
        if not same_code or payload.get("prepared_fields") != list(_PREPARED_FIELDS):
            return cls.build(lists)
        variants = [
            _Variant(int(e), _prepared_from_json(p), bool(w)) for e, w, p in payload["variants"]
        ]
        return cls(lists, variants, int(payload.get("skipped", 0)))

    # screening ---------------------------------------------------------------------------------

    def _candidates(self, query: _Query) -> list[int]:
        """Variant positions worth comparing: those sharing the rarest keys with the query."""
        weights: dict[int, float] = {}
        keys = sorted(
            (k for k in query.prepared.keys if k in self._postings),
            key=lambda k: len(self._postings[k]),
        )
        for key in keys:
            postings = self._postings[key]
            # Once enough candidates share a rarer key, a very common key adds only noise.
            if len(weights) >= MAX_CANDIDATES and len(postings) > MAX_CANDIDATES:
                break
            w = self._weights[key]
            for position in postings:
                weights[position] = weights.get(position, 0.0) + w
        if query.group is not None:
            wanted = query.group
            weights = {
                p: w
                for p, w in weights.items()
                if _ENTRY_GROUP.get(self.entries[self._variants[p].entry].kind, wanted) == wanted
            }
        if len(weights) <= MAX_CANDIDATES:
            return list(weights)
        return sorted(weights, key=weights.__getitem__, reverse=True)[:MAX_CANDIDATES]

    def screen(
        self,
        name: str,
        *,
        kind: str = "any",
        birth_date: str | date | None = None,
        nationality: str | None = None,
        id_number: str | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        limit: int = 10,
        policy: ScreeningPolicy | None = None,
        allow: Iterable[AllowDecision] = (),
    ) -> ScreeningResult:
        """Screen one party. ``policy`` defaults to the index's (``name_decides`` unless set);
        ``allow`` holds people's recorded allow-list decisions (``AllowDecision``)."""
        if not 0.0 < threshold <= 1.0:
            raise ValidationError("threshold must be in (0, 1]", field="threshold", rule="range")
        if limit < 1:
            raise ValidationError("limit must be at least 1", field="limit", rule="range")
        query_kind = _query_kind(kind)
        query = _Query(
            prepared=prepare(name, kind=query_kind),
            group=None if query_kind == "any" else query_kind,
            birth_date=_birth_date(birth_date),
            nationality=_nationality(nationality),
            id_number=_id_number(id_number),
        )
        return self._screen(query, threshold, limit, policy or self.policy, tuple(allow))

    def _shortlist(self, query: _Query, positions: list[int]) -> list[int]:
        """The candidates worth a full compare(), by a C-speed string similarity.

        compare() explains itself and costs ~100 us; rapidfuzz's token-set ratio costs ~1 us and
        is generous (a subset of tokens scores 100), so it only removes candidates that share a
        blocking key but little else. Han and mixed-script candidates, and Latin spellings of a
        Chinese or Korean name in another romanisation, always go through: their similarity
        lives in romanisations that a plain string ratio cannot see.
        """
        if len(positions) <= MAX_COMPARED:
            return positions
        text = query.prepared.normalised
        q = query.prepared
        scored: list[tuple[float, int]] = []
        for position in positions:
            prepared = self._variants[position].prepared
            if prepared.script != "latin" or query.prepared.script != "latin":
                scored.append((101.0, position))
                continue
            if (q.zh_syllables and prepared.zh_syllables) or (
                q.ko_syllables and prepared.ko_syllables
            ):
                # Another romanisation of a Chinese / Korean name (Hsiao-hung / Xiaohong).
                scored.append((100.5, position))
                continue
            similarity = fuzz.token_set_ratio(text, prepared.normalised)
            if similarity >= PREFILTER_SIMILARITY:
                scored.append((similarity, position))
        scored.sort(reverse=True)
        return [position for _, position in scored[:MAX_COMPARED]]

    def _screen(
        self,
        query: _Query,
        threshold: float,
        limit: int,
        policy: ScreeningPolicy = DEFAULT_POLICY,
        allow: tuple[AllowDecision, ...] = (),
    ) -> ScreeningResult:
        positions = self._shortlist(query, self._candidates(query))
        forced_entries: set[int] = set()
        if query.id_number is not None:
            # A document number finds its entry even when no name key is shared.
            forced_entries.update(self._documents.get(query.id_number, ()))
            for forced in forced_entries:
                positions.extend(self._variants_of.get(forced, ()))
        # Per entry, the best name variant (hits first, then by priority); explanations only
        # for the hits returned.
        best: dict[int, tuple[tuple[bool, float, float], int, NameMatch, tuple[Any, ...]]] = {}
        compared_entries: set[int] = set()
        name_decides = policy.mode == "name_decides"
        for position in dict.fromkeys(positions):
            variant = self._variants[position]
            entry = self.entries[variant.entry]
            compared_entries.add(variant.entry)
            match = compare(query.prepared, variant.prepared)
            if match.score <= 0.0 and variant.entry not in forced_entries:
                continue
            name_score = round(
                match.score * (WEAK_ALIAS_FACTOR if variant.weak else 1.0), SCORE_DIGITS
            )
            dob = _dob_evidence(query.birth_date, entry.birth_dates)
            nat = _nationality_evidence(query.nationality, entry)
            doc = _document_evidence(query.id_number, entry)
            score = _score(name_score, match, dob, nat, doc, threshold, not name_decides)
            if name_decides:
                # A conflict never removes a name hit; agreement can still make one of a
                # misspelt name (a near name with the listed birth date is worth a review).
                is_hit = (
                    passes(name_score, threshold) or passes(score, threshold) or doc[0] == "match"
                )
            else:
                is_hit = passes(score, threshold)
            rank = (is_hit, score, name_score)
            current = best.get(variant.entry)
            if current is None or rank > current[0]:
                best[variant.entry] = (rank, position, match, (dob, nat, doc))
        ranked = sorted(
            (item for item in best.items() if item[1][0][0]),
            key=lambda item: (
                -item[1][0][1],
                -item[1][0][2],
                self.entries[item[0]].list_id,
                self.entries[item[0]].entry_id,
            ),
        )[:limit]
        hits = [
            self._hit(query, e, rank[1], rank[2], position, match, found, threshold, policy, allow)
            for e, (rank, position, match, found) in ranked
        ]
        return ScreeningResult(
            query=query.prepared.original,
            list_version=self.version,
            hits=hits,
            candidates_considered=len(compared_entries),
            outcome=_outcome(hits, policy),
            threshold=threshold,
            policy=policy.mode,
        )

    def _hit(
        self,
        query: _Query,
        entry_position: int,
        score: float,
        name_score: float,
        position: int,
        match: NameMatch,
        found: tuple[Any, ...],
        threshold: float,
        policy: ScreeningPolicy,
        allow: tuple[AllowDecision, ...],
    ) -> Hit:
        entry = self.entries[entry_position]
        variant = self._variants[position]
        matched = variant.prepared.original
        dob, nat, doc = found
        evidence = {
            "dob": (dob[0], dob[2]),
            "nationality": (nat[0], nat[2]),
            "identifier": (doc[0], doc[1]),
        }
        decision = _allowed_by(query, entry, allow)
        reasons = _hit_reasons(
            query, match, name_score, score, evidence, variant.weak, threshold, policy
        )
        if decision is not None:
            allowed = _reason(
                "SCR-ALLOWLISTED", decided_by=decision.decided_by, record=decision.record
            )
            reasons = (allowed, *reasons)
        return Hit(
            list_id=entry.list_id,
            entry_id=entry.entry_id,
            entry_name=entry.name,
            matched_name=matched,
            kind=entry.kind,
            score=score,
            name_match=match,
            corroboration={k: v[0] for k, v in evidence.items()},
            explanation=_explanation(
                query.prepared.original, entry, matched, match, score, evidence
            ),
            programs=entry.programs,
            evidence={k: v[1] for k, v in evidence.items()},
            name_score=name_score,
            reasons=reasons,
            allowed=decision is not None,
        )


def _allowed_by(
    query: _Query, entry: ListEntry, allow: tuple[AllowDecision, ...]
) -> AllowDecision | None:
    for decision in allow:
        if (decision.list_id, decision.entry_id) != (entry.list_id, entry.entry_id):
            continue
        if decision.entry_digest is not None and decision.entry_digest != entry.digest:
            continue  # the listed entry changed since the decision: it no longer applies
        try:
            decided = prepare(decision.name, kind=query.prepared.kind).normalised
        except InvalidNameError:
            continue
        if decided == query.prepared.normalised:
            return decision
    return None


def _corroborated(corroboration: Mapping[str, str], evidence: Mapping[str, str]) -> bool:
    # A birth year is shared by too many namesakes: only a full date or a document confirms.
    full_date = corroboration["dob"] == "match" and len(evidence.get("dob", "")) == 10
    return full_date or corroboration["identifier"] == "match"


def _hit_reasons(
    query: _Query,
    match: NameMatch,
    name_score: float,
    score: float,
    evidence: Mapping[str, tuple[str, str]],
    weak: bool,
    threshold: float,
    policy: ScreeningPolicy,
) -> tuple[HitReason, ...]:
    """Why this is a hit and what the secondary attributes said, most important first."""
    status = {k: v[0] for k, v in evidence.items()}
    detail = {k: v[1] for k, v in evidence.items()}
    corroborated = _corroborated(status, detail)
    out: list[HitReason] = []
    shown = f"{name_score:.2f}"
    if corroborated and passes(score, policy.confirmed_threshold) and status["dob"] != "mismatch":
        out.append(_reason("SCR-CONFIRMED", name_score=shown))
    elif match.cross_script:
        out.append(_reason("SCR-CROSS-SCRIPT", rule=match.rule))
    elif match.rule == "romanisation":
        steps = "; ".join(f"{a} ↔ {b}" for a, b in match.matched[:6])
        out.append(_reason("SCR-ROMANISATION", steps=steps))
    elif match.rule == "translation":
        steps = "; ".join(f"{a} ↔ {b}" for a, b in match.matched[:6])
        out.append(_reason("SCR-TRANSLATION", steps=steps))
    else:
        out.append(_reason("SCR-NAME-STRONG", name_score=shown, threshold=f"{threshold:.2f}"))
    if status["identifier"] == "match":
        out.append(_reason("SCR-DOC-MATCH", detail=detail["identifier"]))
    elif status["identifier"] == "mismatch":
        out.append(_reason("SCR-DOC-CONFLICT"))
    if status["dob"] == "match":
        out.append(_reason("SCR-DOB-MATCH", detail=detail["dob"]))
    elif status["dob"] == "mismatch":
        out.append(_reason("SCR-DOB-CONFLICT", query=query.birth_date, detail=detail["dob"]))
    else:
        out.append(
            _reason("SCR-DOB-NOT-GIVEN" if query.birth_date is None else "SCR-DOB-NOT-LISTED")
        )
    if status["nationality"] == "match":
        out.append(_reason("SCR-NAT-MATCH", detail=detail["nationality"]))
    elif status["nationality"] == "mismatch":
        out.append(
            _reason("SCR-NAT-CONFLICT", query=query.nationality, detail=detail["nationality"])
        )
    if weak:
        out.append(_reason("SCR-WEAK-ALIAS"))
    if policy.mode == "attribute_weighted":
        out.append(_reason("SCR-POLICY-ATTRIBUTES"))
    return tuple(out)


def _outcome(hits: Sequence[Hit], policy: ScreeningPolicy = DEFAULT_POLICY) -> Outcome:
    counted = [hit for hit in hits if not hit.allowed]
    if not counted:
        return "clear"
    for hit in counted:
        c = hit.corroboration
        if (
            passes(hit.score, policy.confirmed_threshold)
            and _corroborated(c, hit.evidence)
            and c["dob"] != "mismatch"
        ):
            return "match"
    return "potential_match"


# --- re-screening -------------------------------------------------------------------------------


@dataclass
class _Changed:
    new: set[tuple[str, str]] = field(default_factory=set)  # entries to screen in the new index
    old: set[tuple[str, str]] = field(default_factory=set)  # entries to screen in the old index


def _changed_entries(old_index: SanctionsIndex, new_index: SanctionsIndex) -> _Changed:
    changed = _Changed()
    old_lists = {lst.list_id: lst for lst in old_index.lists}
    new_lists = {lst.list_id: lst for lst in new_index.lists}
    for list_id in old_lists.keys() | new_lists.keys():
        before, after = old_lists.get(list_id), new_lists.get(list_id)
        if before is None and after is not None:
            changed.new.update((list_id, e.entry_id) for e in after.entries)
        elif after is None and before is not None:
            changed.old.update((list_id, e.entry_id) for e in before.entries)
        elif before is not None and after is not None and before.version != after.version:
            diff = diff_lists(before, after)
            changed.new.update((list_id, e.entry_id) for e in diff.added)
            changed.old.update((list_id, e.entry_id) for e in diff.removed)
            for old_entry, _ in diff.changed:
                changed.new.add((list_id, old_entry.entry_id))
                changed.old.add((list_id, old_entry.entry_id))
    return changed


def rescreen(
    customers: Iterable[Customer],
    old_index: SanctionsIndex,
    new_index: SanctionsIndex,
    threshold: float = DEFAULT_THRESHOLD,
    policy: ScreeningPolicy | None = None,
) -> list[RescreenChange]:
    """What a list update changes for these customers, screening only the changed entries.

    Entries that did not change give the same score before and after, so each customer is
    screened against two small indexes: the new versions of added/changed entries and the old
    versions of removed/changed ones. Customers whose names share no key with a changed entry
    cost one key lookup each.
    """
    changed = _changed_entries(old_index, new_index)
    if not changed.new and not changed.old:
        return []
    small_new = new_index.subset(changed.new)
    small_old = old_index.subset(changed.old)
    chosen = policy or new_index.policy
    out: list[RescreenChange] = []
    for customer in customers:
        kind = _query_kind(customer.kind)
        query = _Query(
            prepared=prepare(customer.name, kind=kind),
            group=None if kind == "any" else kind,
            birth_date=_stored_birth_date(customer.birth_date),
            nationality=_nationality(customer.nationality),
            id_number=_id_number(customer.id_number),
        )
        limit = max(1, len(changed.new) + len(changed.old))
        before = {
            (h.list_id, h.entry_id): h
            for h in small_old._screen(query, threshold, limit, chosen).hits
        }
        after = {
            (h.list_id, h.entry_id): h
            for h in small_new._screen(query, threshold, limit, chosen).hits
        }
        for key in sorted(before.keys() | after.keys()):
            old_hit, new_hit = before.get(key), after.get(key)
            if old_hit is None and new_hit is not None:
                change: Literal["new_hit", "hit_gone", "score_changed"] = "new_hit"
            elif new_hit is None and old_hit is not None:
                change = "hit_gone"
            elif old_hit is not None and new_hit is not None and old_hit.score != new_hit.score:
                change = "score_changed"
            else:
                continue
            out.append(
                RescreenChange(
                    customer_id=customer.customer_id,
                    list_id=key[0],
                    entry_id=key[1],
                    change=change,
                    old_score=None if old_hit is None else old_hit.score,
                    new_score=None if new_hit is None else new_hit.score,
                    hit=new_hit,
                )
            )
    return out
