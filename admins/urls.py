from __future__ import annotations

from django.urls import path

from admins import policy_views, views

# The list, the add form and each record are in reports.urls.admin_urlpatterns: they show the
# response summary. config/urls.py puts both lists in the "admins" namespace.
app_name = "admins"
urlpatterns = [
    path("<int:pk>/edit/", views.admin_edit, name="edit"),
    path("<int:pk>/deactivate/", views.admin_deactivate, name="deactivate"),
    path("<int:pk>/reactivate/", views.admin_reactivate, name="reactivate"),
    path("purview/", views.purview, name="purview"),
    path("purview/declare/", views.purview_declare, name="purview_declare"),
    path("purview/<int:pk>/end/", views.purview_end, name="purview_end"),
    path("services/new/", views.service_new, name="service_new"),
    path("services/<int:pk>/", views.service_detail, name="service_detail"),
    path("services/<int:pk>/edit/", views.service_edit, name="service_edit"),
    path("policies/", policy_views.policies, name="policies"),
    path("policies/new/", policy_views.policy_new, name="policy_new"),
    path("policies/<int:pk>/edit/", policy_views.policy_edit, name="policy_edit"),
    path("on-call/", policy_views.oncall, name="oncall"),
    path("on-call/rotations/new/", policy_views.rotation_new, name="rotation_new"),
    path("on-call/rotations/<int:pk>/edit/", policy_views.rotation_edit, name="rotation_edit"),
    path("on-call/overrides/new/", policy_views.override_new, name="override_new"),
    path(
        "on-call/overrides/<int:pk>/delete/",
        policy_views.override_delete,
        name="override_delete",
    ),
    path("on-call/absences/new/", policy_views.absence_new, name="absence_new"),
    path("on-call/absences/<int:pk>/delete/", policy_views.absence_delete, name="absence_delete"),
]
