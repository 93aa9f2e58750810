"""The project's URLs with the jobs pages mounted (until config/urls.py includes them)."""

from django.urls import include, path

from xueshi.config.urls import urlpatterns as root

mounted = any(getattr(p, "namespace", None) == "jobs" for p in root)
urlpatterns = root if mounted else [*root, path("jobs/", include("xueshi.jobs.urls"))]
