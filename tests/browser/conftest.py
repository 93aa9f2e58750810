"""Browser tests: a real headless Chromium (Playwright, sync API) against pytest-django's
``live_server``. Debian's Chromium at /usr/bin/chromium (scripts/test.sh installs it); the
tests are skipped, saying why, only when it is missing.

On failure every page of the test is saved as a screenshot (and its HTML) under
``$XUESHI_BROWSER_ARTIFACTS`` (default: the system's temporary folder, xueshi-browser/).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls a test makes
# between browser steps are still synchronous (STACK_NOTES: browser tests).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
TIMEOUT_MS = 15_000


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the item, so a fixture can tell that its test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def artifacts_dir(test_name: str) -> Path:
    root = Path(os.environ.get("XUESHI_BROWSER_ARTIFACTS") or tempfile.gettempdir())
    return root / "xueshi-browser" / re.sub(r"[^\w.-]+", "_", test_name)


class Browser:
    """One Chromium; a separate context (cookies, session) per person in the journey."""

    def __init__(self, chromium: Any, base_url: str) -> None:
        self.chromium = chromium
        self.base_url = base_url
        self.pages: dict[str, Any] = {}
        # What Chromium refused under the content security policy (config/settings.py): every
        # journey ends with none (an inline script or style would break silently).
        self.csp_violations: list[str] = []

    def _console(self, name: str, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(f"{name}: {message.text}")

    def page(self, name: str) -> Any:
        context = self.chromium.new_context(
            locale="zh-CN", viewport={"width": 1280, "height": 900}, base_url=self.base_url
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.on("console", lambda message: self._console(name, message))
        self.pages[name] = page
        return page

    def login(self, name: str, username: str, password: str) -> Any:
        """A page for ``name``, signed in through the login form (and, for the roles that
        need it, 二次验证 with the code of a device the test gives the account)."""
        from django_otp.oath import totp
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from xueshi.accounts.models import User
        from xueshi.accounts.second_factor import needs_second_factor

        user = User.objects.get(username=username)
        device = None
        if needs_second_factor(user):
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            device = device or TOTPDevice.objects.create(
                user=user, name="浏览器测试", confirmed=True
            )
        page = self.page(name)
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.locator("form.login-form button[type=submit]").click()
        if device is not None:
            page.wait_for_url("**/accounts/login/verify/")
            page.fill("#id_token", f"{totp(device.bin_key, step=device.step, t0=device.t0):06d}")
            page.locator("form.login-form button[type=submit]").click()
        page.wait_for_url("**/accounts/dashboard/")
        return page

    def save(self, folder: Path) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        saved = []
        for name, page in self.pages.items():
            try:
                shot = folder / f"{name}.png"
                page.screenshot(path=str(shot), full_page=True)
                (folder / f"{name}.html").write_text(page.content(), encoding="utf-8")
                saved.append(shot)
            except Exception as exc:  # a crashed page must not hide the test's own failure
                print(f"could not save {name}: {exc}")
        return saved


@pytest.fixture
def browser(request: pytest.FixtureRequest, live_server: Any) -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        session = Browser(chromium, live_server.url)
        try:
            yield session
            assert session.csp_violations == [], "blocked by the content security policy"
        finally:
            report = getattr(request.node, "rep_call", None)
            if report is not None and report.failed:
                folder = artifacts_dir(request.node.nodeid)
                for shot in session.save(folder):
                    print(f"screenshot: {shot}")
            chromium.close()


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
