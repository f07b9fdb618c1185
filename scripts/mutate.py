"""Mutation testing of one module against its own tests: ``make mutate MODULE=money``.

mutmut (pinned in the dev extra) copies the source and the tests into ``mutants/`` and mutates
that copy, never the working tree, so it is safe beside other work in the same checkout. Its
settings come from a ``[tool.mutmut]`` table, which differs per module; so each module gets a
scratch folder ``.mutate/<module>/`` with links to ``src`` and ``tests`` and a copy of
``pyproject.toml`` extended by that module's table. Each run starts from scratch.

The score is killed / (mutants - equivalent): a mutant no test reaches counts as a survivor.
Equivalent mutants (the mutated code behaves the same, so no test can tell) are listed below,
each with its reason, matched by the function and the mutated line rather than mutmut's
numbering, which shifts whenever the code changes.

    python scripts/mutate.py MODULE [--jobs N] [--goal 0.85]
    python scripts/mutate.py --list
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = ROOT / ".mutate"
# Mutants are run with the embedded backend only: the PostgreSQL and browser variants of the same
# tests repeat them against another server at twice the cost, not against other code.
PYTEST_SELECTION = ["-m", "not postgres and not e2e", "-p", "no:cacheprovider"]


@dataclass(frozen=True)
class Target:
    source: str  # the module to mutate, relative to the repository
    tests: tuple[str, ...]  # its own tests: nothing else is run against its mutants
    # Tests that read the module's source text rather than run it: against mutmut's copy,
    # which holds every mutant side by side, they can only fail.
    deselect: tuple[str, ...] = ()


MODULES: dict[str, Target] = {
    "tenancy": Target(
        "src/finbrain/platform/tenancy.py",
        (
            "tests/platform/test_auth.py",
            "tests/platform/test_auth_revoked.py",
            "tests/platform/test_tenancy.py",
        ),
    ),
    "money": Target("src/finbrain/core/money.py", ("tests/core/test_money.py",)),
    "validators": Target(
        "src/finbrain/identity/validators.py",
        ("tests/identity/test_validators.py", "tests/identity/test_birth_dates.py"),
        deselect=(
            "tests/identity/test_validators.py::"
            "test_every_rule_has_zh_and_en_text_with_the_same_placeholders",
        ),
    ),
    "subtree": Target(
        "src/finbrain/ledger/subtree.py",
        ("tests/ledger/test_subtree.py", "tests/ledger/test_vectors.py"),
    ),
    "verify": Target(
        "src/finbrain/ledger/verify.py",
        ("tests/ledger/test_properties.py", "tests/ledger/test_vectors.py"),
    ),
}

# (module, function, the mutated line as it reads after the mutation) -> why no test can tell
# the mutant from the original. Keep this list short and every reason checkable.
EQUIVALENT: dict[tuple[str, str, str], str] = {
    (
        "money",
        "_to_decimal",
        "result = Decimal(value.strip() if (isinstance(value, str)) and False else value)",
    ): "Decimal() strips surrounding whitespace itself, Unicode spaces included",
    ("money", "Money.allocate", "total_weight = sum(weights, )"): (
        "a sum of Decimals started at int 0 is the same Decimal"
    ),
    ("money", "Money.allocate", "sign = -1 if total <= 0 else 1"): (
        "the sign only differs for a zero total, whose parts are all 0 either way"
    ),
    ("money", "Money.allocate", "sign = -1 if total < 1 else 1"): (
        "total is an int: < 1 is <= 0, and a zero total's parts are all 0 either way"
    ),
    ("money", "Money.quantize", "exp = Decimal(2).scaleb(-self.minor_units)"): (
        "quantize reads only its argument's exponent, the same for 1 and 2"
    ),
    ("subtree", "bit_ceil", "return 1 if n < 1 else 1 << (n - 1).bit_length()"): (
        "for n == 1 the other branch gives 1 << 0 == 1 too"
    ),
    ("subtree", "verify_subtree_consistency", "old, new = prefix(lo + k, hi, None)"): (
        "known is only tested for truth: None and False read the same"
    ),
    ("subtree", "verify_subtree_consistency", "if start >= lo - k:"): (
        "reached only when the subtree ends in the right half; an aligned subtree then starts "
        "there too, so the test is true either way (the straddling case cannot occur)"
    ),
    ("verify", "root_from_inclusion_proof", "while not fn & 1 and fn != 1:"): (
        "the loop is entered only with an even fn equal to sn > 0, and halving an even fn > 0 "
        "reaches an odd value before 0: fn != 0 and fn != 1 both always hold there"
    ),
    ("verify", "verify_consistency", "while not fn & 1 and fn != 1:"): (
        "as in root_from_inclusion_proof: the loop only sees even fn > 0"
    ),
    ("tenancy", "_issue", 'return key_id, f"fb{kind}_{key_id}_{secrets.token_urlsafe(None)}"'): (
        "token_urlsafe's default is 32 bytes, the number given"
    ),
    **{
        ("tenancy", "create_tenant", line): (
            "the model's column default supplies the same value (id, status 'active', now)"
        )
        for line in (
            "tenant = Tenant(id=new_id(), name=name, status=None, created_at=utcnow())",
            'tenant = Tenant(id=new_id(), name=name, status="active", created_at=None)',
            "tenant = Tenant(id=new_id(), name=name, created_at=utcnow())",
            'tenant = Tenant(id=new_id(), name=name, status="active", )',
            'tenant = Tenant(id=None, name=name, status="active", created_at=utcnow())',
            'tenant = Tenant(name=name, status="active", created_at=utcnow())',
        )
    },
    **{
        ("tenancy", "create_key", line): "the model's column default supplies the creation time"
        for line in ("created_at=None,", "-created_at=utcnow(),")
    },
    **{
        ("tenancy", "create_tenant", line): (
            "a pre-check that finds nothing leaves the name to the unique index, whose "
            "IntegrityError gives the same 409 through the savepoint"
        )
        for line in (
            "if session.scalar(select(Tenant.id).where(None)) is not None:",
            "if session.scalar(select(None).where(Tenant.name == name)) is not None:",
        )
    },
    **{
        ("tenancy", "has_operator_key", line): "scalar() reads only the first row: any limit"
        for line in (
            "session.scalar(select(OperatorKey.id).where(OperatorKey.revoked_at.is_(None))"
            ".limit(None))",
            "session.scalar(select(OperatorKey.id).where(OperatorKey.revoked_at.is_(None))"
            ".limit(2))",
        )
    },
    **{
        ("tenancy", "list_tenants", line): (
            "reads more rows than it needs: the page is cut to limit and a next page is "
            "len(rows) > limit either way"
        )
        for line in (
            "query = select(Tenant).order_by(Tenant.id).limit(None)",
            "query = select(Tenant).order_by(Tenant.id).limit(limit + 2)",
        )
    },
    **{
        ("tenancy", "revoke_key", line): (
            "the listener then stays on the session and drops the revoked key's cache entries "
            "again at its later commits; a revoked key has none worth keeping"
        )
        for line in (
            'event.listen(session, "after_commit", lambda _s, kid=key.id: forget_key(kid), '
            "once=None)",
            'event.listen(session, "after_commit", lambda _s, kid=key.id: forget_key(kid), )',
            'event.listen(session, "after_commit", lambda _s, kid=key.id: forget_key(kid), '
            "once=False)",
        )
    },
    **{
        ("validators", "_data_text", line): (
            "UTF-8 whatever the case of its name, and the locale's own encoding here (Python's "
            "UTF-8 locale coercion), which no test can change in-process"
        )
        for line in (
            'return resources.files("finbrain.identity").joinpath(f"data/{name}")'
            '.read_text("UTF-8")',
            'return resources.files("finbrain.identity").joinpath(f"data/{name}").read_text(None)',
        )
    },
    ("validators", "_foreign_legacy", "break"): (
        "the 1900 candidate is the last in the loop, and the only date valid in one century "
        "but not the other is 29 February of year 00, invalid in 1900"
    ),
    ("validators", "_legacy15", 'body = region + "19" + text[6:16]'): (
        "the text has 15 characters: [6:16] and [6:15] are the same slice"
    ),
    ("validators", "_luhn_ok", "total -= n"): (
        "a sum and its negation are divisible by 10 together"
    ),
    ("validators", "_mask", "hidden = max(len(text) - keep_head - keep_tail, 1)"): (
        "every masked value has at least 12 characters (cards 12-19, IDs 15/18, mobiles 14 in "
        "E.164), so the difference is at least 2"
    ),
    **{
        ("validators", "_region_name", line): (
            "for a province-level code the prefecture looked up is the province's own entry "
            "(or none), which the next test skips as equal to the first part"
        )
        for line in (
            'if code6[3:4] != "00":',
            'if code6[2:5] != "00":',
            'if code6[2:4] != "XX00XX":',
        )
    },
    **{
        ("validators", "check", line): (
            "check() reports its own field name; the field given to the parser only reaches "
            "the error check() turns into its result, and the default is the same name"
        )
        for line in (
            "rid = parse_resident_id(value, field=None)",
            "rid = parse_resident_id(value, )",
            "code = parse_social_credit_code(value, field=None)",
            "code = parse_social_credit_code(value, )",
            "card = parse_bank_card(value, field=None)",
            "card = parse_bank_card(value, )",
            "mobile = parse_mobile(value, field=None)",
            "mobile = parse_mobile(value, )",
        )
    },
    ("validators", "check", "if (rid.region_code[:2] in _regions().provinces) or True"): (
        "every region code that parses starts with a province in the table (permits' 81-83 "
        "included)"
    ),
    **{
        ("validators", "parse_mobile", line): (
            "phonenumbers names carriers in English for a missing or unknown language"
        )
        for line in (
            "name = phone_carrier.name_for_number(number, None) or None",
            'name = phone_carrier.name_for_number(number, "XXenXX") or None',
            'name = phone_carrier.name_for_number(number, "EN") or None',
        )
    },
    (
        "validators",
        "uscc_check_char",
        "total = sum(_USCC_ALPHABET.rindex(ch) * w for ch, w in zip(body17, _USCC_WEIGHTS, "
        "strict=True))",
    ): "the alphabet has no repeated character: index and rindex agree",
    **{
        (
            "validators",
            "MobileNumber.masked",
            line,
        ): "_mask's defaults are 6 and 4, the values given"
        for line in (
            "return _mask(self.e164, keep_tail=4)",
            "return _mask(self.e164, keep_head=6, )",
        )
    },
}
# A line marked ``# pragma: no cover`` is one no input reaches: its mutants are equivalent.
UNREACHABLE = "# pragma: no cover"

EXIT_KILLED = {1, 3, 36, 24, -24, 152, 255, 37, -11, -9}  # failed, timed out, crashed
EXIT_SKIPPED = {34}


def _pyproject(target: Target) -> str:
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    if re.search(r"^\[tool\.mutmut\]", text, re.MULTILINE):
        sys.exit("pyproject.toml has its own [tool.mutmut]: this script writes one per module")
    table = {
        "source_paths": ["src/"],
        "only_mutate": [target.source],
        "pytest_add_cli_args_test_selection": [
            *(t for t in target.tests if (ROOT / t).exists()),
            *PYTEST_SELECTION,
            *(arg for test in target.deselect for arg in ("--deselect", test)),
        ],
        "use_git_change_detection": False,
    }
    lines = [f"{key} = {json.dumps(value)}" for key, value in table.items()]
    return text + "\n[tool.mutmut]\n" + "\n".join(lines) + "\n"


def prepare(name: str, target: Target) -> Path:
    work = SCRATCH / name
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    for folder in ("src", "tests"):
        (work / folder).symlink_to(ROOT / folder, target_is_directory=True)
    (work / "pyproject.toml").write_text(_pyproject(target), "utf-8")
    return work


def _mutmut() -> str:
    found = Path(sys.executable).with_name("mutmut")
    return str(found) if found.exists() else "mutmut"


@dataclass
class Outcome:
    killed: list[str]
    survived: list[tuple[str, str]]  # (mutant, diff)
    equivalent: list[tuple[str, str]]  # (mutant, reason)
    skipped: int

    @property
    def score(self) -> float:
        counted = len(self.killed) + len(self.survived)
        return len(self.killed) / counted if counted else 1.0


def _function(mutant: str) -> str:
    """``finbrain.core.money.xǁMoneyǁquantize__mutmut_4`` -> ``Money.quantize``."""
    name = mutant.rsplit("__mutmut_", 1)[0].rsplit(".", 1)[-1]
    if name.startswith("x\u01c1"):
        return name[2:].replace("\u01c1", ".")
    return name.removeprefix("x_")


def _mutated_line(diff: str) -> str:
    """The first line the mutant adds; for a mutant that only deletes, ``-`` and the first
    line it deletes."""
    lines = diff.splitlines()
    added = [line[1:].strip() for line in lines if line[:1] == "+" and line[:3] != "+++"]
    if added:
        return added[0]
    removed = [line[1:].strip() for line in lines if line[:1] == "-" and line[:3] != "---"]
    return "-" + removed[0] if removed else ""


def collect(name: str, work: Path) -> Outcome:
    """Read mutmut's verdicts from ``work/mutants`` (run inside ``work``, as mutmut expects)."""
    os.chdir(work)
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    target = MODULES[name]
    data = SourceFileMutationData(path=Path(target.source))
    data.load()
    outcome = Outcome([], [], [], 0)
    for mutant, code in sorted(data.exit_code_by_key.items()):
        if code in EXIT_KILLED:
            outcome.killed.append(mutant)
            continue
        if code in EXIT_SKIPPED:
            outcome.skipped += 1
            continue
        diff = get_diff_for_mutant(mutant, path=Path(target.source))
        line = _mutated_line(diff)
        reason = EQUIVALENT.get((name, _function(mutant), line))
        if reason is None and line.endswith(UNREACHABLE):
            reason = "unreachable: the line is marked no cover"
        if reason:
            outcome.equivalent.append((mutant, reason))
        else:
            outcome.survived.append((mutant, diff))
    return outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", nargs="?", choices=sorted(MODULES))
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once")
    parser.add_argument("--goal", type=float, default=0.85, help="exit 1 below this score")
    parser.add_argument("--list", action="store_true", help="show the module map")
    parser.add_argument("--report-only", action="store_true", help="re-read the last run")
    parser.add_argument("--tests", nargs="+", help="run these tests instead of the module's own")
    args = parser.parse_args()
    if args.list or not args.module:
        for key, target in MODULES.items():
            print(f"{key:<11} {target.source}  <-  {' '.join(target.tests)}")
        return 0 if args.list else 2
    target = MODULES[args.module]
    if args.tests:
        target = MODULES[args.module] = Target(target.source, tuple(args.tests), target.deselect)
    work = SCRATCH / args.module
    if not args.report_only:
        work = prepare(args.module, target)
        command = [_mutmut(), "run", "--max-children", str(args.jobs)]
        run = subprocess.run(command, cwd=work, check=False)  # noqa: S603 - our own tool
        if run.returncode:
            print(f"mutmut stopped with exit code {run.returncode}", file=sys.stderr)
            return run.returncode
    outcome = collect(args.module, work)
    for mutant, diff in outcome.survived:
        print(f"\nSURVIVED {mutant}\n{diff}")
    for mutant, reason in outcome.equivalent:
        print(f"equivalent {mutant}: {reason}")
    total = len(outcome.killed) + len(outcome.survived) + len(outcome.equivalent)
    print(
        f"\n{args.module}: {target.source}\n"
        f"  mutants {total + outcome.skipped}, killed {len(outcome.killed)}, "
        f"survived {len(outcome.survived)}, equivalent {len(outcome.equivalent)}, "
        f"skipped {outcome.skipped}\n"
        f"  score {outcome.score:.1%} (goal {args.goal:.0%})"
    )
    return 0 if outcome.score >= args.goal else 1


if __name__ == "__main__":
    sys.exit(main())
