from __future__ import annotations

from django.urls import path

from escalations.urgent import views

app_name = "urgent"
urlpatterns = [
    path("", views.urgent_list, name="list"),
    path("new/", views.urgent_new, name="new"),
    path("<int:pk>/", views.urgent_detail, name="detail"),
    path("<int:pk>/take/", views.urgent_take, name="take"),
    path("<int:pk>/steps/", views.urgent_step, name="step"),
    path("<int:pk>/estimate/", views.urgent_estimate, name="estimate"),
    path("<int:pk>/close/", views.urgent_close, name="close"),
]
