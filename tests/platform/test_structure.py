"""The platform's shape, as docs/architecture.md states it, checked on the code itself: thin
edges (no SQL in routes or pages, the tenant from the ``Caller``, one console guard), small
files and functions, and migrations that isolate tenants through the one helper."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from finbrain.platform.store.rls import TENANT_PREDICATE, tenant_rls_statements

PLATFORM = Path(__file__).resolve().parents[2] / "src" / "finbrain" / "platform"
MIGRATIONS = PLATFORM / "store" / "migrations"
EDGES = sorted(
    [
        *PLATFORM.glob("*/routes.py"),
        *PLATFORM.glob("*/pages.py"),
        PLATFORM / "console/shell.py",
        *(PLATFORM / "api" / "routes").glob("*.py"),
    ]
)
# What a query looks like in SQLAlchemy: building one, or running one on a session.
SQL = re.compile(
    r"(?<![.\w])(select|insert|update|delete)\(|(?<!request\.)\bsession\."
    r"(execute|scalars?|get|query)\(|\.connection\(\)"
)


def _code(path: Path) -> str:
    """The file without its docstrings and comments (they may mention queries)."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        value = first.value if isinstance(first, ast.Expr) else None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            body[0] = ast.Pass()  # type: ignore[index]
    return ast.unparse(tree)


def _platform_files() -> list[Path]:
    return sorted(p for p in PLATFORM.rglob("*.py") if MIGRATIONS not in p.parents)


@pytest.mark.parametrize("path", EDGES, ids=lambda p: str(p.relative_to(PLATFORM)))
def test_routes_and_pages_hold_no_sql(path: Path) -> None:
    found = SQL.findall(_code(path))
    assert not found, f"{path.name} queries the database itself: move it to a service"


def test_the_edges_exist_where_the_checklist_says() -> None:
    names = {str(p.relative_to(PLATFORM)) for p in EDGES}
    for capability in ("advisory", "credit", "decisions", "identity", "journeys", "ledger", "risk"):
        assert f"{capability}/routes.py" in names
        assert f"{capability}/pages.py" in names
    assert "match/routes.py" in names  # match has no console pages of its own


def test_the_tenant_travels_in_the_caller_not_in_asserts() -> None:
    offenders = [
        str(p.relative_to(PLATFORM))
        for p in _platform_files()
        if re.search(r"assert\s+\w*principal\.tenant_id", p.read_text())
    ]
    assert offenders == []


def test_every_page_uses_the_one_console_guard() -> None:
    """Pages declare their viewer (``signed_in(scope)``); none re-implements the check."""
    for path in PLATFORM.glob("*/pages.py"):
        text = path.read_text()
        assert "signed_in(" in text, path
        assert "grants(" not in text and "_signed_in" not in text, path


def test_platform_files_and_functions_stay_small() -> None:
    big_files, long_functions = [], []
    for path in _platform_files():
        text = path.read_text()
        if text.count("\n") > 500:
            big_files.append(str(path.relative_to(PLATFORM)))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 80:
                    long_functions.append(f"{path.relative_to(PLATFORM)}:{node.name} ({length})")
    assert big_files == [] and long_functions == []


def test_the_rls_helper_writes_what_the_first_migrations_wrote_by_hand() -> None:
    """The helper is the hand-written statements of 0006, so new tables get the same policy."""
    by_hand = (MIGRATIONS / "versions" / "0006_identity_risk.py").read_text()
    assert "current_setting('finbrain.tenant_id', true)" in TENANT_PREDICATE
    for statement in tenant_rls_statements("risk_cases", "finbrain_app"):
        shape = statement.replace("risk_cases", "{table}").replace("finbrain_app", "{role}")
        if "POLICY" in shape:
            assert "CREATE POLICY {table}_isolation ON {table} USING ({tenant})" in by_hand
        else:
            assert shape.replace('"{role}"', '\\"{role}\\"') in by_hand or shape in by_hand


def test_new_migrations_use_the_rls_helper() -> None:
    """Migrations after 0006 that create a table with a tenant_id call enable_tenant_rls."""
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        number = int(path.name.split("_", 1)[0])
        text = path.read_text()
        if number <= 6 or "tenant_id" not in text or "create_table" not in text:
            continue
        assert "enable_tenant_rls(op," in text, path.name
        assert "ROW LEVEL SECURITY" not in text, path.name


def test_capabilities_contribute_their_jobs_scopes_and_texts() -> None:
    """What a capability brings is declared on its ``Capability``, not wired by hand."""
    from finbrain.platform.capabilities import CAPABILITIES, job_kinds
    from finbrain.platform.scopes import SCOPES

    assert set(job_kinds()) == {
        "credit.train",
        "risk.train",
        "profile.build",
        "assistant.train",
        "marketing.train",
        "marketing.select",
    }
    declared = {scope for capability in CAPABILITIES for scope in capability.scopes}
    assert declared <= set(SCOPES)  # scopes.py also names the capabilities still to come
    for capability in CAPABILITIES:
        if not capability.kernel and capability.pages:
            folder = PLATFORM / capability.name / "messages"
            assert (folder / "zh.json").is_file() and (folder / "en.json").is_file(), folder
