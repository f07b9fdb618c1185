"""Console pages for the assistant: a chat where a signed-in user talks to the assistant as a
customer would (the conversation is the console session's own), the knowledge-base editor,
and the hand-off queue where an agent takes and closes tickets."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from finbrain.core.decision import new_id
from finbrain.core.errors import FinbrainError, NotFoundError, ValidationError
from finbrain.core.i18n import message
from finbrain.platform.assistant import knowledge, queries
from finbrain.platform.assistant import service as assistant
from finbrain.platform.assistant.demo import DEMO_CUSTOMER
from finbrain.platform.console.shell import (
    ULID,
    Viewer,
    error_text,
    set_flash,
    signed_in,
    take_flash,
)
from finbrain.platform.workers import jobs

router = APIRouter(prefix="/console", include_in_schema=False)
Chatter = Annotated[Viewer, Depends(signed_in("assistant:chat"))]
Manager = Annotated[Viewer, Depends(signed_in("assistant:manage"))]
Agent = Annotated[Viewer, Depends(signed_in("assistant:tickets"))]
CHAT = "assistant_chat"  # the console session's key for its conversation


def _problem(exc: FinbrainError, viewer: Viewer) -> dict[str, str]:
    return {"field": exc.field or "", "text": error_text(exc, viewer.lang)}


# -- the chat ----------------------------------------------------------------------------------
def _conversation(viewer: Viewer) -> dict[str, str]:
    held = viewer.request.session.get(CHAT)
    if not isinstance(held, dict) or not {"session", "customer"} <= held.keys():
        held = {"session": f"console-{new_id()}", "customer": DEMO_CUSTOMER}
        viewer.request.session[CHAT] = held
    return {"session": str(held["session"]), "customer": str(held["customer"])}


def _chat_page(viewer: Viewer, status: int = 200, error: Any = None) -> Response:
    chat = _conversation(viewer)
    with viewer.session() as session:
        champion = queries.champion_model(session)
        state = queries.session_state(session, chat["session"])
        cards = queries.customer_cards(session, chat["customer"])
    return viewer.page(
        "assistant.html", status, champion=champion, state=state, chat=chat, cards=cards,
        error=error, flash=take_flash(viewer.request), can_train=viewer.can("assistant:manage"),
    )  # fmt: skip


@router.get("/assistant", response_class=HTMLResponse)
def chat_page(viewer: Chatter) -> Response:
    return _chat_page(viewer)


@router.post("/assistant/messages", response_class=HTMLResponse)
async def chat_send(viewer: Chatter) -> Response:
    """The typed message goes to the assistant as the customer's; the page shows the
    conversation (masked, as stored)."""
    form = await viewer.request.form()
    text = str(form.get("text", ""))
    chat = _conversation(viewer)

    def work() -> Any:
        try:
            with viewer.session(write=True) as session:
                assistant.send_message(
                    session, viewer.request.app.state.settings, viewer.caller,
                    chat["session"], chat["customer"], text,
                )  # fmt: skip
            return 200, None
        except FinbrainError as exc:
            return exc.status, _problem(exc, viewer)

    status, error = await run_in_threadpool(work)
    if error is not None:
        return _chat_page(viewer, status, error)
    return RedirectResponse(url="/console/assistant", status_code=303)


@router.post("/assistant/new", response_class=HTMLResponse)
async def chat_new(viewer: Chatter) -> Response:
    """A new conversation, as the customer typed in (the demo customer by default)."""
    form = await viewer.request.form()
    customer = str(form.get("customer_id", "")).strip() or DEMO_CUSTOMER
    if not queries.CUSTOMER_ID.match(customer):
        error = _problem(ValidationError(field="customer_id", rule="bank_reference_1_to_128"),
                         viewer)  # fmt: skip
        return _chat_page(viewer, 422, error)
    viewer.request.session[CHAT] = {"session": f"console-{new_id()}", "customer": customer}
    return RedirectResponse(url="/console/assistant", status_code=303)


@router.post("/assistant/train", response_class=HTMLResponse)
def chat_train(viewer: Manager, background: BackgroundTasks) -> Response:
    """Train the intent model (TF-IDF, seconds to a minute) in the background."""
    with viewer.session(write=True) as session:
        jobs.start(session, background, viewer.request.app.state, viewer.tenant_id,
                   "assistant.train", {"encoders": "none", "public": True})  # fmt: skip
    set_flash(viewer.request, "ok", message("ui.assistant_training_started", viewer.lang))
    return RedirectResponse(url="/console/assistant", status_code=303)


# -- the knowledge base ------------------------------------------------------------------------
def _knowledge_page(
    viewer: Viewer, status: int = 200, error: Any = None, form: dict[str, str] | None = None
) -> Response:
    with viewer.session() as session:
        entries, _ = queries.faq_page(session, limit=200)
        version, count = queries.knowledge_version(session)
    return viewer.page(
        "assistant_knowledge.html", status, entries=entries, version=version, count=count,
        error=error, form=form or {}, flash=take_flash(viewer.request),
    )  # fmt: skip


@router.get("/assistant/knowledge", response_class=HTMLResponse)
def knowledge_page(viewer: Manager) -> Response:
    return _knowledge_page(viewer)


def _entry_of(form: dict[str, str]) -> dict[str, Any]:
    return {
        "id": form["id"],
        "questions": [q.strip() for q in form["questions"].splitlines() if q.strip()],
        "answer": {"zh": form["answer_zh"], "en": form["answer_en"]},
        "intents": [i.strip() for i in form["intents"].replace("，", ",").split(",") if i.strip()],
    }


@router.post("/assistant/knowledge", response_class=HTMLResponse)
async def knowledge_save(viewer: Manager) -> Response:
    """Add an entry or save an edited one (by its id); a refusal names the field."""
    posted = await viewer.request.form()
    names = ("id", "questions", "answer_zh", "answer_en", "intents")
    form = {name: str(posted.get(name, "")).strip() for name in names}

    def work() -> Any:
        try:
            with viewer.session(write=True) as session:
                knowledge.put_entries(session, viewer.caller, [_entry_of(form)])
            return None
        except FinbrainError as exc:
            return _problem(exc, viewer)

    error = await run_in_threadpool(work)
    if error is not None:
        return _knowledge_page(viewer, 422, error, form)
    set_flash(viewer.request, "ok", message("ui.assistant_saved_flash", viewer.lang, id=form["id"]))
    return RedirectResponse(url="/console/assistant/knowledge", status_code=303)


@router.post("/assistant/knowledge/delete", response_class=HTMLResponse)
async def knowledge_delete(viewer: Manager) -> Response:
    posted = await viewer.request.form()
    entry_id = str(posted.get("id", "")).strip()
    try:
        with viewer.session(write=True) as session:
            knowledge.remove_entries(session, viewer.caller, [entry_id])
    except NotFoundError:
        return viewer.not_found()
    set_flash(viewer.request, "ok", message("ui.assistant_deleted_flash", viewer.lang, id=entry_id))
    return RedirectResponse(url="/console/assistant/knowledge", status_code=303)


# -- the hand-off queue ------------------------------------------------------------------------
@router.get("/assistant/tickets", response_class=HTMLResponse)
def tickets_page(viewer: Agent, status: str = "") -> Response:
    chosen = status if status in queries.TICKET_STATUSES else None
    with viewer.session() as session:
        tickets, _ = queries.tickets_page(session, limit=200, status=chosen)
        counts = queries.ticket_counts(session)
    return viewer.page(
        "assistant_tickets.html", tickets=tickets, counts=counts, chosen=chosen or "",
        statuses=queries.TICKET_STATUSES, flash=take_flash(viewer.request),
    )  # fmt: skip


@router.post("/assistant/tickets/{ticket_id}/{verb}", response_class=HTMLResponse)
def ticket_act(viewer: Agent, ticket_id: str, verb: str) -> Response:
    """Take or close a ticket; the queue shows the result."""
    if not ULID.match(ticket_id) or verb not in ("take", "close"):
        return viewer.not_found()
    act = assistant.take_ticket if verb == "take" else assistant.close_ticket
    try:
        with viewer.session(write=True) as session:
            act(session, viewer.caller, ticket_id)
    except NotFoundError:
        return viewer.not_found()
    except FinbrainError as exc:
        set_flash(viewer.request, "error", error_text(exc, viewer.lang))
        return RedirectResponse(url="/console/assistant/tickets", status_code=303)
    set_flash(viewer.request, "ok", message(f"ui.assistant_{verb}_flash", viewer.lang))
    return RedirectResponse(url="/console/assistant/tickets", status_code=303)
