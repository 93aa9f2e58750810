"""Hardening (issue 14, item 7): production settings, the content security policy, the
admin behind an address allowlist, redirects only to this site."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.support.factories import UserFactory
from xueshi.accounts.redirects import local_path

SRC = Path(__file__).resolve().parents[2] / "src" / "xueshi"


def _xueshi(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m xueshi ARGS`` in a clean environment of its own (no XUESHI_* inherited)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("XUESHI_", "DJANGO_"))}
    base.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "xueshi", *args],
        capture_output=True,
        text=True,
        env={**base, "XUESHI_VAR_DIR": str(tmp_path), **env},
        check=False,
    )


def _production(**env: str) -> dict[str, str]:
    return {
        "XUESHI_PRODUCTION": "1",
        "XUESHI_SECRET_KEY": secrets.token_urlsafe(50),
        "XUESHI_ALLOWED_HOSTS": "xueshi.example.gov.cn",
        **env,
    }


def test_check_deploy_gives_no_warning_in_production(tmp_path: Path) -> None:
    done = _xueshi(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **_production())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({"XUESHI_DEBUG": "1"}, "XUESHI_DEBUG must be off"),
        ({"XUESHI_SECRET_KEY": ""}, "XUESHI_SECRET_KEY must be"),
        ({"XUESHI_SECRET_KEY": "change-me"}, "XUESHI_SECRET_KEY must be"),
        ({"XUESHI_SECRET_KEY": "x" * 60}, "XUESHI_SECRET_KEY must be"),
        ({"XUESHI_SECRET_KEY": "django-insecure-" + "ab12" * 12}, "XUESHI_SECRET_KEY must be"),
    ],
)
def test_production_refuses_to_start_with_debug_or_a_weak_key(
    tmp_path: Path, env: dict[str, str], reason: str
) -> None:
    done = _xueshi(tmp_path, "check", **_production(**env))
    assert done.returncode != 0
    assert reason in done.stderr


def test_debug_is_off_unless_asked_and_the_key_is_this_installations_own(tmp_path: Path) -> None:
    show = "from django.conf import settings as s; print(s.DEBUG, s.SECRET_KEY)"
    done = _xueshi(tmp_path, "shell", "-c", show)
    assert done.returncode == 0, done.stderr
    debug, key = done.stdout.splitlines()[-1].split()
    assert debug == "False"
    assert len(key) >= 50
    kept = tmp_path / "secret_key"
    assert kept.read_text() == key
    assert kept.stat().st_mode & 0o777 == 0o600
    # The same key on the next start (sessions survive a restart); debug only when asked.
    again = _xueshi(tmp_path, "shell", "-c", show, XUESHI_DEBUG="1")
    assert again.stdout.splitlines()[-1].split() == ["True", key]


# --- the content security policy ---------------------------------------------------------


def test_pages_carry_a_policy_without_inline_script_or_style(client: Client, db: Any) -> None:
    policy = client.get(reverse("web:home"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event handler attribute"),
    (re.compile(r"<style\b", re.I), "inline <style>"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"\bhx-on\b|hx-on:", re.I), "hx-on (needs eval)"),
]


def test_no_template_has_what_the_policy_would_block() -> None:
    """The policy allows no inline script or style: a template that used one would break
    silently in the browser. Behaviour lives in web/static/web/site.js."""
    found = []
    for template in SRC.glob("**/templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{template.relative_to(SRC)}:{line}: {what}")
    assert found == []


def test_htmx_is_configured_for_the_policy(client: Client, db: Any) -> None:
    user = UserFactory()
    client.force_login(user)
    page = client.get(reverse("web:home")).content.decode()
    assert '"includeIndicatorStyles": false' in page
    assert '"allowEval": false' in page
    assert "web/site.js" in page


# --- the admin behind an address allowlist -------------------------------------------------


@pytest.mark.django_db
def test_the_admin_is_refused_outside_the_admin_networks(client: Client) -> None:
    admin = reverse("admin:index")
    refused = client.get(admin, REMOTE_ADDR="203.0.113.9")
    assert refused.status_code == 403
    assert "管理后台只能从指定的管理网络访问" in refused.content.decode()
    login = client.get(reverse("admin:login"), REMOTE_ADDR="203.0.113.9")
    assert login.status_code == 403
    # From the admin network: the admin's own login, as before.
    assert client.get(admin, REMOTE_ADDR="127.0.0.1").status_code == 302
    # The rest of the site does not care where a visitor comes from.
    assert client.get(reverse("web:home"), REMOTE_ADDR="203.0.113.9").status_code == 200


@pytest.mark.django_db
def test_behind_a_proxy_the_client_is_read_from_the_trusted_end(
    client: Client, settings: Any
) -> None:
    settings.XUESHI_TRUSTED_PROXIES = 1
    settings.XUESHI_ADMIN_NETWORKS = ["10.8.0.0/16"]
    admin = reverse("admin:index")
    # The load balancer (peer 10.0.0.2) appends the real client; what the client sent before
    # it (a forged admin address) is ignored.
    forged = client.get(
        admin, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="10.8.0.5, 198.51.100.7"
    )
    assert forged.status_code == 403
    real = client.get(admin, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="10.8.0.5")
    assert real.status_code == 302


# --- redirects only to this site -------------------------------------------------------------

ELSEWHERE = [
    "//evil.example/x",
    "https://evil.example/x",
    "http:evil.example",
    "/\\evil.example/x",
    "\\\\evil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
    "evil.example",
    "",
]


@pytest.mark.parametrize("target", ELSEWHERE)
def test_local_path_refuses_every_other_site(target: str) -> None:
    assert local_path(target, "/home/") == "/home/"


def test_local_path_keeps_a_path_of_this_site() -> None:
    assert local_path("/records/?year=2014&page=2", "/") == "/records/?year=2014&page=2"


@pytest.mark.django_db
@pytest.mark.parametrize("target", ELSEWHERE[:6])
def test_signing_in_never_leaves_the_site(client: Client, target: str) -> None:
    user = UserFactory()
    response = client.post(
        f"{reverse('accounts:login')}?next={target}",
        {"username": user.username, "password": "pass-1234", "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse(settings.LOGIN_REDIRECT_URL)


@pytest.mark.django_db
def test_signing_in_goes_back_to_a_page_of_this_site(client: Client) -> None:
    user = UserFactory()
    response = client.post(
        reverse("accounts:login"),
        {"username": user.username, "password": "pass-1234", "next": "/records/"},
    )
    assert response["Location"] == "/records/"


@pytest.mark.django_db
def test_a_nul_in_the_bureau_desk_search_searches_nothing(client: Client) -> None:
    """PostgreSQL refuses NUL in text: the search field refuses it first (found by
    tests/test_query_strings.py)."""
    from tests.support.factories import grant, regions
    from xueshi.accounts.models import Role

    regions()
    bureau = grant(UserFactory(), Role.BUREAU_STAFF, region_id="440500")
    client.force_login(bureau.assignment.user)
    response = client.get(reverse("certificates:bureau"), {"q": "2014\x00", "holder": "\x00"})
    assert response.status_code == 200
