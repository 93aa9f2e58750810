from django.urls import path

from xueshi.web import my_data, policy_views, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("policy/", policy_views.policy_lookup, name="policy"),
    path("me/data/", my_data.my_data, name="my_data"),
]
