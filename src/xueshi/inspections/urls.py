from django.urls import path

from xueshi.inspections import views

app_name = "inspections"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("items/<int:item_id>/assign/", views.assign, name="assign"),
    path("items/<int:item_id>/finding/", views.finding, name="finding"),
    path("items/<int:item_id>/sanction/", views.sanction, name="sanction"),
    path("notices/", views.notices, name="notices"),
    path("anomalies/", views.anomalies, name="anomalies"),
    path("summary/", views.summary, name="summary"),
    path("summaries/", views.summaries, name="summaries"),
    path("anomalies/records/", views.anomaly_records, name="anomaly_records"),
]
