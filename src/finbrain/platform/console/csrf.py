"""Cross-site request forgery defence for the console.

Every request that may change something (any method but GET, HEAD and OPTIONS) passes one
check, a dependency on every console router (``mount_console``):

1. It must come from the console's own origin. A browser says where a request comes from in
   ``Sec-Fetch-Site``; only ``same-origin`` (and ``none``, a request the user typed) pass, so a
   page on another port of the same host (``same-site``: SameSite cookies go along) is refused.
   A browser too old to send it still sends ``Origin``, whose host must be the request's
   ``Host``. A request with neither header does not come from a browser's page.
2. It must carry the session's token, in the ``csrf_token`` form field or the ``X-CSRF-Token``
   header (htmx sends the header, set once on ``<body>`` with ``hx-headers``), compared in
   constant time. The token is random, kept in the signed session cookie, made with the
   session (a visitor on the sign-in page gets one too: login CSRF) and replaced when someone
   signs in or out.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import Request

from finbrain.core.errors import PermissionDeniedError

SESSION_KEY = "csrf"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BROWSER_SAID_OURS = frozenset({"same-origin", "none"})
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class CrossSiteRequestError(PermissionDeniedError):
    """A console write from another origin, or without the session's token: refused (403)."""

    code = "FB-CSRF"


def token(request: Request) -> str:
    """The session's token, made on first use."""
    current = request.session.get(SESSION_KEY)
    if isinstance(current, str) and current:
        return current
    return rotate(request)


def rotate(request: Request) -> str:
    """A fresh token for the session (on sign-in: the visitor's token is not carried over)."""
    fresh = secrets.token_urlsafe(32)
    request.session[SESSION_KEY] = fresh
    return fresh


def check_origin(request: Request) -> None:
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        if site.strip().lower() not in BROWSER_SAID_OURS:
            raise CrossSiteRequestError(field="Sec-Fetch-Site", rule="same_origin")
        return
    origin = request.headers.get("origin")
    if origin is None:
        return
    try:
        host = urlsplit(origin).netloc.lower() if origin != "null" else None
    except ValueError:
        host = None
    if not host or host != request.headers.get("host", "").lower():
        raise CrossSiteRequestError(field="Origin", rule="same_origin")


async def protect(request: Request) -> None:
    """The one check of every unsafe console request (see the module's docstring)."""
    if request.method in SAFE_METHODS:
        return
    check_origin(request)
    sent = request.headers.get(HEADER)
    if sent is None and request.headers.get("content-type", "").lower().startswith(FORMS):
        value = (await request.form()).get(FIELD)  # cached: the route reads the same form
        sent = value if isinstance(value, str) else None
    expected = request.session.get(SESSION_KEY)
    if not (
        sent
        and isinstance(expected, str)
        and expected
        and hmac.compare_digest(sent.encode("utf-8"), expected.encode("utf-8"))
    ):
        raise CrossSiteRequestError(field=FIELD, rule="matches_session")
