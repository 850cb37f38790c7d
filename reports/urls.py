from __future__ import annotations

from django.urls import path, register_converter

from reports import admin_views, governance_views, subscription_views, views
from reports.converters import IsoWeekConverter

register_converter(IsoWeekConverter, "isoweek")

app_name = "reports"
urlpatterns = [
    path("weekly/", views.week_list, name="weekly"),
    path("weekly/<isoweek:week>/", views.week, name="week"),
    path("weekly/<isoweek:week>.pdf", views.week_pdf, name="week_pdf"),
    path("monthly/", views.period_report, {"kind": "month"}, name="monthly"),
    path("monthly.pdf", views.period_pdf, {"kind": "month"}, name="monthly_pdf"),
    path("quarterly/", views.period_report, {"kind": "quarter"}, name="quarterly"),
    path("quarterly.pdf", views.period_pdf, {"kind": "quarter"}, name="quarterly_pdf"),
    path("thresholds/", governance_views.thresholds, name="thresholds"),
    path("thresholds/new/", governance_views.threshold_new, name="threshold_new"),
    path("thresholds/<int:pk>/delete/", governance_views.threshold_delete, name="threshold_delete"),
    path("weekly/<isoweek:week>/reissue/", views.week_reissue, name="week_reissue"),
    path("monthly/reissue/", views.period_reissue, {"kind": "month"}, name="monthly_reissue"),
    path("quarterly/reissue/", views.period_reissue, {"kind": "quarter"}, name="quarterly_reissue"),
    path("subscriptions/", subscription_views.subscriptions, name="subscriptions"),
]

# Served under /admins/ in the "admins" namespace (config/urls.py).
admin_urlpatterns = [
    path("", admin_views.admin_list, name="list"),
    path("new/", admin_views.admin_new, name="new"),
    path("<int:pk>/", admin_views.admin_detail, name="detail"),
]
