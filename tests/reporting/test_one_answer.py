"""One answer per question: for every demo professional and every year, 我的年度学时 and the
declaration form list the same categories, each with the same chain or the same reason why it
cannot be registered; where my-year counts a shortfall it cannot be made up by declaring, it
says so (林伟 2026: 72 hours short and no category open was a contradiction)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from xueshi.demo.load import demo_load
from xueshi.people.models import Professional

pytestmark = pytest.mark.django_db

YEARS = range(2013, 2027)


def _items(html: str, start: str) -> list[str]:
    block = html.split(start, 1)[1].split("</ul>", 1)[0]
    items = re.findall(r"<li[^>]*>(.*?)</li>", block, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", li)).strip() for li in items]


def test_my_year_and_the_declaration_form_agree(client: Client) -> None:
    demo_load()
    for professional in Professional.objects.select_related("user"):
        client.force_login(professional.user)
        for year in YEARS:
            mine = client.get(reverse("reporting:my_year"), {"year": year}).content.decode()
            chains_url = reverse("records:declare_chains")
            form = client.get(chains_url, {"credited_year": year}).content.decode()
            who = f"{professional.full_name} {year}"
            if "未规定学时科目类别" in form:
                assert "未规定学时科目类别" in mine, who
                continue
            routes = _items(mine, 'class="routes"')
            chains = _items(form, 'class="chains"')
            assert routes, who
            assert routes == chains, who
            closed = [r.split("：")[0] for r in routes if "无法登记" in r]
            if closed:
                assert "目前无法登记" in mine, who


def test_linwei_2026_is_told_why_he_cannot_declare(client: Client) -> None:
    demo_load()
    client.force_login(Professional.objects.get(full_name="林伟").user)
    mine = client.get(reverse("reporting:my_year"), {"year": 2026}).content.decode()
    form = client.get(reverse("records:declare_chains"), {"credited_year": 2026}).content.decode()
    if "无法登记" in form:  # whatever the rules say for 2026, both pages say the same
        assert 'id="routes-closed"' in mine
    else:
        assert 'id="routes-closed"' not in mine
