"""``finbrain validate …`` and ``finbrain screen …``: identity checks from the command line.

Both run on the library alone (no database, no server): a compliance officer can check a
number or a name on a laptop with the data directory.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.table import Table

from finbrain.core.errors import FinbrainError, ValidationError

out = Console()
err = Console(stderr=True)
validate_app = typer.Typer(
    help="Validate Chinese identity numbers (身份证 / 统一社会信用代码 / 银行卡 / 手机号).",
    no_args_is_help=True,
)


def _show(kind: Literal["id", "uscc", "card", "mobile"], value: str, as_json: bool) -> None:
    from finbrain.identity import validators

    result = validators.check(kind, value)
    details = {k: v.isoformat() if isinstance(v, date) else v for k, v in result.details.items()}
    if as_json:
        payload = {
            "kind": result.kind,
            "valid": result.valid,
            "field": result.field,
            "rule": result.rule,
            "messages": result.messages,
            "details": details,
        }
        out.print_json(json.dumps(payload, ensure_ascii=False, default=str))
    else:
        mark = "[green]valid 有效[/]" if result.valid else "[red]invalid 无效[/]"
        out.print(f"{mark}  {result.kind}")
        if result.rule:
            out.print(f"rule 规则: {result.rule}")
        for lang in ("zh", "en"):
            if result.messages.get(lang):
                out.print(f"  {result.messages[lang]}")
        table = Table(show_header=False, box=None)
        for key, item in details.items():
            table.add_row(key, str(item))
        out.print(table)
    if not result.valid:
        raise typer.Exit(1)


JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@validate_app.command("id")
def validate_id(value: str, as_json: JsonFlag = False) -> None:
    """Resident ID (GB 11643), 15-digit legacy, HK/Macau/Taiwan permits, foreign PR ID."""
    _show("id", value, as_json)


@validate_app.command("uscc")
def validate_uscc(value: str, as_json: JsonFlag = False) -> None:
    """Unified social credit code (GB 32100), including the embedded organisation code check."""
    _show("uscc", value, as_json)


@validate_app.command("card")
def validate_card(value: str, as_json: JsonFlag = False) -> None:
    """Bank card: issuer by BIN; Luhn as a soft signal."""
    _show("card", value, as_json)


@validate_app.command("mobile")
def validate_mobile(value: str, as_json: JsonFlag = False) -> None:
    """Mainland mobile number."""
    _show("mobile", value, as_json)


def screen(
    name: Annotated[str, typer.Argument(help="The name to screen, in any script.")],
    dob: Annotated[str | None, typer.Option(help="Date of birth, YYYY-MM-DD.")] = None,
    nationality: Annotated[str | None, typer.Option(help="ISO country code or name.")] = None,
    id_number: Annotated[str | None, typer.Option("--id", help="Passport / ID number.")] = None,
    kind: Annotated[str, typer.Option(help="person, entity or any.")] = "any",
    threshold: Annotated[float, typer.Option(min=0.5, max=1.0)] = 0.80,
    as_json: JsonFlag = False,
) -> None:
    """Screen a name against OFAC SDN, UK FCDO and UN lists (Han/pinyin aware), with reasons."""
    from finbrain.core.settings import get_settings
    from finbrain.identity.decision import hit_json
    from finbrain.identity.validators import check_birth_date
    from finbrain.platform.identity.service import screening_index

    try:
        birth = None
        if dob is not None:
            try:
                birth = date.fromisoformat(dob)
            except ValueError:
                raise ValidationError(field="dob", rule="iso_date_yyyy_mm_dd") from None
            check_birth_date(birth, field="dob")  # not in the future, not before 1900
        if kind not in ("person", "entity", "any"):
            raise ValidationError(field="kind", rule="one_of_person_entity_any")
        result = screening_index(get_settings()).screen(
            name,
            kind=kind,
            birth_date=birth,
            nationality=nationality,
            id_number=id_number,
            threshold=threshold,
        )
    except FinbrainError as exc:
        from finbrain.core.i18n import message

        err.print(f"[red]{message(exc.code, 'en', **exc.params)}[/]")
        if exc.field:
            err.print(f"field: {exc.field}  rule: {exc.rule}")
        raise typer.Exit(2) from None
    hits = [hit_json(hit) for hit in result.hits]
    if as_json:
        payload = {"outcome": result.outcome, "list_version": result.list_version, "hits": hits}
        out.print_json(json.dumps(payload, ensure_ascii=False))
        return
    colour = {"clear": "green", "potential_match": "yellow", "match": "red"}[result.outcome]
    out.print(
        f"[{colour}]{result.outcome}[/]  list version {result.list_version[:12]}  "
        f"({result.candidates_considered} candidates)"
    )
    table = Table("score", "list", "entry", "matched name", "rule", "explanation")
    for hit in hits:
        table.add_row(
            f"{hit['score']:.3f}",
            hit["list_id"],
            hit["entry_name"],
            hit["matched_name"],
            hit["rule"],
            f"{hit['explanation']['zh']}\n{hit['explanation']['en']}",
        )
    if hits:
        out.print(table)
