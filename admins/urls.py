from __future__ import annotations

from django.urls import path

from admins import views

app_name = "admins"
urlpatterns = [
    path("", views.admin_list, name="list"),
]
