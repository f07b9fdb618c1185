"""Tasks with slots (办理业务): report a lost or stolen card, freeze or unfreeze a card, read a
balance, dispute a transaction, ask after a transfer.

A task starts from an intent, takes what slot values the first message already holds ("我的信用卡
丢了" names the card), asks for the rest one at a time, and — for anything that changes the
bank's state — puts the whole action to the customer and acts only on a plain yes in the *next*
message (``answers.is_yes``). Reads (balance, transfer status) need no confirmation. Every
call to the bank returns a :class:`~finbrain.core.decision.Decision` without tenant; a bank
error never escapes: the customer is told and handed to a person.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from finbrain.assistant.answers import choose, is_no
from finbrain.assistant.backend import Account, BankBackend, Card, DisputeRequest
from finbrain.assistant.slots import parse_amount, parse_date, parse_merchant
from finbrain.assistant.state import ConversationState, PendingTask, TaskName
from finbrain.assistant.texts import ReplyLanguage, amount_text, date_text, item_text, reason, say
from finbrain.core.canonical import digest
from finbrain.core.decision import Decision, ModelRef, Subject

__all__ = ["DEFAULT_TASK_INTENTS", "TASKS", "ActionTaken", "Confirmation", "Step", "TaskSpec"]


@dataclass(frozen=True, slots=True)
class TaskSpec:
    name: TaskName
    asks: tuple[str, ...]
    """The slots asked for, in order (others, such as ``reason``, are only read)."""
    changes_state: bool
    action: str
    """The decision's ``action`` (what the bank was asked to do)."""


TASKS: Mapping[str, TaskSpec] = {
    "report_lost_card": TaskSpec("report_lost_card", ("card",), True, "report_lost_card"),
    "freeze_card": TaskSpec("freeze_card", ("card",), True, "freeze_card"),
    "unfreeze_card": TaskSpec("unfreeze_card", ("card",), True, "unfreeze_card"),
    "check_balance": TaskSpec("check_balance", ("account",), False, "read_balance"),
    "dispute_transaction": TaskSpec(
        "dispute_transaction", ("amount", "merchant", "date"), True, "open_dispute"
    ),
    "transfer_status": TaskSpec("transfer_status", (), False, "read_transfer"),
}
# BANKING77's intents that are these tasks, plus the three finbrain adds (data/task_intents.csv)
DEFAULT_TASK_INTENTS: Mapping[str, TaskName] = {
    "lost_or_stolen_card": "report_lost_card",
    "freeze_card": "freeze_card",
    "unfreeze_card": "unfreeze_card",
    "check_balance": "check_balance",
    "card_payment_not_recognised": "dispute_transaction",
    "transaction_charged_twice": "dispute_transaction",
    "extra_charge_on_statement": "dispute_transaction",
    "direct_debit_payment_not_recognised": "dispute_transaction",
    "cash_withdrawal_not_recognised": "dispute_transaction",
    "pending_transfer": "transfer_status",
    "transfer_not_received_by_recipient": "transfer_status",
    "failed_transfer": "transfer_status",
}
_STOLEN = re.compile(r"偷|盗|抢|扒|stole|theft|thief|robbed|pickpocket", re.IGNORECASE)
_REFERENCE = re.compile(r"\b([A-Za-z]{2,4}-?\d{3,12})\b")
_ELIGIBLE = {
    "report_lost_card": {"active", "frozen"},
    "freeze_card": {"active"},
    "unfreeze_card": {"frozen"},
}


@dataclass(frozen=True, slots=True)
class ActionTaken:
    """What the bank was asked to do in this turn and what it answered."""

    task: str
    ok: bool
    reference: str | None
    problem: str | None
    decision: Decision


@dataclass(frozen=True, slots=True)
class Confirmation:
    """An action put to the customer; it runs only on a plain yes in the next message."""

    task: str
    slots: Mapping[str, str]
    summary: str
    """The action in the customer's language, as it was asked."""


@dataclass(frozen=True, slots=True)
class Step:
    """One turn of a task: what to say and where the task stands afterwards."""

    text: str
    pending: PendingTask | None
    action: ActionTaken | None = None
    confirm: Confirmation | None = None
    handoff: bool = False


class BankUnavailableError(Exception):
    """The backend raised: the turn ends with an apology and a hand-off."""


@dataclass
class Turn:
    """What one turn of a task works with (the bank is read at most once per turn)."""

    state: ConversationState
    backend: BankBackend
    today: date
    language: ReplyLanguage
    model: ModelRef | None = None
    _cards: Sequence[Card] | None = None
    _accounts: Sequence[Account] | None = None

    def cards(self) -> Sequence[Card]:
        if self._cards is None:
            try:
                self._cards = list(self.backend.list_cards(self.state.customer_id))
            except Exception as exc:  # any failure of the bank's side ends the task politely
                raise BankUnavailableError from exc
        return self._cards

    def accounts(self) -> Sequence[Account]:
        if self._accounts is None:
            try:
                self._accounts = list(self.backend.list_accounts(self.state.customer_id))
            except Exception as exc:
                raise BankUnavailableError from exc
        return self._accounts

    def say(self, key: str, **params: Any) -> str:
        return say(key, self.language, **params)


# --- slots ----------------------------------------------------------------------------------
def _items(task: TaskSpec, turn: Turn) -> list[Card | Account]:
    if "card" in task.asks:
        return [c for c in turn.cards() if c.status in _ELIGIBLE[task.name]]
    return list(turn.accounts())


def read_slots(pending: PendingTask, text: str, turn: Turn) -> dict[str, str]:
    """Slot values ``text`` gives for ``pending``'s task (what was asked read leniently)."""
    task, awaiting, found = TASKS[pending.task], pending.awaiting, {}
    if {"card", "account"} & set(task.asks):
        slot = "card" if "card" in task.asks else "account"
        item = choose(_items(task, turn), text, ordinals=awaiting == slot)
        if item is not None:
            found[slot] = item.id
    if "amount" in task.asks:
        amount = parse_amount(text, bare=awaiting == "amount")
        if amount is not None and amount > 0:
            found["amount"] = str(amount)
    if "date" in task.asks and (day := parse_date(text, today=turn.today)) is not None:
        found["date"] = day.isoformat()
    if "merchant" in task.asks:
        merchant = parse_merchant(text, bare=awaiting == "merchant")
        if merchant:
            found["merchant"] = merchant
    if task.name == "report_lost_card" and _STOLEN.search(text[:1000]):
        found["reason"] = "stolen"
    if task.name == "transfer_status" and (m := _REFERENCE.search(text[:1000])):
        found["reference"] = m.group(1).upper()
    return found


def _ask(pending: PendingTask, slot: str, turn: Turn, asked: int) -> Step:
    params: dict[str, Any] = {}
    if slot in {"card", "account"}:
        items = _items(TASKS[pending.task], turn)
        params["options"] = turn.say("options.join").join(
            f"{i}. {item_text(item, turn.language)}" for i, item in enumerate(items, 1)
        )
    key = f"ask.{slot}"
    if slot == "date" and "date" in pending.slots:  # a day still ahead was given
        key, pending = "ask.date_future", _without(pending, "date")
    return Step(
        turn.say(key, **params), pending.model_copy(update={"awaiting": slot, "asked": asked})
    )


def _without(pending: PendingTask, slot: str) -> PendingTask:
    return pending.model_copy(
        update={"slots": {k: v for k, v in pending.slots.items() if k != slot}}
    )


# --- the task's turns -----------------------------------------------------------------------
def start(task: TaskName, intent: str, text: str, turn: Turn) -> Step:
    """A new task from the message that asked for it."""
    pending = PendingTask(task=task, intent=intent, awaiting="", asked=0)
    try:
        pending = pending.model_copy(update={"slots": read_slots(pending, text, turn)})
        return advance(pending, turn, asked=1)
    except BankUnavailableError:
        return _unavailable(turn)


def resume(pending: PendingTask, text: str, turn: Turn) -> Step | None:
    """The next turn of a task under way, or None when ``text`` answers nothing the task asked
    (the caller then reads it as a new message; the task waits)."""
    try:
        if pending.awaiting == "confirm":
            return _resume_confirm(pending, text, turn)
        if is_no(text):
            return Step(turn.say("cancelled"), None)
        found = read_slots(pending, text, turn)
        if pending.awaiting not in found:
            return None
        merged = {**pending.slots, **found}
        return advance(pending.model_copy(update={"slots": merged}), turn, asked=1)
    except BankUnavailableError:
        return _unavailable(turn)


def _resume_confirm(pending: PendingTask, text: str, turn: Turn) -> Step | None:
    from finbrain.assistant.answers import is_yes

    if is_yes(text):
        return execute(pending, turn)
    if is_no(text):
        return Step(turn.say("cancelled"), None)
    found = read_slots(pending, text, turn)
    changed = {k: v for k, v in found.items() if pending.slots.get(k) != v}
    if changed:  # a correction ("不对，是600块"): put the corrected action again
        return advance(
            pending.model_copy(update={"slots": {**pending.slots, **changed}}), turn, asked=1
        )
    return None


def advance(pending: PendingTask, turn: Turn, asked: int) -> Step:
    """Ask for the next missing slot, or put the action to the customer, or (a read) do it."""
    task = TASKS[pending.task]
    if {"card", "account"} & set(task.asks):
        slot = "card" if "card" in task.asks else "account"
        items = _items(task, turn)
        if not items:
            return Step(turn.say("none.cards" if slot == "card" else "none.accounts"), None)
        if slot not in pending.slots and len(items) == 1:  # the only one: named in the confirm
            pending = pending.model_copy(update={"slots": {**pending.slots, slot: items[0].id}})
    if "date" in pending.slots and date.fromisoformat(pending.slots["date"]) > turn.today:
        return _ask(pending, "date", turn, asked)
    for slot in task.asks:
        if slot not in pending.slots:
            return _ask(pending, slot, turn, asked)
    if not task.changes_state:
        return execute(pending, turn)
    summary = turn.say(f"confirm.{task.name}", **_display(pending, turn))
    confirm = Confirmation(task.name, dict(pending.slots), summary)
    return Step(
        summary, pending.model_copy(update={"awaiting": "confirm", "asked": asked}), confirm=confirm
    )


def _display(pending: PendingTask, turn: Turn) -> dict[str, str]:
    slots, out = pending.slots, {}
    items: list[Card | Account] = [*turn.cards(), *turn.accounts()]
    for item in items:
        if item.id == slots.get("card") and isinstance(item, Card):
            out["card"] = item_text(item, turn.language)
        if item.id == slots.get("account") and isinstance(item, Account):
            out["account"] = item_text(item, turn.language)
    if "amount" in slots:
        out["amount"] = amount_text(slots["amount"])
    if "date" in slots:
        out["date"] = date_text(slots["date"], turn.language)
    if "merchant" in slots:
        out["merchant"] = slots["merchant"]
    return out


def _unavailable(turn: Turn) -> Step:
    problem = turn.say("problem.unavailable")
    return Step(turn.say("failed.action", problem=problem), None, handoff=True)


# --- acting ---------------------------------------------------------------------------------
def request_id(state: ConversationState, pending: PendingTask) -> str:
    """The same turn of the same session with the same slots gives the same id: a reply the
    platform retries is applied once by an idempotent backend."""
    basis = {
        "session": state.session_id,
        "turn": state.turn_count,
        "task": pending.task,
        "slots": dict(sorted(pending.slots.items())),
    }
    return "as-" + digest(basis)[:29]


def execute(pending: PendingTask, turn: Turn) -> Step:
    """Call the bank for a task whose slots are complete (confirmed, when it changes state)."""
    from finbrain.assistant.execution import run

    try:
        return run(TASKS[pending.task], pending, turn, request_id(turn.state, pending))
    except Exception:  # the bank's failure must not become the customer's exception
        return _unavailable(turn)


def action_decision(
    task: TaskSpec,
    pending: PendingTask,
    turn: Turn,
    outcome: str,
    reasons: list[Any],
    request: str,
) -> Decision:
    """The decision recorded for a call to the bank (slot values digested, never stored)."""
    return Decision.for_input(
        {"task": task.name, "slots": dict(sorted(pending.slots.items())), "request_id": request},
        capability="assistant",
        action=task.action,
        subject=Subject(type="customer", id=turn.state.customer_id),
        model=turn.model,
        outcome=outcome,
        score=None,
        grade=None,
        reasons=reasons,
    )


def confirmed_reason(task: TaskSpec, pending: PendingTask) -> Any:
    shown = ", ".join(f"{k}={v}" for k, v in sorted(pending.slots.items()) if k != "merchant")
    return reason("AS-CONFIRMED", f"{task.name} {shown}".strip())


def amount_of(pending: PendingTask) -> Decimal:
    return Decimal(pending.slots["amount"])


def dispute_of(pending: PendingTask) -> DisputeRequest:
    return DisputeRequest(
        amount=amount_of(pending),
        merchant=pending.slots["merchant"],
        day=date.fromisoformat(pending.slots["date"]),
        card_id=pending.slots.get("card"),
    )
