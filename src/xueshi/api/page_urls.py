from django.urls import path

from xueshi.api import pages

app_name = "api_clients"

urlpatterns = [
    path("", pages.clients, name="clients"),
    path("new/", pages.client_new, name="client_new"),
    path("<int:pk>/", pages.client, name="client"),
    path("<int:pk>/scopes/", pages.client_scopes, name="client_scopes"),
    path("<int:pk>/rotate/", pages.client_rotate, name="client_rotate"),
    path("<int:pk>/revoke/", pages.client_revoke, name="client_revoke"),
]
