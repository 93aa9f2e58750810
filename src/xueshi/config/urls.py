"""Root URL configuration."""

from django.contrib import admin
from django.urls import include, path

from xueshi.certificates.token import PATH as TOKEN_PATH
from xueshi.certificates.views.public import verify_page

urlpatterns = [
    path("", include("xueshi.web.urls")),
    path("accounts/", include("xueshi.accounts.urls")),
    path("people/", include("xueshi.people.urls")),
    path("records/", include("xueshi.records.urls")),
    path("training/", include("xueshi.training.urls")),
    path("learning/", include("xueshi.learning.urls")),
    path("exams/", include("xueshi.exams.urls")),
    path("catalogue/", include("xueshi.catalogue.urls")),
    path("reporting/", include("xueshi.reporting.urls")),
    path("certificates/", include("xueshi.certificates.urls")),
    path("jobs/", include("xueshi.jobs.urls")),
    path("compliance/", include("xueshi.compliance.urls")),
    path("policies/", include("xueshi.policies.urls")),
    path("funding/", include("xueshi.funding.urls")),
    path("inspections/", include("xueshi.inspections.urls")),
    path("demo/", include("xueshi.demo.urls")),
    path("api/v1/", include("xueshi.api.urls")),
    path("integrations/", include("xueshi.api.page_urls")),
    path("admin/", admin.site.urls),
    # The short address a certificate's QR carries (upper case: the QR's alphanumeric mode).
    path(f"{TOKEN_PATH.strip('/')}/<str:token>", verify_page, name="certificate_token"),
]
