"""Baselines for bench/verify_wrk.py: the least a view can do for the same lookup.

Not part of the product: bench/verify_wrk.py starts its servers with
``DJANGO_SETTINGS_MODULE=bench_settings`` (bench/bench_settings.py), whose URLconf is this
module's, with the product's URLs and ``/_bench/`` beside them. The public verification page
is measured against ``certificate_lookup`` on the same server: one indexed lookup by number
and a tiny response, no form, no template.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from xueshi.accounts.access import public
from xueshi.certificates.models import Certificate
from xueshi.config.urls import urlpatterns as product_urls
from xueshi.learning.models import HeartbeatToken


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


@public
@csrf_exempt
def heartbeat_bare(request: HttpRequest) -> HttpResponse:
    """bench/heartbeats.py's baseline: the same JSON body parsed, one indexed lookup of a
    token by its nonce, a tiny JSON answer; no session, no signature, no write."""
    try:
        nonce = str(json.loads(request.body or b"{}").get("token", "")).rsplit(".", 2)[-2]
    except (ValueError, AttributeError, IndexError):
        nonce = ""
    found = HeartbeatToken.objects.filter(nonce=nonce[:32]).values_list("seq", flat=True).first()
    return JsonResponse({"ok": found is not None})


baseline = (
    [
        path("certificate/", certificate_lookup, name="certificate_lookup"),
        path("heartbeat-bare/", heartbeat_bare, name="heartbeat_bare"),
    ],
    "bench",
)
urlpatterns = [*product_urls, path("_bench/", include(baseline))]
