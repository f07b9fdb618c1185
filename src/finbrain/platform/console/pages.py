"""Console pages: sign in with a tenant API key, browse decisions, switch zh/en."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from finbrain.core.decision import Receipt
from finbrain.core.errors import AuthenticationError, NotFoundError, ValidationError
from finbrain.core.i18n import Language, message, negotiate
from finbrain.ledger.note import NoteError
from finbrain.ledger.receipt import check_receipt, encode_proof
from finbrain.ledger.verify import ProofError
from finbrain.platform import decisions, tenancy
from finbrain.platform.console import csrf
from finbrain.platform.ledger import TenantLedger
from finbrain.platform.scopes import grants
from finbrain.platform.store.database import Database
from finbrain.platform.store.models import ApiKey, DecisionRow, LedgerCheckpoint, Tenant
from finbrain.platform.tenancy import Principal

router = APIRouter(prefix="/console", include_in_schema=False)
templates = Jinja2Templates(
    directory=str(resources.files("finbrain.platform.console") / "templates")
)
LANG_COOKIE = "finbrain_lang"


def language(request: Request) -> Language:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in ("zh", "en"):
        return chosen  # type: ignore[return-value]
    return negotiate(
        request.headers.get("accept-language"), request.app.state.settings.default_language
    )


def database(request: Request) -> Database:
    """The platform database the console reads and writes."""
    db: Database = request.app.state.db
    return db


_db = database  # the risk pages' name for it, until they move


def _signed_in(request: Request) -> tuple[Principal, str] | None:
    """The console user's key, re-checked against the store (revocation signs out at once)."""
    key_id = request.session.get("key_id")
    if not key_id:
        return None
    with database(request).platform(write=False) as session:
        key = session.get(ApiKey, key_id)
        if key is None or key.revoked_at is not None:
            request.session.clear()
            return None
        tenant = session.get(Tenant, key.tenant_id)
        if tenant is None or tenant.status != "active":
            request.session.clear()
            return None
        principal = Principal(
            kind="tenant", key_id=key.id, tenant_id=key.tenant_id, scopes=tuple(key.scopes)
        )
        return principal, tenant.name


def signed_in_or_login(request: Request) -> tuple[Principal, str] | Response:
    """The signed-in tenant key and bank name, or the redirect to the sign-in page."""
    signed = _signed_in(request)
    return _to_login(request) if signed is None else signed


def render(
    request: Request, template: str, status: int = 200, /, **context: object
) -> HTMLResponse:
    lang = language(request)

    def t(key: str, **params: Any) -> str:
        return message(key if key.startswith("FB-") else f"ui.{key}", lang, **params)

    def label(kind: str, value: str) -> str:
        """A code's translation (``ui.outcome.decline`` → 拒绝) or the code itself."""
        key = f"ui.{kind}.{value}"
        return value if message(key, lang) == key else message(key, lang)

    response = templates.TemplateResponse(
        request,
        template,
        {"t": t, "label": label, "lang": lang, "csrf_token": csrf.token(request), **context},
        status_code=status,
    )
    response.headers["Content-Language"] = lang
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-ancestors 'none'"
    )
    return response


def _to_login(request: Request) -> RedirectResponse:
    return RedirectResponse(url="/console/login", status_code=303)


@router.get("", response_class=HTMLResponse)
@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    if _signed_in(request) is None:
        return _to_login(request)
    return RedirectResponse(url="/console/decisions", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return render(request, "login.html", error=None)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, api_key: str = Form(default="", max_length=200)) -> Response:
    try:
        with database(request).platform(write=False) as session:
            principal = tenancy.authenticate(session, api_key)
    except AuthenticationError:
        return render(
            request, "login.html", 401, error=message("ui.login_failed", language(request))
        )
    if principal.is_operator:
        return render(
            request,
            "login.html",
            403,
            error=message("FB-FORBIDDEN", language(request), scope="tenant"),
        )
    request.session.clear()
    request.session["key_id"] = principal.key_id
    csrf.rotate(request)  # the visitor's token is not the signed-in session's
    return RedirectResponse(url="/console/decisions", status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    return _to_login(request)


@router.get("/lang/{lang}")
def switch_language(request: Request, lang: str, next: str = "/console/") -> Response:
    target = next if next.startswith("/console") and "//" not in next else "/console/"
    response = RedirectResponse(url=target, status_code=303)
    if lang in ("zh", "en"):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return response


def _daily_outcomes(db: Database, tenant_id: str, lang: Language) -> dict[str, Any]:
    """Counts per day and outcome over the last 5,000 decisions, for the overview chart."""
    with db.tenant(tenant_id, write=False) as session:
        rows = session.execute(
            select(DecisionRow.created_at, DecisionRow.outcome)
            .order_by(DecisionRow.id.desc())
            .limit(5000)
        ).all()
    per_day: dict[str, Counter[str]] = defaultdict(Counter)
    for created, outcome in rows:
        per_day[created.astimezone(UTC).date().isoformat()][outcome] += 1
    days = sorted(per_day)
    outcomes = sorted({o for c in per_day.values() for o in c})
    return {
        "days": days,
        "series": [
            {
                "name": o,
                "label": message(f"ui.outcome.{o}", lang)
                if message(f"ui.outcome.{o}", lang) != f"ui.outcome.{o}"
                else o,
                "data": [per_day[d][o] for d in days],
            }
            for o in outcomes
        ],
        "total": len(rows),
    }


@router.get("/decisions", response_class=HTMLResponse)
def decisions_page(
    request: Request,
    capability: str | None = None,
    outcome: str | None = None,
    cursor: str | None = None,
) -> Response:
    signed = signed_in_or_login(request)
    if isinstance(signed, Response):
        return signed
    principal, tenant_name = signed
    assert principal.tenant_id
    if not grants(principal.scopes, "decisions:read"):
        return render(
            request,
            "error.html",
            403,
            error=message("FB-FORBIDDEN", language(request), scope="decisions:read"),
            tenant_name=tenant_name,
            principal=principal,
        )
    filters = {k: v for k, v in {"capability": capability, "outcome": outcome}.items() if v}
    try:
        with database(request).tenant(principal.tenant_id, write=False) as session:
            page = decisions.list_page(session, limit=50, cursor=cursor or None, **filters)
    except ValidationError as exc:
        return render(
            request,
            "error.html",
            422,
            error=str(exc),
            tenant_name=tenant_name,
            principal=principal,
        )
    more_url = None
    if page.next_cursor:
        more_url = "/console/decisions?" + urlencode({**filters, "cursor": page.next_cursor})
    context: dict[str, object] = {"page": page, "more_url": more_url, "filters": filters}
    if request.headers.get("hx-request"):
        return render(request, "_decision_rows.html", **context)
    chart = _daily_outcomes(database(request), principal.tenant_id, language(request))
    return render(
        request,
        "decisions.html",
        tenant_name=tenant_name,
        principal=principal,
        chart_json=json.dumps(chart),
        total=chart["total"],
        **context,
    )


@router.get("/decisions/{decision_id}", response_class=HTMLResponse)
def decision_page(request: Request, decision_id: str) -> Response:
    signed = signed_in_or_login(request)
    if isinstance(signed, Response):
        return signed
    principal, tenant_name = signed
    assert principal.tenant_id
    try:
        with database(request).tenant(principal.tenant_id, write=False) as session:
            decision = decisions.get(session, decision_id)
    except NotFoundError:
        return render(
            request,
            "error.html",
            404,
            error=message("ui.not_found", language(request)),
            tenant_name=tenant_name,
            principal=principal,
        )
    return render(
        request,
        "decision.html",
        decision=decision,
        tenant_name=tenant_name,
        principal=principal,
        now=datetime.now(UTC),
    )


@dataclass(frozen=True)
class Verdict:
    valid: bool
    text: str


def _verify_decision(ledger: TenantLedger, decision_id: str, lang: Language) -> Verdict:
    """Check the decision's own receipt and a fresh proof against the latest checkpoint."""
    try:
        decision = decisions.get(ledger.session, decision_id)
        if decision.receipt is None:
            raise ProofError("no receipt")
        checkpoint = check_receipt(
            decision.ledger_entry(), decision.receipt, ledger.verifier, ledger.origin
        )
        latest = ledger.latest_checkpoint()
        if latest is not None and latest.size > decision.receipt.leaf_index:
            fresh = Receipt(
                leaf_index=decision.receipt.leaf_index,
                checkpoint=latest.note,
                inclusion_proof=encode_proof(
                    ledger.inclusion_proof(decision.receipt.leaf_index, latest.size)
                ),
            )
            checkpoint = check_receipt(
                decision.ledger_entry(), fresh, ledger.verifier, ledger.origin
            )
    except NotFoundError:
        return Verdict(
            False, message("ui.receipt_invalid", lang, reason=message("ui.not_found", lang))
        )
    except (ProofError, NoteError, ValueError) as exc:
        return Verdict(False, message("ui.receipt_invalid", lang, reason=str(exc)))
    return Verdict(
        True,
        message("ui.receipt_valid", lang, index=decision.receipt.leaf_index, size=checkpoint.size),
    )


@router.get("/ledger", response_class=HTMLResponse)
def ledger_page(request: Request, decision: str | None = None) -> Response:
    signed = signed_in_or_login(request)
    if isinstance(signed, Response):
        return signed
    principal, tenant_name = signed
    assert principal.tenant_id
    settings = request.app.state.settings
    lang = language(request)
    with database(request).tenant(principal.tenant_id, write=False) as session:
        ledger = TenantLedger(session, principal.tenant_id, settings)
        latest = ledger.latest_checkpoint()
        note, cosigners = ledger.cosigned_note(latest) if latest else ("", [])
        recent = [
            (cp, ledger.cosigned_note(cp)[1])
            for cp in session.scalars(
                select(LedgerCheckpoint).order_by(LedgerCheckpoint.size.desc()).limit(20)
            )
        ]
        verdict = _verify_decision(ledger, decision.strip(), lang) if decision else None
        witnesses = ledger.witnesses()
        vkey = ledger.verifier.vkey
    return render(
        request,
        "ledger.html",
        tenant_name=tenant_name,
        principal=principal,
        latest=latest,
        latest_root=note.split("\n")[2] if latest else "",
        note=note,
        cosigners=cosigners,
        quorum=settings.ledger_witness_quorum,
        recent=recent,
        verdict=verdict,
        decision_id=decision,
        witnesses=witnesses,
        vkey=vkey,
    )
