"""The public verification page (核验): the page behind every certificate's QR code."""

from __future__ import annotations

import functools
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from django.views.decorators.http import require_GET

from xueshi.accounts.access import public
from xueshi.certificates.forms import VerifyForm
from xueshi.certificates.verification import (
    TOO_MANY,
    Verification,
    certificate_verification,
    lookup_allowed,
    result_markup,
)
from xueshi.db.replica import replica_reads


@public
@require_GET
@replica_reads
def verify_page(request: HttpRequest, token: str = "") -> HttpResponse:  # nosec B107
    """By the QR's signed token (the short address ``/V/<token>``, or ``t``), an older QR's
    signed content (``c``), or a certificate number (``no``) with its verification code
    (``code``) or its holder's name (``name``), for anyone.

    Typed look-ups are limited per client address (``lookup_allowed``): a scan is not, its
    signature is checked before anything is read. The busiest page of the site (every
    scanned QR lands here), so it is kept cheap (bench/verify_wrk.py): one query by number for
    the certificate and the names it shows, and, for visitors who are not signed in, a page
    without the signed-in layout.
    """
    query = request.GET
    context: dict[str, Any] = {
        "number": query.get("no", "")[:40],
        "code": query.get("code", "")[:16],
        "name": query.get("name", "")[:64],
    }
    verification = None
    status = 200
    if query or token:
        # The form's own fields check the input (length, stripping, no NUL) without a form
        # instance, which deep-copies its fields: ~0.05 ms on every scan.
        fields = VerifyForm.base_fields
        try:
            asked = {
                key: fields[key].clean(token if key == "t" and token else query.get(key, ""))
                for key in ("c", "t", "no", "code", "name")
            }
        except ValidationError:
            verification = Verification(error="输入的内容无效。")
        else:
            typed = not (asked["t"] or asked["c"]) and bool(asked["no"])
            if typed and not lookup_allowed(request):
                verification, status = Verification(error=TOO_MANY), 429
            else:
                verification = certificate_verification(
                    text=asked["c"],
                    token=asked["t"],
                    number=asked["no"],
                    code=asked["code"],
                    name=asked["name"],
                )
    if verification is not None:
        context.update(error=verification.error, result=result_markup(verification))
    if request.user.is_authenticated:
        return render(request, "certificates/verify.html", context, status=status)
    # Anonymous: no context processors (navigation, messages, CSRF) — nothing here uses them.
    context.update(_links(get_script_prefix()))
    page = loader.get_template("certificates/verify_public.html").render(context)
    return HttpResponse(page, status=status)


@functools.cache
def _links(prefix: str) -> dict[str, str]:
    """The public layout's links, once per script prefix."""
    return {
        "css": static("web/site.css"),
        "bootstrap_css": static("vendor/bootstrap/css/bootstrap.min.css"),
        "home": reverse("web:home"),
        "login": reverse("accounts:login"),
    }
