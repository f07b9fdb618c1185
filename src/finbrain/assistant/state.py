"""The state of one conversation, which the platform stores between messages (one JSON document
per session) and hands back with the next message.

It is small and holds no raw personal data: the transcript keeps each message masked (card,
phone and ID numbers, e-mail addresses, names after "我叫" / "my name is") and cut to
``MAX_TURN_CHARS``, and only the last ``MAX_TURNS`` turns. Slot values are strings
(amounts as decimal strings, days as ISO dates, cards and accounts by the bank's id), so the
document round-trips through JSON unchanged: ``ConversationState.from_json(state.to_json())``.
States are immutable; :meth:`Assistant.reply` returns a new one.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["MAX_TURNS", "MAX_TURN_CHARS", "ConversationState", "PendingTask", "Turn"]

MAX_TURNS = 40
MAX_TURN_CHARS = 500

TaskName = Literal[
    "report_lost_card",
    "freeze_card",
    "unfreeze_card",
    "check_balance",
    "dispute_transaction",
    "transfer_status",
]


class Turn(BaseModel):
    """One message of the transcript, already masked."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    role: Literal["customer", "assistant"]
    text: str = Field(max_length=MAX_TURN_CHARS + 1)
    intent: str | None = None


class PendingTask(BaseModel):
    """A task under way: its slots so far and what the assistant asked for last
    (a slot's name, or ``"confirm"`` once every slot is filled)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    task: TaskName
    intent: str
    slots: dict[str, str] = Field(default_factory=dict)
    awaiting: str
    asked: int = Field(default=1, ge=0)
    """How many times the current question was put (the first time included)."""


class ConversationState(BaseModel):
    """Everything the assistant remembers about one session (see the module doc)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    version: Literal[1] = 1
    session_id: str = Field(min_length=1, max_length=128)
    customer_id: str = Field(min_length=1, max_length=128)
    language: Literal["zh", "en"] = "zh"
    """The language of the last message that had one (replies to emoji-only messages use it)."""
    failures: int = Field(default=0, ge=0)
    """Messages not understood in a row (the hand-off policy counts them)."""
    pending: PendingTask | None = None
    handed_off: bool = False
    turns: tuple[Turn, ...] = ()
    turn_count: int = Field(default=0, ge=0)
    """Customer messages so far (the transcript may keep fewer)."""

    @classmethod
    def new(
        cls, session_id: str, customer_id: str, language: Literal["zh", "en"] = "zh"
    ) -> ConversationState:
        return cls(session_id=session_id, customer_id=customer_id, language=language)

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str | bytes) -> ConversationState:
        """Read a stored state back; a document that breaks the schema raises pydantic's
        ``ValidationError`` (the platform should then start a new session)."""
        return cls.model_validate_json(text)

    def with_turns(self, *turns: Turn) -> tuple[Turn, ...]:
        """The transcript with ``turns`` added, the oldest dropped past ``MAX_TURNS``."""
        return (*self.turns, *turns)[-MAX_TURNS:]
