from __future__ import annotations

from django.urls import path

from tickets.sla import views

app_name = "sla"
urlpatterns = [
    path("", views.targets, name="targets"),
    path("targets/<int:pk>/edit/", views.target_edit, name="target_edit"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/edit/", views.calendar_edit, name="calendar_edit"),
    path("closures/new/", views.closure_new, name="closure_new"),
    path("closures/import/", views.holidays_import, name="holidays_import"),
    path("closures/<int:pk>/delete/", views.closure_delete, name="closure_delete"),
    path("windows/new/", views.window_new, name="window_new"),
    path("windows/<int:pk>/delete/", views.window_delete, name="window_delete"),
]
