from django.urls import path

from xueshi.records import review_views, views

app_name = "records"

urlpatterns = [
    path("mine/", views.my_records, name="my_records"),
    path("declare/", views.declare, name="declare"),
    path("declare/chains/", views.declare_chains, name="declare_chains"),
    path("declare/classes/", views.declare_classes, name="declare_classes"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/transition/", review_views.transition, name="transition"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("review/", review_views.review_queue, name="review_queue"),
    path("review/bulk/", review_views.review_bulk, name="review_bulk"),
    path("review/late/", review_views.late_reviews, name="late_reviews"),
    path("flags/<int:pk>/clear/", review_views.flag_clear, name="flag_clear"),
]
