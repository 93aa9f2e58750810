"""``xueshi rules …``: run policy case files, explain verdicts, check the policy data."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from .cases import iter_case_files, load_cases, run_case
from .chains import review_chain
from .deadlines import DeadlineRule, RuleNotSet, deadline
from .evaluate import requirements
from .parameters import CONSEQUENCE_LABELS, PARAMETERS, UnstatedFigure, VerificationPathValue
from .periods import assessment_date
from .policy import Policy, default_policy_dir, load_policy
from .strict_yaml import PolicyError
from .terms import Category, Person, TitleLevel
from .verdict import UNIT_LABELS, explain, fmt

PublishedPolicy = Callable[[], Policy]
"""The policy in force with the notices bureaus published (the database's), given by the
``xueshi`` command, which may load Django; the rules core cannot."""


def _policy(args: argparse.Namespace) -> Policy:
    return load_policy(args.policy or default_policy_dir())


def _policy_in_force(args: argparse.Namespace) -> Policy:
    """``show`` and ``check``: the policy in force — the repository's with the published
    notices laid over it — unless ``--policy`` names a tree or ``--repository`` asks for the
    repository's alone (docs/adr/0007)."""
    published: PublishedPolicy | None = getattr(args, "published", None)
    if args.policy or args.repository or published is None:
        return _policy(args)
    return published()


def cmd_test(args: argparse.Namespace) -> int:
    """Run every case of every file. A malformed file or case is reported with its file and
    line and the run goes on; the summary line is always printed. Exit 2 when any input was
    malformed, else 1 when a case failed (or none ran), else 0."""
    policy = _policy(args)
    passed = failed = malformed = 0

    def bad(message: str) -> None:
        nonlocal malformed
        malformed += 1
        print(f"ERROR {message}", file=sys.stderr)

    for path in iter_case_files([Path(p) for p in args.files]):
        try:
            cases = load_cases(path)
        except PolicyError as exc:
            bad(str(exc))
            continue
        except FileNotFoundError:
            bad(f"{path}: 找不到文件 (no such file)")
            continue
        for case in cases:
            try:
                outcome = run_case(case, policy)
            except PolicyError as exc:
                bad(str(exc))
                continue
            if outcome.passed:
                passed += 1
                if args.verbose:
                    print(f"PASS {case.location} {case.name}")
                continue
            failed += 1
            print(f"FAIL {case.location} {case.name}")
            for failure in outcome.failures:
                print(f"     {failure}")
    summary = f"{passed} passed, {failed} failed"
    print(summary + (f", {malformed} malformed" if malformed else ""))
    if malformed:
        return 2
    return 1 if failed or not passed else 0


def cmd_explain(args: argparse.Namespace) -> int:
    policy = _policy(args)
    status = 0
    for path in iter_case_files([Path(p) for p in args.files]):
        for case in load_cases(path):
            print(f"■ {case.name}  ({case.location})")
            try:
                outcome = run_case(case, policy)
            except PolicyError as exc:
                print(f"  错误：{exc}")
                status = 1
                continue
            if outcome.verdict is not None:
                print(explain(outcome.verdict))
            elif outcome.deadline is not None:
                result = outcome.deadline
                print(f"  {result.explanation}\n    依据：{result.reference}")
            elif outcome.error is not None:
                print(f"  按预期报错：{outcome.error}")
            elif outcome.got is not None:
                print(f"  验证受理日：{'、'.join(outcome.got) or '无'}")
                if outcome.reference is not None:
                    print(f"    依据：{outcome.reference}")
            for failure in outcome.failures:
                print(f"  ✗ 与预期不符：{failure}")
                status = 1
            print()
    return status


def cmd_check(args: argparse.Namespace) -> int:
    policy = _policy_in_force(args)
    entries = list(policy.entries())
    print(
        f"政策数据有效：{len(policy.regions)} 个地区，{len(entries)} 个条目，版本 {policy.version}"
    )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """The requirements and rules of one region and year, with their clauses, as the policy in
    force says them (published notices included)."""
    policy = _policy_in_force(args)
    person = Person(
        title_level=TitleLevel(args.title_level) if args.title_level else None,
        series=args.series,
    )
    region = policy.region(args.region)
    day = assessment_date(args.year)
    print(f"{region.name}（{region.code}）{args.year} 年度（按 {day} 有效的规定）")
    try:
        reqs = requirements(policy, args.region, args.year, person)
    except PolicyError as exc:
        print(f"  {exc}")
    else:
        for req in reqs.figures:
            unit = UNIT_LABELS.get(req.unit, req.unit)
            print(
                f"  {req.title} ≥ {fmt(req.required)} {unit}"
                f"  ← {req.region} {req.reference.citation}"
            )
    for category in Category:
        chain = review_chain(policy, region=args.region, category=category, day=day, person=person)
        if chain is not None:
            print(f"  {chain.describe()}  ← {chain.region} {chain.reference.citation}")
    for rule in DeadlineRule:
        if rule.yearly:
            try:
                result = deadline(policy, rule, args.region, year=args.year)
            except RuleNotSet:
                continue
            print(f"  {result.explanation}  ← {result.region} {result.reference.citation}")
    for name in CLAUSES_SHOWN:
        resolved = policy.resolve(name, args.region, day, person)
        if resolved is not None:
            label = PARAMETERS[name].label
            print(f"  {label}：{_shown(resolved.value)}  ← {resolved.region} {resolved.reference}")
    print(f"  政策版本：{policy.version}")
    return 0


CLAUSES_SHOWN = (
    "training_window",
    "public.online_requires_consent",
    "promotion_cycle.counts_for_year",
    "training_level.promotion",
    "verification_path.year",
    "verification_path.cycle",
    "verification_path.dispatched",
    "verification.cycle_consequence",
    "proof.form",
    "funding.employer_share",
    "figures.unstated",
)
"""Rules the verdict does not compute (yet) but a reader of the year must see, with clauses."""


def _shown(value: object) -> str:
    if isinstance(value, tuple):
        return "；".join(_shown(v) for v in value)
    if isinstance(value, VerificationPathValue):
        steps = " → ".join(
            "会同".join(r.label for r in s.by) + s.act + (f"（{s.seal}）" if s.seal else "")
            for s in value.steps
        )
        return f"{steps}（“{value.clause}”）"
    if isinstance(value, dict) and "incomplete" in value:
        withheld = "、".join(CONSEQUENCE_LABELS[w] for w in value["incomplete"])
        return f"周期未完成的，周期满后第 {value['year_offset']} 年不予{withheld}"
    if isinstance(value, UnstatedFigure):
        return f"{value.figure}（由{value.set_by}规定，数据中没有）"
    if isinstance(value, dict):
        return "，".join(f"{k}: {_shown(v)}" for k, v in value.items())
    if value is True:
        return "是"
    return str(value)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xueshi rules", description="继续教育规则引擎")
    parser.add_argument("--policy", help="policy directory (default: the repository's policy/)")
    parser.add_argument(
        "--repository",
        action="store_true",
        help="show and check: the repository's policy alone, without the notices bureaus published",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    test = sub.add_parser("test", help="run policy case files")
    test.add_argument("files", nargs="+")
    test.add_argument("-v", "--verbose", action="store_true")
    test.set_defaults(func=cmd_test)
    exp = sub.add_parser("explain", help="print each case's verdict in Chinese, with clauses")
    exp.add_argument("files", nargs="+")
    exp.set_defaults(func=cmd_explain)
    check = sub.add_parser("check", help="load and check the policy data")
    check.set_defaults(func=cmd_check)
    show = sub.add_parser("show", help="show a region's requirements for a year")
    show.add_argument("region")
    show.add_argument("year", type=int)
    show.add_argument("--title-level", choices=[t.value for t in TitleLevel])
    show.add_argument("--series")
    show.set_defaults(func=cmd_show)
    return parser


def main(argv: list[str] | None = None, published: PublishedPolicy | None = None) -> int:
    """``published``: how to read the policy in force with the published notices (the
    ``xueshi`` command passes one that reads the database)."""
    args = build_parser().parse_args(argv)
    args.published = published
    try:
        return int(args.func(args))
    except PolicyError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"错误：找不到文件 {exc.filename}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
