from django.urls import path

from xueshi.policies import views

app_name = "policies"

urlpatterns = [
    path("", views.index, name="index"),
    path("drafts/new/", views.draft_new, name="draft_new"),
    path("drafts/<int:pk>/", views.draft, name="draft"),
    path("drafts/<int:pk>/preview/", views.preview_start, name="preview_start"),
    path("drafts/<int:pk>/preview/<int:job>/", views.preview, name="preview"),
    path("drafts/<int:pk>/publish/", views.publish, name="publish"),
    path("versions/<int:pk>/", views.publication, name="publication"),
]
