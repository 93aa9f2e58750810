from django.urls import path

from xueshi.learning import views

app_name = "learning"

urlpatterns = [
    path("", views.my_learning, name="mine"),
    path("courses/<int:pk>/", views.course_page, name="course"),
    path("lessons/<int:pk>/", views.lesson_page, name="lesson"),
    path("lessons/<int:pk>/media", views.lesson_media, name="media"),
    path("lessons/<int:pk>/start", views.start, name="start"),
    path("lessons/<int:pk>/trail/", views.lesson_trail, name="trail"),
    path("heartbeat", views.heartbeat, name="heartbeat"),
    path("manage/", views.manage_courses, name="manage"),
    path("manage/<int:pk>/", views.manage_course, name="manage_course"),
    path("manage/<int:pk>/publish/", views.manage_publish, name="manage_publish"),
    path("flags/", views.flags, name="flags"),
    path("flags/<int:pk>/", views.flag_page, name="flag"),
]
