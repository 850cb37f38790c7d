from __future__ import annotations

from django.urls import path

from escalations.guide import views

# Mounted under the "escalations" namespace by config/urls.py, with the checklist's editor.
urlpatterns = [
    path("", views.guide, name="guide"),
    path("scenarios/new/", views.scenario_new, name="scenario_new"),
    path("scenarios/<int:pk>/edit/", views.scenario_edit, name="scenario_edit"),
    path("<slug:slug>/edit/", views.section_edit, name="section_edit"),
    path("<slug:slug>/history/", views.section_history, name="section_history"),
]
