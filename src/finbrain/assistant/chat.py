"""The assistant's one entry point: a message in, a reply out (智能客服的一轮对话).

:meth:`Assistant.reply` takes the session's :class:`ConversationState`, the customer's message,
the bank (:class:`~finbrain.assistant.backend.BankBackend`) and today's date, and returns a
:class:`Reply`: the text in the customer's language, the intent and its confidence, the action
taken or put to the customer for confirmation, a hand-off when there is one, the decisions to
record, and the new state to store. It never raises and never acts without every slot and a
yes in a separate turn.

One turn, in order: a session already handed off waits for the person; a task under way reads
the message as its answer; otherwise the intent model reads it, the hand-off policy routes it
(``handoff.route``), a task intent starts its task, and other questions are answered from the
knowledge base — which may also answer what the intent model did not understand.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from finbrain.assistant import dialogue
from finbrain.assistant.dialogue import ActionTaken, Confirmation, Step
from finbrain.assistant.handoff import DEFAULT_POLICY, HandoffPolicy, route, wants_human
from finbrain.assistant.nlu.language import detect_language
from finbrain.assistant.state import ConversationState, TaskName
from finbrain.assistant.texts import ReplyLanguage, reason, say
from finbrain.assistant.transcript import Handoff, masked_turn
from finbrain.core.decision import Decision, ModelRef, Reason, Subject

if TYPE_CHECKING:
    from finbrain.assistant.backend import BankBackend
    from finbrain.assistant.knowledge import FaqEntry, FaqHit, KnowledgeBase
    from finbrain.assistant.nlu.intents import IntentClassifier, IntentResult

__all__ = ["Assistant", "Reply"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Reply:
    """What the assistant answers to one message."""

    text: str
    language: ReplyLanguage
    outcome: str
    """``answer`` · ``ask`` (a slot) · ``confirm`` · ``done`` · ``refused`` · ``cancelled`` ·
    ``clarify`` · ``handoff``."""
    intent: str | None
    confidence: float
    state: ConversationState
    """The state to store for the next message."""
    action: ActionTaken | None = None
    """The bank call made in this turn (after confirmation, or a read)."""
    confirm: Confirmation | None = None
    """The action put to the customer in this turn (done only on a yes next turn)."""
    handoff: Handoff | None = None
    faq_id: str | None = None
    decisions: tuple[Decision, ...] = field(default=())
    """Every decision of the turn (routing, answer, bank call), for the ledger."""
    note: str | None = None
    """``internal_error`` when the turn failed inside and the customer was handed off."""


def reply_language(text: str, previous: ReplyLanguage) -> ReplyLanguage:
    found = detect_language(text[:2000])
    if found in ("zh", "en"):
        return found
    return previous  # mixed or no letters: stay in the conversation's language


class Assistant:
    """Intent model + knowledge base + tasks + hand-off policy, for one tenant."""

    def __init__(
        self,
        model: IntentClassifier,
        knowledge: KnowledgeBase | None = None,
        policy: HandoffPolicy = DEFAULT_POLICY,
        tasks: Mapping[str, TaskName] = dialogue.DEFAULT_TASK_INTENTS,
        faq_min_probability: float = 0.6,
        model_ref: ModelRef | None = None,
    ) -> None:
        self.model = model
        self.knowledge = knowledge
        self.policy = policy
        self.tasks = dict(tasks)
        self.faq_min_probability = faq_min_probability
        self.model_ref = model_ref

    @classmethod
    def build(
        cls, model: IntentClassifier, entries: Iterable[FaqEntry] = (), **options: Any
    ) -> Assistant:
        """An assistant whose knowledge base (``entries``) uses the intent model's own
        encoders — with :func:`train_intent_model`'s cached encoders, each message is embedded
        once per turn, not once by the model and again by the knowledge base."""
        from finbrain.assistant.knowledge import KnowledgeBase

        encoders = list(getattr(getattr(model, "features_", None), "encoders_", []))
        return cls(model, KnowledgeBase(entries, encoders=encoders or None), **options)

    def reply(
        self,
        state: ConversationState,
        text: object,
        backend: BankBackend,
        today: date | None = None,
    ) -> Reply:
        """One message → its :class:`Reply` (see the module doc). Never raises."""
        message = text if isinstance(text, str) else ""
        language = reply_language(message, state.language)
        customer = masked_turn("customer", message)
        state = state.model_copy(
            update={
                "language": language,
                "turn_count": state.turn_count + 1,
                "turns": state.with_turns(customer),
            }
        )
        turn = dialogue.Turn(state, backend, today or date.today(), language, self.model_ref)
        try:
            return self._reply(state, message, turn)
        except Exception:  # the last guard: a customer gets a person, never a stack trace
            log.exception("assistant turn failed (session %s)", state.session_id[:64])
            return self._handoff(state, turn, ("AS-INTERNAL",), (), None, 0.0, "internal_error")

    # --- the turn ---------------------------------------------------------------------------
    def _reply(self, state: ConversationState, message: str, turn: dialogue.Turn) -> Reply:
        if state.handed_off:
            return self._finish(state, say("handoff.waiting", turn.language), "handoff", None, 0.0)
        human = wants_human(message)
        if state.pending is not None and not human:
            step = dialogue.resume(state.pending, message, turn)
            if step is not None:
                return self._from_step(state, step, state.pending.intent, 1.0, turn, ())
        if state.pending is not None and state.pending.awaiting == "confirm":
            # a yes must answer the question right before it: anything else withdraws it
            state = state.model_copy(update={"pending": None})
        result = self.model.classify(message)
        routed = route(
            result,
            message,
            session_id=state.session_id,
            failures=state.failures,
            policy=self.policy,
            model=self.model_ref,
        )
        decisions: tuple[Decision, ...] = (routed,)
        if routed.outcome == "answer":
            return self._understood(state, message, result, turn, decisions)
        if not human and (hit := self._faq(message)) is not None:  # the bank's own FAQ knows it
            return self._answer(state, hit, result, turn, decisions)
        codes = tuple(r.code for r in routed.reasons)
        if routed.outcome == "handoff":
            return self._handoff(state, turn, codes, decisions, result.intent, result.confidence)
        failures = state.failures + 1
        key = "clarify.empty" if result.note else "clarify"
        text = say(key, turn.language)
        if state.pending is not None:  # still in a task: put its question again after the miss
            text = f"{text} {self._pending_question(state, turn)}"
        state = state.model_copy(update={"failures": failures})
        return self._finish(state, text, "clarify", result.intent, result.confidence, decisions)

    def _understood(
        self,
        state: ConversationState,
        message: str,
        result: IntentResult,
        turn: dialogue.Turn,
        decisions: tuple[Decision, ...],
    ) -> Reply:
        task = self.tasks.get(result.intent)
        if task is not None:
            if state.pending is not None and state.pending.task == task:
                text = self._pending_question(state, turn)  # the same request again
                return self._finish(state, text, "ask", result.intent, result.confidence, decisions)
            step = dialogue.start(task, result.intent, message, turn)
            return self._from_step(state, step, result.intent, result.confidence, turn, decisions)
        hit = self._faq(message, intent=result.intent)
        if hit is not None:
            return self._answer(state, hit, result, turn, decisions)
        no_answer = Decision.for_input(
            {"intent": result.intent, "session": state.session_id},
            capability="assistant",
            action="answer",
            subject=_subject(state),
            model=self.model_ref,
            outcome="handoff",
            score=result.confidence,
            reasons=[reason("AS-NO-ANSWER", result.intent)],
        )
        return self._handoff(
            state,
            turn,
            ("AS-NO-ANSWER",),
            (*decisions, no_answer),
            result.intent,
            result.confidence,
            text_key="no_answer",
        )

    # --- pieces -----------------------------------------------------------------------------
    def _faq(self, message: str, intent: str | None = None) -> FaqHit | None:
        if self.knowledge is None or not message.strip():
            return None
        return self.knowledge.answer(
            message, intent=intent, min_probability=self.faq_min_probability
        )

    def _answer(
        self,
        state: ConversationState,
        hit: FaqHit,
        result: IntentResult,
        turn: dialogue.Turn,
        decisions: tuple[Decision, ...],
    ) -> Reply:
        answered = Decision.for_input(
            {"entry": hit.entry.id, "session": state.session_id, "turn": state.turn_count},
            capability="assistant",
            action="answer",
            subject=_subject(state),
            model=self.model_ref,
            outcome="answer",
            score=round(hit.probability, 4),
            reasons=[_faq_reason(hit)],
        )
        state = state.model_copy(update={"failures": 0})
        return self._finish(
            state,
            hit.entry.answer_in(turn.language),
            "answer",
            result.intent,
            result.confidence,
            (*decisions, answered),
            faq_id=hit.entry.id,
        )

    def _pending_question(self, state: ConversationState, turn: dialogue.Turn) -> str:
        pending = state.pending
        if pending is None:
            return ""
        if pending.awaiting == "confirm":
            return say("confirm.again", turn.language)
        try:
            return dialogue.advance(pending, turn, asked=pending.asked + 1).text
        except dialogue.BankUnavailableError:  # the question cannot be put without the bank
            return ""

    def _from_step(
        self,
        state: ConversationState,
        step: Step,
        intent: str | None,
        confidence: float,
        turn: dialogue.Turn,
        decisions: tuple[Decision, ...],
    ) -> Reply:
        state = state.model_copy(update={"pending": step.pending, "failures": 0})
        if step.action is not None:
            decisions = (*decisions, step.action.decision)
        if step.handoff:
            codes = ("AS-ACTION-REFUSED",) if step.action else ("AS-BANK-UNAVAILABLE",)
            return self._handoff(
                state,
                turn,
                codes,
                decisions,
                intent,
                confidence,
                text=step.text,
                action=step.action,
            )
        if step.confirm is not None:
            outcome = "confirm"
        elif step.action is not None:
            outcome = _action_outcome(step.action)
        elif step.pending is not None:
            outcome = "ask"
        else:
            outcome = "cancelled" if step.text == say("cancelled", turn.language) else "answer"
        return self._finish(
            state,
            step.text,
            outcome,
            intent,
            confidence,
            decisions,
            action=step.action,
            confirm=step.confirm,
        )

    def _handoff(
        self,
        state: ConversationState,
        turn: dialogue.Turn,
        codes: tuple[str, ...],
        decisions: tuple[Decision, ...],
        intent: str | None,
        confidence: float,
        note: str | None = None,
        *,
        text_key: str = "handoff",
        text: str | None = None,
        action: ActionTaken | None = None,
    ) -> Reply:
        shown = text if text is not None else say(text_key, turn.language)
        closing = masked_turn("assistant", shown, intent)
        state = state.model_copy(
            update={"handed_off": True, "failures": 0, "turns": state.with_turns(closing)}
        )
        ticket = Handoff.from_state(state, codes)
        state = state.model_copy(update={"pending": None})
        return Reply(
            shown,
            turn.language,
            "handoff",
            intent,
            round(float(confidence), 4),
            state,
            action=action,
            handoff=ticket,
            decisions=decisions,
            note=note,
        )

    def _finish(
        self,
        state: ConversationState,
        text: str,
        outcome: str,
        intent: str | None,
        confidence: float,
        decisions: tuple[Decision, ...] = (),
        **extra: Any,
    ) -> Reply:
        closing = masked_turn("assistant", text, intent)
        state = state.model_copy(update={"turns": state.with_turns(closing)})
        return Reply(
            text,
            state.language,
            outcome,
            intent,
            round(float(confidence), 4),
            state,
            decisions=decisions,
            **extra,
        )


def _subject(state: ConversationState) -> Subject:
    return Subject(type="session", id=state.session_id)


def _faq_reason(hit: FaqHit) -> Reason:
    if hit.via == "intent":
        return reason("AS-FAQ-INTENT", hit.entry.id, intent=", ".join(hit.entry.intents))
    return reason("AS-FAQ-MATCH", hit.entry.id, score=round(hit.probability, 3))


def _action_outcome(action: ActionTaken) -> str:
    if action.decision.outcome == "answer":
        return "answer"
    return "done" if action.ok else "refused"
