"""The rules core: policy data, requirement resolution, evaluation, calendars, deadlines.

Pure Python: it imports no Django (tests/test_architecture.py enforces it), so the web
application, the CLI, the benchmarks and outside suites all ask the same engine. Whether a
record counts towards a person's year, and into which sum, is defined once, in
``counting``: the single evaluation, the bulk one and the database's SQL all read it.
"""

from . import counting
from .bulk import BulkResult, evaluate_bulk
from .chains import Chain, review_chain
from .deadlines import Deadline, DeadlineRule, RuleNotSet, deadline, verification_days
from .evaluate import NoRequirement, Requirements, evaluate, requirements, verdict_from_sums
from .periods import assessment_date, cycle_years
from .policy import Policy, Reference, default_policy, load_policy
from .strict_yaml import PolicyError
from .terms import (
    Category,
    CreditClass,
    InstitutionLevel,
    Mode,
    Person,
    Record,
    Role,
    Status,
    TitleLevel,
)
from .verdict import Key, Reason, Verdict, explain
from .workdays import CalendarUnknown, WorkingCalendar

__all__ = [
    "BulkResult",
    "CalendarUnknown",
    "Category",
    "Chain",
    "CreditClass",
    "Deadline",
    "DeadlineRule",
    "InstitutionLevel",
    "Key",
    "Mode",
    "NoRequirement",
    "Person",
    "Policy",
    "PolicyError",
    "Reason",
    "Record",
    "Reference",
    "Requirements",
    "Role",
    "RuleNotSet",
    "Status",
    "TitleLevel",
    "Verdict",
    "WorkingCalendar",
    "assessment_date",
    "counting",
    "cycle_years",
    "deadline",
    "default_policy",
    "evaluate",
    "evaluate_bulk",
    "explain",
    "load_policy",
    "requirements",
    "review_chain",
    "verdict_from_sums",
    "verification_days",
]
