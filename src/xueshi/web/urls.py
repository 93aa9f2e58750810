from django.urls import path

from xueshi.web import policy_views, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("policy/", policy_views.policy_lookup, name="policy"),
]
