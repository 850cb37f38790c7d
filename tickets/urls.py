from __future__ import annotations

from django.urls import path

from tickets import import_views, views

# Mounted under the "tickets" namespace by config/urls.py, after the hand-off actions on a
# ticket, which escalations owns.
urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("new/", views.ticket_new, name="new"),
    path("export.csv", views.ticket_export, name="export"),
    path("search/", views.ticket_search, name="search"),
    path("tdx/lookup/", views.tdx_lookup, name="tdx_lookup"),
    path("import/", import_views.ticket_import, name="import"),
    path("<str:external_id>/", views.ticket_detail, name="detail"),
    path("<str:external_id>/edit/", views.ticket_edit, name="edit"),
    path("<str:external_id>/tier/", views.ticket_tier, name="tier"),
    path("<str:external_id>/resolve/", views.ticket_resolve, name="resolve"),
    path("<str:external_id>/close/", views.ticket_close, name="close"),
    path("<str:external_id>/reopen/", views.ticket_reopen, name="reopen"),
]
