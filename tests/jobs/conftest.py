"""Jobs run with the immediate backend: a task runs when it is enqueued, in the test's
transaction, so its outcome can be asserted right after."""

from __future__ import annotations

from typing import Any

import pytest

IMMEDIATE = {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}


@pytest.fixture(autouse=True)
def _immediate_tasks(settings: Any) -> None:
    settings.TASKS = {**settings.TASKS, "default": IMMEDIATE}
