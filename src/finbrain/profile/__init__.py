"""Customer profiling (客户画像): customer-360 features, tags, segments with personas, churn.

- :mod:`~finbrain.profile.features` defines the features once, as data (``data/features.json``:
  RFM, spend by category / channel / time of day / weekday, balance level and trend, product
  holdings, tenure); :func:`build_features` computes them in DuckDB over Parquet files or
  in-memory frames (:mod:`~finbrain.profile.sql` says how a Spark backend would run the same).
- :mod:`~finbrain.profile.tags`: the tag system (标签体系), rule and model tags as data, each
  with its zh + en reason.
- :class:`Segmenter`: k-means or a Gaussian mixture, the number of segments chosen by
  silhouette or BIC, seeded; personas in zh and en that say what sets a segment apart.
- :class:`ChurnModel`: calibrated LightGBM with TreeSHAP reasons; :func:`decide_churn` gives
  the tenant-less :class:`~finbrain.core.decision.Decision` of one customer.
- :func:`profile_customer` / :func:`profile_of`: one customer's JSON-ready profile.

The public names are imported on first use, so ``import finbrain.profile`` loads neither pandas
nor scikit-learn nor LightGBM::

    from finbrain.profile import build_features, default_tags, Segmenter, SEGMENT_FEATURES

    build = build_features(transactions, balances, accounts, as_of=as_of, utc_offset_hours=8)
    tags = default_tags().available(build.frame.columns).evaluate(build.frame)
    segments = Segmenter(features=SEGMENT_FEATURES).fit(build.frame)
"""

from __future__ import annotations

from finbrain.core.lazy import lazy_exports

TYPE_CHECKING = False  # not typing's: importing typing would cost more than this package
if TYPE_CHECKING:
    from finbrain.profile.build import BuildReport, FeatureBuild, build_features
    from finbrain.profile.churn import ChurnModel
    from finbrain.profile.customer import CustomerProfile, SegmentInfo, profile_customer, profile_of
    from finbrain.profile.decision import decide_churn
    from finbrain.profile.errors import ProfileInputError
    from finbrain.profile.expressions import Rule, parse_rule
    from finbrain.profile.features import (
        Condition,
        FeatureCatalog,
        FeatureDef,
        default_catalog,
        load_catalog,
    )
    from finbrain.profile.personas import Persona, Trait
    from finbrain.profile.segments import SEGMENT_FEATURES, Segmenter
    from finbrain.profile.sql import Dialect, compile_query
    from finbrain.profile.tags import TagDef, TagHit, TagSet, default_tags, load_tags

_EXPORTS = {
    "BuildReport": ".build",
    "FeatureBuild": ".build",
    "build_features": ".build",
    "ChurnModel": ".churn",
    "CustomerProfile": ".customer",
    "SegmentInfo": ".customer",
    "profile_customer": ".customer",
    "profile_of": ".customer",
    "decide_churn": ".decision",
    "ProfileInputError": ".errors",
    "Rule": ".expressions",
    "parse_rule": ".expressions",
    "Condition": ".features",
    "FeatureCatalog": ".features",
    "FeatureDef": ".features",
    "default_catalog": ".features",
    "load_catalog": ".features",
    "Persona": ".personas",
    "Trait": ".personas",
    "SEGMENT_FEATURES": ".segments",
    "Segmenter": ".segments",
    "Dialect": ".sql",
    "compile_query": ".sql",
    "TagDef": ".tags",
    "TagHit": ".tags",
    "TagSet": ".tags",
    "default_tags": ".tags",
    "load_tags": ".tags",
}
__all__ = [
    "SEGMENT_FEATURES",
    "BuildReport",
    "ChurnModel",
    "Condition",
    "CustomerProfile",
    "Dialect",
    "FeatureBuild",
    "FeatureCatalog",
    "FeatureDef",
    "Persona",
    "ProfileInputError",
    "Rule",
    "SegmentInfo",
    "Segmenter",
    "TagDef",
    "TagHit",
    "TagSet",
    "Trait",
    "build_features",
    "compile_query",
    "decide_churn",
    "default_catalog",
    "default_tags",
    "load_catalog",
    "load_tags",
    "parse_rule",
    "profile_customer",
    "profile_of",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
