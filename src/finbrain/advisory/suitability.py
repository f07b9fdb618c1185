"""Suitability (投资者适当性): which products a client may be recommended, and why.

One :class:`Rules` object — a preset (``cn``, ``eu_mifid2``, ``us_reg_bi``; data in
``data/suitability.json``) with a bank's overrides — yields, from the same checks:

- :meth:`Rules.check`: one product's verdict with zh/en reasons;
- :meth:`Rules.mask` / :meth:`Rules.mask_matrix`: the eligibility mask of a shelf for one client
  or for many at once (vectorised; the same checks, property-tested against ``check``);
- :meth:`Rules.constraints`: the optimiser's bounds (0 for an ineligible product) and group caps;
- :meth:`Rules.verify`: the violations of a weight vector (the last guard of every proposal);
- :meth:`Rules.gate`: the suitability gate of one sale as a decision (allow / warn / block);
- :meth:`Rules.insist`: the "client insists" flow (客户坚持购买) as a recorded decision;
- :meth:`Rules.rematch`: held products that no longer suit a client whose profile changed.

The checks, in order (the first failing one is the verdict's main reason):

1. ``exempt_kinds`` (ordinary deposits) are not investment products: always eligible;
2. the profile must be current (an expired assessment: re-assess first, no insisting);
3. a lowest-category client (风险承受能力最低类别) gets nothing above ``lowest_max_level``;
   China: not even on insistence (办法 art. 19-21);
4. the ladder: a Ck client, Rj product, eligible only when j <= k (+ ``ladder_offset``);
5. horizon: a lock-up longer than the client's horizon is unsuitable (投资期限, art. 18);
6. product kind: from ``interest_check_from_level`` on, the kind must be one the client chose
   (投资品种, art. 18);
7. complex products need ``complex_min_experience`` (MiFID II knowledge and experience).

Concentration (bank policy, not law): no single product above ``max_weight_per_product`` of
the portfolio (China preset 40%: a C2 client is not put wholly into one bond fund), except the
cash-like ``concentration_exempt_kinds`` (deposits, money funds); what the caps leave unplaced
stays in cash, and the proposal says so.

High-risk products (R5 or flagged) that pass carry ``special_care``: the extra disclosure,
reflection time and call-back the China rules ask for (办法 art. 22). Insisting is allowed after
a recorded warning except for a lowest-category client (China), an expired profile, and the
kinds in ``insist_excluded_kinds`` (China: bank wealth-management products may not be sold above
the client's level at all). A recommendation never includes an insisted product.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from functools import cache, cached_property
from importlib import resources
from typing import Any

import numpy as np

from finbrain.advisory.levels import RiskCategory, RiskLevel
from finbrain.advisory.questionnaire import CLIENT_ID, Assessment
from finbrain.advisory.reasons import reason
from finbrain.advisory.shelf import Product, ProductKind, Shelf
from finbrain.core.decision import BilingualText, Decision, ModelRef, Reason, Subject, utcnow
from finbrain.core.errors import NotFoundError, ValidationError

__all__ = [
    "Check",
    "ClientProfile",
    "Constraints",
    "GroupCap",
    "Rules",
    "Violation",
    "preset",
    "presets",
]

TOLERANCE = 1e-9  # weights below this are zero (a solver's rounding, not a holding)


@dataclass(frozen=True)
class ClientProfile:
    """What suitability needs to know about a client (from an :class:`Assessment`, or from a
    bank's own KYC record)."""

    client_id: str
    category: RiskCategory
    lowest: bool = False
    assessed_at: datetime | None = None
    expires_at: datetime | None = None
    horizon_years: float | None = None
    experience: int | None = None
    """0 none, 1 deposits/WMP, 2 funds, 3 stocks/ETFs, 4 derivatives."""
    interests: frozenset[str] | None = None
    """Product kinds the client said they would invest in (None: not asked)."""
    questionnaire: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.client_id, str) or not CLIENT_ID.fullmatch(self.client_id):
            raise ValidationError(field="client_id", rule="bank_reference_1_to_128")
        object.__setattr__(self, "category", RiskCategory.parse(self.category, "category"))
        if self.lowest and self.category != RiskCategory.C1:
            raise ValidationError(field="category", rule="lowest_category_is_C1")
        for name in ("assessed_at", "expires_at"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
                raise ValidationError(field=name, rule="timezone_aware_datetime")
        if self.assessed_at and self.expires_at and self.expires_at <= self.assessed_at:
            raise ValidationError(field="expires_at", rule="after_assessed_at")
        if self.horizon_years is not None and not (
            isinstance(self.horizon_years, int | float) and 0 <= self.horizon_years < 100
        ):
            raise ValidationError(field="horizon_years", rule="years_0_to_100")
        if self.experience is not None and self.experience not in range(5):
            raise ValidationError(field="experience", rule="level_0_to_4")
        if self.interests is not None:
            object.__setattr__(self, "interests", frozenset(str(i) for i in self.interests))

    @classmethod
    def from_assessment(cls, client_id: str, assessment: Assessment) -> ClientProfile:
        facts = assessment.facts
        interests = facts.get("interests")
        return cls(
            client_id=client_id,
            category=assessment.category,
            lowest=assessment.lowest,
            assessed_at=assessment.assessed_at,
            expires_at=assessment.expires_at,
            horizon_years=facts.get("horizon_years"),
            experience=facts.get("experience"),
            interests=frozenset(interests) if interests is not None else None,
            questionnaire=f"{assessment.questionnaire_id}@{assessment.questionnaire_version}",
        )

    def is_current(self, at: datetime) -> bool:
        return self.expires_at is None or at < self.expires_at

    def to_json(self) -> dict[str, Any]:
        """The profile as JSON-ready data (what a decision's input digest covers)."""
        return {
            "client_id": self.client_id,
            "category": self.category.label,
            "lowest": self.lowest,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "horizon_years": self.horizon_years,
            "experience": self.experience,
            "interests": sorted(self.interests) if self.interests is not None else None,
            "assessed_at": self.assessed_at.isoformat() if self.assessed_at else None,
            "questionnaire": self.questionnaire,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ClientProfile:
        """The profile :meth:`to_json` wrote (as a bank stores it between sessions)."""
        if not isinstance(data, Mapping):
            raise ValidationError(field="profile", rule="object")
        known = {f.name for f in fields(cls)}
        if unknown := sorted(set(data) - known):
            raise ValidationError(field=f"profile.{unknown[0]}", rule="known_profile_field")
        values = dict(data)
        for name in ("assessed_at", "expires_at"):
            if isinstance(values.get(name), str):
                try:
                    values[name] = datetime.fromisoformat(values[name])
                except ValueError:
                    raise ValidationError(field=f"profile.{name}", rule="iso_datetime") from None
        if values.get("interests") is not None:
            values["interests"] = frozenset(values["interests"])
        try:
            return cls(**values)
        except TypeError:
            raise ValidationError(field="profile", rule="client_id_and_category") from None


@dataclass(frozen=True)
class Check:
    """One product for one client: eligible or not, and why."""

    product: str
    eligible: bool
    rule: str
    """The deciding rule's reason code (``SUIT-MATCH`` when eligible)."""
    reasons: tuple[Reason, ...]
    insist_allowed: bool
    special_care: bool = False


@dataclass(frozen=True)
class GroupCap:
    """At most ``max_weight`` in the products of ``members`` together."""

    code: str
    members: np.ndarray
    max_weight: float
    text: BilingualText


@dataclass(frozen=True)
class Violation:
    code: str
    product: str | None
    weight: float
    text: BilingualText


@dataclass(frozen=True)
class Constraints:
    """The optimiser's side of the rules, in shelf order."""

    codes: tuple[str, ...]
    eligible: np.ndarray
    max_weights: np.ndarray
    """0 where ineligible, else the per-product cap."""
    groups: tuple[GroupCap, ...]
    min_weights: np.ndarray | None = None
    """Floors (a locked-up holding that cannot be sold); None: all 0."""
    source: tuple[Rules, ClientProfile, Shelf, datetime] | None = field(
        default=None, repr=False, compare=False
    )
    """What made them: the per-product checks (with their reasons) are built on first use."""
    _checked: dict[int, Check] = field(default_factory=dict, repr=False, compare=False)
    """Single verdicts built so far (a proposal asks for the same product several times:
    verify, special care, the orders' guard); shared by copies made with ``replace``."""

    @cached_property
    def checks(self) -> tuple[Check, ...]:
        """Every product's verdict with its zh/en reasons (built on first use: a mask needs
        none of the text)."""
        if self.source is None:
            raise ValidationError(field="checks", rule="constraints_from_rules")
        rules, client, shelf, at = self.source
        return rules.checks(client, shelf, at=at)

    def check(self, index: int) -> Check:
        """The verdict for the product at ``index`` (shelf order), built alone if need be."""
        if "checks" in self.__dict__ or self.source is None:
            return self.checks[index]
        hit = self._checked.get(index)
        if hit is None:
            rules, client, shelf, at = self.source
            hit = self._checked[index] = rules.check(client, shelf[index], at=at)
        return hit

    def made_by(self, rules: Rules, client: ClientProfile, shelf: Shelf, at: datetime) -> bool:
        """Were these constraints made by ``rules`` for ``client`` on ``shelf`` at ``at``
        (so that their one-product verdicts answer for them)?"""
        if self.source is None:
            return False
        mine = self.source
        return mine[0] is rules and mine[1] is client and mine[2] is shelf and mine[3] == at

    def for_codes(self, codes: Sequence[str]) -> dict[str, Any]:
        """skfolio keyword arguments for the optimisation over ``codes`` (a subset of the
        eligible products, in that order): ``max_weights`` and the group caps as
        ``left_inequality @ w <= right_inequality``."""
        index = {c: i for i, c in enumerate(self.codes)}
        at = np.array([index[c] for c in codes], dtype=np.intp)
        if not self.eligible[at].all():
            bad = next(c for c in codes if not self.eligible[index[c]])
            raise ValidationError(field=f"products.{bad}", rule="eligible_only")
        caps = self.max_weights[at].astype(float)
        # no per-product cap below 1: skfolio's scalar bound, not 500 linear constraints
        out: dict[str, Any] = {"max_weights": 1.0 if (caps >= 1.0).all() else caps}
        if self.min_weights is not None and self.min_weights[at].any():
            out["min_weights"] = np.minimum(self.min_weights[at], caps)
        rows = [
            (g.members[at].astype(float), g.max_weight) for g in self.groups if g.members[at].any()
        ]
        if rows:
            out["left_inequality"] = np.vstack([r for r, _ in rows])
            out["right_inequality"] = np.array([b for _, b in rows], dtype=float)
        return out


@dataclass(frozen=True)
class Rules:
    """A suitability rule set (see the module doc for what each field switches)."""

    name: str
    title: BilingualText
    regulation: BilingualText
    profile_must_be_current: bool = True
    ladder_offset: int = 0
    lowest_max_level: int = 1
    lowest_may_insist: bool = False
    horizon_check: bool = True
    interest_check_from_level: int | None = None
    complex_min_experience: int | None = None
    high_risk_special_care: bool = True
    insist_allowed: bool = True
    insist_excluded_kinds: frozenset[str] = frozenset()
    exempt_kinds: frozenset[str] = frozenset()
    max_weight_per_product: float = 1.0
    concentration_exempt_kinds: frozenset[str] = frozenset()
    """Cash-like kinds (deposits, money funds) the per-product cap does not bind."""
    max_high_risk_weight: float = 1.0
    version: str = field(default="1")

    def __post_init__(self) -> None:
        if not isinstance(self.ladder_offset, int) or not -4 <= self.ladder_offset <= 0:
            raise ValidationError(field="ladder_offset", rule="integer_-4_to_0")
        if self.lowest_max_level not in range(1, 6):
            raise ValidationError(field="lowest_max_level", rule="level_1_to_5")
        if self.interest_check_from_level not in (None, 1, 2, 3, 4, 5):
            raise ValidationError(field="interest_check_from_level", rule="level_1_to_5_or_null")
        if self.complex_min_experience not in (None, 0, 1, 2, 3, 4):
            raise ValidationError(field="complex_min_experience", rule="level_0_to_4_or_null")
        for name in ("max_weight_per_product", "max_high_risk_weight"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0 < value <= 1:
                raise ValidationError(field=name, rule="fraction_above_0_to_1")
        kinds = {k.value for k in ProductKind}
        for name in ("insist_excluded_kinds", "exempt_kinds", "concentration_exempt_kinds"):
            values = frozenset(getattr(self, name))
            if unknown := values - kinds:
                raise ValidationError(field=name, rule="product_kinds", value=sorted(unknown)[0])
            object.__setattr__(self, name, values)

    # -- one product ------------------------------------------------------------------------

    def check(
        self, client: ClientProfile, product: Product, *, at: datetime | None = None
    ) -> Check:
        """The verdict for ``product``, with its reasons (zh and en)."""
        when = _aware(at)
        code, level, category = product.code, product.risk, client.category
        params: dict[str, Any] = {
            "code": code,
            "level": level.label,
            "category": category.label,
            "name": product.name,
        }
        kind = product.kind.value
        if kind in self.exempt_kinds:
            return Check(
                code, True, "SUIT-EXEMPT", (reason("SUIT-EXEMPT", feature=code, **params),), True
            )
        insist = self.insist_allowed and kind not in self.insist_excluded_kinds

        def no(rule: str, may_insist: bool, **more: Any) -> Check:
            why = reason(rule, feature=code, value=level.label, **params, **more)
            return Check(code, False, rule, (why,), may_insist)

        if self.profile_must_be_current and not client.is_current(when):
            expired = client.expires_at.date().isoformat() if client.expires_at else "?"
            return no("SUIT-PROFILE-EXPIRED", False, date=expired)
        if client.lowest and level > self.lowest_max_level:
            return no(
                "SUIT-LOWEST",
                insist and self.lowest_may_insist,
                max_level=RiskLevel(self.lowest_max_level).label,
            )
        if level > category + self.ladder_offset:
            rule = "SUIT-ABOVE-NO-INSIST" if kind in self.insist_excluded_kinds else "SUIT-ABOVE"
            return no(rule, insist)
        if (
            self.horizon_check
            and client.horizon_years is not None
            and product.lock_up_years > client.horizon_years + 1e-9
        ):
            return no(
                "SUIT-HORIZON",
                insist,
                lock_up_days=product.lock_up_days,
                horizon=f"{client.horizon_years:g}",
            )
        if (
            self.interest_check_from_level is not None
            and client.interests is not None
            and level >= self.interest_check_from_level
            and kind not in client.interests
        ):
            return no("SUIT-KIND", insist, kind=product.kind.text)
        if (
            self.complex_min_experience is not None
            and product.complex
            and (client.experience or 0) < self.complex_min_experience
        ):
            return no(
                "SUIT-COMPLEX",
                insist,
                experience=client.experience or 0,
                need=self.complex_min_experience,
            )
        reasons = [reason("SUIT-MATCH", feature=code, value=level.label, **params)]
        care = self.high_risk_special_care and product.is_high_risk
        if care:
            reasons.append(reason("SUIT-HIGH-RISK", feature=code, value=level.label, **params))
        return Check(code, True, "SUIT-MATCH", tuple(reasons), True, care)

    # -- a shelf ----------------------------------------------------------------------------

    def checks(
        self, client: ClientProfile, shelf: Shelf, *, at: datetime | None = None
    ) -> tuple[Check, ...]:
        when = _aware(at)
        return tuple(self.check(client, p, at=when) for p in shelf)

    def mask(
        self, client: ClientProfile, shelf: Shelf, *, at: datetime | None = None
    ) -> np.ndarray:
        """Which products of ``shelf`` the client may be recommended (bool, shelf order)."""
        row: np.ndarray = self.mask_matrix([client], shelf, at=at)[0]
        return row

    def mask_matrix(
        self, clients: Sequence[ClientProfile], shelf: Shelf, *, at: datetime | None = None
    ) -> np.ndarray:
        """Eligibility of every product for every client: bool ``(len(clients), len(shelf))``.
        The same checks as :meth:`check`, as array operations (10^5 clients in well under a
        second)."""
        when = _aware(at)
        n = len(clients)
        level = shelf.risks.astype(np.int16)[None, :]
        category = np.fromiter((int(c.category) for c in clients), np.int16, n)[:, None]
        ok = level <= category + self.ladder_offset
        lowest = np.fromiter((c.lowest for c in clients), bool, n)[:, None]
        ok &= ~(lowest & (level > self.lowest_max_level))
        if self.profile_must_be_current:
            current = np.fromiter((c.is_current(when) for c in clients), bool, n)[:, None]
            ok &= current
        if self.horizon_check:
            horizon = np.fromiter(
                (np.inf if c.horizon_years is None else c.horizon_years for c in clients), float, n
            )[:, None]
            lock = np.array([p.lock_up_years for p in shelf], float)[None, :]
            ok &= lock <= horizon + 1e-9
        if self.interest_check_from_level is not None:
            kinds = [p.kind.value for p in shelf]
            chosen = np.array(
                [[c.interests is None or k in c.interests for k in kinds] for c in clients], bool
            ).reshape(n, len(shelf))
            ok &= chosen | (level < self.interest_check_from_level)
        if self.complex_min_experience is not None:
            complex_ = np.array([p.complex for p in shelf], bool)[None, :]
            experience = np.fromiter((c.experience or 0 for c in clients), np.int16, n)[:, None]
            ok &= ~complex_ | (experience >= self.complex_min_experience)
        exempt = np.array([p.kind.value in self.exempt_kinds for p in shelf], bool)[None, :]
        result: np.ndarray = np.asarray(ok | exempt, dtype=bool)
        return result

    def constraints(
        self, client: ClientProfile, shelf: Shelf, *, at: datetime | None = None
    ) -> Constraints:
        """Bounds for the optimiser: eligible products up to ``max_weight_per_product`` (the
        concentration limit; cash-like ``concentration_exempt_kinds`` up to all of it), the
        rest 0; high-risk products together up to ``max_high_risk_weight``."""
        when = _aware(at)
        eligible = self.mask_matrix([client], shelf, at=when)[0]
        cash_like = np.array([p.kind.value in self.concentration_exempt_kinds for p in shelf], bool)
        caps = np.where(eligible, np.where(cash_like, 1.0, float(self.max_weight_per_product)), 0.0)
        groups = []
        if self.max_high_risk_weight < 1:
            members = np.array([p.is_high_risk for p in shelf], bool)
            pct = f"{self.max_high_risk_weight:.0%}"
            groups.append(
                GroupCap(
                    "SUIT-CAP-HIGH-RISK",
                    members,
                    self.max_high_risk_weight,
                    reason("SUIT-CAP-HIGH-RISK", share=pct).text,
                )
            )
        return Constraints(
            tuple(shelf.codes), eligible, caps, tuple(groups), source=(self, client, shelf, when)
        )

    def verify(
        self,
        client: ClientProfile,
        shelf: Shelf,
        weights: Mapping[str, float] | Any,
        *,
        at: datetime | None = None,
        limits: Constraints | None = None,
    ) -> list[Violation]:
        """Every rule a weight vector (shelf order, or code -> weight) breaks: held weight in
        an ineligible product, over a product's cap, over a group cap. Empty when suitable.
        ``limits``: this client's constraints already computed (bounds a caller adjusted are
        checked as given; eligibility always comes from the rules' checks)."""
        when = _aware(at)
        w = _weights(shelf, weights)
        limits = limits or self.constraints(client, shelf, at=when)
        out = []
        for i in np.flatnonzero(w > TOLERANCE):
            # every held product is re-checked one by one (the one-product path, independent
            # of the mask's): built once per product for these constraints
            if limits.made_by(self, client, shelf, when):
                check = limits.check(int(i))
            else:
                check = self.check(client, shelf[int(i)], at=when)
            if not check.eligible:
                out.append(Violation(check.rule, check.product, float(w[i]), check.reasons[0].text))
            elif w[i] > limits.max_weights[i] + 1e-6:
                share = f"{limits.max_weights[i]:.0%}"
                text = reason("SUIT-CAP-PRODUCT", code=check.product, share=share).text
                out.append(Violation("SUIT-CAP-PRODUCT", check.product, float(w[i]), text))
        for group in limits.groups:
            total = float(w[group.members].sum())
            if total > group.max_weight + 1e-6:
                out.append(Violation(group.code, None, total, group.text))
        return out

    # -- one purchase ------------------------------------------------------------------------

    def gate(
        self, client: ClientProfile, product: Product, *, at: datetime | None = None
    ) -> Decision:
        """May ``client`` buy ``product`` now? The suitability gate of a sale, as a tenant-less
        Decision (capability ``advisory``, action ``gate``): ``allow`` (suitable; a high-risk
        product's special-care reason follows the match), ``warn`` (unsuitable, but the client
        may insist: show the special warning and, once confirmed, record :meth:`insist` with
        ``acknowledged=True``) or ``block`` (not even on insistence). Never raises for an
        unsuitable product: the reasons say why."""
        when = _aware(at)
        check = self.check(client, product, at=when)
        outcome = "allow" if check.eligible else "warn" if check.insist_allowed else "block"
        reasons = list(check.reasons)
        if outcome == "warn":
            reasons.append(reason("SUIT-INSIST-WARNING", feature=product.code,
                                  value=product.risk.label, code=product.code,
                                  level=product.risk.label, category=client.category.label,
                                  name=product.name))  # fmt: skip
        return Decision.for_input(
            {"client": client.to_json(), "product": product.to_dict(), "rules": self.ref,
             "at": when.isoformat()},
            capability="advisory", action="gate",
            subject=Subject(type="client", id=client.client_id),
            model=ModelRef(id=f"suitability:{self.name}", version=self.version),
            outcome=outcome, grade=client.category.label, reasons=reasons, created_at=when,
        )  # fmt: skip

    # -- the client insists -----------------------------------------------------------------

    def insist(
        self,
        client: ClientProfile,
        product: Product,
        *,
        acknowledged: bool,
        at: datetime | None = None,
    ) -> Decision:
        """A client asks to buy ``product`` on the client's own initiative.

        Returns a tenant-less Decision (capability ``advisory``, action ``insist``): ``allow``
        when the product suits the client anyway; ``allow_with_warning`` when insisting is
        allowed: the special written warning (特别的书面风险警示) is its first reason, recorded
        with the decision; ``block`` when it is not (lowest category, expired profile, a kind
        that may not be sold above the client's level). ``acknowledged`` must be True for the
        warning case (the client confirmed the warning): else a ValidationError names it."""
        when = _aware(at)
        check = self.check(client, product, at=when)
        if check.eligible:
            outcome, reasons = "allow", list(check.reasons)
        elif check.insist_allowed:
            if acknowledged is not True:
                raise ValidationError(
                    field="acknowledged", rule="warning_must_be_acknowledged", product=product.code
                )
            warning = reason(
                "SUIT-INSIST-WARNING",
                feature=product.code,
                value=product.risk.label,
                code=product.code,
                level=product.risk.label,
                category=client.category.label,
                name=product.name,
            )
            outcome, reasons = "allow_with_warning", [warning, *check.reasons]
        else:
            outcome = "block"
            reasons = [*check.reasons, reason("SUIT-INSIST-REFUSED", feature=product.code)]
        return Decision.for_input(
            {
                "client": client.to_json(),
                "product": product.to_dict(),
                "acknowledged": acknowledged,
                "rules": self.ref,
                "at": when.isoformat(),
            },
            capability="advisory",
            action="insist",
            subject=Subject(type="client", id=client.client_id),
            model=ModelRef(id=f"suitability:{self.name}", version=self.version),
            outcome=outcome,
            grade=client.category.label,
            reasons=reasons,
            created_at=when,
        )

    def rematch(
        self,
        client: ClientProfile,
        held: Iterable[str],
        shelf: Shelf,
        *,
        at: datetime | None = None,
    ) -> list[Check]:
        """After the client's information changed (a new assessment), the held products that
        no longer suit: each gets a ``SUIT-REMATCH`` reason first. Nothing is sold: the bank
        tells the client, and new purchases of them are unsuitable."""
        when = _aware(at)
        out = []
        for code in held:
            check = self.check(client, shelf[code], at=when)
            if not check.eligible:
                notice = reason(
                    "SUIT-REMATCH", feature=code, code=code, category=client.category.label
                )
                out.append(replace(check, reasons=(notice, *check.reasons)))
        return out

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"


def _looser(key: str, base: Any, value: Any) -> bool:
    """Would ``value`` loosen the preset's ``base`` (a bank may only be stricter)?"""
    if key in {"profile_must_be_current", "horizon_check", "high_risk_special_care"}:
        return bool(base) and not value
    if key in {"lowest_may_insist", "insist_allowed"}:
        return bool(value) and not base
    if key in {
        "ladder_offset",
        "lowest_max_level",
        "max_weight_per_product",
        "max_high_risk_weight",
    }:
        return isinstance(value, int | float) and value > base
    if key == "interest_check_from_level":
        return base is not None and (value is None or value > base)
    if key == "complex_min_experience":
        return base is not None and (value is None or value < base)
    if key == "insist_excluded_kinds":
        return not set(base) <= set(value)
    if key in {"exempt_kinds", "concentration_exempt_kinds"}:
        return not set(value) <= set(base)
    return False


def _weights(shelf: Shelf, weights: Mapping[str, float] | Any) -> np.ndarray:
    if isinstance(weights, Mapping):
        w = np.zeros(len(shelf))
        for code, value in weights.items():
            w[shelf.index_of(code)] = float(value)
    else:
        w = np.asarray(weights, dtype=float).reshape(-1)
        if w.shape != (len(shelf),):
            raise ValidationError(field="weights", rule="one_per_product", expected=len(shelf))
    if not np.isfinite(w).all() or (w < -TOLERANCE).any():
        raise ValidationError(field="weights", rule="finite_not_negative")
    return w


def _aware(at: datetime | None) -> datetime:
    if at is None:
        return utcnow()
    if not isinstance(at, datetime) or at.tzinfo is None:
        raise ValidationError(field="at", rule="timezone_aware_datetime")
    return at


@cache
def _presets() -> dict[str, dict[str, Any]]:
    raw = resources.files("finbrain.advisory").joinpath("data/suitability.json").read_text("utf-8")
    data: dict[str, dict[str, Any]] = json.loads(raw)["presets"]
    return data


def presets() -> list[str]:
    """The names of the shipped presets."""
    return sorted(_presets())


def preset(name: str = "cn", **overrides: Any) -> Rules:
    """A shipped rule set (``cn``, ``eu_mifid2``, ``us_reg_bi``) with a bank's overrides."""
    if name not in _presets():
        raise NotFoundError(
            field="preset", rule="one_of_presets", kind="suitability preset", allowed=presets()
        )
    data = dict(_presets()[name])
    known = {f.name for f in fields(Rules)}
    for key in overrides:
        if key not in known or key in {"name", "title", "regulation"}:
            raise ValidationError(field=key, rule="known_rule_parameter")
    for key, value in overrides.items():
        if _looser(key, data[key], value):
            raise ValidationError(field=key, rule="no_looser_than_preset", preset=name)
    data.update(overrides)
    data["title"] = BilingualText(**data["title"])
    data["regulation"] = BilingualText(**data["regulation"])
    for key in ("insist_excluded_kinds", "exempt_kinds", "concentration_exempt_kinds"):
        data[key] = frozenset(data[key])
    if overrides:
        data.setdefault("version", "1")
        data["version"] = f"{data['version']}+bank"
    return Rules(name=name, **data)
