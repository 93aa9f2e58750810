"""The site answers: home page, health check, unknown pages."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_page_is_served_in_chinese(client: Client) -> None:
    """The home page answers 200 and names the system in Simplified Chinese."""
    response = client.get(reverse("web:home"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "学时" in content
    assert "专业技术人员继续教育管理系统" in content
    assert 'lang="zh-Hans"' in content


def test_healthz_reports_ok_after_querying_the_database(client: Client) -> None:
    """/healthz runs a query and reports {"status": "ok"}."""
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}


def test_unknown_url_is_not_found(client: Client) -> None:
    """An unknown address gives 404, with the Chinese error page."""
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
