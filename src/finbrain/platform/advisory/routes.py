"""Advisory over HTTP: the risk questionnaire, a client's assessment (a decision on the
ledger) and current risk profile, the bank's product shelf and its prices, and proposals (a
decision on the ledger) with their backtest and goal outlook."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Response, status

from finbrain.core.decision import Decision
from finbrain.platform import decisions
from finbrain.platform.advisory import outlook, proposals, queries, shelf
from finbrain.platform.advisory import service as advisory
from finbrain.platform.advisory.schemas import (
    AssessmentIn,
    AssessmentOut,
    AssessmentReviewIn,
    AssessmentReviewOut,
    BacktestOut,
    ClientOut,
    FiguresOut,
    GoalOut,
    HoldingOut,
    InsistenceIn,
    InsistenceOut,
    OptionOut,
    OrderOut,
    OutlookOut,
    PricesIn,
    PricesOut,
    ProductOut,
    ProductsIn,
    ProductsOut,
    ProposalIn,
    ProposalOut,
    QuestionnaireOut,
    QuestionOut,
    SeriesOut,
    ShelfOut,
    WithdrawalIn,
)
from finbrain.platform.api.deps import (
    AppSettings,
    IdempotencyKey,
    Session,
    Ulid,
    api_router,
    require,
)
from finbrain.platform.tenancy import Caller

router = api_router("/v1/advisory", "advisory")
Adviser = Annotated[Caller, Depends(require("advisory:advise"))]
ShelfKeeper = Annotated[Caller, Depends(require("advisory:shelf"))]
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


@router.post("/reviews", status_code=status.HTTP_201_CREATED, response_model=AssessmentReviewOut)
def review(
    body: AssessmentReviewIn,
    session: Session,
    caller: Adviser,
    settings: AppSettings,
    _key: IdempotencyKey,
) -> AssessmentReviewOut:
    """An adviser reviews an assessment whose answers contradict each other (`needs_review`):
    until then no proposal, recommendation or sale uses it. `confirm` lets the profile stand;
    `reassess` makes it lapse now (the client answers again). The review is a decision on the
    ledger with the adviser's note."""
    row, decision = advisory.review(
        session, settings, caller, body.client_id, body.outcome, body.note.strip()
    )
    return AssessmentReviewOut(
        client=ClientOut.model_validate(row, from_attributes=True), decision=decision
    )


@router.get("/clients/{client_id}", response_model=ClientOut)
def client(client_id: ClientPath, session: Session, _caller: Adviser) -> ClientOut:
    """The client's current risk profile (the latest assessment) and until when it holds."""
    return ClientOut.model_validate(advisory.client(session, client_id), from_attributes=True)


# -- the shelf ---------------------------------------------------------------------------------


def _shelf_out(session: Any) -> ShelfOut:
    state = queries.shelf_state(session)
    loaded = queries.loaded_shelf(session)
    if state is None:
        return ShelfOut(version=0, currency=None, products=0, prices=0, first_day=None,
                        last_day=None)  # fmt: skip
    return ShelfOut(
        version=state.version,
        currency=loaded.shelf.currency if len(loaded.shelf) else None,
        products=state.products,
        prices=state.prices,
        first_day=state.first_day,
        last_day=state.last_day,
    )


def _product_out(item: queries.ProductRow) -> ProductOut:
    return ProductOut(
        **item.product.terms,
        prices=item.prices,
        first_day=item.first_day,
        last_day=item.last_day,
        updated_at=item.product.updated_at,
        withdrawn_at=item.product.withdrawn_at,
    )


@router.get("/products", response_model=ProductsOut)
def products(
    session: Session,
    _caller: Adviser,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
    after: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9._\-]{1,32}$")] = None,
) -> ProductsOut:
    """The shelf's products by code, with how much price history each has."""
    rows, next_code = queries.products_page(session, limit=limit, after=after)
    return ProductsOut(
        shelf=_shelf_out(session), items=[_product_out(r) for r in rows], next=next_code
    )


@router.post("/products", response_model=ProductsOut)
def put_products(
    body: ProductsIn, session: Session, caller: ShelfKeeper, _key: IdempotencyKey
) -> ProductsOut:
    """Add or replace products (by code): kind, risk level R1–R5, minimum purchase, lot, fees,
    lock-up, sale windows. All or none; each refusal names `products.<code>.<field>`."""
    written = shelf.put_products(
        session, caller, [p.model_dump(mode="json", exclude_none=True) for p in body.products]
    )
    items = [_product_out(r) for r in queries.products_with_history(session, written)]
    return ProductsOut(shelf=_shelf_out(session), items=items, next=None)


@router.post("/products/withdrawals", response_model=ProductsOut)
def withdraw_products(
    body: WithdrawalIn, session: Session, caller: ShelfKeeper, _key: IdempotencyKey
) -> ProductsOut:
    """Take products off sale (下架; final). No proposal buys them and no recommendation lists
    them from now on; a client who holds one may keep or redeem it (a new proposal caps it at
    what is held), and proposals already made stay as recorded, listing it as withdrawn.
    Refusals name `codes.<n>`."""
    written = shelf.withdraw(session, caller, body.codes)
    items = [_product_out(r) for r in queries.products_with_history(session, written)]
    return ProductsOut(shelf=_shelf_out(session), items=items, next=None)


@router.post("/prices", response_model=PricesOut)
def put_prices(
    body: PricesIn, session: Session, caller: ShelfKeeper, _key: IdempotencyKey
) -> PricesOut:
    """Add or replace daily prices (a fund's NAV, an ETF's close) of products on the shelf.
    Gaps are fine (carried forward); a product with a short history is proxied by its peers
    or left out of proposals with a reason."""
    written = shelf.put_prices(session, caller, [(p.code, p.day, p.price) for p in body.prices])
    return PricesOut(written=written, shelf=_shelf_out(session))


# -- proposals ---------------------------------------------------------------------------------


def _proposal_out(row: Any, decision: Decision, session: Any) -> ProposalOut:
    return ProposalOut(
        id=row.id,
        client_id=row.client_id,
        category=row.category,
        method=row.method,
        currency=row.currency,
        cash=row.cash,
        holdings=[HoldingOut(**h) for h in row.holdings],
        weights=row.weights,
        orders=[OrderOut(**o) for o in row.orders],
        figures=FiguresOut(**row.figures),
        shelf_version=row.shelf_version,
        created_at=row.created_at,
        withdrawn=queries.withdrawn_in(session, row),
        decision=decision,
    )


@router.post("/proposals", status_code=status.HTTP_201_CREATED, response_model=ProposalOut)
def propose(
    body: ProposalIn,
    response: Response,
    session: Session,
    caller: Adviser,
    settings: AppSettings,
    _key: IdempotencyKey,
) -> ProposalOut:
    """A proposal for an assessed client: the client's suitability mask on the shelf, an
    allocation (skfolio, within the category's risk budget), orders from the current holdings
    (lots, minimums, fees, lock-ups) and the explanation in zh and en, recorded as a decision
    on the ledger. Never a product the client's rules exclude."""
    row, decision = proposals.make(
        session,
        settings,
        caller,
        body.client_id,
        body.cash.money("cash"),
        [proposals.HoldingSpec(h.code, h.value, h.held_days, h.units) for h in body.holdings],
        body.method,
    )
    response.headers["Location"] = f"/v1/advisory/proposals/{row.id}"
    return _proposal_out(row, decision, session)


@router.get("/proposals/{proposal_id}", response_model=ProposalOut)
def proposal(proposal_id: Ulid, session: Session, _caller: Adviser) -> ProposalOut:
    """A recorded proposal with its decision (reasons, ledger receipt)."""
    row = queries.proposal(session, proposal_id)
    return _proposal_out(row, decisions.get(session, row.id), session)


@router.get("/proposals/{proposal_id}/outlook", response_model=OutlookOut)
def proposal_outlook(
    proposal_id: Ulid,
    session: Session,
    _caller: Adviser,
    years: Annotated[int, Query(ge=1, le=40)] = 5,
    target: Annotated[str | None, Query(pattern=r"^[0-9]{1,12}(\.[0-9]{1,2})?$")] = None,
    monthly: Annotated[str | None, Query(pattern=r"^[0-9]{1,12}(\.[0-9]{1,2})?$")] = None,
) -> OutlookOut:
    """What the proposal's method did out of sample against equal weights on the same
    products (walk-forward, costs, drift), and the share of simulated paths that reach
    `target` in `years` (block bootstrap of its own history): the past, not a forecast."""
    made = outlook.outlook(
        session,
        proposal_id,
        target=Decimal(target) if target is not None else None,
        years=years,
        monthly=Decimal(monthly) if monthly is not None else None,
    )
    test = made.backtest
    return OutlookOut(
        proposal_id=proposal_id,
        backtest=None
        if test is None
        else BacktestOut(
            train_days=test.train_days,
            every_days=test.every_days,
            costs=test.costs,
            proposal=test.proposal,
            equal_weight=test.equal_weight,
            series=SeriesOut(
                days=test.days, proposal=test.proposal_values, equal_weight=test.equal_values
            ),
        ),
        backtest_note=made.backtest_note,
        goal=None if made.goal is None else GoalOut(**outlook.summary_of(made.goal)),
        goal_note=made.goal_note,
    )


# -- the client insists ------------------------------------------------------------------------


@router.post("/insistences", status_code=status.HTTP_201_CREATED, response_model=InsistenceOut)
def insist(
    body: InsistenceIn,
    session: Session,
    caller: Adviser,
    settings: AppSettings,
    _key: IdempotencyKey,
) -> InsistenceOut:
    """A client insists on buying a product (客户坚持购买): recorded on the ledger whatever the
    outcome. Above the client's category the special written warning is the decision's first
    reason and `acknowledged` must be true; the lowest category (China rules) and bank
    wealth-management products above the client's level are blocked even on insistence."""
    decision = advisory.insist(
        session, settings, caller, body.client_id, body.product, acknowledged=body.acknowledged
    )
    warning = next((r for r in decision.reasons if r.code == "SUIT-INSIST-WARNING"), None)
    return InsistenceOut(
        client_id=body.client_id,
        product=body.product,
        outcome=decision.outcome,
        warning=warning if decision.outcome == "allow_with_warning" else None,
        decision=decision,
    )
