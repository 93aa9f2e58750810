from django.urls import path

from xueshi.funding import views

app_name = "funding"

urlpatterns = [
    path("employer/", views.employer_funding, name="employer"),
    path("bureau/", views.bureau_funding, name="bureau"),
    path("bureau/export/", views.bureau_funding_xlsx, name="bureau_xlsx"),
]
