from django.urls import path

from xueshi.exams import views

app_name = "exams"

urlpatterns = [
    path("", views.my_exams, name="mine"),
    path("<int:pk>/", views.exam_page, name="exam"),
    path("<int:pk>/start/", views.start, name="start"),
    path("attempts/<int:pk>/", views.attempt_page, name="attempt"),
    path("attempts/<int:pk>/save", views.save, name="save"),
    path("attempts/<int:pk>/submit/", views.submit, name="submit"),
    path("attempts/<int:pk>/transcript/", views.transcript, name="transcript"),
    path("transcripts/<int:pk>.pdf", views.transcript_download, name="transcript_pdf"),
    path("manage/", views.manage, name="manage"),
    path("manage/courses/<int:course>/new/", views.manage_create, name="manage_create"),
    path("manage/<int:pk>/", views.manage_exam, name="manage_exam"),
    path("manage/<int:pk>/publish/", views.manage_publish, name="manage_publish"),
    path("manage/template.xlsx", views.question_template, name="template"),
]
