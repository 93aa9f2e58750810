from django.urls import path

from xueshi.demo import views

app_name = "demo"
urlpatterns = [
    path("scenario/", views.scenario_switch, name="scenario_switch"),
]
