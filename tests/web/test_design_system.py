"""One design system on every page: Bootstrap 5 and its icons, vendored and served from this
site (no CDN), every form widget rendered with its classes, every page built on the shared
layouts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.contrib.staticfiles import finders
from django.test import Client

SRC = Path(__file__).resolve().parents[2] / "src" / "xueshi"
VENDORED = (
    "vendor/bootstrap/css/bootstrap.min.css",
    "vendor/bootstrap/js/bootstrap.bundle.min.js",
    "vendor/bootstrap-icons/bootstrap-icons.min.css",
    "vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
    "vendor/echarts/echarts.common.min.js",
)
LAYOUTS = {"web/base.html", "web/bare.html", "certificates/verify_public.html"}
# The API's documentation pages are Swagger UI's and ReDoc's own (drf-spectacular).
STANDALONE = {"api/redoc.html", "api/swagger_ui.html"}


def _templates() -> list[Path]:
    return sorted(SRC.glob("*/templates/**/*.html"))


@pytest.mark.parametrize("name", VENDORED)
def test_the_vendored_files_are_served_from_this_site(name: str) -> None:
    found = finders.find(name)
    assert found, name
    text = Path(str(found)).read_bytes()
    assert b"sourceMappingURL" not in text  # its map is not shipped: no 404 in the console


def test_no_page_loads_anything_from_another_site() -> None:
    remote = re.compile(r"""(src|href)=["'](https?:)?//""")
    offenders = [
        str(path.relative_to(SRC))
        for path in _templates()
        if any(remote.search(line) for line in path.read_text(encoding="utf-8").splitlines())
    ]
    assert offenders == []


def test_every_page_is_built_on_a_shared_layout() -> None:
    """A page template either extends one of the layouts or is one (partials start with _)."""
    loose = []
    for path in _templates():
        name = path.relative_to(path.parents[1]).as_posix()
        if path.name.startswith("_") or name in LAYOUTS or name in STANDALONE:
            continue
        if "{% extends" not in path.read_text(encoding="utf-8"):
            loose.append(name)
    assert loose == []


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_layout_uses_the_design_system(layout: str) -> None:
    path = next(p for p in _templates() if p.as_posix().endswith(f"templates/{layout}"))
    text = path.read_text(encoding="utf-8")
    assert "bootstrap" in text
    assert 'lang="zh-Hans"' in text
    assert 'name="viewport"' in text


class _Form(forms.Form):
    name = forms.CharField(label="姓名")
    kind = forms.ChoiceField(label="类别", choices=[("a", "甲"), ("b", "乙")])
    note = forms.CharField(label="说明", widget=forms.Textarea(attrs={"class": "wide"}))
    agree = forms.BooleanField(label="同意", required=False)
    file = forms.FileField(label="文件", required=False)
    secret = forms.CharField(widget=forms.HiddenInput, required=False)


def test_every_widget_gets_the_design_systems_class() -> None:
    form = _Form(data={})
    html = str(form["name"]) + str(form["kind"]) + str(form["note"]) + str(form["agree"])
    assert re.search(r'<input type="text" name="name"[^>]*class="form-control"', html)
    assert 'aria-invalid="true"' in str(form["name"])  # errors are marked for site.css
    assert re.search(r'<select name="kind"[^>]*class="form-select"', html)
    assert 'class="form-control wide"' in html  # a widget's own class is kept
    assert 'class="form-check-input"' in html
    assert 'class="form-control"' in str(form["file"])
    assert "class=" not in str(form["secret"])


@pytest.mark.django_db
def test_pages_link_the_vendored_css_and_the_error_pages_too(client: Client) -> None:
    home = client.get("/").content.decode()
    assert "vendor/bootstrap/css/bootstrap.min.css" in home
    assert "vendor/bootstrap-icons/bootstrap-icons.min.css" in home
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert "vendor/bootstrap/css/bootstrap.min.css" in missing.content.decode()
    public = client.get("/certificates/verify/").content.decode()
    assert "vendor/bootstrap/css/bootstrap.min.css" in public


def test_the_500_page_is_in_chinese_with_a_way_back(rf: Any) -> None:
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "系统出错" in page
    assert 'href="/"' in page
    assert "Server Error" not in page
