"""Policy case files: OpenFisca-style YAML lists of cases, run by the CLI and by pytest.

The format is a contract that outside suites use; keep it stable. See docs/rules.md.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .deadlines import (
    Deadline,
    DeadlineRule,
    deadline,
    verification_days,
    verification_days_reference,
)
from .evaluate import evaluate
from .policy import Policy, Reference
from .strict_yaml import Mapping, PolicyError, line_of, load_file
from .terms import Category, CreditClass, InstitutionLevel, Mode, Person, Record, Status, TitleLevel
from .verdict import Key, Reason, RecordNote, Verdict

_CASE_KEYS = {
    "name",
    "region",
    "year",
    "person",
    "records",
    "expect",
    "verification_days",
    "deadline",
    "expect_error",
    "expect_cites",
    "appointment_cycle",
}
_PERSON_KEYS = {"title_level", "series", "institution_level"}
_RECORD_KEYS = {
    "category",
    "hours",
    "required",
    "mode",
    "status",
    "credited_year",
    "taken_on",
    "credits",
    "credit_class",
    "general_practice",
}
_EXPECT_KEYS = {
    "compliant",
    "decided",
    "shortfall",
    "counted",
    "not_counted",
    "cited_notices",
    "conditions",
}
_NOTE_KEYS = {"reason", "cites", "message", "clause", "counted"}
_DEADLINE_EXPECT_KEYS = {"due", "opens", "explanation", "region"}
_CONDITION_CODES = {"centralised_training", "general_practice_credits"}  # evaluate's Conditions


@dataclass(frozen=True)
class Case:
    name: str
    path: Path
    line: int
    raw: Mapping
    error: PolicyError | None = None  # the case is malformed: this says where and why

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class Outcome:
    case: Case
    failures: list[str] = field(default_factory=list)
    verdict: Verdict | None = None
    deadline: Deadline | None = None
    error: str | None = None
    got: Any = None
    reference: Reference | None = None  # the clause of a deadline or verification days

    @property
    def passed(self) -> bool:
        return not self.failures


def load_cases(path: Path) -> list[Case]:
    """The cases of a file. A file that is not a list of cases raises ``PolicyError``; a
    malformed case is returned with its ``error`` (file and line), so that the others run."""
    raw = load_file(path)
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise PolicyError(
            "用例文件应为用例列表 (a case file is a list of cases)", path=path, line=1
        )
    cases = []
    for number, item in enumerate(raw, start=1):
        line = line_of(item) or int(getattr(raw, "line", 1))
        if not isinstance(item, Mapping):
            error = PolicyError(
                "每个用例应为映射 (each case is a mapping)", path=path, line=line_of(item)
            )
            cases.append(Case(f"#{number}", path, line, Mapping(), error))
            continue
        name = str(item.get("name", f"#{number}"))
        try:
            _check_case(item, path)
        except PolicyError as exc:
            cases.append(Case(name, path, item.line, item, exc))
            continue
        cases.append(Case(name, path, item.line, item))
    return cases


def _check_case(item: Mapping, path: Path) -> None:
    for key in item:
        if key not in _CASE_KEYS:
            raise PolicyError(
                f"未知的键 “{key}” (allowed: {', '.join(sorted(_CASE_KEYS))})",
                path=path,
                line=line_of(item, key),
            )
    for key in ("name", "region"):
        if key not in item:
            raise PolicyError(f"用例缺少 “{key}”", path=path, line=item.line)
    if "expect" not in item and "expect_error" not in item:
        raise PolicyError("用例缺少 “expect”", path=path, line=item.line)
    expect = item.get("expect")
    if "expect" in item and (expect is None or expect == {} or expect == ""):
        # An empty expectation checks nothing: a case that cannot fail proves nothing.
        raise PolicyError(
            "expect 不能为空，请写明预期结果 (an empty expect checks nothing)",
            path=path,
            line=line_of(item, "expect"),
        )


def iter_case_files(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.y*ml") if p.suffix in (".yaml", ".yml"))
        else:
            yield path


def _decimal(raw: Any, case: Case, where: Any, key: str) -> Decimal:
    """A non-negative number (hours, credits, a shortfall or a counted figure)."""
    line = line_of(where, key)
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise PolicyError(f"“{key}” 应为数字, got {raw!r}", path=case.path, line=line)
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise PolicyError(f"“{key}” 应为数字, got {raw!r}", path=case.path, line=line) from None
    if not value.is_finite() or value < 0:
        raise PolicyError(
            f"“{key}” 应为非负数 (must not be negative), got {raw!r}", path=case.path, line=line
        )
    return value


def _int(raw: Any, case: Case, where: Any, key: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, (int, str)) or not str(raw).isdigit():
        raise PolicyError(
            f"“{key}” 应为整数年份, got {raw!r}", path=case.path, line=line_of(where, key)
        )
    return int(raw)


def _enum(enum: Any, raw: Any, case: Case, where: Any, key: str) -> Any:
    try:
        return enum(str(raw))
    except ValueError:
        allowed = " | ".join(str(m.value) for m in enum)
        raise PolicyError(
            f"“{key}” 的取值 {raw!r} 无效，应为 {allowed}", path=case.path, line=line_of(where, key)
        ) from None


def _check(raw: Any, allowed: set[str], case: Case, what: str) -> Mapping:
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{what} 应为映射", path=case.path, line=line_of(raw) or case.line)
    for key in raw:
        if key not in allowed:
            raise PolicyError(
                f"{what} 中未知的键 “{key}” (allowed: {', '.join(sorted(allowed))})",
                path=case.path,
                line=line_of(raw, key),
            )
    return raw


def _date(raw: Any, case: Case, where: Any, key: str) -> dt.date:
    if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        raise PolicyError(
            f"“{key}” 应为日期 YYYY-MM-DD, got {raw!r}", path=case.path, line=line_of(where, key)
        ) from None


def parse_person(case: Case) -> Person:
    raw = case.raw.get("person") or Mapping()
    if not raw:
        return Person()
    raw = _check(raw, _PERSON_KEYS, case, "person")
    return Person(
        title_level=_enum(TitleLevel, raw["title_level"], case, raw, "title_level")
        if raw.get("title_level") is not None
        else None,
        series=str(raw["series"]) if raw.get("series") is not None else None,
        institution_level=_enum(
            InstitutionLevel, raw["institution_level"], case, raw, "institution_level"
        )
        if raw.get("institution_level") is not None
        else None,
    )


def parse_record(raw: Any, case: Case, year: int) -> Record:
    raw = _check(raw, _RECORD_KEYS, case, "record")
    has_hours = "category" in raw or "hours" in raw
    has_credits = "credits" in raw or "credit_class" in raw
    if has_hours == has_credits:
        raise PolicyError(
            "记录须为学时（category + hours）或学分（credits）之一", path=case.path, line=raw.line
        )
    common: dict[str, Any] = {
        "credited_year": _int(raw.get("credited_year", year), case, raw, "credited_year"),
        "mode": _enum(Mode, raw.get("mode", "face_to_face"), case, raw, "mode"),
        "status": _enum(Status, raw.get("status", "approved"), case, raw, "status"),
        "taken_on": _date(raw["taken_on"], case, raw, "taken_on") if "taken_on" in raw else None,
    }
    general_practice = raw.get("general_practice", False)
    if not isinstance(general_practice, bool) or (general_practice and not has_credits):
        raise PolicyError(
            "general_practice 应为 true 或 false，且只用于学分记录",
            path=case.path,
            line=line_of(raw, "general_practice"),
        )
    if has_credits:
        if "credits" not in raw:
            raise PolicyError("学分记录缺少 credits", path=case.path, line=raw.line)
        return Record(
            general_practice=general_practice,
            credits=_decimal(raw["credits"], case, raw, "credits"),
            credit_class=_enum(CreditClass, raw["credit_class"], case, raw, "credit_class")
            if "credit_class" in raw
            else None,
            **common,
        )
    if "category" not in raw or "hours" not in raw:
        raise PolicyError("学时记录须有 category 与 hours", path=case.path, line=raw.line)
    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise PolicyError(
            "required 应为 true 或 false", path=case.path, line=line_of(raw, "required")
        )
    return Record(
        category=_enum(Category, raw["category"], case, raw, "category"),
        hours=_decimal(raw["hours"], case, raw, "hours"),
        required=required,
        **common,
    )


_SHORTFALL_KEYS = {str(k) for k in Key}
_COUNTED_KEYS = _SHORTFALL_KEYS | {"public_required_courses"}


def _compare_numbers(
    label: str, expected: Any, got: dict[str, Decimal], case: Case, exact_keys: bool
) -> list[str]:
    allowed = _SHORTFALL_KEYS if exact_keys else _COUNTED_KEYS
    expected = _check(expected or Mapping(), allowed, case, label)
    want = {str(k): _decimal(v, case, expected, str(k)) for k, v in expected.items()}
    have = dict(got) if exact_keys else {k: got.get(k, Decimal(0)) for k in want}
    if want == have:
        return []
    return [f"{label}: expected {{{_fmt_map(want)}}}, got {{{_fmt_map(have)}}}"]


def _fmt_map(values: dict[str, Any]) -> str:
    return ", ".join(
        f"{k}: {format(Decimal(v).normalize(), 'f')}" for k, v in sorted(values.items())
    )


def run_case(case: Case, policy: Policy) -> Outcome:
    """Run one case. Raises ``PolicyError`` naming the case's file and line when the case
    itself is malformed; an error of the policy is the case's outcome (expected or not)."""
    if case.error is not None:
        raise case.error
    outcome = Outcome(case)
    raw = case.raw
    expected_error = raw.get("expect_error")
    try:
        _run(case, policy, outcome)
    except PolicyError as exc:
        if exc.path is not None and Path(exc.path) == case.path:
            raise  # the case file itself is malformed
        if expected_error is not None and re.search(str(expected_error), str(exc)):
            outcome.error = str(exc)
            return outcome
        outcome.failures.append(f"error: {exc}")
        return outcome
    if expected_error is not None:
        outcome.failures.append(
            f"expected an error matching {expected_error!r}, got {outcome.got!r}"
        )
    return outcome


def _run(case: Case, policy: Policy, outcome: Outcome) -> None:
    raw = case.raw
    region = str(raw["region"])
    expect = raw.get("expect")
    if "verification_days" in raw:
        month_text = str(raw["verification_days"])
        match = re.fullmatch(r"(\d{4})-(\d{2})", month_text)
        if not match or not 1 <= int(match[2]) <= 12:
            raise PolicyError(
                f"verification_days 应为 YYYY-MM（月份 01–12）, got {month_text!r}",
                path=case.path,
                line=line_of(raw, "verification_days"),
            )
        if "expect" in raw and not isinstance(expect, list):
            raise PolicyError(
                "verification_days 用例的 expect 应为日期列表",
                path=case.path,
                line=line_of(raw, "expect"),
            )
        year, month = int(match[1]), int(match[2])
        days = verification_days(policy, region, year, month)
        outcome.got = [d.isoformat() for d in days]
        outcome.reference = verification_days_reference(policy, region, year, month)
        if isinstance(expect, list):
            want = [_date(d, case, raw, "expect").isoformat() for d in expect]
            if want != outcome.got:
                outcome.failures.append(f"verification_days: expected {want}, got {outcome.got}")
        outcome.failures += _cites(case, [outcome.reference])
        return
    if "deadline" in raw:
        spec = _check(raw["deadline"], {"rule", "date", "year", "in_evaluation"}, case, "deadline")
        in_evaluation = spec.get("in_evaluation")
        if in_evaluation is not None and not isinstance(in_evaluation, bool):
            raise PolicyError(
                "in_evaluation 应为 true 或 false",
                path=case.path,
                line=line_of(spec, "in_evaluation"),
            )
        rule = _enum(DeadlineRule, spec.get("rule"), case, spec, "rule")
        needed = "year" if rule.yearly else "date"
        if needed not in spec:
            raise PolicyError(
                f"deadline 规则 {rule.value} 需要 “{needed}”", path=case.path, line=spec.line
            )
        result = deadline(
            policy,
            rule,
            region,
            date=_date(spec["date"], case, spec, "date") if "date" in spec else None,
            year=_int(spec["year"], case, spec, "year") if "year" in spec else None,
            in_evaluation=in_evaluation,
        )
        outcome.deadline = result
        outcome.reference = result.reference
        outcome.got = result.due.isoformat()
        if "expect" in raw:
            outcome.failures += _compare_deadline(case, rule, expect, result)
        outcome.failures += _cites(case, [result.reference])
        return
    if "year" not in raw:
        raise PolicyError("用例缺少 “year”", path=case.path, line=case.line)
    year = _int(raw["year"], case, raw, "year")
    records_raw = raw.get("records") or []
    if not isinstance(records_raw, list):
        raise PolicyError("records 应为列表", path=case.path, line=line_of(raw, "records"))
    records = [parse_record(r, case, year) for r in records_raw]
    expect = _check(expect, _EXPECT_KEYS, case, "expect") if "expect" in raw else None
    if expect is not None:
        for key in ("compliant", "decided"):
            if key in expect and not isinstance(expect[key], bool):
                raise PolicyError(
                    f"expect.{key} 应为 true 或 false, got {expect[key]!r}",
                    path=case.path,
                    line=line_of(expect, key),
                )
        want_notes = _expected_notes(expect, case) if "not_counted" in expect else None
    verdict = evaluate(
        policy,
        region=region,
        year=year,
        person=parse_person(case),
        records=records,
        appointment_cycle=_appointment_cycle(case),
    )
    outcome.verdict = verdict
    outcome.got = {"compliant": verdict.compliant, "shortfall": verdict.shortfall}
    outcome.failures += _cites(case, _verdict_references(verdict))
    if expect is None:
        return
    if "compliant" in expect and expect["compliant"] != verdict.compliant:
        outcome.failures.append(
            f"compliant: expected {expect['compliant']}, got {verdict.compliant}"
        )
    if "decided" in expect and expect["decided"] != verdict.decided:
        outcome.failures.append(f"decided: expected {expect['decided']}, got {verdict.decided}")
    if "shortfall" in expect:
        outcome.failures += _compare_numbers(
            "shortfall", expect["shortfall"], verdict.shortfall, case, exact_keys=True
        )
    if "counted" in expect:
        outcome.failures += _compare_numbers(
            "counted", expect["counted"], verdict.counted, case, exact_keys=False
        )
    if want_notes is not None:
        want_reasons = [note.reason for note in want_notes]
        got_reasons = [str(n.reason) for n in verdict.notes]
        if want_reasons != got_reasons:
            outcome.failures.append(f"not_counted: expected {want_reasons}, got {got_reasons}")
        else:
            for expected_note, note in zip(want_notes, verdict.notes, strict=True):
                outcome.failures += expected_note.compare(note)
    if "conditions" in expect:
        outcome.failures += _compare_conditions(case, expect, verdict)
    if "cited_notices" in expect:
        want = _string_list(expect, "cited_notices", case)
        got = sorted({r.notice.id for r in _verdict_references(verdict, notes=False)})
        if sorted(set(want)) != got:
            outcome.failures.append(f"cited_notices: expected {sorted(set(want))}, got {got}")


def _appointment_cycle(case: Case) -> tuple[int, int] | None:
    """``appointment_cycle: {from: 2015, until: 2017}``: the person's appointment cycle."""
    if "appointment_cycle" not in case.raw:
        return None
    raw = _check(case.raw["appointment_cycle"], {"from", "until"}, case, "appointment_cycle")
    for key in ("from", "until"):
        if key not in raw:
            raise PolicyError(f"appointment_cycle 缺少 “{key}”", path=case.path, line=raw.line)
    first, last = _int(raw["from"], case, raw, "from"), _int(raw["until"], case, raw, "until")
    if last < first:
        raise PolicyError(
            "appointment_cycle 的 until 早于 from", path=case.path, line=line_of(raw, "until")
        )
    return first, last


def _string_list(where: Mapping, key: str, case: Case) -> list[str]:
    value = where[key]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyError(
            f"“{key}” 应为文字或文字列表, got {value!r}", path=case.path, line=line_of(where, key)
        )
    return list(value)


@dataclass(frozen=True)
class _ExpectedNote:
    """One entry of ``not_counted``: its reason, and optionally what its note must say."""

    reason: str
    cites: str | None = None  # found in the note's whole citation
    message: str | None = None  # the note's sentence, exactly
    clause: str | None = None  # found in the clause the note cites
    counted: Decimal | None = None  # the part that counted (over a cap), exactly

    def compare(self, note: RecordNote) -> list[str]:
        failures = []
        label = f"not_counted {self.reason}"
        cited = str(note.reference) if note.reference else ""
        if self.cites is not None and self.cites not in cited:
            failures.append(
                f"{label}: expected a citation of {self.cites!r}, got {cited or 'none'!r}"
            )
        clause = note.reference.clause if note.reference else ""
        if self.clause is not None and self.clause not in clause:
            failures.append(f"{label}: expected a clause with {self.clause!r}, got {clause!r}")
        if self.message is not None and self.message != note.message:
            failures.append(f"{label}: expected message {self.message!r}, got {note.message!r}")
        if self.counted is not None and self.counted != note.counted:
            failures.append(
                f"{label}: expected counted {_fmt(self.counted)}, got {_fmt(note.counted)}"
            )
        return failures


def _fmt(number: Decimal) -> str:
    return format(number.normalize(), "f")


def _expected_notes(expect: Mapping, case: Case) -> list[_ExpectedNote]:
    """``not_counted``: a list of reasons, each a reason or a mapping of ``reason`` with
    ``cites``, ``message``, ``clause`` and ``counted`` (each optional)."""
    raw = expect["not_counted"] or []
    if not isinstance(raw, list):
        raise PolicyError(
            "not_counted 应为列表", path=case.path, line=line_of(expect, "not_counted")
        )
    result = []
    for item in raw:
        if not isinstance(item, Mapping):
            reason = str(_enum(Reason, item, case, expect, "not_counted"))
            result.append(_ExpectedNote(reason))
            continue
        item = _check(item, _NOTE_KEYS, case, "not_counted")
        text = {key: str(item[key]) for key in ("cites", "message", "clause") if key in item}
        result.append(
            _ExpectedNote(
                str(_enum(Reason, item.get("reason"), case, item, "reason")),
                counted=_decimal(item["counted"], case, item, "counted")
                if "counted" in item
                else None,
                **text,
            )
        )
    return result


def _compare_conditions(case: Case, expect: Mapping, verdict: Verdict) -> list[str]:
    """``expect.conditions``: every condition of the verdict by its code, met or not
    (``{centralised_training: false}``; ``{}`` for none)."""
    raw = _check(expect["conditions"] or Mapping(), _CONDITION_CODES, case, "conditions")
    want = {}
    for code, met in raw.items():
        if not isinstance(met, bool):
            raise PolicyError(
                f"conditions.{code} 应为 true 或 false, got {met!r}",
                path=case.path,
                line=line_of(raw, code),
            )
        want[str(code)] = met
    got = {c.code: c.met for c in verdict.conditions}
    if want == got:
        return []
    return [f"conditions: expected {want}, got {got}"]


def _compare_deadline(case: Case, rule: DeadlineRule, expect: Any, result: Deadline) -> list[str]:
    """A deadline's ``expect``: its due day, or ``{due, opens, explanation, region}`` (each
    optional; ``opens: null`` for a deadline without an opening day)."""
    raw = case.raw
    if not isinstance(expect, Mapping):
        expect = {"due": expect}
        where: Any = raw
    else:
        where = _check(expect, _DEADLINE_EXPECT_KEYS, case, "deadline expect")
    failures = []
    if "due" in expect:
        due = _date(expect["due"], case, where, "due" if where is not raw else "expect")
        if due != result.due:
            failures.append(f"deadline {rule.value}: expected {due}, got {result.due}")
    if "opens" in expect:
        opens = None if expect["opens"] is None else _date(expect["opens"], case, where, "opens")
        if opens != result.opens:
            failures.append(f"deadline {rule.value} opens: expected {opens}, got {result.opens}")
    if "explanation" in expect and str(expect["explanation"]) != result.explanation:
        failures.append(
            f"deadline {rule.value} explanation: expected {str(expect['explanation'])!r}, "
            f"got {result.explanation!r}"
        )
    if "region" in expect and str(expect["region"]) != result.region:
        failures.append(
            f"deadline {rule.value} region: expected {expect['region']}, got {result.region}"
        )
    return failures


def _verdict_references(verdict: Verdict, *, notes: bool = True) -> list[Reference]:
    refs = [r.requirement.reference for r in verdict.results]
    refs += [c.reference for c in verdict.conditions]
    refs += [u.reference for u in verdict.undecided]
    if notes:
        refs += [n.reference for n in verdict.notes if n.reference is not None]
    return refs


def _cites(case: Case, references: list[Reference]) -> list[str]:
    """``expect_cites``: each text must appear in one of the result's citations."""
    if "expect_cites" not in case.raw:
        return []
    texts = [str(r) for r in references]
    return [
        f"expect_cites: no citation contains {want!r} (cited: {texts})"
        for want in _string_list(case.raw, "expect_cites", case)
        if not any(want in text for text in texts)
    ]
