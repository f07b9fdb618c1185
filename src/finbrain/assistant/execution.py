"""Calling the bank for a task whose slots are complete, and saying what came of it.

State-changing calls (report lost, freeze, unfreeze, dispute) reach here only from a confirmed
:class:`~finbrain.assistant.state.PendingTask` (``dialogue.resume`` on a plain yes); reads
(balance, transfer status) straight from the slots. Each call gives an
:class:`~finbrain.assistant.dialogue.ActionTaken` with its decision: ``done`` or ``refused``
for actions, ``answer`` for reads.
"""

from __future__ import annotations

from typing import Any, cast

from finbrain.assistant.backend import ActionResult, FreezeReason, Transfer
from finbrain.assistant.dialogue import (
    ActionTaken,
    Step,
    TaskSpec,
    Turn,
    action_decision,
    confirmed_reason,
    dispute_of,
)
from finbrain.assistant.state import PendingTask
from finbrain.assistant.texts import amount_text, date_text, item_text, reason

__all__ = ["run"]


def run(task: TaskSpec, pending: PendingTask, turn: Turn, request: str) -> Step:
    if task.name == "check_balance":
        return _balance(task, pending, turn, request)
    if task.name == "transfer_status":
        return _transfer(task, pending, turn, request)
    result = _call(task, pending, turn, request)
    reasons = [confirmed_reason(task, pending)]
    if result.ok:
        reasons.append(reason("AS-ACTION-DONE", result.reference or "-"))
    else:
        reasons.append(reason("AS-ACTION-REFUSED", result.problem or "unknown"))
    decision = action_decision(
        task, pending, turn, "done" if result.ok else "refused", reasons, request
    )
    taken = ActionTaken(task.name, result.ok, result.reference, result.problem, decision)
    if result.ok:
        card = next((c for c in turn.cards() if c.id == pending.slots.get("card")), None)
        shown = item_text(card, turn.language) if card else ""
        text = turn.say(f"done.{task.name}", card=shown, reference=result.reference or "-")
        return Step(text, None, action=taken)
    problem_key = f"problem.{result.problem}"
    try:
        problem = turn.say(problem_key)
    except KeyError:
        problem = turn.say("problem.unavailable")
    return Step(turn.say("failed.action", problem=problem), None, action=taken, handoff=True)


def _call(task: TaskSpec, pending: PendingTask, turn: Turn, request: str) -> ActionResult:
    customer = turn.state.customer_id
    backend = turn.backend
    if task.name == "dispute_transaction":
        result = backend.open_dispute(customer, dispute_of(pending), request)
    elif task.name == "unfreeze_card":
        result = backend.unfreeze_card(customer, pending.slots["card"], request)
    else:
        why = "customer_request" if task.name == "freeze_card" else pending.slots.get("reason")
        result = backend.freeze_card(
            customer, pending.slots["card"], cast(FreezeReason, why or "lost"), request
        )
    return result  # anything but an ActionResult fails in the caller, which hands off


def _read(task: TaskSpec, pending: PendingTask, turn: Turn, request: str, what: str) -> Any:
    return action_decision(task, pending, turn, "answer", [reason("AS-READ-ONLY", what)], request)


def _balance(task: TaskSpec, pending: PendingTask, turn: Turn, request: str) -> Step:
    account = next(a for a in turn.accounts() if a.id == pending.slots["account"])
    found = turn.backend.balance(turn.state.customer_id, account.id)
    decision = _read(task, pending, turn, request, "balance")
    taken = ActionTaken(
        task.name, found is not None, None, None if found else "not_found", decision
    )
    if found is None:
        return Step(turn.say("failed.balance"), None, action=taken)
    text = turn.say(
        "done.check_balance",
        account=item_text(account, turn.language),
        amount=amount_text(found.available),
        currency=found.currency,
    )
    return Step(text, None, action=taken)


def _pick(transfers: list[Transfer], pending: PendingTask) -> Transfer | None:
    if not transfers:
        return None
    amount = pending.slots.get("amount")
    if amount is not None:
        same = [t for t in transfers if str(t.amount) == amount]
        if same:
            return same[0]
    return transfers[0]


def _transfer(task: TaskSpec, pending: PendingTask, turn: Turn, request: str) -> Step:
    reference = pending.slots.get("reference")
    transfers = list(turn.backend.transfer_status(turn.state.customer_id, reference))
    if reference and not transfers:  # an unknown reference: show the latest instead
        transfers = list(turn.backend.transfer_status(turn.state.customer_id, None))
    chosen = _pick(transfers, pending)
    decision = _read(task, pending, turn, request, "transfer_status")
    taken = ActionTaken(
        task.name,
        chosen is not None,
        chosen.reference if chosen else None,
        None if chosen else "not_found",
        decision,
    )
    if chosen is None:
        return Step(turn.say("none.transfers"), None, action=taken)
    expected = date_text(chosen.expected, turn.language)
    text = turn.say(
        f"transfer.{chosen.status}",
        amount=amount_text(chosen.amount),
        currency=chosen.currency,
        date=date_text(chosen.created, turn.language),
        reference=chosen.reference,
        expected=expected,
    )
    return Step(text, None, action=taken)
