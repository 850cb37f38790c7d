"""The site's URL map. The apps' own URL lists are composed here, at the top, so a page of one
layer can sit in another's namespace (the hand-off actions under /tickets/, the response
summary under /admins/) without the lower
app importing the higher one."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.http import require_safe

from admins import urls as admin_urls
from core import accounts, audit_views
from escalations.guide import urls as guide_urls
from escalations.handoffs import inbound_views, respond
from escalations.handoffs import urls as handoff_urls
from escalations.notifications import views as notification_views
from reports import dashboard
from reports import urls as report_urls
from tickets import urls as ticket_urls


@login_not_required
@require_safe
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers and feed readers ask for /favicon.ico without reading the page's <link>; the
    static file's (hashed, long-cached in production) address is only known per request."""
    return HttpResponseRedirect(static("favicon.ico"))


urlpatterns = [
    path("favicon.ico", favicon),
    path("", dashboard.dashboard, name="dashboard"),
    path(
        "tickets/",
        include((handoff_urls.ticket_urlpatterns + ticket_urls.urlpatterns, "tickets")),
    ),
    path(
        "admins/",
        include((report_urls.admin_urlpatterns + admin_urls.urlpatterns, "admins")),
    ),
    path(
        "guide/",
        include((handoff_urls.checklist_urlpatterns + guide_urls.urlpatterns, "escalations")),
    ),
    # An administrator's personal link: the one page open without a log-in (the token is the
    # key; see escalations/handoffs/respond.py).
    path("respond/<str:token>/", respond.respond, name="respond"),
    path("urgent/", include("escalations.urgent.urls")),
    path("sla/", include("tickets.sla.urls")),
    path("reports/", include("reports.urls")),
    path("mail/inbound/", inbound_views.mail_inbound, name="mail_inbound"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/read/", notification_views.notifications_read, name="notifications_read"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit/", audit_views.audit_log, name="audit_log"),
    path("accounts/lockouts/", accounts.lockouts, name="lockouts"),
    path("accounts/lockouts/<int:pk>/unlock/", accounts.unlock, name="lockout_unlock"),
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

handler403 = "core.audit_views.permission_denied"
