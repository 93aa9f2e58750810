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
    Verification,
    certificate_verification,
    result_markup,
)


@public
@require_GET
def verify_page(request: HttpRequest) -> HttpResponse:
    """By the QR's signed content (``c``) or by a certificate number (``no``), for anyone.

    The busiest page of the site (every scanned QR lands here), so it is kept cheap
    (bench/verify_wrk.py): one query by number for the certificate and the names it shows,
    and, for visitors who are not signed in, a page without the signed-in layout.
    """
    query = request.GET
    number = query.get("no", "")[:40]
    verification = None
    if query:
        # The form's own fields check the input (length, stripping, no NUL) without a form
        # instance, which deep-copies its fields: ~0.05 ms on every scan.
        fields = VerifyForm.base_fields
        try:
            text = fields["c"].clean(query.get("c", ""))
            number = fields["no"].clean(query.get("no", ""))
        except ValidationError:
            verification = Verification(error="输入的内容无效。")
        else:
            verification = certificate_verification(text=text, number=number)
    context: dict[str, Any] = {"number": number}
    if verification is not None:
        context.update(error=verification.error, result=result_markup(verification))
    if request.user.is_authenticated:
        return render(request, "certificates/verify.html", context)
    # Anonymous: no context processors (navigation, messages, CSRF) — nothing here uses them.
    context.update(_links(get_script_prefix()))
    return HttpResponse(loader.get_template("certificates/verify_public.html").render(context))


@functools.cache
def _links(prefix: str) -> dict[str, str]:
    """The public layout's links, once per script prefix."""
    return {
        "css": static("web/site.css"),
        "home": reverse("web:home"),
        "login": reverse("accounts:login"),
    }
