"""``finbrain ledger …``: audit a log offline, issue and check receipts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from finbrain.core.decision import Receipt
from finbrain.core.errors import FinbrainError
from finbrain.core.settings import get_settings

app = typer.Typer(help="The verifiable decision ledger (可信存证).", no_args_is_help=True)
out = Console()
err = Console(stderr=True)
RECEIPT_FORMAT = "finbrain-receipt/v1"


@app.command("verify")
def verify(
    tenant: Annotated[str, typer.Option(help="Tenant id whose log to audit.")],
    vkey: Annotated[str | None, typer.Option(help="The log key you trust (pinned).")] = None,
    strict: Annotated[bool, typer.Option(help="Also check every entry is RFC 8785.")] = False,
) -> None:
    """Audit a whole log: every hash, every checkpoint; name the first entry that breaks."""
    from finbrain.ledger.note import Verifier
    from finbrain.platform.ledger.audit import audit
    from finbrain.platform.store.database import Database

    db = Database(get_settings())
    pinned = Verifier.parse(vkey) if vkey else None
    with out.status("auditing…") as status:
        report = audit(
            db,
            tenant,
            pinned,
            progress=lambda n: status.update(f"auditing… {n:,} entries"),
            strict=strict,
        )
    db.dispose()
    out.print(
        f"entries {report.entries_checked:,}  subtree hashes {report.nodes_checked:,}  "
        f"checkpoints {report.checkpoints_checked:,}"
    )
    if report.ok:
        out.print(f"[green]OK[/green] log of tenant {tenant} verifies ({report.size:,} entries)")
        return
    first = report.first_bad_entry
    err.print(
        f"[red]FAILED[/red] {len(report.findings)} problem(s)"
        + (f"; first broken entry: {first}" if first is not None else "")
    )
    for finding in report.findings[:20]:
        err.print(f"  - {finding.message}", highlight=False)
    raise typer.Exit(code=1)


@app.command("prove")
def prove(
    decision_id: Annotated[str, typer.Argument(help="The decision to prove.")],
    tenant: Annotated[str, typer.Option(help="The decision's tenant id.")],
    out_file: Annotated[Path | None, typer.Option("--out", help="Write the receipt here.")] = None,
) -> None:
    """Print a receipt a customer can keep: the decision, its entry, a signed checkpoint
    (with witness cosignatures when there are) and the inclusion proof."""
    from finbrain.ledger.receipt import encode_proof
    from finbrain.platform import decisions
    from finbrain.platform.ledger import TenantLedger
    from finbrain.platform.store.database import Database

    settings = get_settings()
    db = Database(settings)
    try:
        with db.tenant(tenant, write=False) as session:
            decision = decisions.get(session, decision_id)
            ledger = TenantLedger(session, tenant, settings)
            leaf = ledger.leaf_of_decision(decision_id)
            receipt = decision.receipt
            latest = ledger.latest_witnessed() or ledger.latest_checkpoint()
            if latest is not None and latest.size > leaf.leaf_index:
                note, _ = ledger.cosigned_note(latest)
                proof = ledger.inclusion_proof(leaf.leaf_index, latest.size)
                receipt = Receipt(
                    leaf_index=leaf.leaf_index, checkpoint=note, inclusion_proof=encode_proof(proof)
                )
            document: dict[str, Any] = {
                "format": RECEIPT_FORMAT,
                "log": {"origin": ledger.origin, "vkey": ledger.verifier.vkey},
                "entry": json.loads(leaf.entry),
                "receipt": receipt.model_dump(mode="json") if receipt else None,
            }
    except FinbrainError as exc:
        err.print(f"[red]error[/red] {exc.code}: {exc}")
        raise typer.Exit(code=2) from None
    finally:
        db.dispose()
    text = json.dumps(document, ensure_ascii=False, indent=2)
    if out_file:
        out_file.write_text(text + "\n")
        out.print(f"receipt written to {out_file}")
    else:
        print(text)


@app.command("check-receipt")
def check_receipt_cmd(
    file: Annotated[Path, typer.Argument(help="A receipt from `finbrain ledger prove`.")],
    vkey: Annotated[str | None, typer.Option(help="The bank's published log key.")] = None,
    witness: Annotated[
        list[str] | None, typer.Option(help="Witness key to count (repeat).")
    ] = None,
) -> None:
    """Verify a receipt with no database: signature, inclusion proof, optional cosignatures."""
    from finbrain.ledger.note import Note, NoteError, Verifier
    from finbrain.ledger.receipt import check_receipt
    from finbrain.ledger.verify import ProofError

    try:
        document = json.loads(file.read_text())
        if document.get("format") != RECEIPT_FORMAT:
            raise ValueError(f"not a {RECEIPT_FORMAT} document")
        receipt = Receipt.model_validate(document["receipt"])
        log = Verifier.parse(vkey or document["log"]["vkey"])
        checkpoint = check_receipt(document["entry"], receipt, log, document["log"]["origin"])
    except (OSError, ValueError, KeyError, TypeError, NoteError, ProofError) as exc:
        err.print(f"[red]INVALID[/red] {exc}", highlight=False)
        raise typer.Exit(code=1) from None
    if not vkey:
        out.print(
            "[yellow]note[/yellow]: the log key was taken from the receipt itself; "
            "pin the bank's published key with --vkey"
        )
    cosigned = Note.parse(receipt.checkpoint).cosignatures(
        [Verifier.parse(w) for w in witness or []]
    )
    out.print(
        f"[green]VALID[/green] entry {receipt.leaf_index} (decision "
        f"{document['entry'].get('id')}) is in {checkpoint.origin} at size "
        f"{checkpoint.size}" + (f"; cosigned by {', '.join(sorted(cosigned))}" if cosigned else "")
    )
