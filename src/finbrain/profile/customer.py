"""One customer's profile (客户画像): features, tags with reasons, segment — as JSON.

:func:`profile_of` reads a customer out of a batch build (what ``GET /v1/profile/customers/{id}``
serves); :func:`profile_customer` builds one customer from their own rows (the online call: the
same definitions, the same DuckDB query, restricted to that customer). A customer without
transactions still gets a profile: the fills of :mod:`finbrain.profile.features` and the tags
that hold on them (``dormant``). Missing values are ``null`` in JSON.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from finbrain.core.decision import BilingualText
from finbrain.profile.build import FeatureBuild, Source, build_features
from finbrain.profile.errors import ProfileInputError
from finbrain.profile.features import FeatureCatalog
from finbrain.profile.segments import Segmenter
from finbrain.profile.tags import TagHit, TagSet, default_tags

__all__ = ["CustomerProfile", "SegmentInfo", "profile_customer", "profile_of"]


@dataclass(frozen=True)
class SegmentInfo:
    """The customer's segment and what distinguishes it."""

    id: int
    name: BilingualText
    traits: tuple[BilingualText, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name.model_dump(),
            "traits": [t.model_dump() for t in self.traits],
        }


@dataclass(frozen=True)
class CustomerProfile:
    """Features (name -> value, None when missing), the tags that hold, the segment."""

    customer_id: str
    as_of: datetime
    features: dict[str, float | None]
    tags: tuple[TagHit, ...]
    segment: SegmentInfo | None
    catalog_version: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types only: times in UTC with ``Z``, missing values as None."""
        return {
            "customer_id": self.customer_id,
            "as_of": self.as_of.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "catalog_version": self.catalog_version,
            "features": dict(self.features),
            "tags": [t.to_dict() for t in self.tags],
            "segment": None if self.segment is None else self.segment.to_dict(),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, allow_nan=False)


def _value(value: Any) -> float | None:
    number = float(value)
    return None if math.isnan(number) else number


def profile_of(
    build: FeatureBuild,
    customer_id: Any,
    *,
    tags: TagSet | None = None,
    segmenter: Segmenter | None = None,
    scores: Mapping[str, float] | None = None,
) -> CustomerProfile:
    """The profile of ``customer_id`` in ``build``. ``tags``: default the default tags that
    the build's features and the ``scores`` given (model id -> this customer's score) allow;
    ``segmenter``: a fitted :class:`~finbrain.profile.segments.Segmenter` (else no segment)."""
    frame = build.frame
    key = _key(frame, customer_id)
    row = frame.loc[[key]]
    features = {str(name): _value(v) for name, v in row.iloc[0].items()}
    tag_set = tags or default_tags().available(frame.columns, set(scores or {}))
    hits = tuple(tag_set.explain(features, scores))
    segment = None
    if segmenter is not None:
        number = int(segmenter.predict(row)[0])
        persona = segmenter.personas_[number]
        segment = SegmentInfo(number, persona.name, tuple(t.text for t in persona.traits))
    return CustomerProfile(
        customer_id=str(key),
        as_of=build.report.as_of,
        features=features,
        tags=hits,
        segment=segment,
        catalog_version=build.catalog.version,
    )


def _key(frame: pd.DataFrame, customer_id: Any) -> Any:
    if customer_id in frame.index:
        return customer_id
    digits = str(customer_id).isdigit()
    if (
        digits
        and pd.api.types.is_integer_dtype(frame.index.dtype)
        and int(customer_id) in frame.index
    ):
        return int(customer_id)
    raise ProfileInputError(
        "no such customer in the build", field="customer_id", rule="known_customer"
    )


def profile_customer(
    customer_id: Any,
    transactions: Source | None,
    balances: Source | None = None,
    accounts: Source | None = None,
    *,
    as_of: datetime,
    catalog: FeatureCatalog | None = None,
    tags: TagSet | None = None,
    segmenter: Segmenter | None = None,
    scores: Mapping[str, float] | None = None,
    utc_offset_hours: float = 0.0,
) -> CustomerProfile:
    """One customer's profile from the sources (rows of other customers are ignored): the
    online call. A customer with no rows at all gets the fills and the tags they imply."""
    build = build_features(
        transactions,
        balances,
        accounts,
        as_of=as_of,
        customers=[customer_id],
        catalog=catalog,
        utc_offset_hours=utc_offset_hours,
    )
    return profile_of(build, customer_id, tags=tags, segmenter=segmenter, scores=scores)
