from __future__ import annotations

from django.urls import path

from admins import views

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
]
