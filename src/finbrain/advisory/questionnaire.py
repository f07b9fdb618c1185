"""The risk questionnaire (风险承受能力评估问卷): versioned, bilingual, stored as data.

A :class:`Questionnaire` is read from JSON (``data/questionnaire_<id>_<version>.json``, or any
dict of the same shape through :meth:`Questionnaire.model_validate`). Each question belongs to
one dimension:

- **capacity** (客观风险承受能力): what the client can afford to lose (age, income, assets,
  debts, horizon, reserves);
- **willingness** (主观风险偏好): what the client is prepared to lose (experience, knowledge,
  objective, loss tolerance, reaction to a fall, product preferences).

Each dimension's points are rescaled to 0-100 and banded to C1-C5 (``bands``: the four
cut-offs); caps bound a dimension (a client over 70 has at most C3 capacity); the client's
category is the lower of the two: **the more conservative wins**. A knock-out answer (no loss
acceptable at all, a minor) makes the client a lowest-category investor (风险承受能力最低类别,
证券期货投资者适当性管理办法 art. 19): C1 with the ``lowest`` flag, to whom nothing above R1 may
be sold even if the client insists.

Consistency rules pair answers that contradict each other. A ``reject`` rule refuses the
questionnaire (a :class:`~finbrain.core.errors.ValidationError` naming the question, the rule
and the conflicting question: the client answers again); a ``review`` rule is recorded on the
:class:`Assessment` (``needs_review``) and its decision's outcome is ``review``: an adviser
confirms before anything is sold. An assessment expires ``validity_days`` after it was made.

Every assessment records the questionnaire's id, version and content digest, so a later reader
knows exactly which questions and points produced it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, cached_property
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from finbrain.advisory.levels import RiskCategory
from finbrain.advisory.reasons import reason
from finbrain.core.canonical import digest
from finbrain.core.decision import BilingualText, Decision, ModelRef, Reason, Subject, utcnow
from finbrain.core.errors import NotFoundError, ValidationError

__all__ = [
    "Assessment",
    "Inconsistency",
    "Questionnaire",
    "available_questionnaires",
    "load_questionnaire",
]

Dimension = Literal["capacity", "willingness"]
DIMENSIONS: tuple[Dimension, ...] = ("capacity", "willingness")
_ID = r"^[a-z0-9][a-z0-9_\-]{0,63}$"
CLIENT_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")  # the bank's own reference, never a name


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Option(_Frozen):
    id: str = Field(pattern=_ID)
    points: int = Field(ge=0, le=100)
    text: BilingualText
    knockout: bool = False
    facts: dict[str, Any] = Field(default_factory=dict)
    """What the answer tells beyond points (``horizon_years``, ``experience``, ``interests``)."""


class Question(_Frozen):
    id: str = Field(pattern=_ID)
    dimension: Dimension
    kind: Literal["single", "multiple"] = "single"
    scoring: Literal["max", "sum"] = "max"
    """How a multiple-choice question's chosen options score (single choice: its one option)."""
    text: BilingualText
    options: tuple[Option, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _unique_options(self) -> Question:
        ids = [o.id for o in self.options]
        if len(set(ids)) != len(ids):
            raise ValueError(f"question {self.id!r} repeats an option id")
        return self

    def option(self, option_id: str) -> Option:
        for option in self.options:
            if option.id == option_id:
                return option
        raise KeyError(option_id)

    def point_range(self) -> tuple[int, int]:
        """The fewest and the most points an answer can score (knock-outs excluded from the
        minimum: they end the scoring anyway)."""
        points = [o.points for o in self.options if not o.knockout] or [0]
        if self.kind == "multiple" and self.scoring == "sum":
            return min(points), sum(points)
        return min(points), max(points)


class Condition(_Frozen):
    question: str
    options: tuple[str, ...] = Field(min_length=1)


class Cap(_Frozen):
    code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9\-]*$")
    dimension: Dimension
    question: str
    options: tuple[str, ...] = Field(min_length=1)
    max_category: int = Field(ge=1, le=5)
    text: BilingualText


class ConsistencyRule(_Frozen):
    code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9\-]*$")
    severity: Literal["reject", "review"]
    when: Condition
    conflicts: Condition
    text: BilingualText


@dataclass(frozen=True, slots=True)
class Inconsistency:
    """Two answers that contradict each other (a ``review`` rule: recorded, not refused)."""

    code: str
    questions: tuple[str, str]
    text: BilingualText


class Questionnaire(_Frozen):
    """A versioned questionnaire; :meth:`assess` scores one client's answers."""

    id: str = Field(pattern=_ID)
    version: str = Field(pattern=r"^[0-9A-Za-z.\-]{1,32}$")
    title: BilingualText
    validity_days: int = Field(ge=1, le=3660)
    bands: tuple[int, int, int, int]
    """Cut-offs on the 0-100 scale: below ``bands[0]`` is C1, ..., from ``bands[3]`` C5."""
    questions: tuple[Question, ...] = Field(min_length=1)
    caps: tuple[Cap, ...] = ()
    consistency: tuple[ConsistencyRule, ...] = ()
    doc: str | None = Field(default=None, alias="_doc")

    @model_validator(mode="after")
    def _references(self) -> Questionnaire:
        if not 0 < self.bands[0] < self.bands[1] < self.bands[2] < self.bands[3] < 100:
            raise ValueError("bands must be four increasing cut-offs strictly inside 0-100")
        ids = [q.id for q in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError("a question id is repeated")
        for dimension in DIMENSIONS:
            questions = [q for q in self.questions if q.dimension == dimension]
            low = sum(q.point_range()[0] for q in questions)
            high = sum(q.point_range()[1] for q in questions)
            if high <= low:
                raise ValueError(f"the {dimension} questions cannot tell clients apart")
        by_id = {q.id: q for q in self.questions}
        conditions: list[tuple[str, Condition]] = []
        for cap in self.caps:
            conditions.append((cap.code, Condition(question=cap.question, options=cap.options)))
            if by_id.get(cap.question) and by_id[cap.question].dimension != cap.dimension:
                raise ValueError(f"{cap.code}: question {cap.question!r} is not {cap.dimension}")
        for rule in self.consistency:
            conditions += [(rule.code, rule.when), (rule.code, rule.conflicts)]
        for code, condition in conditions:
            question = by_id.get(condition.question)
            if question is None:
                raise ValueError(f"{code} names no question {condition.question!r}")
            known = {o.id for o in question.options}
            if unknown := set(condition.options) - known:
                raise ValueError(f"{code} names options {sorted(unknown)} not in {question.id!r}")
        return self

    @cached_property
    def digest(self) -> str:
        """SHA-256 of the questionnaire's canonical JSON: which exact text and points scored."""
        return _digest_of(self)

    def question(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise NotFoundError(field="question", rule="known_question", kind="question")

    def assess(self, answers: Mapping[str, Any], *, at: datetime | None = None) -> Assessment:
        """Score ``answers`` (question id -> option id, or a list of option ids for a
        multiple-choice question) as of ``at`` (timezone-aware; default now).

        Raises :class:`~finbrain.core.errors.ValidationError` naming ``answers.<question>`` and
        the rule: ``answered``, ``known_question``, ``one_of_options``, ``single_choice``,
        ``one_or_more_options``, ``no_repeats``, or a ``reject`` consistency rule's code (with
        ``conflicts_with``: the other question)."""
        when = _aware(at)
        chosen = self._validate(answers)
        for rule in self.consistency:
            if (
                rule.severity == "reject"
                and _holds(rule.when, chosen)
                and _holds(rule.conflicts, chosen)
            ):
                raise ValidationError(
                    f"answers contradict each other: {rule.text.en}",
                    field=f"answers.{rule.when.question}",
                    rule=rule.code,
                    conflicts_with=f"answers.{rule.conflicts.question}",
                )
        inconsistencies = tuple(
            Inconsistency(rule.code, (rule.when.question, rule.conflicts.question), rule.text)
            for rule in self.consistency
            if rule.severity == "review"
            and _holds(rule.when, chosen)
            and _holds(rule.conflicts, chosen)
        )
        knockouts = tuple(
            q.id for q in self.questions if any(q.option(o).knockout for o in chosen[q.id])
        )
        scores: dict[str, float] = {}
        categories: dict[str, RiskCategory] = {}
        applied_caps: list[Cap] = []
        for dimension in DIMENSIONS:
            questions = [q for q in self.questions if q.dimension == dimension]
            low = sum(q.point_range()[0] for q in questions)
            high = sum(q.point_range()[1] for q in questions)
            got = sum(_points(q, chosen[q.id]) for q in questions)
            score = round(100.0 * min(max(got - low, 0), high - low) / (high - low), 2)
            category = RiskCategory(1 + sum(score >= cut for cut in self.bands))
            for cap in self.caps:
                if cap.dimension == dimension and _holds(cap, chosen):
                    if category > cap.max_category:
                        applied_caps.append(cap)
                    category = RiskCategory(min(category, cap.max_category))
            scores[dimension], categories[dimension] = score, category
        lowest = bool(knockouts)
        capacity, willingness = categories["capacity"], categories["willingness"]
        category = RiskCategory.C1 if lowest else min(capacity, willingness)
        binding: Literal["capacity", "willingness", "both"] = (
            "both"
            if capacity == willingness
            else "capacity"
            if capacity < willingness
            else "willingness"
        )
        return Assessment(
            questionnaire_id=self.id,
            questionnaire_version=self.version,
            questionnaire_digest=self.digest,
            capacity_score=scores["capacity"],
            willingness_score=scores["willingness"],
            capacity=capacity,
            willingness=willingness,
            category=category,
            binding=binding,
            lowest=lowest,
            knockouts=knockouts,
            caps=tuple(cap.code for cap in applied_caps),
            cap_texts=tuple(cap.text for cap in applied_caps),
            inconsistencies=inconsistencies,
            facts=_facts(self, chosen),
            answers={
                q: (list(v) if self.question(q).kind == "multiple" else v[0])
                for q, v in chosen.items()
            },
            assessed_at=when,
            expires_at=when + timedelta(days=self.validity_days),
        )

    def _validate(self, answers: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
        if not isinstance(answers, Mapping):
            raise ValidationError(field="answers", rule="mapping_of_question_to_option")
        known = {q.id for q in self.questions}
        for key in answers:
            if key not in known:
                raise ValidationError(field=f"answers.{key}", rule="known_question")
        missing = [q.id for q in self.questions if answers.get(q.id) in (None, "", [], ())]
        if missing:
            raise ValidationError(
                f"unanswered: {', '.join(missing)}",
                field=f"answers.{missing[0]}",
                rule="answered",
                missing=missing,
            )
        chosen: dict[str, tuple[str, ...]] = {}
        for question in self.questions:
            value = answers[question.id]
            name = f"answers.{question.id}"
            options = {o.id for o in question.options}
            if question.kind == "single":
                if not isinstance(value, str):
                    raise ValidationError(field=name, rule="single_choice", value=repr(value))
                picked: tuple[str, ...] = (value,)
            else:
                if isinstance(value, str) or not isinstance(value, Sequence):
                    raise ValidationError(field=name, rule="one_or_more_options")
                picked = tuple(value)
                if len(set(picked)) != len(picked):
                    raise ValidationError(field=name, rule="no_repeats")
            for option in picked:
                if not isinstance(option, str) or option not in options:
                    raise ValidationError(
                        field=name,
                        rule="one_of_options",
                        value=repr(option),
                        allowed=sorted(options),
                    )
            chosen[question.id] = picked
        return chosen


@dataclass(frozen=True)
class Assessment:
    """One client's scored questionnaire."""

    questionnaire_id: str
    questionnaire_version: str
    questionnaire_digest: str
    capacity_score: float
    willingness_score: float
    capacity: RiskCategory
    willingness: RiskCategory
    category: RiskCategory
    """The client's category: the lower of capacity and willingness (C1 when ``lowest``)."""
    binding: Literal["capacity", "willingness", "both"]
    lowest: bool
    """A lowest-category investor (风险承受能力最低类别): R1 only, never on insistence."""
    knockouts: tuple[str, ...]
    caps: tuple[str, ...]
    cap_texts: tuple[BilingualText, ...]
    inconsistencies: tuple[Inconsistency, ...]
    facts: Mapping[str, Any]
    """``horizon_years``, ``experience`` (0-4), ``interests`` (product kinds), ``senior``…"""
    answers: Mapping[str, Any]
    assessed_at: datetime
    expires_at: datetime

    @property
    def needs_review(self) -> bool:
        """Answers that contradict each other: an adviser confirms before any sale."""
        return bool(self.inconsistencies)

    def is_current(self, at: datetime | None = None) -> bool:
        return _aware(at) < self.expires_at

    def reasons(self) -> list[Reason]:
        """Why this category, most important first (zh and en)."""
        out: list[Reason] = []
        for question in self.knockouts:
            out.append(
                reason(
                    "QN-LOWEST", feature=f"answers.{question}", value=str(self.answers[question])
                )
            )
        if not self.lowest:
            code = {
                "capacity": "QN-BINDING-CAPACITY",
                "willingness": "QN-BINDING-WILLINGNESS",
                "both": "QN-BINDING-BOTH",
            }[self.binding]
            out.append(
                reason(
                    code,
                    feature=self.binding if self.binding != "both" else None,
                    value=self.category.label,
                    category=self.category.label,
                    capacity=self.capacity.label,
                    willingness=self.willingness.label,
                    capacity_score=f"{self.capacity_score:g}",
                    willingness_score=f"{self.willingness_score:g}",
                )
            )
        for code, text in zip(self.caps, self.cap_texts, strict=True):
            out.append(reason("QN-CAP", feature=code, value=code, text=text))
        for item in self.inconsistencies:
            out.append(
                reason(
                    "QN-INCONSISTENT",
                    feature=f"answers.{item.questions[0]}",
                    value=item.code,
                    text=item.text,
                )
            )
        out.append(
            reason(
                "QN-EXPIRES",
                value=self.expires_at.date().isoformat(),
                date=self.expires_at.date().isoformat(),
            )
        )
        return out

    def to_decision(self, client_id: str) -> Decision:
        """The assessment as a tenant-less :class:`~finbrain.core.decision.Decision`
        (capability ``advisory``, action ``assess``; outcome ``assessed`` or ``review``;
        grade ``C1``..``C5``; score: the binding dimension's 0-100 score)."""
        _check_client(client_id)
        inputs = {
            "client_id": client_id,
            "questionnaire": {
                "id": self.questionnaire_id,
                "version": self.questionnaire_version,
                "digest": self.questionnaire_digest,
            },
            "answers": dict(self.answers),
            "at": self.assessed_at.isoformat(),
        }
        return Decision.for_input(
            inputs,
            capability="advisory",
            action="assess",
            subject=Subject(type="client", id=client_id),
            model=ModelRef(
                id=f"questionnaire:{self.questionnaire_id}",
                version=self.questionnaire_version,
                digest=self.questionnaire_digest,
            ),
            outcome="review" if self.needs_review else "assessed",
            score=min(self.capacity_score, self.willingness_score),
            grade=self.category.label,
            reasons=self.reasons(),
            created_at=self.assessed_at,
        )


def _check_client(client_id: str) -> None:
    if not isinstance(client_id, str) or not CLIENT_ID.fullmatch(client_id):
        raise ValidationError(field="client_id", rule="bank_reference_1_to_128")


def _aware(at: datetime | None) -> datetime:
    if at is None:
        return utcnow()
    if not isinstance(at, datetime) or at.tzinfo is None:
        raise ValidationError(field="at", rule="timezone_aware_datetime")
    return at


def _holds(condition: Condition | Cap, chosen: Mapping[str, tuple[str, ...]]) -> bool:
    return bool(set(chosen[condition.question]) & set(condition.options))


def _points(question: Question, picked: tuple[str, ...]) -> int:
    points = [question.option(o).points for o in picked]
    if question.kind == "multiple" and question.scoring == "sum":
        return sum(points)
    return max(points)


def _facts(questionnaire: Questionnaire, chosen: Mapping[str, tuple[str, ...]]) -> dict[str, Any]:
    """The options' facts merged; lists are joined (``interests`` over a multiple choice)."""
    facts: dict[str, Any] = {}
    for question in questionnaire.questions:
        for option_id in chosen[question.id]:
            for key, value in question.option(option_id).facts.items():
                if isinstance(value, list):
                    facts[key] = sorted({*facts.get(key, []), *value})
                else:
                    facts[key] = value
    return facts


def _digest_of(questionnaire: Questionnaire) -> str:
    return digest(questionnaire.model_dump(mode="json", by_alias=True))


_FILE = re.compile(r"^questionnaire_(?P<id>[a-z0-9\-]+)_(?P<version>[0-9A-Za-z.\-]+)\.json$")


def available_questionnaires() -> list[tuple[str, str]]:
    """``(id, version)`` of every questionnaire shipped with finbrain."""
    folder = resources.files("finbrain.advisory").joinpath("data")
    found = []
    for entry in folder.iterdir():
        match = _FILE.match(entry.name)
        if match:
            found.append((match["id"], match["version"]))
    return sorted(found)


@cache
def load_questionnaire(id: str = "cn-retail", version: str = "2026.1") -> Questionnaire:
    """A shipped questionnaire by id and version (``available_questionnaires()`` lists them)."""
    name = f"questionnaire_{id}_{version}.json"
    path = resources.files("finbrain.advisory").joinpath("data").joinpath(name)
    if not _FILE.match(name) or not path.is_file():
        raise NotFoundError(
            field="questionnaire",
            rule="shipped_questionnaire",
            kind="questionnaire",
            id=id,
            version=version,
        )
    return Questionnaire.model_validate(json.loads(path.read_text("utf-8")))
