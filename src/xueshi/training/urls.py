from django.urls import path

from xueshi.training import views

app_name = "training"

urlpatterns = [
    # Providers: their classes, drafting, filing, the annual plan.
    path("provider/", views.provider_classes, name="provider_classes"),
    path("provider/new/", views.class_new, name="class_new"),
    path("provider/plan/", views.annual_plan, name="annual_plan"),
    path("classes/<int:pk>/edit/", views.class_edit, name="class_edit"),
    path("classes/<int:pk>/file/", views.class_file, name="class_file"),
    # Approvers (bureau or industry authority, as the policy names).
    path("filing/", views.filing_queue, name="filing_queue"),
    path("classes/<int:pk>/approve/", views.class_approve, name="class_approve"),
    path("classes/<int:pk>/reject/", views.class_reject, name="class_reject"),
    # Professionals.
    path("catalogue/", views.class_catalogue, name="class_catalogue"),
    path("classes/<int:pk>/enroll/", views.class_enroll, name="class_enroll"),
    path("my/", views.my_enrollments, name="my_enrollments"),
    # The class page: roster, attendance, assessment.
    path("classes/<int:pk>/", views.class_detail, name="class_detail"),
    path("enrollments/<int:pk>/sign-in/", views.attendance_sign_in, name="attendance_sign_in"),
    path("enrollments/<int:pk>/sign-out/", views.attendance_sign_out, name="attendance_sign_out"),
    path("classes/<int:pk>/assess/", views.class_assess, name="class_assess"),
    # Batch entry of passed learners' hours from Excel.
    path("classes/<int:pk>/batch/", views.batch_upload, name="batch_upload"),
    path("classes/<int:pk>/batch/template.xlsx", views.batch_template, name="batch_template"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/report.xlsx", views.batch_report_xlsx, name="batch_report_xlsx"),
]
