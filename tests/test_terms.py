"""One definition of each term: the rules core's enumerations, with one Chinese label each.

The models take their choices from the core (``xueshi.choices.choices_of``); a field may
keep choices of its own only if the core has no such term, and it is listed below.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterable
from enum import StrEnum
from typing import cast

import pytest
from django.apps import apps
from django.db import models

import xueshi.rules
from xueshi.accounts.models import Role as AccountRole
from xueshi.api.models import ClientKind, PushResult
from xueshi.certificates.models import (
    BookletIssueKind,
    CertificateShape,
    CertificateStatus,
    PrintJobStatus,
    ProofBatch,
    ProofStatus,
    RosterStatus,
)
from xueshi.choices import Term, choices_of
from xueshi.exams.models import AttemptStatus, QuestionKind
from xueshi.inspections.models import (
    InspectionKind,
    ItemResult,
    SanctionKind,
    Stratum,
    SummaryStatus,
)
from xueshi.jobs.models import JobKind, JobStatus
from xueshi.learning.models import LessonKind, StudyFlagKind
from xueshi.organisations.models import ProviderFilingStatus, RegionLevel
from xueshi.people.models import EmploymentStatus
from xueshi.policies.models import DraftStatus
from xueshi.records.models import FlagStatus, LearningForm, RecordSource
from xueshi.rules.terms import SERIES_LABELS
from xueshi.training.models import ClassStatus, HalfDay

# Fields whose choices are the model's own: the rules core has no such term.
MODEL_ONLY: dict[str, type[models.Choices]] = {
    "accounts.RoleAssignment.role": AccountRole,  # a user's role; not the chain's rules Role
    "organisations.Region.level": RegionLevel,
    "organisations.Provider.filing_status": ProviderFilingStatus,
    "people.Employment.status": EmploymentStatus,
    "records.HourRecord.form": LearningForm,
    "records.HourRecord.source": RecordSource,
    "records.IntegrityFlag.status": FlagStatus,  # a reviewer's handling of a flag
    "training.ClassPlan.status": ClassStatus,
    "training.Attendance.half_day": HalfDay,
    "certificates.BookletIssue.kind": BookletIssueKind,
    "certificates.Certificate.shape": CertificateShape,
    "certificates.Certificate.status": CertificateStatus,
    "certificates.Roster.status": RosterStatus,
    "certificates.PrintJob.status": PrintJobStatus,
    "jobs.Job.kind": JobKind,
    "jobs.Job.status": JobStatus,
    "policies.PolicyDraft.status": DraftStatus,
    "api.ApiClient.kind": ClientKind,
    "api.PushedResult.result": PushResult,
    "learning.Lesson.kind": LessonKind,  # video or document
    "learning.StudyFlag.kind": StudyFlagKind,  # what the heartbeat trail shows
    "learning.StudyFlag.status": FlagStatus,  # handled like an IntegrityFlag
    "exams.Question.kind": QuestionKind,  # single, multiple, true/false
    "exams.Attempt.status": AttemptStatus,  # open, submitted, closed at its deadline
    "certificates.Proof.status": ProofStatus,  # a provider's proof: valid, reissued, withdrawn
    "certificates.ProofBatch.shape": ProofBatch.Shape,  # one PDF or a zip
    "certificates.ProofBatch.status": PrintJobStatus,  # a batch runs like a print job
    "inspections.Inspection.kind": InspectionKind,  # what is drawn
    "inspections.Inspection.stratify": Stratum,
    "inspections.InspectionItem.result": ItemResult,  # an inspector's finding
    "inspections.Sanction.kind": SanctionKind,  # the sanctions the notices name
    "inspections.WorkSummary.status": SummaryStatus,
}

# Professional series are an open vocabulary: a mapping in the core, not an enumeration.
SERIES_FIELDS = {"people.Professional.series", "catalogue.SubjectGuide.series"}


def _core_terms() -> list[type[StrEnum]]:
    """The enumerations of the rules core that carry a Chinese label."""
    found = []
    for info in pkgutil.iter_modules(xueshi.rules.__path__, "xueshi.rules."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, StrEnum)
                and cls.__module__ == module.__name__
                and isinstance(inspect.getattr_static(cls, "label", None), property)
            ):
                found.append(cls)
    return found


def _choices(term: type[StrEnum]) -> list[tuple[str, str]]:
    return choices_of(cast("Iterable[Term]", term))


def _fields_with_choices() -> dict[str, models.Field[object, object]]:
    return {
        f"{model._meta.label}.{field.name}": field
        for model in apps.get_models()
        if model.__module__.startswith("xueshi.")
        for field in model._meta.concrete_fields
        if field.choices
    }


CORE_TERMS = _core_terms()
FIELDS = _fields_with_choices()


def test_the_core_terms_are_found() -> None:
    """The walk finds the terms the models use (a broken walk would pass everything)."""
    names = {term.__name__ for term in CORE_TERMS}
    assert {
        "Category",
        "Mode",
        "CreditClass",
        "TitleLevel",
        "InstitutionLevel",
        "RecordState",
    } <= names


@pytest.mark.parametrize("term", CORE_TERMS, ids=lambda t: t.__name__)
def test_every_member_of_a_core_term_has_its_chinese_label(term: type[StrEnum]) -> None:
    labels = [label for _, label in _choices(term)]
    assert all(labels), term
    assert len(set(labels)) == len(labels), f"{term.__name__} has two members with one label"


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_a_model_field_takes_its_choices_from_the_core(name: str) -> None:
    """A field with choices has them from a core enumeration (values and labels alike),
    or is listed as model-only, with choices no core term shares."""
    choices = list(FIELDS[name].choices or [])
    if name in SERIES_FIELDS:
        assert choices == list(SERIES_LABELS.items())
        return
    from_core = [term for term in CORE_TERMS if choices == _choices(term)]
    if name in MODEL_ONLY:
        assert not from_core, f"{name} duplicates {from_core[0].__name__}: take it from the core"
        assert choices == list(MODEL_ONLY[name].choices)
        values = {value for value, _ in choices}
        twins = [t.__name__ for t in CORE_TERMS if values == {m.value for m in t}]
        assert not twins, f"{name} has the values of {twins}: take its choices from the core"
        return
    assert from_core, f"{name}: choices from no core term; use choices_of(<rules enum>)"


def test_the_model_only_list_names_no_stale_field() -> None:
    assert set(MODEL_ONLY) <= set(FIELDS)
