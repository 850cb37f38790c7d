from __future__ import annotations

from django.urls import path

from escalations import views

app_name = "escalations"
urlpatterns = [
    path("", views.guide, name="guide"),
]
