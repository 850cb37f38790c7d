from __future__ import annotations

from django.urls import path

from tickets import handoff, views

app_name = "tickets"
urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("new/", views.ticket_new, name="new"),
    path("export.csv", views.ticket_export, name="export"),
    path("procedures/", handoff.procedure_hint, name="procedure_hint"),
    path("<str:external_id>/", views.ticket_detail, name="detail"),
    path("<str:external_id>/edit/", views.ticket_edit, name="edit"),
    path("<str:external_id>/tier/", views.ticket_tier, name="tier"),
    path("<str:external_id>/resolve/", views.ticket_resolve, name="resolve"),
    path("<str:external_id>/close/", views.ticket_close, name="close"),
    path("<str:external_id>/reopen/", views.ticket_reopen, name="reopen"),
    path("<str:external_id>/checklist/", handoff.checklist, name="checklist"),
    path("<str:external_id>/collaborate/", handoff.collaborate, name="collaborate"),
    path("<str:external_id>/escalate/", handoff.escalate, name="escalate"),
    path("<str:external_id>/deescalate/", handoff.deescalate, name="deescalate"),
    path("<str:external_id>/message/", handoff.message, name="message"),
    path("<str:external_id>/responses/", handoff.respond, name="respond"),
    path(
        "<str:external_id>/responses/<int:response_id>/procedure/",
        handoff.procedure_new,
        name="procedure_new",
    ),
]
