"""政策发布 through the pages, as a Shantou bureau: the form and the upload, the loader's
errors by line, the preview's page, publishing, the version page; nobody else gets in."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.policies.conftest import Shantou
from tests.support.drafts import NOTICE, PARAMETERS
from tests.support.factories import UserFactory, grant
from xueshi.accounts.models import Role
from xueshi.jobs.models import Job
from xueshi.policies.models import PolicyDraft, PolicyPublication

pytestmark = pytest.mark.django_db

FIGURES = {
    "hours_total_value": "90",
    "hours_total_section": "二",
    "hours_total_clause": "当年度参加继续教育累计不少于90学时。",
    "hours_public_value": "",
    "hours_professional_value": "",
    "hours_elective_value": "",
}


def _bureau(client: Client, s: Shantou) -> Client:
    client.force_login(s.bureau.assignment.user)
    return client


def test_the_form_makes_a_notice_in_force_for_its_year_with_each_figure_cited(
    client: Client, shantou: Shantou
) -> None:
    page = _bureau(client, shantou).get(reverse("policies:draft_new"))
    assert page.status_code == 200
    form = {
        "mode": "form",
        "year": "2025",
        "title": "关于做好2025年度汕头市专业技术人员继续教育工作的通知",
        "issuer": "汕头市人力资源和社会保障局",
        "date": "2024-12-20",
        **FIGURES,
    }
    # A figure without its clause is refused.
    missing = client.post(reverse("policies:draft_new"), {**form, "hours_total_clause": ""})
    assert "年度总学时须注明所依据的原文。" in missing.content.decode()
    assert not PolicyDraft.objects.exists()
    response = client.post(reverse("policies:draft_new"), form)
    draft = PolicyDraft.objects.get()
    assert response.url == reverse("policies:draft", args=[draft.pk])
    assert "440500-2025:" in draft.notices_yaml
    assert "until: 2025-12-31" in draft.parameters_yaml
    assert "notice: 440500-2025" in draft.parameters_yaml
    content = client.get(response.url).content.decode()
    assert '<dd id="draft-years">2025</dd>' in content
    assert "《关于做好2025年度汕头市专业技术人员继续教育工作的通知》" in content


def test_an_uploaded_yaml_with_an_error_is_shown_by_line_and_not_saved(
    client: Client, shantou: Shantou
) -> None:
    bad = PARAMETERS.replace("    unit: hour\n", "    unit: day\n")
    response = _bureau(client, shantou).post(
        reverse("policies:draft_new"),
        {
            "mode": "yaml",
            "year": "2025",
            "notices_file": SimpleUploadedFile("notices.yaml", NOTICE.encode()),
            "parameters_file": SimpleUploadedFile("parameters.yaml", bad.encode()),
        },
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "parameters.yaml 第 4 行：hours.total 的单位应为 “hour”，而不是 “day”" in content
    assert not PolicyDraft.objects.exists()


def test_preview_then_publish_through_the_pages(
    client: Client, shantou: Shantou, django_capture_on_commit_callbacks: Any
) -> None:
    _bureau(client, shantou).post(
        reverse("policies:draft_new"),
        {"mode": "yaml", "year": "2025", "notices_yaml": NOTICE, "parameters_yaml": PARAMETERS},
    )
    draft = PolicyDraft.objects.get()
    started = client.post(reverse("policies:preview_start", args=[draft.pk]))
    job = Job.objects.get(subject_id=draft.pk)
    assert started.url == reverse("jobs:detail", args=[job.pk])
    polled = client.get(started.url, headers={"HX-Request": "true"})
    assert polled.headers["HX-Redirect"] == reverse("policies:preview", args=[draft.pk, job.pk])
    preview = client.get(polled.headers["HX-Redirect"]).content.decode()
    assert "结论改变 2 人次：转为达标 1，转为未达标 1。" in preview
    assert "林伟" in preview
    with django_capture_on_commit_callbacks(execute=True):
        published = client.post(reverse("policies:publish", args=[draft.pk]))
    publication = PolicyPublication.objects.get()
    assert published.url == reverse("policies:publication", args=[publication.pk])
    page = client.get(published.url).content.decode()
    assert "（即现行版本）" in page
    assert "当年度参加继续教育累计不少于90学时。" in page
    index = client.get(reverse("policies:index")).content.decode()
    assert "第 1 版" in index


@pytest.mark.parametrize("role", [Role.EMPLOYER_ADMIN, Role.PROFESSIONAL])
def test_only_a_bureau_reaches_the_pages(client: Client, shantou: Shantou, role: Role) -> None:
    scope: dict[str, Any] = (
        {"employer": shantou.becomes_met.employer} if role is Role.EMPLOYER_ADMIN else {}
    )
    user = grant(UserFactory(), role, **scope).assignment.user
    client.force_login(user)
    assert client.get(reverse("policies:index")).status_code == 403
    assert client.get(reverse("policies:draft_new")).status_code == 403


def test_another_bureau_does_not_see_the_draft(client: Client, shantou: Shantou) -> None:
    _bureau(client, shantou).post(
        reverse("policies:draft_new"),
        {"mode": "yaml", "year": "2025", "notices_yaml": NOTICE, "parameters_yaml": PARAMETERS},
    )
    draft = PolicyDraft.objects.get()
    kaifeng = grant(UserFactory(), Role.BUREAU_STAFF, region_id="410200").assignment.user
    client.force_login(kaifeng)
    assert client.get(reverse("policies:draft", args=[draft.pk])).status_code == 404
    assert client.post(reverse("policies:publish", args=[draft.pk])).status_code == 302
    assert not PolicyPublication.objects.exists()
