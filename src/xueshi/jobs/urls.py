from django.urls import path

from xueshi.jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("year-end/", views.year_end_start_view, name="year_end_start"),
]
