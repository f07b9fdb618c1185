"""Risk rules as data: versioned rule sets, compiled once, swapped atomically at run time.

A rule is a condition in the safe expression language (``finbrain.risk.expressions``) plus what a
hit means: points added to the risk score, an optional action, tags and a zh/en reason. Rules
change without a deploy: ``RuleBook.publish`` compiles a new ``RuleSet`` against the engine's
feature schema and only then swaps it in, so a bad rule set never replaces a good one; readers
just take ``book.current`` (one reference read, no lock).

Scale: a rule's ``score`` is 0..1000 points; an outcome's score is the sum over active hits,
capped at 1000. The outcome's action is the most severe action among active hits
(allow < review < block), ``"allow"`` when nothing fires. Shadow rules are evaluated and reported
(``shadow_hits``) but never change score, action or tags: that is how a new rule is tried on
live traffic before it is trusted.

Reason texts may name context values as ``{amount}`` (any schema name; ``{{``/``}}`` for literal
braces). They are filled by our own template code, never ``str.format``, which would let a rule
author reach attributes (``{amount.__class__}``).
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal, NamedTuple, TypeAlias

import numpy as np

from finbrain.core.canonical import digest as canonical_digest
from finbrain.core.decision import BilingualText, Reason
from finbrain.core.errors import ConflictError, NotFoundError, ValidationError
from finbrain.risk.expressions import (
    Expression,
    FieldType,
    Schema,
    compile_expression,
    parse,
    resolve_name,
    validate_schema,
)

__all__ = [
    "ACTIONS",
    "MAX_RULES",
    "MAX_SCORE",
    "CompiledRules",
    "PublishedVersion",
    "Rule",
    "RuleBook",
    "RuleHit",
    "RuleOutcome",
    "RuleSet",
    "compile_rules",
    "load_default_rules",
]

Action: TypeAlias = Literal["allow", "review", "block"]
Mode: TypeAlias = Literal["active", "shadow"]
ACTIONS: Final[tuple[Action, ...]] = ("allow", "review", "block")
SEVERITY: Final[dict[str, int]] = {"allow": 0, "review": 1, "block": 2}
MAX_SCORE: Final = 1000.0
MAX_RULES: Final = 1000
MAX_REASON_LENGTH: Final = 500
_ID_RE: Final = re.compile(r"^[A-Z0-9][A-Z0-9\-_.]*$")
_TAG_RE: Final = re.compile(r"^[a-z0-9][a-z0-9_\-:.]*$")
_RULE_KEYS: Final = frozenset(
    {"id", "when", "score", "action", "tags", "reason", "mode", "enabled", "description"}
)
_SET_KEYS: Final = frozenset({"version", "rules", "schema", "schema_notes", "description"})


def _invalid(message: str, fld: str, rule: str, **params: Any) -> ValidationError:
    return ValidationError(message, field=fld, rule=rule, **params)


def _prefixed(err: ValidationError, prefix: str) -> ValidationError:
    """The same error with its field placed under ``prefix`` (``when`` -> ``rules[3].when``)."""
    fld = f"{prefix}.{err.field}" if err.field else prefix
    params = {k: v for k, v in err.params.items() if k not in ("field", "rule")}
    return ValidationError(err.detail, field=fld, rule=err.rule, **params)


def _check_keys(d: Any, allowed: frozenset[str], where: str) -> Mapping[str, Any]:
    if not isinstance(d, Mapping):
        raise _invalid("must be an object", where or "$", "type")
    unknown = sorted(set(d) - allowed)
    if unknown:
        at = f"{where}.{unknown[0]}" if where else unknown[0]
        raise _invalid(f"unknown key {unknown[0]!r}; allowed: {sorted(allowed)}", at, "unknown_key")
    return d


# --- rule and rule set ------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One rule; fields are validated on construction (``field`` names are relative: ``score``)."""

    id: str
    when: str
    score: float
    action: Action | None
    tags: tuple[str, ...]
    reason: dict[str, str]
    mode: Mode = "active"
    enabled: bool = True
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not _ID_RE.match(self.id) or len(self.id) > 64:
            raise _invalid(
                f"rule id {self.id!r} must match {_ID_RE.pattern} (at most 64 characters)",
                "id",
                "pattern",
            )
        if not isinstance(self.when, str) or not self.when.strip():
            raise _invalid("a condition is required", "when", "required")
        parse(self.when, field="when")  # syntax and limits now; names and types at compile time
        score = self.score
        if isinstance(score, bool) or not isinstance(score, int | float):
            raise _invalid("score must be a number", "score", "type")
        if not (math.isfinite(score) and 0 <= score <= MAX_SCORE):
            raise _invalid(f"score must be within 0..{MAX_SCORE:g}", "score", "range")
        object.__setattr__(self, "score", float(score))
        if self.action is not None and self.action not in ACTIONS:
            raise _invalid(f"action must be one of {list(ACTIONS)} or null", "action", "enum")
        tags: Any = self.tags  # data from JSON: the annotation is what we check, not a given
        if isinstance(tags, str) or not isinstance(tags, tuple | list):
            raise _invalid("tags must be a list of strings", "tags", "type")
        for i, tag in enumerate(tags):
            if not isinstance(tag, str) or not _TAG_RE.match(tag) or len(tag) > 64:
                raise _invalid(f"tag {tag!r} must match {_TAG_RE.pattern}", f"tags[{i}]", "pattern")
        object.__setattr__(self, "tags", tuple(dict.fromkeys(tags)))
        if not isinstance(self.reason, Mapping) or set(self.reason) != {"zh", "en"}:
            raise _invalid("reason must have exactly the keys zh and en", "reason", "required")
        for lang in ("zh", "en"):
            text = self.reason[lang]
            if not isinstance(text, str) or not text.strip() or len(text) > MAX_REASON_LENGTH:
                raise _invalid(
                    f"reason text must be 1..{MAX_REASON_LENGTH} characters",
                    f"reason.{lang}",
                    "length",
                )
        object.__setattr__(self, "reason", {"zh": self.reason["zh"], "en": self.reason["en"]})
        if self.mode not in ("active", "shadow"):
            raise _invalid("mode must be 'active' or 'shadow'", "mode", "enum")
        if not isinstance(self.enabled, bool):
            raise _invalid("enabled must be true or false", "enabled", "type")
        if not isinstance(self.description, str):
            raise _invalid("description must be a string", "description", "type")

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Rule:
        d = _check_keys(d, _RULE_KEYS, "")
        for key in ("id", "when", "reason"):
            if key not in d:
                raise _invalid(f"{key} is required", key, "required")
        return cls(
            id=d["id"],
            when=d["when"],
            score=d.get("score", 0.0),
            action=d.get("action"),
            tags=d.get("tags", ()),
            reason=d["reason"],
            mode=d.get("mode", "active"),
            enabled=d.get("enabled", True),
            description=d.get("description", ""),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "when": self.when,
            "score": self.score,
            "action": self.action,
            "tags": list(self.tags),
            "reason": dict(self.reason),
            "mode": self.mode,
            "enabled": self.enabled,
        }
        if self.description:
            out["description"] = self.description
        return out


@dataclass(frozen=True)
class RuleSet:
    """A versioned set of rules; ``schema`` (name -> type) declares the fields the rules expect.

    ``digest`` is the SHA-256 of the canonical JSON (RFC 8785) of ``to_dict()``: two systems
    holding the same rules agree on it whatever their key order, so a decision can name exactly
    which rules it ran.
    """

    version: int
    rules: tuple[Rule, ...]
    schema: dict[str, FieldType] | None = None
    schema_notes: dict[str, str] = field(default_factory=dict)
    description: str = ""
    digest: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 0:
            raise _invalid("version must be a non-negative integer", "version", "type")
        object.__setattr__(self, "rules", tuple(self.rules))
        if len(self.rules) > MAX_RULES:
            raise _invalid(f"at most {MAX_RULES} rules", "rules", "limit")
        seen: set[str] = set()
        for i, rule in enumerate(self.rules):
            if not isinstance(rule, Rule):
                raise _invalid("must be a Rule", f"rules[{i}]", "type")
            if rule.id in seen:
                raise _invalid(f"duplicate rule id {rule.id!r}", f"rules[{i}].id", "unique")
            seen.add(rule.id)
        if self.schema is not None:
            object.__setattr__(self, "schema", validate_schema(self.schema))
        for name, note in self.schema_notes.items():
            if self.schema is None or name not in self.schema or not isinstance(note, str):
                raise _invalid(
                    "notes must be strings about schema fields",
                    f"schema_notes.{name}",
                    "unknown_identifier",
                )
        object.__setattr__(self, "digest", canonical_digest(self.to_dict()))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RuleSet:
        """Build and validate a rule set; errors name the field (``rules[3].score``)."""
        d = _check_keys(d, _SET_KEYS, "")
        version = d.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise _invalid("version must be an integer >= 1", "version", "type")
        raw_rules = d.get("rules")
        if not isinstance(raw_rules, list):
            raise _invalid("rules must be a list", "rules", "type")
        if len(raw_rules) > MAX_RULES:
            raise _invalid(f"at most {MAX_RULES} rules", "rules", "limit")
        rules: list[Rule] = []
        for i, raw in enumerate(raw_rules):
            try:
                rules.append(Rule.from_dict(_check_keys(raw, _RULE_KEYS, f"rules[{i}]")))
            except ValidationError as err:
                if err.field and err.field.startswith(f"rules[{i}]"):
                    raise
                raise _prefixed(err, f"rules[{i}]") from None
        schema = d.get("schema")
        notes = d.get("schema_notes", {})
        if not isinstance(notes, Mapping):
            raise _invalid("schema_notes must be an object", "schema_notes", "type")
        description = d.get("description", "")
        if not isinstance(description, str):
            raise _invalid("description must be a string", "description", "type")
        return cls(
            version=version,
            rules=tuple(rules),
            schema=validate_schema(schema) if schema is not None else None,
            schema_notes=dict(notes),
            description=description,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> RuleSet:
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise _invalid(f"not valid JSON: {err}", "$", "syntax") from None
        return cls.from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"version": self.version}
        if self.description:
            out["description"] = self.description
        if self.schema is not None:
            out["schema"] = dict(self.schema)
        if self.schema_notes:
            out["schema_notes"] = dict(self.schema_notes)
        out["rules"] = [r.to_dict() for r in self.rules]
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def load_default_rules() -> RuleSet:
    """The starter card-fraud rule set shipped as ``finbrain/risk/data/default_rules.json``."""
    text = resources.files("finbrain.risk").joinpath("data/default_rules.json").read_text("utf-8")
    return RuleSet.from_json(text)


# --- reason templates -------------------------------------------------------------------------

_PLACEHOLDER: Final = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_MISSING_TEXT: Final = ("缺失", "n/a")
_BOOL_TEXT: Final = (("否", "no"), ("是", "yes"))
_NUMBERS: Final = (int, float, np.integer, np.floating)


def _format_value(value: Any) -> tuple[str, str]:
    """(zh, en) text of a context value; numbers read the same in both, so format them once."""
    kind = type(value)
    if kind is float or kind is int:  # the common case first: exact type checks are cheapest
        number = float(value)
    elif value is None:
        return _MISSING_TEXT
    elif kind is bool or kind is np.bool_:
        return _BOOL_TEXT[bool(value)]
    elif isinstance(value, _NUMBERS):
        number = float(value)
    else:
        try:
            if value != value:  # NaN-like; pd.NA raises TypeError here
                return _MISSING_TEXT
        except (TypeError, ValueError):
            return _MISSING_TEXT
        text = str(value)
        text = text if len(text) <= 64 else text[:61] + "..."
        return text, text
    if number != number:
        return _MISSING_TEXT
    if number.is_integer() and abs(number) < 1e15:
        whole = int(number)
        text = str(whole) if -1000 < whole < 1000 else f"{whole:,}"
    else:
        text = f"{number:,.2f}" if abs(number) >= 1 else f"{number:.4g}"
    return text, text


@dataclass(frozen=True, slots=True)
class _Template:
    parts: tuple[tuple[str, str | None], ...]  # (literal text, schema key to insert or None)
    keys: tuple[str, ...]

    def fill(self, values: Mapping[str, tuple[str, str]], lang: int) -> str:
        return "".join(
            text if key is None else text + values[key][lang] for text, key in self.parts
        )


def _template(text: str, schema: Schema, fld: str) -> _Template:
    parts: list[tuple[str, str | None]] = []
    literal: list[str] = []
    last = 0
    for m in _PLACEHOLDER.finditer(text):
        literal.append(text[last : m.start()])
        last = m.end()
        token = m.group()
        if token in ("{{", "}}"):
            literal.append(token[0])
            continue
        name = m.group(1)
        key = resolve_name(name.strip(), schema) if name is not None else None
        if name is None or key is None:
            rule = "syntax" if name is None else "unknown_identifier"
            raise _invalid(
                f"placeholder {token!r} is not a schema field (write {{{{ for a brace)",
                fld,
                rule,
                column=m.start() + 1,
                token=token,
            )
        parts.append(("".join(literal), key))
        literal = []
    literal.append(text[last:])
    parts.append(("".join(literal), None))
    keys = tuple(dict.fromkeys(k for _, k in parts if k is not None))
    return _Template(tuple(parts), keys)


# --- compiled rules and outcomes --------------------------------------------------------------


class RuleHit(NamedTuple):
    """One rule that fired (a tuple: built on the hot path, where dataclass init costs)."""

    rule_id: str
    score: float
    action: Action | None
    tags: tuple[str, ...]
    reason: dict[str, str]  # {"zh", "en"} with placeholders filled from the context
    shadow: bool


@dataclass(slots=True)
class RuleOutcome:
    """What the rules said about one event; ``errors`` lists rules that could not be evaluated
    (a context value of the wrong type): they count as not firing."""

    hits: list[RuleHit]
    shadow_hits: list[RuleHit]
    score: float
    action: Action
    tags: set[str]
    errors: list[str]
    version: int

    def reasons(self) -> list[Reason]:
        """Active hits as decision reasons, most points first."""
        ordered = sorted(self.hits, key=lambda h: -h.score)
        return [
            Reason(code=h.rule_id, text=BilingualText(**h.reason), contribution=h.score)
            for h in ordered
        ]


class _CompiledRule:
    __slots__ = ("_keys", "_static", "en", "expression", "rule", "zh")

    def __init__(self, rule: Rule, expression: Expression, zh: _Template, en: _Template) -> None:
        self.rule = rule
        self.expression = expression
        self.zh = zh
        self.en = en
        self._keys = tuple(dict.fromkeys(zh.keys + en.keys))
        self._static = (rule.id, rule.score, rule.action, rule.tags)

    def hit(self, context: Mapping[str, Any]) -> RuleHit:
        values = {key: _format_value(context.get(key)) for key in self._keys}
        reason = {"zh": self.zh.fill(values, 0), "en": self.en.fill(values, 1)}
        return RuleHit(*self._static, reason, self.rule.mode == "shadow")


class CompiledRules:
    """A rule set compiled against a schema; ``evaluate`` is safe to call from many threads."""

    __slots__ = ("_active", "_shadow", "compiled", "digest", "ruleset", "schema", "version")

    def __init__(
        self, ruleset: RuleSet, schema: dict[str, FieldType], compiled: tuple[_CompiledRule, ...]
    ) -> None:
        self.ruleset = ruleset
        self.schema = schema
        self.version = ruleset.version
        self.digest = ruleset.digest
        self.compiled = compiled
        # (closure, rule) pairs: the loop in evaluate unpacks a tuple instead of two lookups.
        self._active = tuple((c.expression.fn, c) for c in compiled if c.rule.mode == "active")
        self._shadow = tuple((c.expression.fn, c) for c in compiled if c.rule.mode == "shadow")

    def __repr__(self) -> str:
        return f"CompiledRules(version={self.version}, rules={len(self.compiled)})"

    def evaluate(self, context: Mapping[str, Any]) -> RuleOutcome:
        """Run every enabled rule on one event (flat mapping of schema name -> value)."""
        hits: list[RuleHit] = []
        errors: list[str] = []
        for fn, compiled in self._active:
            try:
                fired = fn(context)
            except Exception:  # a wrong-typed context value must not stop the decision
                errors.append(compiled.rule.id)
                continue
            if fired:
                hits.append(compiled.hit(context))
        shadow_hits: list[RuleHit] = []
        for fn, compiled in self._shadow:
            try:
                fired = fn(context)
            except Exception:
                errors.append(compiled.rule.id)
                continue
            if fired:
                shadow_hits.append(compiled.hit(context))
        score = 0.0
        severity = 0
        action: Action = "allow"
        tags: set[str] = set()
        for hit in hits:
            score += hit.score
            tags.update(hit.tags)
            if hit.action is not None and SEVERITY[hit.action] > severity:
                severity = SEVERITY[hit.action]
                action = hit.action
        return RuleOutcome(
            hits, shadow_hits, min(score, MAX_SCORE), action, tags, errors, self.version
        )


def _effective_schema(ruleset: RuleSet, schema: Schema | None) -> dict[str, FieldType]:
    if schema is None:
        if ruleset.schema is None:
            raise _invalid("no schema given and the rule set declares none", "schema", "required")
        return dict(ruleset.schema)
    checked = validate_schema(schema)
    # The rule set's declared schema is its contract with the engine: every field it expects
    # must exist in the engine's feature set with the same type.
    for name, kind in (ruleset.schema or {}).items():
        if checked.get(name) != kind:
            got = checked.get(name, "absent")
            raise _invalid(
                f"the rule set expects {name} as {kind}, the engine provides {got}",
                f"schema.{name}",
                "schema_mismatch",
            )
    return checked


def compile_rules(ruleset: RuleSet, schema: Schema | None = None) -> CompiledRules:
    """Type-check and compile every enabled rule against ``schema`` (default: the set's own).

    Disabled rules are syntax-checked (on construction) but not compiled, so a rule whose
    feature was retired can be switched off without deleting it.
    """
    effective = _effective_schema(ruleset, schema)
    compiled: list[_CompiledRule] = []
    for i, rule in enumerate(ruleset.rules):
        if not rule.enabled:
            continue
        where = f"rules[{i}]"
        expression = compile_expression(rule.when, effective, field=f"{where}.when")
        zh = _template(rule.reason["zh"], effective, f"{where}.reason.zh")
        en = _template(rule.reason["en"], effective, f"{where}.reason.en")
        compiled.append(_CompiledRule(rule, expression, zh, en))
    return CompiledRules(ruleset, effective, tuple(compiled))


# --- hot reload -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedVersion:
    version: int
    digest: str
    published_at: datetime
    rules: CompiledRules

    def to_dict(self) -> dict[str, Any]:
        compiled = self.rules.compiled
        return {
            "version": self.version,
            "digest": self.digest,
            "published_at": self.published_at.isoformat(),
            "rules": len(compiled),
            "shadow": sum(1 for c in compiled if c.rule.mode == "shadow"),
        }


_EMPTY: Final = RuleSet(version=0, rules=())


class RuleBook:
    """The live rules of an engine, replaced without a restart.

    ``publish`` compiles first and swaps the reference only on success; readers take
    ``current`` (a single attribute read, atomic in CPython) and keep using the object they got
    for the whole event, so an event never sees half of one version and half of another.
    Versions must increase; ``rollback`` re-activates a version kept in the history.
    """

    def __init__(self, schema: Schema | None = None, *, keep: int = 20) -> None:
        self._schema = validate_schema(schema) if schema is not None else None
        self._lock = threading.Lock()  # serialises writers only
        self._history: deque[PublishedVersion] = deque(maxlen=max(1, keep))
        self._current = CompiledRules(_EMPTY, dict(self._schema or {}), ())
        self._latest = 0

    @property
    def current(self) -> CompiledRules:
        return self._current

    @property
    def schema(self) -> dict[str, FieldType] | None:
        return None if self._schema is None else dict(self._schema)

    def evaluate(self, context: Mapping[str, Any]) -> RuleOutcome:
        return self._current.evaluate(context)

    def publish(self, ruleset: RuleSet) -> int:
        """Compile and activate ``ruleset``; raises (and keeps the current rules) if it is bad."""
        compiled = compile_rules(ruleset, self._schema)
        with self._lock:
            if ruleset.version <= self._latest:
                raise ConflictError(
                    f"version {ruleset.version} is not newer than {self._latest}",
                    field="version",
                    rule="monotonic",
                )
            entry = PublishedVersion(ruleset.version, ruleset.digest, datetime.now(UTC), compiled)
            self._history.append(entry)
            self._latest = ruleset.version
            self._current = compiled
        return ruleset.version

    def rollback(self, version: int) -> int:
        """Re-activate a version still in the history (its compiled rules, unchanged)."""
        with self._lock:
            for entry in self._history:
                if entry.version == version:
                    self._current = entry.rules
                    return version
        raise NotFoundError(f"version {version} is not in the history", field="version")

    def history(self) -> list[PublishedVersion]:
        with self._lock:
            return list(self._history)

    def reload_from_file(self, path: str | Path) -> int | None:
        """Publish the rule set in ``path`` if its content changed; None when it did not.

        Meant to be polled (or called from a file-watch hook): a broken file raises and the
        current rules stay live.
        """
        ruleset = RuleSet.from_json(Path(path).read_bytes())
        if ruleset.digest == self._current.digest:
            return None
        return self.publish(ruleset)
