from django.urls import path

from xueshi.compliance import views

app_name = "compliance"

urlpatterns = [
    path("year-end/", views.year_end_start_view, name="year_end_start"),
]
