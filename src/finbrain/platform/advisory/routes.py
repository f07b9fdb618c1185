"""Advisory over HTTP: the risk questionnaire, a client's assessment (a decision on the
ledger) and the client's current risk profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Response, status

from finbrain.platform.advisory import service as advisory
from finbrain.platform.advisory.schemas import (
    AssessmentIn,
    AssessmentOut,
    ClientOut,
    OptionOut,
    QuestionnaireOut,
    QuestionOut,
)
from finbrain.platform.api.deps import AppSettings, IdempotencyKey, Session, api_router, require
from finbrain.platform.tenancy import Caller

router = api_router("/v1/advisory", "advisory")
Adviser = Annotated[Caller, Depends(require("advisory:advise"))]
ClientPath = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")]


@router.get("/questionnaire", response_model=QuestionnaireOut)
def questionnaire(_caller: Adviser) -> QuestionnaireOut:
    """The risk questionnaire in use (zh and en), for the bank's app to show; the points stay
    on the server."""
    form = advisory.questionnaire()
    return QuestionnaireOut(
        id=form.id,
        version=form.version,
        digest=form.digest,
        title=form.title.model_dump(),
        validity_days=form.validity_days,
        questions=[
            QuestionOut(
                id=q.id,
                dimension=q.dimension,
                kind=q.kind,
                text=q.text.model_dump(),
                options=[OptionOut(id=o.id, text=o.text.model_dump()) for o in q.options],
            )
            for q in form.questions
        ],
    )


@router.post("/assessments", status_code=status.HTTP_201_CREATED, response_model=AssessmentOut)
def assess(
    body: AssessmentIn,
    response: Response,
    session: Session,
    caller: Adviser,
    settings: AppSettings,
    _key: IdempotencyKey,
) -> AssessmentOut:
    """Score a client's answers: capacity and willingness apart, the more conservative wins
    (C1–C5), with reasons in zh and en and an expiry for re-assessment. The assessment is a
    decision on the ledger and becomes the client's current profile."""
    row, decision, _ = advisory.assess(session, settings, caller, body.client_id, body.answers)
    response.headers["Location"] = f"/v1/advisory/clients/{row.client_id}"
    return AssessmentOut(
        client=ClientOut.model_validate(row, from_attributes=True), decision=decision
    )


@router.get("/clients/{client_id}", response_model=ClientOut)
def client(client_id: ClientPath, session: Session, _caller: Adviser) -> ClientOut:
    """The client's current risk profile (the latest assessment) and until when it holds."""
    return ClientOut.model_validate(advisory.client(session, client_id), from_attributes=True)
