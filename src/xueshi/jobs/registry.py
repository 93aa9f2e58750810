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


_tasks: dict[JobKind, Any] = {}
_starters: list[Starter] = []
_command_starters: dict[str, CommandStarter] = {}


def task_register(kind: JobKind, task: Any) -> None:
    """``task``: a django-tasks ``Task`` taking the job's id."""
    _tasks[kind] = task


def task_for(kind: JobKind) -> Any:
    try:
        return _tasks[kind]
    except KeyError:
        raise ImproperlyConfigured(f"No task is registered for jobs of kind {kind!r}.") from None


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
