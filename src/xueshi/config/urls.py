"""Root URL configuration."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("xueshi.web.urls")),
    path("admin/", admin.site.urls),
]
