"""Console page for the ledger: the latest signed checkpoint with its witnesses' cosignatures,
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
from finbrain.platform.console.shell import Viewer, signed_in
from finbrain.platform.decisions import service as decisions
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
    )
