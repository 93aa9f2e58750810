from django.urls import path

from xueshi.accounts import audit_views, second_factor, security_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/verify/", second_factor.second_factor, name="second_factor"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("role/", views.role_switch, name="role_switch"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("password/", security_views.password_change, name="password_change"),
    path("security/locked/", security_views.locked_accounts, name="locked_accounts"),
    path("security/unlock/", security_views.account_unlock, name="account_unlock"),
    path("audit/", audit_views.audit_log, name="audit_log"),
    path("audit/export.xlsx", audit_views.audit_log_xlsx, name="audit_log_xlsx"),
]
