"""The credit API's request and response bodies, beside the service (other routes import these,
never the credit routes).

No ``from __future__ import annotations`` here: ``BatchOut`` names another module for OpenAPI,
so pydantic could not resolve its annotations from strings."""

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from finbrain.core.decision import Decision
from finbrain.platform.api.schemas import ModelOut as ModelOut  # every capability's versions

Value = float | int | str | bool | None


class ScoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    applicant_id: str = Field(
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9._:\-]+$",
        description="The bank's own applicant reference (never a resident ID number).",
    )
    features: dict[Annotated[str, Field(max_length=100)], Value] = Field(max_length=500)


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    applicants: list[ScoreRequest] = Field(min_length=1, max_length=1000)


class BatchOut(BaseModel):
    # Risk has a BatchOut too, so the OpenAPI document names this one by its module: the name
    # the stored document holds (tests/platform/openapi.json) is kept until changed on purpose.
    __module__ = "finbrain.platform.api.routes.credit"
    items: list[Decision]


class TrainRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9._\-]*$")
    dataset: Literal["german", "taiwan", "hmeq", "lendingclub"] | None = Field(
        default=None, description="A built-in real dataset; or send `rows` and `target`."
    )
    rows: list[dict[Annotated[str, Field(max_length=100)], Value]] | None = Field(
        default=None, max_length=20000
    )
    target: str | None = Field(default=None, max_length=100)
    kind: Literal["scorecard", "gbm"] = "scorecard"
    protected: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = Field(
        default=None,
        max_length=50,
        description="Columns the model may never use as features; they are reported in the "
        "fairness check and recorded on the model card. Default: sex and marital status "
        "(for a built-in dataset, its own columns for them); [] excludes nothing.",
    )
    promote: bool = False
    max_n_bins: int = Field(default=6, ge=2, le=20)
    min_bin_size: float = Field(default=0.05, ge=0.01, le=0.5)

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.dataset is None) == (self.rows is None):
            raise ValueError("give exactly one of dataset or rows")
        if self.rows is not None and not self.target:
            raise ValueError("rows need a target column")
        return self


class FeatureOut(BaseModel):
    name: str
    label: dict[str, str] = Field(description="The feature's name in zh and en.")
    type: Literal["number", "category", "boolean"]
    levels: list[str] | None = Field(
        default=None, description="A category's values as trained; another scores as missing."
    )
    integer: bool | None = Field(default=None, description="A number that was always whole.")
    min: float | int | None = Field(default=None, description="Smallest value in training.")
    max: float | int | None = Field(default=None, description="Largest value in training.")
    missing_seen: bool | None = Field(
        default=None, description="Missing values occurred in training (missing is scored)."
    )


class ModelDetailOut(ModelOut):
    features: list[FeatureOut] = Field(
        description="What an applicant record must carry: every feature the model reads, in "
        "order, with its allowed values. Other keys in `features` are ignored."
    )
