"""Writing the bank's product shelf: products (``finbrain.advisory.Product``, validated as the
library validates them: each refusal names ``products.<code>.<field>`` and the rule) and their
daily prices. Every write bumps the shelf's version in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from finbrain.advisory.shelf import Product, Shelf
from finbrain.core.decision import utcnow
from finbrain.core.errors import ValidationError
from finbrain.platform.advisory import queries
from finbrain.platform.advisory.tables import AdvisoryPrice, AdvisoryProduct, AdvisoryShelf
from finbrain.platform.store.upsert import insert_for
from finbrain.platform.tenancy import Caller

PRICES = cast(Table, AdvisoryPrice.__table__)
SHELVES = cast(Table, AdvisoryShelf.__table__)
CHUNK = 2000  # prices per INSERT … ON CONFLICT statement
MAX_PRICE = Decimal("1e9")


def put_products(
    session: Session, caller: Caller, items: Sequence[Mapping[str, Any]]
) -> list[AdvisoryProduct]:
    """Add or replace products by code. The whole shelf stays one currency; nothing is written
    unless every product is valid."""
    products = [Product.from_dict(item) for item in items]
    Shelf(products)  # codes unique within the request
    existing = {row.code: row for row in session.scalars(select(AdvisoryProduct))}
    for product in products:  # a withdrawal is final: a code is not put on sale again
        row = existing.get(product.code)
        if row is not None and row.withdrawn_at is not None:
            raise ValidationError(field=f"products.{product.code}.code", rule="not_withdrawn")
    merged = {code: Product.from_dict(row.terms) for code, row in existing.items()}
    merged.update({p.code: p for p in products})
    Shelf(merged.values())  # one currency for the whole shelf
    now = utcnow()
    rows = []
    for product in products:
        row = existing.get(product.code)
        if row is None:
            row = AdvisoryProduct(tenant_id=caller.tenant_id, code=product.code)
            session.add(row)
        row.kind = product.kind.value
        row.risk = product.risk.label
        row.currency = product.currency
        row.terms = product.to_dict()
        row.updated_at = now
        rows.append(row)
    session.flush()
    bump(session, caller.tenant_id)
    return rows


def withdraw(session: Session, caller: Caller, codes: Sequence[str]) -> list[AdvisoryProduct]:
    """Take products off sale (下架), by code: from now on no proposal buys them and no
    recommendation lists them; clients who hold them may keep or redeem them, and proposals
    already made stay as they were recorded. Withdrawing a withdrawn product again changes
    nothing (its first date stays). Refusals name ``codes.<n>``: a code not on the shelf, the
    same code twice. All or none."""
    existing = {row.code: row for row in session.scalars(select(AdvisoryProduct))}
    seen: set[str] = set()
    for n, code in enumerate(codes):
        if code not in existing:
            raise ValidationError(field=f"codes.{n}", rule="on_the_shelf")
        if code in seen:
            raise ValidationError(field=f"codes.{n}", rule="each_code_once")
        seen.add(code)
    now = utcnow()
    rows = [existing[code] for code in codes]
    changed = False
    for row in rows:
        if row.withdrawn_at is None:
            row.withdrawn_at = now
            row.updated_at = now
            changed = True
    session.flush()
    if changed:
        bump(session, caller.tenant_id)
    return rows


def put_prices(session: Session, caller: Caller, rows: Sequence[tuple[str, date, str]]) -> int:
    """Add or replace daily prices ``(code, day, price)`` of products on the shelf. Refusals
    name ``prices.<n>.<field>``: a code not on the shelf, a price that is not positive, a day
    in the future, the same product and day twice."""
    known = set(session.scalars(select(AdvisoryProduct.code)))
    today = datetime.now(UTC).date()
    seen: set[tuple[str, date]] = set()
    values: list[dict[str, Any]] = []
    for n, (code, day, text) in enumerate(rows):
        where = f"prices.{n}"
        if code not in known:
            raise ValidationError(field=f"{where}.code", rule="on_the_shelf")
        if day > today:
            raise ValidationError(field=f"{where}.day", rule="not_in_future")
        try:
            price = Decimal(text)
        except (InvalidOperation, TypeError):
            raise ValidationError(field=f"{where}.price", rule="decimal_number") from None
        if not price.is_finite() or not 0 < price < MAX_PRICE:
            raise ValidationError(field=f"{where}.price", rule="positive_below_1e9")
        if (code, day) in seen:
            raise ValidationError(field=where, rule="one_price_per_product_and_day")
        seen.add((code, day))
        values.append({"tenant_id": caller.tenant_id, "code": code, "day": day,
                       "price": float(price)})  # fmt: skip
    connection = session.connection()
    upsert = insert_for(connection)
    for start in range(0, len(values), CHUNK):
        statement = upsert(PRICES)
        statement = statement.on_conflict_do_update(
            index_elements=["tenant_id", "code", "day"],
            set_={"price": statement.excluded.price},
        )
        connection.execute(statement, values[start : start + CHUNK])
    bump(session, caller.tenant_id)
    return len(values)


def bump(session: Session, tenant_id: str) -> AdvisoryShelf:
    """A new version of the shelf, with its counts (in the writer's transaction; the row lock
    orders concurrent writers on PostgreSQL)."""
    queries.forget_loaded(session)
    connection = session.connection()
    upsert = insert_for(connection)
    first = {"tenant_id": tenant_id, "version": 0, "products": 0, "prices": 0,
             "updated_at": utcnow()}  # fmt: skip
    connection.execute(upsert(SHELVES).values(**first).on_conflict_do_nothing())
    state = session.get(AdvisoryShelf, tenant_id, with_for_update=True, populate_existing=True)
    assert state is not None  # written just above, in this transaction
    state.version += 1
    state.products = len(list(session.scalars(select(AdvisoryProduct.code))))
    state.prices, state.first_day, state.last_day = queries.price_summary(session)
    state.updated_at = utcnow()
    session.flush()
    return state
