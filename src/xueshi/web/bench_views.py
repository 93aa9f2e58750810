"""Baselines for bench/verify_wrk.py: the least a view can do for the same lookup.

Mounted only when ``settings.XUESHI_BENCH_VIEWS`` is on (``XUESHI_BENCH_VIEWS=1``); never in
a deployment. The public verification page is measured against ``certificate_lookup`` on
the same server: one indexed lookup by number and a tiny response, no form, no template.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from xueshi.accounts.access import public
from xueshi.certificates.models import Certificate


@public
@require_GET
def certificate_lookup(request: HttpRequest) -> HttpResponse:
    try:
        number, status = Certificate.objects.values_list("number", "status").get(
            number=request.GET.get("no", "")[:40]
        )
    except Certificate.DoesNotExist:
        return HttpResponse("not found", status=404, content_type="text/plain")
    return HttpResponse(f"{number} {status}", content_type="text/plain; charset=utf-8")


app_name = "bench"

urlpatterns = [
    path("certificate/", certificate_lookup, name="certificate_lookup"),
]
