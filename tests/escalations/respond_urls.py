"""The site's URLs plus a stand-in for the response page ("respond"), which another part of
the product provides: only so the request email's link can be built and checked."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    *site_urlpatterns,
    path("respond/<str:token>/", lambda request, token: HttpResponse(token), name="respond"),
]
