"""Console page for the ledger: its dashboard (growth and checkpoint cadence per hour, how far
each witness has co-signed, a check of the newest checkpoint), the latest signed checkpoint,
the recent checkpoints, and checking one decision's receipt against the log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from finbrain.core.errors import NotFoundError
from finbrain.core.i18n import Language, message
from finbrain.ledger.note import NoteError
from finbrain.ledger.verify import ProofError
from finbrain.platform.console import charts
from finbrain.platform.console.shell import Viewer, signed_in
from finbrain.platform.decisions import service as decisions
from finbrain.platform.ledger import queries
from finbrain.platform.ledger.service import TenantLedger

router = APIRouter(prefix="/console", include_in_schema=False)
AnyKey = Annotated[Viewer, Depends(signed_in())]
RECENT = 20  # checkpoints listed


@dataclass(frozen=True)
class Verdict:
    valid: bool
    text: str


def _verdict(ledger: TenantLedger, decision_id: str, lang: Language) -> Verdict:
    try:
        index, size = decisions.verify_receipt(ledger, decision_id)
    except NotFoundError:
        reason = message("ui.not_found", lang)
        return Verdict(False, message("ui.receipt_invalid", lang, reason=reason))
    except (ProofError, NoteError, ValueError) as exc:
        return Verdict(False, message("ui.receipt_invalid", lang, reason=str(exc)))
    return Verdict(True, message("ui.receipt_valid", lang, index=index, size=size))


def _dashboard(ledger: TenantLedger, lang: Language) -> dict[str, object]:
    """The log's growth and checkpoint cadence per hour, the witnesses' progress and the check
    of the newest checkpoint."""
    hours = queries.growth_per_hour(ledger.session)
    labels = [h.hour for h in hours]
    growth = charts.keyed(
        "line",
        lang,
        ("ui.chart.ledger_growth", "ui.axis.hour_utc", "ui.axis.entries"),
        labels,
        [charts.one(message("ui.axis.entries", lang), [h.size for h in hours])],
    )
    cadence = charts.keyed(
        "bar",
        lang,
        ("ui.chart.ledger_cadence", "ui.axis.hour_utc", "ui.axis.checkpoints"),
        labels,
        [charts.one(message("ui.axis.checkpoints", lang), [h.checkpoints for h in hours])],
    )
    check = queries.check_latest(ledger)
    check_text = None
    if check is not None:
        key = "ui.log_check_ok" if check.valid else "ui.log_check_failed"
        check_text = message(key, lang, size=check.size, problem=check.problem)
    return {
        "growth_chart": growth if hours else None,
        "cadence_chart": cadence if hours else None,
        "progress": queries.witness_progress(ledger.session),
        "check": check,
        "check_text": check_text,
    }


@router.get("/ledger", response_class=HTMLResponse)
def ledger_page(viewer: AnyKey, decision: str | None = None) -> Response:
    settings = viewer.request.app.state.settings
    with viewer.session() as session:
        ledger = TenantLedger(session, viewer.tenant_id, settings)
        latest = ledger.latest_checkpoint()
        note, cosigners = ledger.cosigned_note(latest) if latest else ("", [])
        recent = [(cp, ledger.cosigned_note(cp)[1]) for cp in ledger.recent_checkpoints(RECENT)]
        verdict = _verdict(ledger, decision.strip(), viewer.lang) if decision else None
        witnesses = ledger.witnesses()
        vkey = ledger.verifier.vkey
        dashboard = _dashboard(ledger, viewer.lang)
    return viewer.page(
        "ledger.html",
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
        **dashboard,
    )
