"""A forgotten password, in the browser: the employer's administrator finds the person on
重置密码, confirms, reads the temporary password once; the person signs in with it, is sent
to 修改密码 before anything else, sets a new one and reaches the dashboard."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Browser
from tests.support.factories import (
    EmployerFactory,
    ProfessionalFactory,
    UserFactory,
    employ,
    grant,
    regions,
)
from xueshi.accounts.models import Role, User
from xueshi.audit.models import AuditEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Admin-Pass-2026"


def _user(username: str, full_name: str) -> User:
    user = UserFactory(username=username, full_name=full_name)
    user.set_password(PASSWORD)
    user.save()
    return user


def test_an_employer_admin_resets_a_forgotten_password(browser: Browser) -> None:
    regions()
    employer = EmployerFactory(name="汕头市设计院")
    grant(_user("design-hr", "人事科"), Role.EMPLOYER_ADMIN, employer=employer)
    professional = ProfessionalFactory(user=_user("wangfang", "王芳"), full_name="王芳")
    employ(professional, employer)
    grant(professional.user, Role.PROFESSIONAL)

    admin: Any = browser.login("admin", "design-hr", PASSWORD)
    admin.get_by_role("link", name="重置密码").first.click()
    admin.fill("#id_q", "王芳")
    admin.get_by_role("button", name="查询").click()
    row = admin.locator("tr", has_text="wangfang")
    admin.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="重置密码").click()
    admin.wait_for_selector("#temporary-password")
    temporary = admin.inner_text("#temporary-password").strip()
    assert "只显示这一次" in admin.content()
    assert AuditEvent.objects.filter(action="password_reset").count() == 1

    person = browser.page("person")
    person.goto("/accounts/login/")
    person.fill("#id_username", "wangfang")
    person.fill("#id_password", temporary)
    person.locator("form.login-form button[type=submit]").click()
    person.wait_for_url("**/accounts/password/")
    assert "您的密码已由管理员重置" in person.content()
    person.goto("/records/mine/")  # any other page sends back to 修改密码
    person.wait_for_url("**/accounts/password/")
    person.fill("#id_old_password", temporary)
    person.fill("#id_new_password1", "Wang-Fang-New-9")
    person.fill("#id_new_password2", "Wang-Fang-New-9")
    person.get_by_role("button", name="修改密码").click()
    person.wait_for_url("**/accounts/dashboard/")
    assert "密码已修改" in person.content()
    user = User.objects.get(username="wangfang")
    assert not user.must_change_password
    assert user.check_password("Wang-Fang-New-9")
