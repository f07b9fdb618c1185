"""Tags (标签体系): named yes/no facts about a customer, defined as data, each with its reason.

Two kinds, one schema (``data/tags.json`` is the default set)::

    {"id": "high_spender", "kind": "rule", "name": {"zh": "高消费客户", "en": "High spender"},
     "rule": "monetary_365d >= 20000"}
    {"id": "likely_churn", "kind": "model", "name": {...}, "model": "churn",
     "model_label": {"zh": "流失倾向", "en": "Churn propensity"}, "threshold": 0.5}

A rule tag holds when its rule (:mod:`finbrain.profile.expressions`) over the customer's
features is true; a model tag when the named model's score is at least the threshold. Each tag
that holds comes with a zh + en reason naming the customer's own values ("近365天消费金额
23,410.50 ≥ 20,000"). A definition with a mistake is refused naming the field
(``tags[3].rule``) and the rule broken; evaluating a tag whose feature or score is absent is
refused too (:meth:`TagSet.available` keeps the tags that can be evaluated).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from finbrain.core.decision import BilingualText
from finbrain.profile.errors import ProfileInputError
from finbrain.profile.expressions import Rule, fmt, parse_rule
from finbrain.profile.features import FeatureCatalog, default_catalog

__all__ = ["TagDef", "TagHit", "TagSet", "default_tags", "load_tags"]

TAG_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")
_KEYS = {
    "rule": {"id", "kind", "name", "rule", "description"},
    "model": {"id", "kind", "name", "model", "model_label", "threshold", "description"},
}


@dataclass(frozen=True)
class TagDef:
    """One tag: a rule over features, or a model score and its threshold."""

    id: str
    name: BilingualText
    kind: str
    rule: Rule | None = None
    model: str | None = None
    model_label: BilingualText | None = None
    threshold: float | None = None
    description: BilingualText | None = None


@dataclass(frozen=True)
class TagHit:
    """A tag that holds for a customer, and why (zh + en)."""

    id: str
    name: BilingualText
    reason: BilingualText

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name.model_dump(),
            "reason": self.reason.model_dump(),
        }


@dataclass(frozen=True)
class TagSet:
    """The tags, in order, with the catalogue whose labels their reasons use."""

    version: str
    tags: tuple[TagDef, ...]
    catalog: FeatureCatalog

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.tags]

    @property
    def features(self) -> frozenset[str]:
        """Every feature a rule reads."""
        return frozenset(f for t in self.tags if t.rule for f in t.rule.features)

    @property
    def models(self) -> frozenset[str]:
        return frozenset(t.model for t in self.tags if t.model)

    def available(self, features: Collection[str], models: Collection[str] = ()) -> TagSet:
        """The tags that can be evaluated with these features and model scores."""
        kept = tuple(
            t
            for t in self.tags
            if (t.rule is not None and t.rule.features <= set(features))
            or (t.model is not None and t.model in models)
        )
        return TagSet(self.version, kept, self.catalog)

    def _inputs(
        self, frame: pd.DataFrame, scores: Mapping[str, Any] | None
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        missing = sorted(self.features - set(frame.columns))
        if missing:
            tag = next(t.id for t in self.tags if t.rule and missing[0] in t.rule.features)
            raise ProfileInputError(
                f"tag {tag!r} needs the feature {missing[0]!r}",
                field=f"features.{missing[0]}",
                rule="required_by_tag",
            )
        columns = {f: frame[f].to_numpy(dtype=float, na_value=np.nan) for f in self.features}
        given = dict(scores or {})
        out = {}
        for model in sorted(self.models):
            if model not in given:
                raise ProfileInputError(
                    f"a model tag needs the scores of {model!r}",
                    field=f"scores.{model}",
                    rule="required_by_tag",
                )
            values = np.asarray(given[model], dtype=float).reshape(-1)
            if len(values) != len(frame):
                raise ProfileInputError(
                    f"scores.{model}: {len(values)} scores for {len(frame)} customers",
                    field=f"scores.{model}",
                    rule="one_score_per_customer",
                )
            out[model] = values
        return columns, out

    def evaluate(
        self, frame: pd.DataFrame, scores: Mapping[str, Any] | None = None
    ) -> pd.DataFrame:
        """One bool column per tag, one row per customer of ``frame`` (a feature table);
        ``scores``: model id -> one score per row, for the model tags. An empty frame gives an
        empty table with the tags' columns."""
        columns, model_scores = self._inputs(frame, scores)
        out = {}
        for tag in self.tags:
            if tag.rule is not None:
                out[tag.id] = tag.rule.evaluate(columns, len(frame))
            else:
                values = model_scores[str(tag.model)]
                with np.errstate(invalid="ignore"):
                    out[tag.id] = np.nan_to_num(values, nan=-1.0) >= float(tag.threshold or 0)
        return pd.DataFrame(out, index=frame.index, columns=self.ids, dtype=bool)

    def explain(
        self, features: Mapping[str, Any], scores: Mapping[str, float] | None = None
    ) -> list[TagHit]:
        """The tags that hold for one customer (``features``: name -> value, None or NaN for
        missing), each with its reason, in the tag set's order."""
        row = {  # only what the rules read: a profile may carry other, non-numeric fields
            k: (np.nan if features[k] is None else float(features[k]))
            for k in sorted(self.features)
            if k in features
        }
        frame = pd.DataFrame([row]) if row else pd.DataFrame(index=[0])
        given = {k: [np.nan if v is None else float(v)] for k, v in (scores or {}).items()}
        held = self.evaluate(frame, given).iloc[0]
        return [self._hit(t, row, given) for t in self.tags if bool(held[t.id])]

    def _hit(self, tag: TagDef, row: Mapping[str, float], scores: Mapping[str, Any]) -> TagHit:
        if tag.rule is not None:
            reason = tag.rule.explain(row, self.catalog.label)
        else:
            label = tag.model_label or BilingualText(zh=str(tag.model), en=str(tag.model))
            score, cut = fmt(float(scores[str(tag.model)][0])), fmt(float(tag.threshold or 0))
            reason = BilingualText(
                zh=f"{label.zh} {score} ≥ 阈值 {cut}", en=f"{label.en} {score} ≥ threshold {cut}"
            )
        return TagHit(tag.id, tag.name, reason)


def _fail(field: str, rule: str, detail: str) -> ProfileInputError:
    return ProfileInputError(detail, field=field, rule=rule)


def _text(value: Any, field: str) -> BilingualText:
    if not isinstance(value, Mapping) or not all(
        isinstance(value.get(k), str) and value[k].strip() for k in ("zh", "en")
    ):
        raise _fail(field, "bilingual_text", f"{field} needs non-empty zh and en texts")
    return BilingualText(zh=value["zh"], en=value["en"])


def _tag(raw: Any, at: str, known: Collection[str]) -> TagDef:
    if not isinstance(raw, Mapping):
        raise _fail(at, "object", f"{at}: a tag is an object")
    tag_id, kind = raw.get("id"), raw.get("kind")
    if not isinstance(tag_id, str) or not TAG_ID.fullmatch(tag_id):
        raise _fail(f"{at}.id", "snake_case_1_to_64", f"{at}.id: {tag_id!r}")
    if kind not in _KEYS:
        raise _fail(f"{at}.kind", "rule_or_model", f"{at}.kind: 'rule' or 'model', not {kind!r}")
    extra = sorted(set(raw) - _KEYS[kind])
    if extra:
        raise _fail(f"{at}.{extra[0]}", "known_key", f"{at}: a {kind} tag has no {extra[0]!r}")
    name = _text(raw.get("name"), f"{at}.name")
    given = raw.get("description")
    description = None if given is None else _text(given, f"{at}.description")
    if kind == "rule":
        rule = parse_rule(raw.get("rule"), known, f"{at}.rule")
        return TagDef(tag_id, name, "rule", rule=rule, description=description)
    model, threshold = raw.get("model"), raw.get("threshold")
    if not isinstance(model, str) or not TAG_ID.fullmatch(model):
        raise _fail(f"{at}.model", "snake_case_1_to_64", f"{at}.model: a model id")
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise _fail(f"{at}.threshold", "number", f"{at}.threshold: a number in (0, 1)")
    if not 0 < threshold < 1:
        raise _fail(f"{at}.threshold", "between_0_and_1", f"{at}.threshold: in (0, 1)")
    label = raw.get("model_label")
    return TagDef(
        tag_id,
        name,
        "model",
        model=model,
        model_label=None if label is None else _text(label, f"{at}.model_label"),
        threshold=float(threshold),
        description=description,
    )


def load_tags(
    source: Mapping[str, Any] | Sequence[Any] | str | Path,
    catalog: FeatureCatalog | None = None,
    *,
    features: Collection[str] | None = None,
) -> TagSet:
    """A tag set from a dict (``{"tags": [...]}``), a list of tags or a JSON file, validated
    against ``features`` (default: the names of ``catalog``, default the default catalogue)."""
    data: Any = source
    if isinstance(source, str | Path):
        data = json.loads(Path(source).read_text("utf-8"))
    if isinstance(data, list):
        data = {"tags": data}
    if not isinstance(data, Mapping) or not isinstance(data.get("tags"), list):
        raise _fail("tags", "list", "a tag set is a list of tags (or {'tags': [...]})")
    cat = catalog or default_catalog()
    known = set(features) if features is not None else set(cat.names)
    tags: list[TagDef] = []
    for i, raw in enumerate(data["tags"]):
        tag = _tag(raw, f"tags[{i}]", known)
        if any(t.id == tag.id for t in tags):
            raise _fail(f"tags[{i}].id", "unique_id", f"tags[{i}].id: {tag.id!r} twice")
        tags.append(tag)
    return TagSet(str(data.get("version", "")), tuple(tags), cat)


@cache
def default_tags() -> TagSet:
    """The tags of ``data/tags.json`` over the default catalogue."""
    text = resources.files("finbrain.profile").joinpath("data/tags.json").read_text("utf-8")
    return load_tags(json.loads(text))
