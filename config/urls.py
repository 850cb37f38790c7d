from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from escalations import account_views, audit_views, notification_views
from escalations import views as escalation_views

urlpatterns = [
    path("", escalation_views.dashboard, name="dashboard"),
    path("tickets/", include("tickets.urls")),
    path("admins/", include("admins.urls")),
    path("guide/", include("escalations.urls")),
    path("urgent/", include("escalations.urgent_urls")),
    path("sla/", include("escalations.sla_urls")),
    path("reports/", include("reports.urls")),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/read/", notification_views.notifications_read, name="notifications_read"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit/", audit_views.audit_log, name="audit_log"),
    path("accounts/lockouts/", account_views.lockouts, name="lockouts"),
    path("accounts/lockouts/<int:pk>/unlock/", account_views.unlock, name="lockout_unlock"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("django-admin/", admin.site.urls),
]

handler403 = "escalations.audit_views.permission_denied"
