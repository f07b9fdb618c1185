"""What the advisory API and console read: clients' profiles, the shelf (products and their
price histories, as the library's ``Shelf`` and a wide price table), and proposals.

The shelf a proposal is made on is loaded once per shelf version and kept in this process
(``loaded_shelf``): every write to products or prices bumps the version in the same
transaction, so a cached shelf is never stale, and a proposal does not re-read thousands of
prices."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from finbrain.advisory.shelf import Product, Shelf, ShelfReturns
from finbrain.advisory.suitability import ClientProfile
from finbrain.core.decision import Decision
from finbrain.core.errors import NotFoundError
from finbrain.platform import decisions
from finbrain.platform.advisory.tables import (
    AdvisoryClient,
    AdvisoryPrice,
    AdvisoryProduct,
    AdvisoryProposal,
    AdvisoryShelf,
)
from finbrain.platform.pagination import keyset_page
from finbrain.platform.store.models import DecisionRow

if TYPE_CHECKING:
    import pandas as pd

CACHED_SHELVES = 32  # tenants whose shelves this process keeps loaded


def client(session: Session, client_id: str, *, field: str = "client_id") -> AdvisoryClient:
    """The client's current profile (404 for another tenant's or an unassessed client)."""
    row = session.get(AdvisoryClient, (session.info.get("tenant_id"), client_id))
    if row is None:
        raise NotFoundError(kind="client", field=field)
    return row


def profile_of(row: AdvisoryClient) -> ClientProfile:
    """What suitability needs of a stored profile (the facts the questionnaire gave)."""
    facts = row.facts or {}
    interests = facts.get("interests")
    return ClientProfile(
        client_id=row.client_id,
        category=row.category,  # type: ignore[arg-type]
        lowest=row.lowest,
        assessed_at=row.assessed_at,
        expires_at=row.expires_at,
        horizon_years=facts.get("horizon_years"),
        experience=facts.get("experience"),
        interests=frozenset(interests) if interests is not None else None,
        questionnaire=f"{row.questionnaire_id}@{row.questionnaire_version}",
    )


def recent_clients(session: Session, *, limit: int = 50) -> list[AdvisoryClient]:
    """The latest assessed clients, newest first."""
    query = select(AdvisoryClient).order_by(AdvisoryClient.assessed_at.desc()).limit(limit)
    return list(session.scalars(query))


# -- the shelf ---------------------------------------------------------------------------------


def store_key(session: Session) -> str:
    """Which database a session reads (what an in-process cache keys on, with the tenant)."""
    return str(session.get_bind().engine.url)


def shelf_state(session: Session) -> AdvisoryShelf | None:
    return session.get(AdvisoryShelf, session.info.get("tenant_id"))


@dataclass(frozen=True)
class LoadedShelf:
    """A tenant's shelf as the library reads it, at one version."""

    version: int
    shelf: Shelf
    prices: pd.DataFrame
    """Wide: a UTC ``DatetimeIndex`` of days, one float column per product with prices."""

    @cached_property
    def history(self) -> ShelfReturns:
        """The shelf's daily returns with its fallbacks (``Shelf.returns`` with the library's
        defaults, what every proposal on this version reads): made once per version."""
        return self.shelf.returns(self.prices)


_loaded: OrderedDict[tuple[str, str], LoadedShelf] = OrderedDict()
_MEMO = "advisory.loaded_shelf"  # the shelf this transaction read (session.info)
_lock = threading.Lock()


def loaded_shelf(session: Session) -> LoadedShelf:
    """The tenant's shelf and prices at the current version (loaded once per version; read
    again in the same transaction, no query: ``shelf.bump`` forgets it when it writes)."""
    tenant_id = str(session.info.get("tenant_id"))
    memo = session.info.get(_MEMO)
    if memo is not None and memo[0] == tenant_id:
        return memo[1]  # type: ignore[no-any-return]
    state = shelf_state(session)
    version = state.version if state is not None else 0
    key = (store_key(session), tenant_id)
    with _lock:
        hit = _loaded.get(key)
        if hit is not None and hit.version == version:
            _loaded.move_to_end(key)
            session.info[_MEMO] = (tenant_id, hit)
            return hit
    rows = session.scalars(select(AdvisoryProduct).order_by(AdvisoryProduct.code))
    shelf = Shelf(product_of(row) for row in rows)
    prices = _price_table(
        session.execute(select(AdvisoryPrice.code, AdvisoryPrice.day, AdvisoryPrice.price)).all()
    )
    made = LoadedShelf(version, shelf, prices)
    with _lock:
        _loaded[key] = made
        _loaded.move_to_end(key)
        while len(_loaded) > CACHED_SHELVES:
            _loaded.popitem(last=False)
    session.info[_MEMO] = (tenant_id, made)
    return made


def forget_loaded(session: Session) -> None:
    """The shelf changed in this transaction: the next read loads the new version."""
    session.info.pop(_MEMO, None)


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction: Any) -> None:
    """A memo lives for one transaction: another may see another version."""
    if transaction.parent is None:
        session.info.pop(_MEMO, None)


def product_of(row: AdvisoryProduct) -> Product:
    """The stored product as the library reads it (withdrawn when the bank took it off sale)."""
    terms = row.terms if row.withdrawn_at is None else {**row.terms, "withdrawn": True}
    return Product.from_dict(terms)


def _price_table(rows: Sequence[Any]) -> pd.DataFrame:
    import pandas as pd

    if not rows:
        return pd.DataFrame(index=pd.DatetimeIndex([], tz="UTC", name="day"), dtype=float)
    long = pd.DataFrame(rows, columns=["code", "day", "price"])
    wide = long.pivot(index="day", columns="code", values="price").sort_index()
    wide.index = pd.DatetimeIndex(pd.to_datetime(wide.index), name="day").tz_localize("UTC")
    wide.columns = pd.Index([str(c) for c in wide.columns], name="product")
    return wide.astype("float64")


@dataclass(frozen=True)
class ProductRow:
    product: AdvisoryProduct
    prices: int
    first_day: date | None
    last_day: date | None


def products_page(
    session: Session, *, limit: int, after: str | None = None
) -> tuple[list[ProductRow], str | None]:
    """The shelf's products by code, each with how much price history it has."""
    rows, next_code = keyset_page(
        session,
        select(AdvisoryProduct),
        AdvisoryProduct.code,
        limit=limit,
        after=after,
        newest_first=False,
    )
    return _with_history(session, rows), next_code


def products_with_history(session: Session, rows: list[AdvisoryProduct]) -> list[ProductRow]:
    """``rows`` (products just written, say) with how much price history each has."""
    return _with_history(session, rows)


def _with_history(session: Session, rows: list[AdvisoryProduct]) -> list[ProductRow]:
    stats: dict[str, tuple[int, date | None, date | None]] = {}
    if rows:
        counted = session.execute(
            select(
                AdvisoryPrice.code,
                func.count(),
                func.min(AdvisoryPrice.day),
                func.max(AdvisoryPrice.day),
            )
            .where(AdvisoryPrice.code.in_([r.code for r in rows]))
            .group_by(AdvisoryPrice.code)
        )
        stats = {code: (int(n), first, last) for code, n, first, last in counted}
    return [ProductRow(r, *stats.get(r.code, (0, None, None))) for r in rows]


def price_summary(session: Session) -> tuple[int, date | None, date | None]:
    """How many prices the shelf holds, and the first and last day."""
    n, first, last = session.execute(
        select(func.count(), func.min(AdvisoryPrice.day), func.max(AdvisoryPrice.day)).select_from(
            AdvisoryPrice
        )
    ).one()
    return int(n), first, last


# -- proposals ---------------------------------------------------------------------------------


def proposal(session: Session, proposal_id: str) -> AdvisoryProposal:
    row = session.get(AdvisoryProposal, (session.info.get("tenant_id"), proposal_id))
    if row is None:
        raise NotFoundError(kind="proposal", field="proposal_id")
    return row


def withdrawn_in(session: Session, row: AdvisoryProposal) -> list[str]:
    """The products of a recorded proposal (held, ordered or weighted) withdrawn from sale
    since it was made (the shelf's version row is already in the session after a proposal:
    no second read)."""
    codes = {*row.weights, *(h["code"] for h in row.holdings), *(o["code"] for o in row.orders)}
    shelf = loaded_shelf(session).shelf
    return sorted(c for c in codes if shelf.has(c) and shelf[c].withdrawn)


def proposals_of(session: Session, client_id: str, *, limit: int = 20) -> list[AdvisoryProposal]:
    """A client's proposals, newest first."""
    query = (
        select(AdvisoryProposal)
        .where(AdvisoryProposal.client_id == client_id)
        .order_by(AdvisoryProposal.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def proposal_feedback(session: Session) -> list[tuple[str, list[dict[str, Any]], list[Any]]]:
    """Every proposal's client, holdings and orders (what match learns from)."""
    query = select(AdvisoryProposal.client_id, AdvisoryProposal.holdings, AdvisoryProposal.orders)
    return [(c, list(h or []), list(o or [])) for c, h, o in session.execute(query)]


def insistences_of(session: Session, client_id: str, *, limit: int = 20) -> list[Decision]:
    """The client's "client insists" decisions (on the ledger), newest first."""
    query = (
        select(DecisionRow)
        .where(DecisionRow.capability == "advisory", DecisionRow.action == "insist",
               DecisionRow.subject_type == "client", DecisionRow.subject_id == client_id)
        .order_by(DecisionRow.id.desc())
        .limit(limit)
    )  # fmt: skip
    return [decisions.to_decision(row) for row in session.scalars(query)]


def proposals_version(session: Session) -> tuple[int, str | None]:
    """How many proposals there are and the newest id (a cache key for what learns from
    them)."""
    n, newest = session.execute(
        select(func.count(), func.max(AdvisoryProposal.id)).select_from(AdvisoryProposal)
    ).one()
    return int(n), newest
