from django.urls import path

from xueshi.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("role/", views.role_switch, name="role_switch"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
