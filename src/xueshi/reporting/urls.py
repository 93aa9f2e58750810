from django.urls import path

from xueshi.reporting import views

app_name = "reporting"

urlpatterns = [
    path("my-year/", views.my_year, name="my_year"),
    path("employer/", views.employer_compliance, name="employer_compliance"),
    path("employer/export/", views.employer_compliance_xlsx, name="employer_compliance_xlsx"),
    path("bureau/", views.bureau_compliance, name="bureau_compliance"),
    path("bureau/export/", views.bureau_compliance_xlsx, name="bureau_compliance_xlsx"),
    path("bureau/people/<int:pk>/", views.bureau_person, name="bureau_person"),
    path("bureau/charts/", views.bureau_charts, name="bureau_charts"),
    path("bureau/charts/export/", views.bureau_charts_xlsx, name="bureau_charts_xlsx"),
]
