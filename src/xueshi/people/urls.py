from django.urls import path

from xueshi.people import reset_views, views

app_name = "people"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("employer/register/", views.employer_register, name="employer_register"),
    path("employment/", views.my_employment, name="my_employment"),
    path("employment/request/", views.employment_request, name="employment_request"),
    path("employment/<int:pk>/withdraw/", views.employment_withdraw, name="employment_withdraw"),
    path("employment/<int:pk>/leave/", views.employment_leave, name="employment_leave"),
    path("employer/staff/", views.employer_staff, name="employer_staff"),
    path("employer/requests/<int:pk>/accept/", views.employment_accept, name="employment_accept"),
    path(
        "employer/requests/<int:pk>/decline/",
        views.employment_decline,
        name="employment_decline",
    ),
    path("employer/reviewers/add/", views.employer_reviewer_add, name="employer_reviewer_add"),
    path("accounts/reset/", reset_views.password_reset_list, name="password_reset_list"),
    path("accounts/reset/<int:pk>/", reset_views.password_reset, name="password_reset"),
]
