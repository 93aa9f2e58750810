from django.urls import path

from xueshi.certificates import views

app_name = "certificates"

urlpatterns = [
    path("verify/", views.verify_page, name="verify"),
    path("mine/", views.mine, name="mine"),
    path("issue/", views.issue, name="issue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/pdf/", views.pdf, name="pdf"),
    path("<int:pk>/<str:action>/", views.change_status, name="change_status"),
    path("employer/", views.employer, name="employer"),
    path("employer/print/", views.print_start, name="print_start"),
    path("print/<int:pk>/", views.print_job, name="print_job"),
    path("print/<int:pk>/download/", views.print_download, name="print_download"),
    path("rosters/new/", views.roster_new, name="roster_new"),
    path("rosters/<int:pk>/", views.roster, name="roster"),
    path("rosters/<int:pk>/xlsx/", views.roster_xlsx, name="roster_xlsx"),
    path("rosters/<int:pk>/process/", views.roster_process_view, name="roster_process"),
    path("bureau/", views.bureau, name="bureau"),
    path("booklets/", views.booklet, name="booklet"),
    path("booklets/reentry/", views.reentry, name="reentry"),
]
