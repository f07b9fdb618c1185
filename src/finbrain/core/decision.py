"""The one shape of every automated decision, shared by all capabilities (DESIGN.md).

A capability builds a ``Decision`` with its reasons (most important first, each in zh and en);
the platform stores it, appends it to the tenant's ledger and returns it with the receipt. This
is the record PIPL art. 24 and ECOA/Reg B ask for.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from ulid import ULID

from finbrain.core.canonical import digest

JsonScalar = str | int | float | bool | None


def new_id() -> str:
    """A ULID: sortable by creation time, so ids double as pagination cursors."""
    return str(ULID())


def utcnow() -> datetime:
    return datetime.now(UTC)


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must be timezone-aware (UTC)")
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_aware_utc)]


class BilingualText(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Reason(BaseModel):
    """One reason behind a decision: a stable code, zh + en text, and its weight."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Z0-9][A-Z0-9\-_.]*$")
    text: BilingualText
    feature: str | None = None
    value: JsonScalar = None
    contribution: float = 0.0


class Subject(BaseModel):
    """Who or what was decided about, by the bank's own identifier (never a raw ID number)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    type: str = Field(min_length=1, max_length=32)
    id: str = Field(min_length=1, max_length=128)


class ModelRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(min_length=1, max_length=128)
    version: str = Field(min_length=1, max_length=64)
    digest: str | None = None


class Receipt(BaseModel):
    """Proof that the decision is in the tenant's verifiable log (filled by the ledger)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    leaf_index: int = Field(ge=0)
    checkpoint: str
    inclusion_proof: list[str]


def _tenant_required(schema: dict[str, Any]) -> None:
    """What the API returns is always a recorded decision, stamped with its tenant: the
    published schema keeps ``tenant_id`` required although a library leaves it empty."""
    schema["properties"]["tenant_id"].pop("default", None)
    required = schema.setdefault("required", [])
    if "tenant_id" not in required:
        required.insert(0, "tenant_id")


# A capability library fills everything but ``tenant_id`` (empty until the platform stamps it
# with ``for_tenant``) and ``receipt`` (filled when the ledger records it). No docstring: it
# would become the published schema's description.
class Decision(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=_tenant_required)

    id: str = Field(default_factory=new_id, min_length=26, max_length=26)
    tenant_id: str = ""
    capability: str = Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")
    action: str = Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")
    subject: Subject
    model: ModelRef | None = None
    outcome: str = Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")
    score: float | None = None
    grade: str | None = Field(default=None, max_length=16)
    reasons: list[Reason] = Field(default_factory=list)
    input_digest: str = Field(pattern=r"^[0-9a-f]{64}$")
    created_at: UtcDatetime = Field(default_factory=utcnow)
    receipt: Receipt | None = None

    @classmethod
    def for_input(cls, inputs: Any, **fields: Any) -> Decision:
        """Build a decision whose ``input_digest`` is the canonical digest of ``inputs``."""
        return cls(input_digest=digest(inputs), **fields)

    def for_tenant(self, tenant_id: str) -> Decision:
        """The same decision stamped with the tenant it was made for (the platform's part)."""
        return self.model_copy(update={"tenant_id": tenant_id})

    def ledger_entry(self) -> dict[str, Any]:
        """What the ledger commits to: everything except the receipt itself."""
        return self.model_dump(mode="json", exclude={"receipt"})
