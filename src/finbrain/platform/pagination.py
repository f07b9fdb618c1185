"""Keyset pagination: stable under inserts, no OFFSET scans.

The cursor is the id (a ULID) of the last item of the page. Clients must treat it as opaque;
keeping it a plain id lets the spec state its exact form, so any well-formed cursor is valid.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from finbrain.core.errors import ValidationError

Row = TypeVar("Row")
Key = TypeVar("Key", bound=Any)

MAX_PAGE = 200
CURSOR_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"
_CURSOR = re.compile(CURSOR_PATTERN)


def encode_cursor(last_id: str) -> str:
    return last_id


def decode_cursor(cursor: str) -> str:
    if not _CURSOR.match(cursor):
        raise ValidationError(field="cursor", rule="opaque_cursor_from_previous_page")
    return cursor


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError(field="limit", rule=f"between_1_and_{MAX_PAGE}")
    return limit


def keyset_page(
    session: Session,
    query: Select[Row],
    key: InstrumentedAttribute[Key],
    *,
    limit: int,
    after: Key | None = None,
    newest_first: bool = True,
) -> tuple[list[Row], Key | None]:
    """One page of ``query`` ordered by ``key`` (unique), starting after ``after``: up to
    ``limit`` rows and the key to pass for the next page (``None`` on the last one).

    Every list of the API and the console pages through here, so the rule "fetch one more row
    to know whether there is a next page" and the key comparison are written once."""
    check_limit(limit)
    ordered = query.order_by(key.desc() if newest_first else key.asc()).limit(limit + 1)
    if after is not None:
        ordered = ordered.where(key < after if newest_first else key > after)
    rows = list(session.scalars(ordered))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (getattr(rows[-1], key.key) if more and rows else None)
