"""``finbrain chat`` (a terminal conversation with the assistant against the in-memory demo bank)
and ``finbrain assistant train`` (the intent model: for a tenant on the platform, or to a file
a ``finbrain chat --model`` can load)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from finbrain.core.errors import FinbrainError

app = typer.Typer(help="Intelligent customer service (智能客服).", no_args_is_help=True)
out = Console()
err = Console(stderr=True)
ENCODERS = ("none", "packaged")
QUIT = {"exit", "quit", "bye", "退出", "再见"}


def _check_encoders(encoders: str) -> None:
    if encoders not in ENCODERS:
        err.print(f"[red]--encoders must be one of {', '.join(ENCODERS)}[/red]")
        raise typer.Exit(2)


@app.command("train")
def train(
    tenant: Annotated[
        str | None, typer.Option(help="Train for this tenant on the platform (the new champion).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option(help="Write the model here instead (for finbrain chat --model).")
    ] = None,
    encoders: Annotated[
        str, typer.Option(help="none: TF-IDF alone (seconds); packaged: with the encoders.")
    ] = "none",
    public: Annotated[
        bool, typer.Option(help="Also learn from BANKING77 and CLINC150 when the data has them.")
    ] = True,
) -> None:
    """Train the intent model and print its measures."""
    from finbrain.platform.assistant import artifact, training

    _check_encoders(encoders)
    if (tenant is None) == (output is None):
        err.print("[red]give --tenant (train on the platform) or --output (write a file)[/red]")
        raise typer.Exit(2)
    try:
        with out.status("training the intent model…"):
            model, metrics = training.train(encoders, public)
        if tenant is not None:
            from finbrain.core.settings import get_settings
            from finbrain.platform.bootstrap import prepare

            db = prepare(get_settings())
            with db.tenant(tenant) as session:
                row = training.register(session, tenant, model, metrics)
                metrics = {"model_id": row.id, "version": row.version, **metrics}
            db.dispose()
        else:
            assert output is not None
            output.write_text(artifact.dump(model), encoding="utf-8")
            metrics = {"written": str(output), **metrics}
    except FinbrainError as exc:
        err.print(f"[red]{exc.code}: {escape(str(exc))}[/red]")
        raise typer.Exit(2) from None
    out.print_json(json.dumps(metrics, ensure_ascii=False))


def _assistant(model_path: Path | None) -> Any:
    from finbrain.assistant import Assistant, load_demo_faq
    from finbrain.platform.assistant import artifact, training

    if model_path is not None:
        model = artifact.load(model_path.read_text(encoding="utf-8"))
    else:
        with out.status("training the intent model (TF-IDF, seconds)…"):
            model, _ = training.train("none", public=True)
    return Assistant.build(model, load_demo_faq())


def chat(
    model: Annotated[
        Path | None, typer.Option(help="A model written by finbrain assistant train --output.")
    ] = None,
) -> None:
    """Chat with the assistant in the terminal, as the demo bank's customer (cards ending 1234
    and 5678, two accounts, three transfers, all in memory). 'exit' or 退出 ends it."""
    from finbrain.assistant import ConversationState, DemoBank

    if model is not None and not model.is_file():
        err.print(f"[red]--model: no file {escape(str(model))}[/red]")
        raise typer.Exit(2)
    assistant = _assistant(model)
    bank = DemoBank.sample(date.today(), "c-demo")
    state = ConversationState.new("terminal", "c-demo")
    out.print("[bold]finbrain 智能客服[/bold] — 您好！请问有什么可以帮您？ (exit / 退出 to end)")
    while True:
        try:
            text = input("> ")
        except EOFError:
            break
        if text.strip().lower() in QUIT:
            break
        reply = assistant.reply(state, text, bank)
        state = reply.state
        detail = f"{reply.outcome}" + (
            f" · {reply.intent} {reply.confidence:.2f}" if reply.intent else ""
        )
        out.print(f"{escape(reply.text)}  [dim]({escape(detail)})[/dim]", soft_wrap=True)
        if reply.action is not None and reply.outcome in ("done", "refused"):
            taken = reply.action
            shown = taken.reference if taken.ok else taken.problem
            out.print(f"[dim]bank: {taken.task} {'done' if taken.ok else 'refused'} {shown}[/dim]")
        if reply.handoff is not None:
            out.print("[yellow]handed to a person; the session is reset[/yellow]")
            state = ConversationState.new("terminal", "c-demo", reply.language)
