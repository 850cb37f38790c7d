from __future__ import annotations

from django.urls import path, register_converter

from reports import views
from reports.converters import IsoWeekConverter

register_converter(IsoWeekConverter, "isoweek")

app_name = "reports"
urlpatterns = [
    path("weekly/", views.week_list, name="weekly"),
    path("weekly/<isoweek:week>/", views.week, name="week"),
    path("weekly/<isoweek:week>.pdf", views.week_pdf, name="week_pdf"),
]
