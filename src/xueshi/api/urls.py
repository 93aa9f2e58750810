from django.urls import path, re_path

from xueshi.api import views

app_name = "api"

urlpatterns = [
    path("schema/", views.schema_view, name="schema"),
    path("docs/", views.swagger_view, name="docs"),
    path("redoc/", views.redoc_view, name="redoc"),
    path("oauth/token/", views.token_view, name="token"),
    path("classes/<int:class_id>/results/", views.ResultsPushView.as_view(), name="results_push"),
    path("results/void/", views.ResultsVoidView.as_view(), name="results_void"),
    path("receipts/<str:receipt_id>/", views.ReceiptView.as_view(), name="receipt"),
    path("compliance/verdicts/", views.VerdictView.as_view(), name="verdict"),
    path("compliance/changes/", views.ChangesView.as_view(), name="changes"),
    path("certificates/<str:number>/", views.CertificateView.as_view(), name="certificate"),
    path("classes/", views.ClassListView.as_view(), name="classes"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not_found"),
]
