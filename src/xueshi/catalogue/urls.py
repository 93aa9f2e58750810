from django.urls import path

from xueshi.catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("public-subjects/", views.public_subjects, name="public_subjects"),
    path("public-subjects/add/", views.public_subject_add, name="public_subject_add"),
    path("guides/", views.guides, name="guides"),
    path("guides/add/", views.guide_add, name="guide_add"),
    path("providers/", views.providers, name="providers"),
    path("providers/<int:pk>/status/", views.provider_status, name="provider_status"),
]
