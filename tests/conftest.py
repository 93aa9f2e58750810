"""Collect policy case files (tests/policy_cases/**/*.yaml) as pytest items."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from xueshi.policy_store import policy_check_due
from xueshi.rules.cases import Case, load_cases, run_case
from xueshi.rules.policy import default_policy, forget_default_policy


@pytest.fixture(autouse=True, scope="session")
def _policy_loaded_in_this_session() -> None:
    """Under scripts/mutation.sh (XUESHI_RULES_UNCACHED=1) each test session loads the
    policy tree itself: a tree loaded before the mutant was switched on would hide it."""
    if os.environ.get("XUESHI_RULES_UNCACHED", "") not in ("", "0"):
        forget_default_policy()


@pytest.fixture(autouse=True, scope="session")
def _id_keys_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The ID-number keys of the whole run in a temporary folder, never in var/ (one folder
    for the run: rows made by module-wide fixtures are read by the tests after them)."""
    from django.conf import settings

    settings.XUESHI_ID_KEYS = tmp_path_factory.mktemp("idkeys")


@pytest.fixture(autouse=True)
def _uploads_in_tmp(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Uploaded files of a test go to its own temporary folder, never to var/."""
    if "settings" in request.fixturenames or request.node.get_closest_marker("django_db"):
        settings = request.getfixturevalue("settings")
        settings.MEDIA_ROOT = tmp_path / "uploads"
        settings.XUESHI_KEYS_DIR = tmp_path / "keys"
        # Background jobs run at once, in the test's own process and transaction.
        settings.TASKS = {
            **settings.TASKS,
            "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
        }
        # Test users need no slow password hashing.
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        # Notices a bureau published in an earlier test were rolled back with it.
        policy_check_due()


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch: pytest.MonkeyPatch) -> None:
    """``Client.force_login`` stands for a whole sign-in, second factor included: an account
    holding a role that needs it gets a confirmed TOTP device and its session is verified,
    as 二次验证 would leave it (every request checks: xueshi/accounts/middleware.py).
    ``unverified_force_login`` signs in without it."""
    from django.test import Client

    original = Client.force_login

    def force_login(self: Client, user: Any, backend: str | None = None) -> None:
        original(self, user, backend)
        _verify_second_factor(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)
    monkeypatch.setattr(Client, "unverified_force_login", original, raising=False)


def _verify_second_factor(client: Any, user: Any) -> None:
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from xueshi.accounts.second_factor import confirmed_device, needs_second_factor

    if not needs_second_factor(user):
        return
    device = confirmed_device(user) or TOTPDevice.objects.create(
        user=user, name="测试设备", confirmed=True
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix in (".yaml", ".yml") and "policy_cases" in file_path.parts:
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        for case in load_cases(self.path):
            yield CaseItem.from_parent(self, name=f"{case.name} (line {case.line})", case=case)


class CaseFailed(AssertionError):
    pass


class CaseItem(pytest.Item):
    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        outcome = run_case(self.case, default_policy())
        if not outcome.passed:
            raise CaseFailed("\n".join(outcome.failures))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, CaseFailed):
            return f"{self.case.location} {self.case.name}\n{excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.case.line - 1, self.case.name
