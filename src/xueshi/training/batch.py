"""Batch entry of learners' results, whatever they came from (an Excel file, the API, an
online exam): every row gets a result or its errors, in Chinese, and a batch with no error is
entered.

``check_rows`` writes nothing; ``services.hour_batch_enter`` calls ``enter_rows`` only when
no row has an error (all or nothing). Both work on the whole batch at once — a few queries
per batch, not per row: a province's batch has 100,000 rows (bench/batch_xlsx.py).
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection

from xueshi.accounts.models import User
from xueshi.errors import ServiceError
from xueshi.organisations.validators import mask_ric, normalise_ric
from xueshi.people.identity import id_indexes
from xueshi.people.models import Professional
from xueshi.records.services import (
    chain_for,
    hour_record_enter_for_class_bulk,
    integrity_screen_class,
)
from xueshi.rules.terms import Category
from xueshi.rules.terms import Role as ChainRole
from xueshi.training.models import ClassPlan, Enrollment
from xueshi.training.selectors import class_entry, entered_learners


@dataclass(frozen=True, slots=True)
class LearnerScore:
    """One learner's result in a class's assessment, as its source gives it: a row of an
    Excel file, an item of an API call, an online exam's result. The source only says what
    it read; ``check_rows`` checks every field.

    ``number``: where the sender finds the row (the row Excel shows, the item's position),
    named in the report. ``score``: a Decimal, the text as written ("85.5"), or None if not
    given. ``id_number_note``: what the source adds to the reason an ID number is refused
    (Excel: the cell held a number, which keeps only 15 digits)."""

    number: int
    name: str
    id_number: str
    score: Decimal | str | None
    id_number_note: str = ""
    # Why the score is missing when the source knows better than "not filled in" (Excel: the
    # cell holds a formula saved without its result).
    score_note: str = ""


def rows_digest(rows: Sequence[LearnerScore]) -> str:
    """The SHA-256 of a batch's rows, for a batch that is not a file (a file's is its own)."""
    digest = hashlib.sha256()
    for row in rows:
        score = "" if row.score is None else str(row.score)
        digest.update(f"{row.number}\t{row.name}\t{row.id_number}\t{score}\n".encode())
    return digest.hexdigest()


# Row results, as stored in HourBatch.report.
ERROR = "error"
FAILED = "failed"  # valid, below the pass mark: not entered, not an error
PASSED = "passed"  # valid, to be entered
CREATED = "created"
UNCHANGED = "unchanged"

# bandit: a message ("pass mark"), not a password
BELOW_PASS_MARK = "未达合格分数，不登记"  # nosec B105

# Rows per IN (…) query: well under every database's limit on parameters.
CHUNK = 10_000


class Person(NamedTuple):
    """What checking a row reads of a registered person (tuples: 100,000 model instances
    cost more than the rest of the check)."""

    pk: int
    full_name: str
    region_id: str
    series: str
    title_level: str
    institution_level: str


class Seat(NamedTuple):
    """The learner's enrolment in the class, and the score it holds."""

    pk: int
    professional_id: int
    score: Decimal | None
    passed: bool | None


@dataclass
class CheckedRow:
    number: int
    name: str
    masked_id: str
    score_text: str
    errors: list[str] = field(default_factory=list)
    result: str = ERROR
    message: str = ""
    score: Decimal | None = None
    seat: Seat | None = None

    def as_report(self) -> dict[str, Any]:
        return {
            "row": self.number,
            "name": self.name,
            "id": self.masked_id,
            "score": self.score_text,
            "result": self.result,
            "message": "；".join(self.errors) if self.errors else self.message,
        }


_ZERO, _HUNDRED, _TENTH = Decimal(0), Decimal(100), Decimal("0.1")


def parse_score(value: Decimal | str | None) -> tuple[Decimal | None, str | None]:
    """The score as a Decimal with at most one decimal place, or the error to report."""
    if isinstance(value, Decimal):  # the usual: Excel's numbers, an exam's result
        score, shown = value, ""
    elif value is None or not value.strip():
        return None, "未填写考核成绩"
    else:
        shown = value.strip()
        try:
            score = Decimal(shown)
        except InvalidOperation:
            return None, f"考核成绩“{shown[:20]}”不是数字"
    if not score.is_finite():
        return None, "考核成绩不是数字"
    if not _ZERO <= score <= _HUNDRED:
        return None, f"考核成绩 {shown or score} 超出 0–100 的范围"
    rounded = score.quantize(_TENTH)
    if score != rounded:
        return None, f"考核成绩 {shown or score} 最多保留一位小数"
    return rounded, None


def _score_text(value: Decimal | str | None) -> str:
    """The score as the report shows it: as the source gave it."""
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else str(value)


def _id_number(value: str, note: str) -> tuple[str | None, str, str | None]:
    """(normalised ID or None, what to show, error)."""
    try:
        number = normalise_ric(value)
    except ValidationError as exc:
        raw = value.strip()
        message = "；".join(exc.messages).rstrip("。")
        if note and raw:
            message += f"（{note}）"
        return None, mask_ric(raw), message
    return number, mask_ric(number), None


@contextmanager
def _bulk_phase() -> Iterator[None]:
    """No cyclic garbage collection while a whole batch's rows are made: they are all kept
    until the end, and CPython's collector would walk them again and again (a third of the
    check of 100,000 rows). Collection resumes as it was when the phase ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def check_rows(
    plan: ClassPlan, rows: Sequence[LearnerScore], *, entered: set[int] | None = None
) -> list[CheckedRow]:
    """Validate every row against the class and the register of people.

    ``entered``: professionals whose hours for this class are already entered; by default,
    read for the rows' learners only.
    """
    with _bulk_phase():
        return _check_rows(plan, rows, entered=entered)


PERSON = ("id", "full_name", "region_id", "series", "title_level", "institution_level")


def _check_rows(
    plan: ClassPlan, rows: Sequence[LearnerScore], *, entered: set[int] | None
) -> list[CheckedRow]:
    numbers = [_id_number(r.id_number, r.id_number_note) for r in rows]
    ids = {n for n, _, _ in numbers if n is not None}
    # ID numbers are stored encrypted: people are matched by the blind index of each number.
    number_of = id_indexes(ids)
    index_of = {number: index for index, number in number_of.items()}
    # Only the rows' learners are read, never the whole class (a class of 100,000 pushed in
    # calls of 5,000 would read it 20 times): their enrolments with them (one indexed join
    # per chunk of ID numbers), then the register for the ID numbers not enrolled (to say
    # which error it is).
    people: dict[str, Person] = {}
    seats: dict[int, Seat] = {}
    indexes = list(number_of)
    for start in range(0, len(indexes), CHUNK):
        enrolled = Enrollment.objects.filter(
            class_plan_id=plan.pk,
            professional__id_number_index__in=indexes[start : start + CHUNK],
        )
        for row in enrolled.values_list(
            "professional__id_number_index",
            *(f"professional__{column}" for column in PERSON),
            "id",
            "score",
            "passed",
        ):
            learner = Person(*row[1:7])
            people[number_of[row[0]]] = learner
            seats[learner.pk] = Seat(row[7], learner.pk, row[8], row[9])
    others = [index_of[n] for n in ids if n not in people]
    for start in range(0, len(others), CHUNK):
        found = Professional.objects.filter(id_number_index__in=others[start : start + CHUNK])
        people.update(
            (number_of[row[0]], Person(*row[1:]))
            for row in found.values_list("id_number_index", *PERSON)
        )
    if entered is None:
        entered = entered_learners(plan, among=seats)
    seen: dict[str, int] = {}
    chains: dict[tuple[str, str, str, str], str | None] = {}
    checked = []
    for row, (number, shown, id_error) in zip(rows, numbers, strict=True):
        line = _line(row, shown, id_error)
        name = line.name
        person = None
        if number is not None:
            if number in seen:
                line.errors.append(f"公民身份号码与第 {seen[number]} 行重复")
            else:
                seen[number] = row.number
                person = people.get(number)
                if person is None:
                    line.errors.append("该公民身份号码未在系统中注册")
                elif name and "".join(person.full_name.split()) != name:
                    line.errors.append("姓名与公民身份号码不符")
                elif person.pk not in seats:
                    line.errors.append("该学员未报名本培训班")
                else:
                    line.seat = seats[person.pk]
        score, score_error = parse_score(row.score)
        if score_error:
            line.errors.append(row.score_note or score_error)
        line.score = score
        if line.errors or line.seat is None or score is None:
            line.result = ERROR
        elif score < plan.pass_mark:
            if line.seat.professional_id in entered:
                line.errors.append(
                    f"该学员学时已登记，成绩不能改为不合格（合格分数 {plan.pass_mark}）"
                )
            else:
                line.result, line.message = FAILED, BELOW_PASS_MARK
        else:
            assert person is not None
            refusal = _provider_may_enter(plan, person, chains)
            if refusal:
                line.errors.append(refusal)
            else:
                line.result, line.message = PASSED, "合格，待登记"
        checked.append(line)
    _refuse_duplicates(plan, checked, people, entered)
    return checked


def _refuse_duplicates(
    plan: ClassPlan, checked: list[CheckedRow], people: dict[str, Person], entered: set[int]
) -> None:
    """A learner to be entered who already has this learning on record (declared it, or
    another class's entry of the same course and days) gets the row's error naming that
    record: the integrity check every entry service runs (records.services.integrity)."""
    todo = {
        row.seat.professional_id: row
        for row in checked
        if row.result == PASSED and row.seat is not None
        if row.seat.professional_id not in entered
    }
    if not todo:
        return
    refused, _ = integrity_screen_class(
        entry=class_entry(plan).learning,
        professional_ids=list(todo),
        region_of={p.pk: p.region_id for p in people.values()},
    )
    for pk, why in refused.items():
        row = todo[pk]
        row.errors.append(why.rstrip("。"))
        row.result, row.message = ERROR, ""


def _line(row: LearnerScore, shown: str, id_error: str | None) -> CheckedRow:
    """A row's report line with the errors of its name and ID number's form."""
    name = "".join(row.name.split())
    line = CheckedRow(row.number, name, shown, _score_text(row.score))
    if not name:
        line.errors.append("姓名为空")
    if id_error:
        line.errors.append(id_error)
    return line


def check_fields(rows: Sequence[LearnerScore]) -> list[CheckedRow]:
    """The checks of every row that need nothing but the rows themselves (the name, the ID
    number's form and check digit, duplicates, the score), with the messages ``check_rows``
    gives: what ``xueshi batch check`` can tell a provider offline, before uploading. Rows
    without an error are ``PASSED`` here only in the sense that their fields are valid; the
    register, the enrolment and the class are checked on upload."""
    seen: dict[str, int] = {}
    checked = []
    for row in rows:
        number, shown, id_error = _id_number(row.id_number, row.id_number_note)
        line = _line(row, shown, id_error)
        if number is not None:
            if number in seen:
                line.errors.append(f"公民身份号码与第 {seen[number]} 行重复")
            else:
                seen[number] = row.number
        line.score, score_error = parse_score(row.score)
        if score_error:
            line.errors.append(row.score_note or score_error)
        if not line.errors:
            line.result, line.message = PASSED, "格式正确"
        checked.append(line)
    return checked


def _provider_may_enter(
    plan: ClassPlan, person: Person, cache: dict[tuple[str, str, str, str], str | None]
) -> str | None:
    """Why the provider may not enter this learner's hours of the class, or None.

    The policy's review chain of the credited year says who enters each category (S9, G3,
    P3): in Guangdong from 2018-11 professional hours are declared by the person. The chain
    depends on the person's profile only: it is resolved once per profile.
    """
    key = (person.region_id, person.series, person.title_level, person.institution_level)
    if key not in cache:
        profile = Professional(
            pk=person.pk,
            region_id=person.region_id,
            series=person.series,
            title_level=person.title_level,
            institution_level=person.institution_level,
        )
        try:
            chain = chain_for(profile, plan.category, plan.end_date.year)
        except ServiceError as exc:
            cache[key] = exc.message.rstrip("。")
        else:
            if ChainRole.PROVIDER in chain.entered_by:
                cache[key] = None
            else:
                who = "、".join(r.label for r in chain.entered_by)
                cache[key] = (
                    f"该学员的{Category(plan.category).label}学时由{who}登记，"
                    f"施教机构不能批量登记（依据：{chain.reference.citation}）"
                )
    return cache[key]


def enter_rows(plan: ClassPlan, checked: list[CheckedRow], *, actor: User, active: Any) -> None:
    """Enter a batch in which no row has an error, in the caller's transaction: every
    learner's score is kept, passed learners' hours are entered in bulk (idempotent: those
    entered before are reported unchanged), and each row's result says which."""
    with _bulk_phase():
        _enter_rows(plan, checked, actor=actor, active=active)


def _enter_rows(plan: ClassPlan, checked: list[CheckedRow], *, actor: User, active: Any) -> None:
    scores = []
    passed = []
    for row in checked:
        seat = row.seat
        assert seat is not None
        assert row.score is not None
        ok = row.result == PASSED
        if seat.score != row.score or seat.passed != ok:
            scores.append((row.score, ok, seat.pk))
        if ok:
            passed.append(seat.professional_id)
    _scores_write(scores)
    created = hour_record_enter_for_class_bulk(
        actor=actor, active=active, professional_ids=passed, entry=class_entry(plan)
    )
    for row in checked:
        if row.result != PASSED:
            continue
        assert row.seat is not None
        if row.seat.professional_id in created:
            row.result, row.message = CREATED, "已登记学时"
        else:
            row.result, row.message = UNCHANGED, "此前已登记，未重复登记"


def _scores_write(scores: list[tuple[Decimal, bool, int]]) -> None:
    """UPDATE each enrolment's score and result in bulk: on PostgreSQL one statement per
    chunk joining the arrays of ids, scores and results (executemany took 50 µs a row);
    on SQLite one statement executed per row (5 µs)."""
    if not scores:
        return
    q = connection.ops.quote_name
    meta = Enrollment._meta
    table, pk = q(meta.db_table), q(meta.pk.column)
    score, passed = q(meta.get_field("score").column), q(meta.get_field("passed").column)
    with connection.cursor() as cursor:
        for start in range(0, len(scores), CHUNK):
            chunk = scores[start : start + CHUNK]
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"UPDATE {table} AS e SET {score} = v.score, {passed} = v.passed"  # nosec B608
                    " FROM (SELECT unnest(%s::numeric[]) AS score,"
                    " unnest(%s::boolean[]) AS passed, unnest(%s::bigint[]) AS id) AS v"
                    f" WHERE e.{pk} = v.id",
                    [
                        [row[0] for row in chunk],
                        [row[1] for row in chunk],
                        [row[2] for row in chunk],
                    ],
                )
            else:
                cursor.executemany(
                    f"UPDATE {table} SET {score} = %s, {passed} = %s WHERE {pk} = %s",  # nosec B608
                    [(str(value), ok, key) for value, ok, key in chunk],
                )
