"""What each kind of job runs, and what a role may start from the jobs page.

The jobs app is generic: it records, runs and shows jobs, and knows no domain. Each domain
app registers its tasks (and, where a role starts one from the jobs page, a starter) in its
``AppConfig.ready``, from its own ``tasks.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from xueshi.jobs.models import Job, JobKind


@dataclass(frozen=True)
class Starter:
    """A section of the jobs page that starts a job: its template and the context it needs
    (None: not for this request's role)."""

    template: str
    context: Callable[[HttpRequest], dict[str, Any] | None]


@dataclass(frozen=True)
class CommandStarter:
    """A subcommand of ``xueshi job`` that starts a job: its arguments (argparse flags and
    settings) and ``start(options, inline)`` returning the job."""

    name: str
    help: str
    arguments: tuple[tuple[tuple[str, ...], dict[str, Any]], ...]
    start: Callable[[dict[str, Any], bool | None], Job]


Back = Callable[[Job], tuple[str, str] | None]


@dataclass(frozen=True)
class KindSpec:
    """What the jobs app knows of a kind: its task (a django-tasks ``Task`` taking the job's
    id), where its page sends the person back to (``back(job)`` → url and label, None for the
    jobs list), whether a finished job's page opens its result at once, and whether a run
    whose process died before its work committed is run again, once (``retry``: the work is
    idempotent and writes nothing until its one commit)."""

    task: Any
    back: Back | None = None
    open_result: bool = False
    retry: bool = False


_kinds: dict[JobKind, KindSpec] = {}
_starters: list[Starter] = []
_command_starters: dict[str, CommandStarter] = {}


def task_register(
    kind: JobKind,
    task: Any,
    *,
    back: Back | None = None,
    open_result: bool = False,
    retry: bool = False,
) -> None:
    _kinds[kind] = KindSpec(task, back, open_result, retry)


def kind_spec(kind: str) -> KindSpec:
    try:
        return _kinds[JobKind(kind)]
    except (KeyError, ValueError):
        raise ImproperlyConfigured(f"No task is registered for jobs of kind {kind!r}.") from None


def task_for(kind: JobKind) -> Any:
    return kind_spec(kind).task


def starter_register(starter: Starter) -> None:
    if starter not in _starters:
        _starters.append(starter)


def starters(request: HttpRequest) -> list[tuple[str, dict[str, Any]]]:
    """The starters this request may see, with their context."""
    shown = []
    for starter in _starters:
        context = starter.context(request)
        if context is not None:
            shown.append((starter.template, context))
    return shown


def command_starter_register(starter: CommandStarter) -> None:
    _command_starters[starter.name] = starter


def command_starters() -> list[CommandStarter]:
    return list(_command_starters.values())
