"""Product matching (用户与金融产品匹配): a recommender that ranks only the products a
suitability mask allows, so its violation rate is 0 by construction.

The public names below are imported on first use, so ``import finbrain.match`` stays light::

    from finbrain.match import Recommender, violation_rate
"""

from __future__ import annotations

from finbrain.core.lazy import lazy_exports

TYPE_CHECKING = False  # not typing's: importing typing would cost more than this package
if TYPE_CHECKING:
    from finbrain.match.recommender import Recommender, nothing_to_rank, violation_rate

_EXPORTS = {
    "Recommender": ".recommender",
    "nothing_to_rank": ".recommender",
    "violation_rate": ".recommender",
}
__all__ = ["Recommender", "nothing_to_rank", "violation_rate"]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
