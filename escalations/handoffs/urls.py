from __future__ import annotations

from django.urls import path

from escalations.handoffs import checklist_views, views

# The hand-off actions on one ticket: config/urls.py mounts them in the "tickets" namespace,
# beside the ticket's own pages, so every ticket URL reads /tickets/<id>/<action>/.
ticket_urlpatterns = [
    path("procedures/", views.procedure_hint, name="procedure_hint"),
    path("<str:external_id>/checklist/", views.checklist, name="checklist"),
    path("<str:external_id>/collaborate/", views.collaborate, name="collaborate"),
    path("<str:external_id>/escalate/", views.escalate, name="escalate"),
    path("<str:external_id>/deescalate/", views.deescalate, name="deescalate"),
    path("<str:external_id>/message/", views.message, name="message"),
    path(
        "<str:external_id>/requests/<int:engagement_id>/pass-on/",
        views.pass_on,
        name="pass_on",
    ),
    path("<str:external_id>/responses/", views.respond, name="respond"),
    path(
        "<str:external_id>/responses/<int:response_id>/classify/",
        views.classify,
        name="classify",
    ),
    path(
        "<str:external_id>/responses/<int:response_id>/procedure/",
        views.procedure_new,
        name="procedure_new",
    ),
]

# The checklist's editor, in the guide's namespace ("escalations") beside the framework pages.
checklist_urlpatterns = [
    path("checklist/", checklist_views.checklist, name="checklist"),
    path("checklist/new/", checklist_views.checklist_item_new, name="checklist_item_new"),
    path(
        "checklist/<int:pk>/edit/",
        checklist_views.checklist_item_edit,
        name="checklist_item_edit",
    ),
]
