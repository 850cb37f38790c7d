from __future__ import annotations

from django.urls import path

from escalations import views

app_name = "escalations"
urlpatterns = [
    path("", views.guide, name="guide"),
    path("checklist/", views.checklist, name="checklist"),
    path("checklist/new/", views.checklist_item_new, name="checklist_item_new"),
    path("checklist/<int:pk>/edit/", views.checklist_item_edit, name="checklist_item_edit"),
    path("scenarios/new/", views.scenario_new, name="scenario_new"),
    path("scenarios/<int:pk>/edit/", views.scenario_edit, name="scenario_edit"),
    path("<slug:slug>/edit/", views.section_edit, name="section_edit"),
    path("<slug:slug>/history/", views.section_history, name="section_history"),
]
