"""审计日志 for the audit administrator: filters, pages, Excel export; every download of a
signed-in user is audited."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from tests.support.exports import export_download
from tests.support.factories import EmployerFactory, UserFactory, grant, regions
from xueshi.accounts.models import Role
from xueshi.audit.models import AuditEvent
from xueshi.audit.services import audit_event_write

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor() -> Client:
    regions()
    user = UserFactory(username="auditor")
    grant(user, Role.AUDIT_ADMIN)
    client = Client(REMOTE_ADDR="192.0.2.10")
    client.force_login(user)
    return client


def _events(count: int) -> None:
    for n in range(count):
        audit_event_write(
            actor=None,
            role="bureau_staff",
            action="approve" if n % 2 else "reject",
            target=("records.hourrecord", str(n)),
            comment='=HYPERLINK("http://evil")' if n == 0 else "",
            client_address="203.0.113.5",
        )


def test_only_the_audit_administrator_reads_the_log(auditor: Client) -> None:
    assert auditor.get(reverse("accounts:audit_log")).status_code == 200
    for role in (Role.SYSADMIN, Role.SECURITY_ADMIN, Role.BUREAU_STAFF):
        other = UserFactory()
        grant(other, role, **({"region_id": "440500"} if role is Role.BUREAU_STAFF else {}))
        client = Client()
        client.force_login(other)
        assert client.get(reverse("accounts:audit_log")).status_code == 403
        assert client.get(reverse("accounts:audit_log_xlsx")).status_code == 403


def test_the_log_filters_and_pages(auditor: Client) -> None:
    _events(120)
    page = auditor.get(reverse("accounts:audit_log"), {"action": "approve"})
    text = page.content.decode()
    assert "第 1 / 2 页，共 60 条" in text
    assert "records.hourrecord #1" in text
    second = auditor.get(reverse("accounts:audit_log"), {"action": "approve", "page": 2})
    assert "第 2 / 2 页" in second.content.decode()
    bad = auditor.get(reverse("accounts:audit_log"), {"date_from": "2026-13-45"})
    assert "请输入有效的起始日期" in bad.content.decode()
    assert AuditEvent.objects.filter(action="audit_log_view", actor__username="auditor").exists()


def test_the_export_is_excel_with_the_filtered_rows_and_is_audited(auditor: Client) -> None:
    _events(10)
    response = auditor.get(reverse("accounts:audit_log_xlsx"), {"action": "reject"})
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[0][:5] == ["序号", "时间", "操作人", "角色", "操作"]
    assert len(rows) == 1 + 5
    assert {row[4] for row in rows[1:]} == {"reject"}
    assert '=HYPERLINK("http://evil")' in [row[11] for row in rows[1:]]  # text, not a formula
    export = AuditEvent.objects.get(action="export")
    assert export.actor is not None
    assert export.actor.username == "auditor"
    assert (export.role, export.client_address) == (Role.AUDIT_ADMIN, "192.0.2.10")
    assert "action=reject" in export.data["query"]


def test_an_employers_excel_export_is_audited() -> None:
    """Asked for (the job's start, with the page's filters) and downloaded (by the access
    middleware, as every attachment), each an audit row of the person in their role."""
    regions()
    employer = EmployerFactory()
    user = UserFactory()
    grant(user, Role.EMPLOYER_ADMIN, employer=employer)
    client = Client()
    client.force_login(user)
    export_download(client, reverse("reporting:employer_compliance_xlsx"), {"year": 2014})
    asked = AuditEvent.objects.get(action="job_start")
    assert asked.actor == user
    assert asked.role == Role.EMPLOYER_ADMIN
    assert asked.data["params"]["source"] == "employer_compliance"
    assert asked.data["params"]["query"] == {"year": ["2014"]}
    event = AuditEvent.objects.get(action="export")
    assert event.target_id == reverse("jobs:download", args=[int(asked.target_id)])
    assert event.role == Role.EMPLOYER_ADMIN
